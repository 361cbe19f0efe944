// SPDX-License-Identifier: Apache-2.0
/*
 * usb_iface — the interfaces a USB device presents and the driver they call
 * for (see usb_iface.h).
 */
#include "drivers/usb_iface.h"

#include <dirent.h>
#include <fcntl.h>
#include <libusb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "drivers/hidpos.h"

/* CDC's abstract control model (the control interface's subclass). */
#define CDC_SUBCLASS_ACM 0x02

/* Report descriptors are short; HID allows 4 KiB, scanners use < 200 bytes. */
#define REPORT_MAX 4096

static bool has_in_endpoint(const struct libusb_interface_descriptor *id, int type)
{
    for (int j = 0; j < id->bNumEndpoints; j++) {
        const struct libusb_endpoint_descriptor *ep = &id->endpoint[j];
        if ((ep->bEndpointAddress & LIBUSB_ENDPOINT_IN) && (ep->bmAttributes & 3) == type)
            return true;
    }
    return false;
}

static void first(int *slot, int ifnum)
{
    if (*slot < 0)
        *slot = ifnum;
}

void usb_iface_survey(const struct libusb_config_descriptor *cfg, usb_report_fn report, void *ud,
                      struct usb_offer *o)
{
    o->keyboard = o->hidpos = o->hid_unknown = o->hid_other = o->acm = o->printer = -1;
    bool acm_control = false;
    for (int i = 0; i < cfg->bNumInterfaces; i++)
        for (int a = 0; a < cfg->interface[i].num_altsetting; a++) {
            const struct libusb_interface_descriptor *id = &cfg->interface[i].altsetting[a];
            if (id->bInterfaceClass == LIBUSB_CLASS_COMM &&
                id->bInterfaceSubClass == CDC_SUBCLASS_ACM)
                acm_control = true;
        }
    for (int i = 0; i < cfg->bNumInterfaces; i++) {
        if (cfg->interface[i].num_altsetting < 1)
            continue;
        const struct libusb_interface_descriptor *id = &cfg->interface[i].altsetting[0];
        int n = id->bInterfaceNumber;
        switch (id->bInterfaceClass) {
        case LIBUSB_CLASS_HID: {
            if (!has_in_endpoint(id, LIBUSB_TRANSFER_TYPE_INTERRUPT))
                break;
            if (id->bInterfaceSubClass == 1 && id->bInterfaceProtocol == 1) {
                first(&o->keyboard, n);
                break;
            }
            uint8_t rd[REPORT_MAX];
            int len = report ? report(ud, n, rd, sizeof rd) : -1;
            if (len < 0)
                first(&o->hid_unknown, n);
            else if (hidpos_descriptor_is_pos(rd, (size_t)len))
                first(&o->hidpos, n);
            else /* a mouse, a touch screen, consumer keys: nothing to read */
                first(&o->hid_other, n);
            break;
        }
        case LIBUSB_CLASS_DATA:
            if (acm_control && has_in_endpoint(id, LIBUSB_TRANSFER_TYPE_BULK))
                first(&o->acm, n);
            break;
        case LIBUSB_CLASS_PRINTER:
            first(&o->printer, n);
            break;
        default:
            break;
        }
    }
}

static bool presents(const struct usb_offer *o, const char *drv)
{
    if (!strcmp(drv, "wedge"))
        return o->keyboard >= 0;
    if (!strcmp(drv, "hidpos")) /* an unknown HID interface beside a keyboard is
                                   most likely the scanner's configuration channel */
        return o->hidpos >= 0 || (o->hid_unknown >= 0 && o->keyboard < 0);
    if (!strcmp(drv, "acm"))
        return o->acm >= 0;
    if (!strcmp(drv, "escpos"))
        return o->printer >= 0;
    return false;
}

const char *usb_iface_choose(const struct usb_offer *o, const char *hint)
{
    if (hint && presents(o, hint))
        return hint;
    static const char *const order[] = {"escpos", "hidpos", "acm", "wedge"};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (presents(o, order[i]))
            return order[i];
    return NULL;
}

const char *usb_iface_why_none(const struct usb_offer *o, const char *hint)
{
    if (hint && !strcmp(hint, "hidpos") && o->hid_other >= 0)
        return "error: not in HID POS mode (no usage page 0x8C)";
    return "error: no scanner or printer interface";
}

bool usb_iface_is_scanner(const struct usb_offer *o)
{
    return o->hidpos >= 0;
}

void usb_iface_status(const struct usb_offer *o, cJSON *obj)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, "presents");
    if (!arr)
        return;
    const struct {
        int ifnum;
        const char *name;
    } v[] = {{o->keyboard, "keyboard"},   {o->hidpos, "hidpos"}, {o->hid_unknown, "hid"},
             {o->hid_other, "hid-other"}, {o->acm, "serial"},    {o->printer, "printer"}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (v[i].ifnum >= 0)
            cJSON_AddItemToArray(arr, cJSON_CreateString(v[i].name));
}

int usb_iface_sysfs_report(unsigned bus, const uint8_t *ports, int nports, int config, int ifnum,
                           uint8_t *buf, size_t cap)
{
    if (nports <= 0)
        return -1;
    char dir[160];
    int off = snprintf(dir, sizeof(dir), "/sys/bus/usb/devices/%u-", bus);
    for (int i = 0; i < nports && off > 0 && (size_t)off < sizeof(dir); i++)
        off += snprintf(dir + off, sizeof(dir) - (size_t)off, "%s%u", i ? "." : "", ports[i]);
    if (off <= 0 || (size_t)off >= sizeof(dir))
        return -1;
    snprintf(dir + off, sizeof(dir) - (size_t)off, ":%d.%d", config, ifnum);
    DIR *dh = opendir(dir);
    if (!dh)
        return -1;
    int len = -1;
    struct dirent *de;
    while (len < 0 && (de = readdir(dh))) {
        if (de->d_name[0] == '.' || !strchr(de->d_name, ':'))
            continue; /* the HID device is "0003:VVVV:PPPP.NNNN" */
        char path[sizeof(dir) + 300];
        snprintf(path, sizeof(path), "%s/%s/report_descriptor", dir, de->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t r = read(fd, buf, cap);
        close(fd);
        if (r >= 0)
            len = (int)r;
    }
    closedir(dh);
    return len;
}
