// SPDX-License-Identifier: Apache-2.0
/*
 * hidpos — the HID POS scanner driver and its report decoder (format in
 * hidpos.h). Scans are passed on byte for byte: no layout, no text decoding.
 */
#include "drivers/hidpos.h"

#include <libusb.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "drivers/driver.h"
#include "drivers/usb.h"
#include "firmware/base/log.h"
#include "firmware/runtime/loop.h"

/* A scan longer than this is garbage or an attack, not a badge. */
#define HIDPOS_SCAN_MAX (64u * 1024)

void hidpos_dec_init(struct hidpos_dec *h)
{
    memset(h, 0, sizeof(*h));
}

void hidpos_dec_free(struct hidpos_dec *h)
{
    buf_free(&h->data);
}

void hidpos_dec_reset(struct hidpos_dec *h)
{
    buf_reset(&h->data);
    h->aim[0] = 0;
}

int hidpos_dec_report(struct hidpos_dec *h, const uint8_t *r, size_t n)
{
    if (n < 5 || r[0] != 0x02)
        return 0;
    size_t len = r[1];
    if (len > HIDPOS_DATA_MAX)
        len = HIDPOS_DATA_MAX;
    if (5 + len > n)
        len = n - 5;
    if (!h->aim[0]) {
        memcpy(h->aim, r + 2, 3);
        h->aim[3] = 0;
    }
    if (h->data.len + len > HIDPOS_SCAN_MAX) {
        hidpos_dec_reset(h);
        return 0;
    }
    if (len && buf_add(&h->data, r + 5, len) < 0)
        return -1;
    bool more = n >= HIDPOS_REPORT_LEN && (r[HIDPOS_REPORT_LEN - 1] & 1);
    return more ? 0 : 1;
}

bool hidpos_descriptor_is_pos(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t b = p[i];
        if (b == 0xfe) { /* long item: size in the next byte */
            if (i + 1 >= n)
                break;
            i += 3 + (size_t)p[i + 1];
            continue;
        }
        size_t size = (b & 3) == 3 ? 4 : (b & 3);
        if (i + 1 + size > n)
            break;
        /* Usage Page is a global item: tag 0, type 1 (prefix 0000 01 ss). */
        if ((b & 0xfc) == 0x04 && size >= 1) {
            uint32_t v = 0;
            for (size_t k = 0; k < size; k++)
                v |= (uint32_t)p[i + 1 + k] << (8 * k);
            if (v == 0x8c)
                return true;
        }
        i += 1 + size;
    }
    return false;
}

static const struct {
    char code; /* the letter after ']' */
    const char *name;
} aim_names[] = {
    {'Q', "qr"},      {'L', "pdf417"},  {'d', "datamatrix"}, {'z', "aztec"},
    {'C', "code128"}, {'A', "code39"},  {'G', "code93"},     {'E', "ean"},
    {'I', "itf"},     {'F', "codabar"}, {'e', "databar"},    {'U', "maxicode"},
};

const char *hidpos_symbology(const char *aim)
{
    if (!aim || aim[0] != ']' || !aim[1])
        return NULL;
    for (size_t i = 0; i < sizeof(aim_names) / sizeof(aim_names[0]); i++)
        if (aim_names[i].code == aim[1])
            return aim_names[i].name;
    return NULL;
}

int hidpos_encode(const char *aim, const uint8_t *data, size_t n, struct buf *out)
{
    int count = 0;
    size_t off = 0;
    do {
        uint8_t r[HIDPOS_REPORT_LEN] = {0};
        size_t len = n - off > HIDPOS_DATA_MAX ? HIDPOS_DATA_MAX : n - off;
        r[0] = 0x02;
        r[1] = (uint8_t)len;
        memcpy(r + 2, aim, strnlen(aim, 3));
        memcpy(r + 5, data + off, len);
        off += len;
        if (off < n)
            r[HIDPOS_REPORT_LEN - 1] = 1;
        if (buf_add(out, r, sizeof(r)) < 0)
            return -1;
        count++;
    } while (off < n);
    return count;
}

/* --- the USB driver ----------------------------------------------------- */

static const struct usb_id hidpos_ids[] = {
    {0x0c2e, 0x0b61}, /* Honeywell Voyager 1450g, HID POS mode */
    {0x0c2e, 0x0b6a}, /* Honeywell Xenon 1900, HID POS mode */
    {0x05e0, 0x1300}, /* Zebra (Symbol) scanners, HID POS / SNAPI-less mode */
    {0, 0},
};

static int hidpos_probe(struct usb_dev *d, const struct libusb_config_descriptor *cfg,
                        struct err *e)
{
    for (int i = 0; i < cfg->bNumInterfaces; i++) {
        const struct libusb_interface_descriptor *id = &cfg->interface[i].altsetting[0];
        /* Not the boot keyboard: HID POS is a plain HID interface. */
        if (id->bInterfaceClass != LIBUSB_CLASS_HID || id->bInterfaceProtocol == 1)
            continue;
        for (int j = 0; j < id->bNumEndpoints; j++) {
            const struct libusb_endpoint_descriptor *ep = &id->endpoint[j];
            if ((ep->bEndpointAddress & LIBUSB_ENDPOINT_IN) &&
                (ep->bmAttributes & 3) == LIBUSB_TRANSFER_TYPE_INTERRUPT) {
                usb_dev_use_interface(d, id->bInterfaceNumber, ep->bEndpointAddress, false,
                                      HIDPOS_REPORT_LEN, 0);
                return 0;
            }
        }
    }
    return err_set(e, ERR_INVALID, "no HID POS interface");
}

static void on_report_descriptor(struct usb_dev *d, bool ok, const uint8_t *p, size_t n)
{
    struct hidpos_dec *h = usb_dev_priv(d);
    if (!ok) {
        /* Some scanners do not answer; their reports still tell. */
        log_warn("hidpos", "%s: no HID report descriptor; assuming HID POS mode", usb_dev_id(d));
        return;
    }
    if (!hidpos_descriptor_is_pos(p, n)) {
        h->not_pos = true;
        usb_dev_set_state(d, "error: not in HID POS mode (no usage page 0x8C)");
    }
}

static int hidpos_start(struct usb_dev *d, struct err *e)
{
    struct hidpos_dec *h = calloc(1, sizeof(*h));
    if (!h)
        return err_set(e, ERR_INTERNAL, "out of memory");
    hidpos_dec_init(h);
    usb_dev_set_priv(d, h);
    /* GET_DESCRIPTOR(Report) from the interface: standard request, IN. */
    struct err ce = {0};
    if (usb_dev_control_in(d, LIBUSB_RECIPIENT_INTERFACE, LIBUSB_REQUEST_GET_DESCRIPTOR,
                           (uint16_t)(LIBUSB_DT_REPORT << 8), (uint16_t)usb_dev_interface(d), 1024,
                           on_report_descriptor, &ce) < 0)
        log_warn("hidpos", "%s", ce.msg);
    return 0;
}

static void hidpos_input(struct usb_dev *d, const uint8_t *p, size_t n)
{
    struct hidpos_dec *h = usb_dev_priv(d);
    if (h->not_pos) {
        usb_dev_count_dropped(d);
        return;
    }
    int r = hidpos_dec_report(h, p, n);
    if (r < 0) {
        log_error("hidpos", "%s: out of memory", usb_dev_id(d));
        hidpos_dec_reset(h);
        return;
    }
    if (r == 1) {
        usb_dev_emit(d, hidpos_symbology(h->aim), (const uint8_t *)h->data.data, h->data.len);
        hidpos_dec_reset(h);
    }
}

static void hidpos_stop(struct usb_dev *d)
{
    struct hidpos_dec *h = usb_dev_priv(d);
    if (!h)
        return;
    if (h->data.len)
        usb_dev_count_dropped(d);
    hidpos_dec_free(h);
    free(h);
    usb_dev_set_priv(d, NULL);
}

const struct driver hidpos_driver = {
    .name = "hidpos",
    .kind = DRIVER_SCANNER,
    .ids = hidpos_ids,
    .probe = hidpos_probe,
    .start = hidpos_start,
    .input = hidpos_input,
    .stop = hidpos_stop,
};
