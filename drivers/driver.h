// SPDX-License-Identifier: Apache-2.0
/*
 * driver — the interface every USB scanner and printer driver implements,
 * and the per-device settings they read.
 *
 * usb.c owns the libusb side (open, kernel-driver detach, claim, one
 * interrupt/bulk IN reader that is resubmitted, one bulk OUT writer, stall
 * recovery, hot unplug) and calls the driver for what is specific to the
 * device class: choosing the interface, turning IN reports into scans,
 * building what goes OUT. Every driver is listed in drivers.c (driver_table).
 *
 * Everything here runs in the daemon's loop thread; nothing may block.
 */
#ifndef MB_DRIVER_H
#define MB_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/dev_conf.h"
#include "firmware/base/err.h"

struct cJSON;
struct usb_dev;
struct libusb_config_descriptor;

/* A VID:PID pair; pid DRIVER_ANY_PID matches every product of the vendor. */
struct usb_id {
    uint16_t vid, pid;
};
#define DRIVER_ANY_PID 0xffffu

enum driver_kind { DRIVER_SCANNER, DRIVER_PRINTER };

struct driver {
    const char *name; /* as written in the allow list and config */
    enum driver_kind kind;
    const struct usb_id *ids; /* models known to work, {0, 0}-terminated */
    /*
     * Picks the interface and endpoints in cfg (usb_dev_use_interface()).
     * Returns 0, or -1 with e when the device has no usable interface.
     */
    int (*probe)(struct usb_dev *d, const struct libusb_config_descriptor *cfg, struct err *e);
    /* Allocates driver state (usb_dev_set_priv) once the interface is
     * claimed and the IN reader runs. 0 or -1 with e. */
    int (*start)(struct usb_dev *d, struct err *e);
    /* One completed IN transfer (a HID report, a status byte …). */
    void (*input)(struct usb_dev *d, const uint8_t *p, size_t n);
    /* The last OUT transfer finished (ok false: failed, see usb_dev state). */
    void (*output_done)(struct usb_dev *d, bool ok);
    /* Frees driver state. The device may already be unplugged. */
    void (*stop)(struct usb_dev *d);
    /* Adds driver-specific members (layout, paper …) to a device's status. */
    void (*status)(struct usb_dev *d, struct cJSON *obj);
};

/* Every driver, NULL-terminated (drivers.c). */
extern const struct driver *const driver_table[];

/* The driver called name, or NULL. */
const struct driver *driver_find(const char *name);

/* The first driver whose id table lists vid:pid, or NULL. */
const struct driver *driver_match(uint16_t vid, uint16_t pid);

#endif
