// SPDX-License-Identifier: Apache-2.0
/*
 * test_usb_iface — choosing a scanner's driver from the interfaces it
 * presents (drivers/usb_iface.c), without USB: configuration descriptors
 * built here as libusb parses them, report descriptors from a callback.
 * The same model in keyboard, HID POS and serial mode; the allow list's
 * driver as a preference only; a touch screen and a keyboard never offered.
 */
#include <libusb.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "drivers/usb_iface.h"
#include "tests/tap.h"

static const struct libusb_endpoint_descriptor ep_int_in = {.bEndpointAddress = 0x81,
                                                            .bmAttributes = 3};
static const struct libusb_endpoint_descriptor ep_bulk[2] = {
    {.bEndpointAddress = 0x82, .bmAttributes = 2}, {.bEndpointAddress = 0x03, .bmAttributes = 2}};

static struct libusb_interface_descriptor intf(int n, int cls, int sub, int proto)
{
    struct libusb_interface_descriptor d = {.bInterfaceNumber = (uint8_t)n,
                                            .bInterfaceClass = (uint8_t)cls,
                                            .bInterfaceSubClass = (uint8_t)sub,
                                            .bInterfaceProtocol = (uint8_t)proto};
    if (cls == LIBUSB_CLASS_DATA) {
        d.bNumEndpoints = 2;
        d.endpoint = ep_bulk;
    } else {
        d.bNumEndpoints = 1;
        d.endpoint = &ep_int_in;
    }
    return d;
}

/* Report descriptors by interface number: 0x8C (scanner), digitizer, none. */
static const uint8_t pos_rd[] = {0x06, 0x8c, 0x00, 0x09, 0x02, 0xa1, 0x01, 0xc0};
static const uint8_t touch_rd[] = {0x05, 0x0d, 0x09, 0x04, 0xa1, 0x01, 0xc0};
static const char *reports[8]; /* "pos", "touch", or NULL: unknown */

static int report(void *ud, int ifnum, uint8_t *buf, size_t cap)
{
    const char *k = reports[ifnum];
    if (!k)
        return -1;
    const uint8_t *rd = !strcmp(k, "pos") ? pos_rd : touch_rd;
    size_t n = !strcmp(k, "pos") ? sizeof pos_rd : sizeof touch_rd;
    memcpy(buf, rd, n < cap ? n : cap);
    return (int)n;
}

/* Surveys a configuration of n interfaces. */
static void survey(struct libusb_interface_descriptor *ids, int n, struct usb_offer *o)
{
    struct libusb_interface ifs[8];
    for (int i = 0; i < n; i++)
        ifs[i] = (struct libusb_interface){.altsetting = &ids[i], .num_altsetting = 1};
    struct libusb_config_descriptor cfg = {.bNumInterfaces = (uint8_t)n, .interface = ifs};
    usb_iface_survey(&cfg, report, NULL, o);
}

static const char *nz(const char *s)
{
    return s ? s : "(none)";
}

int main(void)
{
    struct usb_offer o;
    struct libusb_interface_descriptor kbd[] = {intf(0, 3, 1, 1)};
    survey(kbd, 1, &o);
    is_str(nz(usb_iface_choose(&o, "hidpos")), "wedge",
           "a HID POS model presenting a boot keyboard is read as a wedge");
    is_str(nz(usb_iface_choose(&o, NULL)), "wedge", "unlisted keyboard: wedge if ever allowed");
    ok(!usb_iface_is_scanner(&o), "a keyboard is never offered as a scanner");

    struct libusb_interface_descriptor pos[] = {intf(0, 3, 0, 0)};
    reports[0] = "pos";
    survey(pos, 1, &o);
    is_str(nz(usb_iface_choose(&o, "wedge")), "hidpos",
           "a keyboard model presenting HID POS (usage page 0x8C) is read as HID POS");
    ok(usb_iface_is_scanner(&o), "an unlisted HID POS interface is a scanner to offer");

    reports[0] = "touch";
    survey(pos, 1, &o);
    is_str(nz(usb_iface_choose(&o, NULL)), "(none)", "a touch screen presents nothing to read");
    ok(!usb_iface_is_scanner(&o), "and is not offered");
    is_str(usb_iface_why_none(&o, "hidpos"), "error: not in HID POS mode (no usage page 0x8C)",
           "a HID POS model whose HID interface is something else says so");

    reports[0] = NULL;
    survey(pos, 1, &o);
    is_str(nz(usb_iface_choose(&o, "hidpos")), "hidpos",
           "unknown report descriptor, listed HID POS: hidpos (checked once claimed)");
    ok(!usb_iface_is_scanner(&o), "unknown descriptor: not offered");

    struct libusb_interface_descriptor both[] = {intf(0, 3, 1, 1), intf(1, 3, 0, 0)};
    reports[1] = "pos";
    survey(both, 2, &o);
    is_str(nz(usb_iface_choose(&o, NULL)), "hidpos", "keyboard and HID POS: HID POS preferred");
    is_str(nz(usb_iface_choose(&o, "wedge")), "wedge", "unless the configured driver is there");
    reports[1] = NULL;
    survey(both, 2, &o);
    is_str(nz(usb_iface_choose(&o, "hidpos")), "wedge",
           "keyboard beside an unknown HID interface (a configuration channel): wedge");

    struct libusb_interface_descriptor acm[] = {intf(0, LIBUSB_CLASS_COMM, 2, 1),
                                                intf(1, LIBUSB_CLASS_DATA, 0, 0)};
    survey(acm, 2, &o);
    is_str(nz(usb_iface_choose(&o, "hidpos")), "acm", "serial (CDC-ACM) mode: acm");
    ok(!usb_iface_is_scanner(&o), "an unlisted serial function is not offered (could be a modem)");
    struct libusb_interface_descriptor data_only[] = {intf(0, LIBUSB_CLASS_DATA, 0, 0)};
    survey(data_only, 1, &o);
    is_str(nz(usb_iface_choose(&o, NULL)), "(none)", "a data interface without ACM control: none");

    struct libusb_interface_descriptor prn[] = {intf(0, LIBUSB_CLASS_PRINTER, 1, 2)};
    survey(prn, 1, &o);
    is_str(nz(usb_iface_choose(&o, "escpos")), "escpos", "printer class: escpos");

    survey(both, 2, &o);
    cJSON *obj = cJSON_CreateObject();
    usb_iface_status(&o, obj);
    char *js = cJSON_PrintUnformatted(obj);
    is_str(js, "{\"presents\":[\"keyboard\",\"hid\"]}", "status lists what it presents");
    cJSON_free(js);
    cJSON_Delete(obj);
    return done_testing();
}
