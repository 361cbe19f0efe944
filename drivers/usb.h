// SPDX-License-Identifier: Apache-2.0
/*
 * usb — one libusb context driven by the daemon's loop: libusb's file
 * descriptors become loop fd watches, its next timeout a loop timer, and
 * events are handled with a zero timeout, so the loop thread never waits on
 * a device. Hotplug arrivals and departures are queued from libusb's callback
 * and handled on the next loop turn.
 *
 * A device is claimed only if the owner's match function says so (allow list
 * or config); others are never opened, and listed as "scanner found, not
 * enabled" when their interfaces present a HID POS scanner, else as
 * "ignored". The driver of a claimed device is chosen from the interfaces
 * it presents (usb_iface.h), its listed driver being a preference.
 */
#ifndef MB_USB_H
#define MB_USB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/driver.h"
#include "firmware/base/err.h"

struct loop;
struct usb;

struct usb_host {
    struct loop *loop;
    /*
     * Decides whether vid:pid may be claimed. Returns 1 and fills out (a
     * dev_conf the callee initialised; usb owns it afterwards), or 0 to leave
     * the device alone.
     */
    int (*match)(void *ud, uint16_t vid, uint16_t pid, struct dev_conf *out);
    /* A complete scan from a scanner (borrowed). */
    void (*scan)(void *ud, struct usb_dev *d, const char *symbology, const uint8_t *p, size_t n);
    /* A device appeared, changed state, or left (d is still valid). */
    void (*changed)(void *ud, struct usb_dev *d);
    void *ud;
    /* A printer's slip job (struct slip's job) ended: printed (ok), or
     * failed for why. May be NULL. */
    void (*printed)(void *ud, struct usb_dev *d, int64_t job, bool ok, const char *why);
};

/*
 * Creates the libusb context, hooks it into host->loop and registers for
 * hotplug (devices already present are enumerated on the next loop turn).
 * NULL with e (libusb_strerror passed through) on failure.
 */
struct usb *usb_new(const struct usb_host *host, struct err *e);

/* Cancels every transfer, gives HID devices back to the kernel, closes
 * everything. May wait up to ~1 s for cancellations (shutdown only). */
void usb_free(struct usb *u);

/* The device record with id ("usb:0c2e:0b61@1-3") still on the bus, or NULL. */
struct usb_dev *usb_find(struct usb *u, const char *id);

/*
 * Takes device id, left alone so far (ignored or offered), as newly
 * arrived: the host's match function is asked again, and the device is
 * claimed if it now says yes. Returns 1, or 0 when there is no such
 * untouched device. The record d for id is replaced (find it again).
 */
int usb_reconsider(struct usb *u, const char *id);

/* Calls fn for each device known (claimed, ignored, failed), in arrival order. */
void usb_each(struct usb *u, void (*fn)(struct usb_dev *d, void *ud), void *ud);

/* The first printer that is attached and usable, or NULL. */
struct usb_dev *usb_printer(struct usb *u);

/*
 * Adds the device's members (id, vid, pid, kind, driver, state, counters,
 * "presents": the interfaces it offers) to obj. A scanner offered to staff
 * also gets "enabled": false and "enable": "devices-enable" (the control
 * command that admits it).
 */
void usb_dev_status(struct usb_dev *d, struct cJSON *obj);

/* --- for drivers ------------------------------------------------------- */

/* Settings (allow list + config). Never NULL. */
const struct dev_conf *usb_dev_conf(const struct usb_dev *d);
/* "usb:0c2e:0b61@1-1.2" (bus-port path). */
const char *usb_dev_id(const struct usb_dev *d);
struct loop *usb_dev_loop(const struct usb_dev *d);
const struct driver *usb_dev_driver(const struct usb_dev *d);
bool usb_dev_attached(const struct usb_dev *d);

/* The interface number the driver chose in probe. */
int usb_dev_interface(const struct usb_dev *d);

void usb_dev_set_priv(struct usb_dev *d, void *priv);
void *usb_dev_priv(const struct usb_dev *d);

/*
 * Chooses interface number iface; ep_in (0: none) is read continuously with
 * reports of in_size bytes (interrupt or bulk per in_bulk); ep_out (0: none)
 * is the bulk OUT endpoint for usb_dev_write().
 */
void usb_dev_use_interface(struct usb_dev *d, int iface, uint8_t ep_in, bool in_bulk, int in_size,
                           uint8_t ep_out);

/*
 * Sends n bytes (copied) on the OUT endpoint with timeout_ms. One write at a
 * time: ERR_BUSY while another is in flight; ERR_IO if the device is gone.
 * Completion is reported through driver->output_done.
 */
int usb_dev_write(struct usb_dev *d, const uint8_t *p, size_t n, unsigned timeout_ms,
                  struct err *e);
bool usb_dev_writing(const struct usb_dev *d);

/* Completion of usb_dev_control_in(): ok false on error/timeout (p NULL). */
typedef void (*usb_control_fn)(struct usb_dev *d, bool ok, const uint8_t *p, size_t n);

/*
 * Sends a control IN request (reqtype: type and recipient bits, the IN
 * direction is added) reading up to len bytes, with a 2 s timeout. One at a
 * time (ERR_BUSY). done runs in the loop thread unless the device went away.
 */
int usb_dev_control_in(struct usb_dev *d, uint8_t reqtype, uint8_t request, uint16_t value,
                       uint16_t index, uint16_t len, usb_control_fn done, struct err *e);

/* Hands a complete scan to the host. */
void usb_dev_emit(struct usb_dev *d, const char *symbology, const uint8_t *p, size_t n);

/* The driver proposed for a scanner offered to staff, or NULL. */
const char *usb_dev_proposed(const struct usb_dev *d);
void usb_dev_vidpid(const struct usb_dev *d, uint16_t *vid, uint16_t *pid);

/* Tells the host that slip job ended: printed (ok), or failed for why. */
void usb_dev_printed(struct usb_dev *d, int64_t job, bool ok, const char *why);

/* Sets the state text ("ready", "paper out" …) and tells the host if it
 * changed. A driver's start() may set one (a printer "checking" until its
 * first status answer); else the device is "ready" once started. */
void usb_dev_set_state(struct usb_dev *d, const char *state);
const char *usb_dev_state(const struct usb_dev *d);

/* Counts a scan dropped by the driver (incomplete, overlong). */
void usb_dev_count_dropped(struct usb_dev *d);

#endif
