// SPDX-License-Identifier: Apache-2.0
/*
 * usb_iface — what a USB device presents, and so which driver reads it.
 *
 * Scanners switch between keyboard, HID POS and serial (CDC-ACM) modes when
 * staff scan a programming code, keeping their VID:PID or not, and no
 * vendor's id table is ever complete. So the driver is chosen from the
 * interfaces the device presents: a HID boot keyboard is a keyboard wedge, a
 * HID interface whose report descriptor declares usage page 0x8C (Bar Code
 * Scanner) is HID POS, a CDC data interface next to an ACM control
 * interface is a serial scanner, a printer-class interface an ESC/POS
 * printer. The allow list's driver is only a preference among what is
 * there (and its model, suffix and layout quirks still apply).
 *
 * Pure functions over a configuration descriptor; the report descriptors
 * come from a callback (usb.c reads them from sysfs, where the kernel's HID
 * driver publishes them without the interface being claimed).
 */
#ifndef MB_USB_IFACE_H
#define MB_USB_IFACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct libusb_config_descriptor;
struct cJSON;

/* What a device's interfaces offer (first interface number of each, or -1). */
struct usb_offer {
    int keyboard;    /* HID boot keyboard (class 3, subclass 1, protocol 1) */
    int hidpos;      /* HID, report descriptor with usage page 0x8C */
    int hid_unknown; /* HID, not a boot keyboard, report descriptor unknown */
    int hid_other;   /* HID whose report descriptor is not a scanner's (mouse, touch) */
    int acm;         /* CDC data interface of an ACM function */
    int printer;     /* printer class */
};

/*
 * Reads interface ifnum's HID report descriptor into buf (cap bytes).
 * Returns its length, or -1 when it cannot be known.
 */
typedef int (*usb_report_fn)(void *ud, int ifnum, uint8_t *buf, size_t cap);

/* Fills o from cfg; report (may be NULL) is asked for non-boot HID interfaces. */
void usb_iface_survey(const struct libusb_config_descriptor *cfg, usb_report_fn report, void *ud,
                      struct usb_offer *o);

/*
 * The driver name for what o offers: hint (the allow list's or config's
 * driver, may be NULL) when the device presents an interface for it, else
 * the first of escpos, hidpos, acm, wedge it presents (HID POS before the
 * keyboard: bytes as sent, no layout). An interface whose report descriptor
 * is unknown counts for hidpos, which checks it once claimed. NULL when the
 * device presents nothing a driver reads.
 */
const char *usb_iface_choose(const struct usb_offer *o, const char *hint);

/*
 * Whether a device nobody listed presents a scanner interface worth offering
 * to staff: HID POS only (its report descriptor says "bar-code scanner").
 * A keyboard is never offered (the kiosk's own keyboard is one), nor is a
 * serial function (modems, boards), nor anything whose descriptor is unknown.
 */
bool usb_iface_is_scanner(const struct usb_offer *o);

/*
 * Why a device allowed with driver hint presents nothing to read, as a
 * device state ("error: not in HID POS mode (no usage page 0x8C)" for a HID
 * POS model whose HID interface is something else).
 */
const char *usb_iface_why_none(const struct usb_offer *o, const char *hint);

/*
 * The HID report descriptor the kernel's HID driver publishes in sysfs for
 * interface ifnum of configuration config of the device at bus, ports
 * (/sys/bus/usb/devices/<bus>-<p1>.<p2>:<config>.<ifnum>/<hid>/report_descriptor),
 * read without claiming anything, so a device that is not ours (a touch
 * screen) is never disturbed. Returns its length (at most cap bytes), or
 * -1 when there is none (no HID driver bound yet).
 */
int usb_iface_sysfs_report(unsigned bus, const uint8_t *ports, int nports, int config, int ifnum,
                           uint8_t *buf, size_t cap);

/* Adds "presents": ["keyboard", "hidpos", …] to obj. */
void usb_iface_status(const struct usb_offer *o, struct cJSON *obj);

#endif
