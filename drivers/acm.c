// SPDX-License-Identifier: Apache-2.0
/*
 * acm — scanners in USB serial (CDC-ACM) mode, read through libusb.
 *
 * A scanner switched to its "USB serial" mode keeps its place on the bus but
 * presents a CDC-ACM function: a control interface and a data interface
 * with bulk endpoints. Reading the data interface's bulk IN endpoint here
 * (the kernel's cdc_acm is detached from it, as usbhid is for a wedge)
 * keeps the scanner in the daemon's USB code: hotplug, the allow list,
 * quirks and status are the same as in its other modes, and no /dev/ttyACM
 * path has to be configured. Scans are cut like the termios source's
 * (lineframe.h): at the configured suffix, or after gap_ms of silence.
 *
 * No line coding or DTR is sent: scanners in this mode send whatever the
 * host's settings, and a kernel that bound cdc_acm before set them anyway.
 */
#include <libusb.h>
#include <stdlib.h>

#include "drivers/driver.h"
#include "drivers/lineframe.h"
#include "drivers/usb.h"
#include "firmware/base/log.h"
#include "firmware/runtime/loop.h"

/* One bulk IN transfer: longer than a packet, so a burst needs few. */
#define ACM_READ_SIZE 512

struct acm {
    struct lineframe frame;
    struct loop_timer *gap;
};

static const struct usb_id acm_ids[] = {{0, 0}}; /* chosen by interface only */

static int acm_probe(struct usb_dev *d, const struct libusb_config_descriptor *cfg, struct err *e)
{
    for (int i = 0; i < cfg->bNumInterfaces; i++) {
        const struct libusb_interface_descriptor *id = &cfg->interface[i].altsetting[0];
        if (id->bInterfaceClass != LIBUSB_CLASS_DATA)
            continue;
        for (int j = 0; j < id->bNumEndpoints; j++) {
            const struct libusb_endpoint_descriptor *ep = &id->endpoint[j];
            if ((ep->bEndpointAddress & LIBUSB_ENDPOINT_IN) &&
                (ep->bmAttributes & 3) == LIBUSB_TRANSFER_TYPE_BULK) {
                usb_dev_use_interface(d, id->bInterfaceNumber, ep->bEndpointAddress, true,
                                      ACM_READ_SIZE, 0);
                return 0;
            }
        }
    }
    return err_set(e, ERR_INVALID, "no CDC-ACM data interface");
}

static void on_scan(void *ud, const uint8_t *p, size_t n, bool complete)
{
    struct usb_dev *d = ud;
    if (complete) {
        usb_dev_emit(d, NULL, p, n);
        return;
    }
    usb_dev_count_dropped(d);
    log_warn("acm", "%s: incomplete scan dropped (%zu bytes)", usb_dev_id(d), n);
}

static void on_gap(struct loop *l, void *ud)
{
    struct usb_dev *d = ud;
    struct acm *a = usb_dev_priv(d);
    /* Without a terminator silence ends a scan; with one it means the scan
     * broke off. */
    lineframe_flush(&a->frame, usb_dev_conf(d)->suffix == 0, on_scan, d);
}

static int acm_start(struct usb_dev *d, struct err *e)
{
    struct acm *a = calloc(1, sizeof(*a));
    if (!a)
        return err_set(e, ERR_INTERNAL, "out of memory");
    a->frame.suffix = usb_dev_conf(d)->suffix;
    a->gap = loop_timer_add(usb_dev_loop(d), 3600u * 1000, on_gap, d);
    if (!a->gap) {
        free(a);
        return err_set(e, ERR_INTERNAL, "out of memory");
    }
    usb_dev_set_priv(d, a);
    return 0;
}

static void acm_input(struct usb_dev *d, const uint8_t *p, size_t n)
{
    struct acm *a = usb_dev_priv(d);
    lineframe_feed(&a->frame, p, n, on_scan, d);
    int gap = usb_dev_conf(d)->gap_ms;
    if (lineframe_pending(&a->frame) && gap > 0)
        loop_timer_reset(a->gap, (uint64_t)gap);
}

static void acm_stop(struct usb_dev *d)
{
    struct acm *a = usb_dev_priv(d);
    if (!a)
        return;
    lineframe_flush(&a->frame, false, on_scan, d);
    lineframe_free(&a->frame);
    loop_timer_del(a->gap);
    free(a);
    usb_dev_set_priv(d, NULL);
}

const struct driver acm_driver = {
    .name = "acm",
    .kind = DRIVER_SCANNER,
    .ids = acm_ids,
    .probe = acm_probe,
    .start = acm_start,
    .input = acm_input,
    .stop = acm_stop,
};
