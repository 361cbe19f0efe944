// SPDX-License-Identifier: Apache-2.0
/*
 * emu — umockdev-based emulation of scanners and printers (see emu.h).
 */
#include "tests/usb/emu.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
/* sys/ioctl.h first, or the USBDEVFS_* macros do not expand. */
#include <sys/ioctl.h>
#include <linux/usbdevice_fs.h>

struct flying {
    UMockdevIoctlData *urb, *buf;
    uint8_t ep;
    int len;
    int status, actual; /* for URBs finished at submit (OUT, control) */
};

struct item {
    GBytes *data; /* NULL: a stall */
};

struct emu {
    UMockdevTestbed *tb;
    UMockdevIoctlBase *h;
    enum emu_kind kind;
    uint16_t vid, pid;
    int port;
    char node[64], syspath[128];
    GMutex mu;
    bool gone, plugged, bound;
    GList *flying;    /* struct flying*, IN URBs waiting for data */
    GQueue done;      /* struct flying*, finished OUT URBs */
    GQueue discarded; /* struct flying* */
    GQueue in;        /* struct item* */
    GByteArray *out;
    bool answers;
    uint8_t cause, paper;
    uint64_t last_ns;
    GBytes *report_desc;
    int n_ioctl, n_detach, n_attach, n_claim, n_release, n_clear, n_discard;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void flying_free(struct flying *f)
{
    if (!f)
        return;
    g_object_unref(f->urb);
    g_object_unref(f->buf);
    g_free(f);
}

/* Hands f back to the program through the REAP ioctl's pointer argument. */
static void reap_with(UMockdevIoctlClient *c, struct flying *f, int status, const uint8_t *data,
                      size_t n)
{
    struct usbdevfs_urb *u = (struct usbdevfs_urb *)f->urb->data;
    if (data && n) {
        if (n > (size_t)f->len)
            n = (size_t)f->len;
        memcpy(f->buf->data, data, n);
    }
    u->actual_length = (int)n;
    u->status = status;
    UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(c);
    UMockdevIoctlData *slot = umockdev_ioctl_data_resolve(arg, 0, sizeof(gpointer), NULL);
    umockdev_ioctl_data_set_ptr(slot, 0, f->urb);
    g_object_unref(slot);
    umockdev_ioctl_client_complete(c, 0, 0);
    flying_free(f);
}

/* Printer: answer DLE EOT n queries found in a short write. */
static void answer_status(struct emu *e, const uint8_t *p, size_t n)
{
    if (e->kind != EMU_PRINTER || !e->answers || n > 16)
        return;
    for (size_t i = 0; i + 2 < n; i++) {
        if (p[i] == 0x10 && p[i + 1] == 0x04) {
            uint8_t b = p[i + 2] == 4 ? e->paper : e->cause;
            struct item *it = g_new0(struct item, 1);
            it->data = g_bytes_new(&b, 1);
            g_queue_push_tail(&e->in, it);
            i += 2;
        }
    }
}

static gboolean on_ioctl(UMockdevIoctlBase *h, UMockdevIoctlClient *c, gpointer ud)
{
    struct emu *e = ud;
    gulong req = umockdev_ioctl_client_get_request(c);
    UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(c);
    g_mutex_lock(&e->mu);
    e->n_ioctl++;
    if (e->gone && req != USBDEVFS_REAPURBNDELAY && req != USBDEVFS_REAPURB) {
        umockdev_ioctl_client_complete(c, -1, ENODEV);
        goto out;
    }
    switch (req) {
    case USBDEVFS_GET_CAPABILITIES: {
        UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, sizeof(guint32), NULL);
        *(guint32 *)d->data = USBDEVFS_CAP_BULK_SCATTER_GATHER | USBDEVFS_CAP_BULK_CONTINUATION |
                              USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_REAP_AFTER_DISCONNECT |
                              USBDEVFS_CAP_ZERO_PACKET;
        g_object_unref(d);
        umockdev_ioctl_client_complete(c, 0, 0);
        break;
    }
    case USBDEVFS_GETDRIVER: {
        UMockdevIoctlData *d =
            umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_getdriver), NULL);
        struct usbdevfs_getdriver *gd = (struct usbdevfs_getdriver *)d->data;
        if (e->bound) {
            snprintf(gd->driver, sizeof(gd->driver), "%s",
                     e->kind == EMU_PRINTER ? "usblp"
                     : e->kind == EMU_ACM   ? "cdc_acm"
                                            : "usbhid");
            umockdev_ioctl_client_complete(c, 0, 0);
        } else {
            umockdev_ioctl_client_complete(c, -1, ENODATA);
        }
        g_object_unref(d);
        break;
    }
    case USBDEVFS_IOCTL: {
        UMockdevIoctlData *d =
            umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_ioctl), NULL);
        struct usbdevfs_ioctl *io = (struct usbdevfs_ioctl *)d->data;
        if (io->ioctl_code == (int)USBDEVFS_DISCONNECT) {
            e->n_detach++;
            e->bound = false;
            umockdev_ioctl_client_complete(c, 0, 0);
        } else if (io->ioctl_code == (int)USBDEVFS_CONNECT) {
            e->n_attach++;
            e->bound = true;
            umockdev_ioctl_client_complete(c, 0, 0);
        } else {
            umockdev_ioctl_client_complete(c, -1, ENOTTY);
        }
        g_object_unref(d);
        break;
    }
    case USBDEVFS_CLAIMINTERFACE:
        e->n_claim++;
        umockdev_ioctl_client_complete(c, e->bound ? -1 : 0, e->bound ? EBUSY : 0);
        break;
    case USBDEVFS_RELEASEINTERFACE:
        e->n_release++;
        umockdev_ioctl_client_complete(c, 0, 0);
        break;
    case USBDEVFS_CLEAR_HALT:
        e->n_clear++;
        umockdev_ioctl_client_complete(c, 0, 0);
        break;
    case USBDEVFS_RESETEP:
    case USBDEVFS_SETINTERFACE:
        umockdev_ioctl_client_complete(c, 0, 0);
        break;
    case USBDEVFS_SUBMITURB: {
        UMockdevIoctlData *urb =
            umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_urb), NULL);
        struct usbdevfs_urb *u = (struct usbdevfs_urb *)urb->data;
        struct flying *f = g_new0(struct flying, 1);
        f->urb = urb;
        f->len = u->buffer_length;
        f->ep = u->endpoint;
        f->buf = umockdev_ioctl_data_resolve(urb, G_STRUCT_OFFSET(struct usbdevfs_urb, buffer),
                                             (gsize)u->buffer_length, NULL);
        if (u->type == USBDEVFS_URB_TYPE_CONTROL) {
            /* Only GET_DESCRIPTOR(Report) from the interface is known. */
            const uint8_t *st = f->buf->data;
            gsize dn = 0;
            const uint8_t *desc = e->report_desc ? g_bytes_get_data(e->report_desc, &dn) : NULL;
            if (f->len >= 8 && st[0] == 0x81 && st[1] == 6 && st[3] == 0x22 && desc) {
                size_t want = (size_t)(st[6] | st[7] << 8);
                size_t n = dn < want ? dn : want;
                if (n > (size_t)f->len - 8)
                    n = (size_t)f->len - 8;
                memcpy(f->buf->data + 8, desc, n);
                f->actual = (int)n;
            } else {
                f->status = -EPIPE;
            }
            g_queue_push_tail(&e->done, f);
        } else if (!(f->ep & 0x80)) {
            g_byte_array_append(e->out, f->buf->data, (guint)f->len);
            answer_status(e, f->buf->data, (size_t)f->len);
            f->actual = f->len;
            g_queue_push_tail(&e->done, f);
        } else {
            e->flying = g_list_append(e->flying, f);
        }
        umockdev_ioctl_client_complete(c, 0, 0);
        break;
    }
    case USBDEVFS_DISCARDURB: {
        gulong addr = (gulong) * (void **)arg->data;
        GList *l = e->flying;
        while (l && ((struct flying *)l->data)->urb->client_addr != addr)
            l = l->next;
        if (l) {
            e->n_discard++;
            g_queue_push_tail(&e->discarded, l->data);
            e->flying = g_list_delete_link(e->flying, l);
            umockdev_ioctl_client_complete(c, 0, 0);
        } else {
            umockdev_ioctl_client_complete(c, -1, EINVAL);
        }
        break;
    }
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY: {
        struct flying *f = g_queue_pop_head(&e->discarded);
        if (f) {
            reap_with(c, f, -ENOENT, NULL, 0);
            break;
        }
        if ((f = g_queue_pop_head(&e->done))) {
            reap_with(c, f, f->status, NULL, (size_t)f->actual);
            break;
        }
        if (e->gone) {
            if (e->flying) {
                f = e->flying->data;
                e->flying = g_list_delete_link(e->flying, e->flying);
                reap_with(c, f, -ENODEV, NULL, 0);
            } else {
                umockdev_ioctl_client_complete(c, -1, ENODEV);
            }
            break;
        }
        struct item *it = g_queue_peek_head(&e->in);
        GList *l = e->flying;
        while (it && l && !(((struct flying *)l->data)->ep & 0x80))
            l = l->next;
        if (it && l) {
            g_queue_pop_head(&e->in);
            f = l->data;
            e->flying = g_list_delete_link(e->flying, l);
            e->last_ns = now_ns();
            if (it->data) {
                gsize n;
                const uint8_t *p = g_bytes_get_data(it->data, &n);
                reap_with(c, f, 0, p, n);
                g_bytes_unref(it->data);
            } else {
                reap_with(c, f, -EPIPE, NULL, 0);
            }
            g_free(it);
            break;
        }
        umockdev_ioctl_client_complete(c, -1, EAGAIN);
        break;
    }
    default:
        fprintf(stderr, "# emu %s: unhandled ioctl 0x%lx\n", e->node, req);
        umockdev_ioctl_client_complete(c, -1, ENOTTY);
        break;
    }
out:
    g_mutex_unlock(&e->mu);
    return TRUE;
}

struct emu *emu_new(UMockdevTestbed *tb, enum emu_kind kind, uint16_t vid, uint16_t pid, int port)
{
    struct emu *e = g_new0(struct emu, 1);
    e->tb = tb;
    e->kind = kind;
    e->vid = vid;
    e->pid = pid;
    e->port = port;
    e->bound = true;
    e->answers = true;
    e->cause = e->paper = 0x12;
    e->out = g_byte_array_new();
    g_mutex_init(&e->mu);
    g_queue_init(&e->done);
    g_queue_init(&e->discarded);
    g_queue_init(&e->in);
    if (kind == EMU_HIDPOS) {
        /* Usage Page (Bar Code Scanner 0x8C), Usage 2, Collection, Report
         * ID 2, 63 bytes of input. */
        static const uint8_t pos_desc[] = {0x06, 0x8c, 0x00, 0x09, 0x02, 0xa1, 0x01, 0x85,
                                           0x02, 0x15, 0x00, 0x26, 0xff, 0x00, 0x75, 0x08,
                                           0x95, 0x3f, 0x09, 0xfe, 0x81, 0x02, 0xc0};
        e->report_desc = g_bytes_new_static(pos_desc, sizeof(pos_desc));
    } else if (kind == EMU_KEYBOARD) {
        /* The start of a boot keyboard's descriptor: Generic Desktop, Keyboard. */
        static const uint8_t kbd_desc[] = {0x05, 0x01, 0x09, 0x06, 0xa1, 0x01, 0x05, 0x07,
                                           0x19, 0xe0, 0x29, 0xe7, 0x15, 0x00, 0x25, 0x01,
                                           0x75, 0x01, 0x95, 0x08, 0x81, 0x02, 0xc0};
        e->report_desc = g_bytes_new_static(kbd_desc, sizeof(kbd_desc));
    }
    snprintf(e->node, sizeof(e->node), "/dev/bus/usb/001/%03d", port + 1);
    snprintf(e->syspath, sizeof(e->syspath), "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-%d",
             port);
    e->h = umockdev_ioctl_base_new();
    g_signal_connect(e->h, "handle-ioctl", G_CALLBACK(on_ioctl), e);
    GError *err = NULL;
    if (!umockdev_testbed_attach_ioctl(tb, e->node, e->h, &err)) {
        fprintf(stderr, "# emu: attach %s: %s\n", e->node, err->message);
        g_error_free(err);
    }
    return e;
}

static void descriptors(struct emu *e, GString *hex)
{
    uint8_t dd[18] = {0x12,
                      0x01,
                      0x00,
                      0x02,
                      0,
                      0,
                      0,
                      0x40,
                      (uint8_t)(e->vid & 0xff),
                      (uint8_t)(e->vid >> 8),
                      (uint8_t)(e->pid & 0xff),
                      (uint8_t)(e->pid >> 8),
                      0x00,
                      0x01,
                      0,
                      0,
                      0,
                      0x01};
    static const uint8_t kbd[] = {0x09, 0x02, 0x22, 0x00, 0x01, 0x01, 0x00, 0xa0, 0x32,
                                  0x09, 0x04, 0x00, 0x00, 0x01, 0x03, 0x01, 0x01, 0x00,
                                  0x09, 0x21, 0x11, 0x01, 0x00, 0x01, 0x22, 0x3f, 0x00,
                                  0x07, 0x05, 0x81, 0x03, 0x08, 0x00, 0x0a};
    static const uint8_t pos[] = {0x09, 0x02, 0x22, 0x00, 0x01, 0x01, 0x00, 0xa0, 0x32,
                                  0x09, 0x04, 0x00, 0x00, 0x01, 0x03, 0x00, 0x00, 0x00,
                                  0x09, 0x21, 0x11, 0x01, 0x00, 0x01, 0x22, 0x30, 0x00,
                                  0x07, 0x05, 0x81, 0x03, 0x40, 0x00, 0x01};
    static const uint8_t prn[] = {0x09, 0x02, 0x20, 0x00, 0x01, 0x01, 0x00, 0xc0, 0x00, 0x09, 0x04,
                                  0x00, 0x00, 0x02, 0x07, 0x01, 0x02, 0x00, 0x07, 0x05, 0x01, 0x02,
                                  0x40, 0x00, 0x00, 0x07, 0x05, 0x82, 0x02, 0x40, 0x00, 0x00};
    /* CDC-ACM: control interface (interrupt IN 0x83), data interface (bulk
     * IN 0x81, bulk OUT 0x02). */
    static const uint8_t acm[] = {0x09, 0x02, 0x30, 0x00, 0x02, 0x01, 0x00, 0x80, 0x32, 0x09,
                                  0x04, 0x00, 0x00, 0x01, 0x02, 0x02, 0x01, 0x00, 0x07, 0x05,
                                  0x83, 0x03, 0x08, 0x00, 0x10, 0x09, 0x04, 0x01, 0x00, 0x02,
                                  0x0a, 0x00, 0x00, 0x00, 0x07, 0x05, 0x81, 0x02, 0x40, 0x00,
                                  0x00, 0x07, 0x05, 0x02, 0x02, 0x40, 0x00, 0x00};
    const uint8_t *cfg = e->kind == EMU_KEYBOARD ? kbd
                         : e->kind == EMU_HIDPOS ? pos
                         : e->kind == EMU_ACM    ? acm
                                                 : prn;
    size_t n = e->kind == EMU_KEYBOARD ? sizeof(kbd)
               : e->kind == EMU_HIDPOS ? sizeof(pos)
               : e->kind == EMU_ACM    ? sizeof(acm)
                                       : sizeof(prn);
    for (size_t i = 0; i < sizeof(dd); i++)
        g_string_append_printf(hex, "%02x", dd[i]);
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(hex, "%02x", cfg[i]);
}

/* Interface 0 and the HID device usbhid would create under it, with the
 * report descriptor, where drivers find it without claiming anything
 * (umockdev links the interface into /sys/bus/usb/devices). */
static void add_hid_sysfs(struct emu *e)
{
    GString *hex = g_string_new("");
    g_mutex_lock(&e->mu);
    gsize dn = 0;
    const uint8_t *desc = e->report_desc ? g_bytes_get_data(e->report_desc, &dn) : NULL;
    for (gsize i = 0; i < dn; i++)
        g_string_append_printf(hex, "%02x", desc[i]);
    g_mutex_unlock(&e->mu);
    const char *dev = e->syspath + strlen("/sys");
    char *s = g_strdup_printf("P: %s/1-%d:1.0\n"
                              "E: SUBSYSTEM=usb\n"
                              "E: DEVTYPE=usb_interface\n"
                              "A: bInterfaceNumber=00\\n\n"
                              "\n"
                              "P: %s/1-%d:1.0/0003:%04X:%04X.%04X\n"
                              "E: SUBSYSTEM=hid\n"
                              "H: report_descriptor=%s\n"
                              "\n",
                              dev, e->port, dev, e->port, e->vid, e->pid, e->port, hex->str);
    GError *err = NULL;
    if (!umockdev_testbed_add_from_string(e->tb, s, &err)) {
        fprintf(stderr, "# emu: add HID sysfs of %s: %s\n", e->node, err->message);
        g_error_free(err);
    }
    g_free(s);
    g_string_free(hex, TRUE);
}

void emu_plug(struct emu *e)
{
    GString *hex = g_string_new("");
    descriptors(e, hex);
    char *s = g_strdup_printf("P: %s\n"
                              "N: bus/usb/001/%03d\n"
                              "E: SUBSYSTEM=usb\n"
                              "E: DEVTYPE=usb_device\n"
                              "E: DEVNAME=%s\n"
                              "E: BUSNUM=001\n"
                              "E: DEVNUM=%03d\n"
                              "A: busnum=1\\n\n"
                              "A: devnum=%d\\n\n"
                              "A: speed=12\\n\n"
                              "A: bConfigurationValue=1\\n\n"
                              "H: descriptors=%s\n"
                              "\n",
                              e->syspath + strlen("/sys"), e->port + 1, e->node, e->port + 1,
                              e->port + 1, hex->str);
    g_mutex_lock(&e->mu);
    e->gone = false;
    e->bound = true;
    e->plugged = true;
    g_mutex_unlock(&e->mu);
    /* The HID nodes first: the device's "add" uevent may be handled at
     * once, and what it presents must be readable by then. */
    if (e->kind == EMU_KEYBOARD || e->kind == EMU_HIDPOS)
        add_hid_sysfs(e);
    GError *err = NULL;
    if (!umockdev_testbed_add_from_string(e->tb, s, &err)) {
        fprintf(stderr, "# emu: add %s: %s\n", e->node, err->message);
        g_error_free(err);
    }
    g_free(s);
    g_string_free(hex, TRUE);
}

void emu_unplug(struct emu *e)
{
    g_mutex_lock(&e->mu);
    e->gone = true;
    while (!g_queue_is_empty(&e->in)) {
        struct item *it = g_queue_pop_head(&e->in);
        if (it->data)
            g_bytes_unref(it->data);
        g_free(it);
    }
    g_mutex_unlock(&e->mu);
    umockdev_testbed_uevent(e->tb, e->syspath, "remove");
}

void emu_remove(struct emu *e)
{
    if (!e->plugged)
        return;
    if (e->kind == EMU_KEYBOARD || e->kind == EMU_HIDPOS) {
        /* Children first: removing the device leaves their bus links. */
        char *hid = g_strdup_printf("%s/1-%d:1.0/0003:%04X:%04X.%04X", e->syspath, e->port, e->vid,
                                    e->pid, e->port);
        char *intf = g_strdup_printf("%s/1-%d:1.0", e->syspath, e->port);
        umockdev_testbed_remove_device(e->tb, hid);
        umockdev_testbed_remove_device(e->tb, intf);
        g_free(hid);
        g_free(intf);
    }
    umockdev_testbed_remove_device(e->tb, e->syspath);
    e->plugged = false;
}

void emu_free(struct emu *e)
{
    if (!e)
        return;
    GError *err = NULL;
    umockdev_testbed_detach_ioctl(e->tb, e->node, &err);
    if (err)
        g_error_free(err);
    g_object_unref(e->h);
    g_list_free_full(e->flying, (GDestroyNotify)flying_free);
    g_queue_clear_full(&e->done, (GDestroyNotify)flying_free);
    g_queue_clear_full(&e->discarded, (GDestroyNotify)flying_free);
    while (!g_queue_is_empty(&e->in)) {
        struct item *it = g_queue_pop_head(&e->in);
        if (it->data)
            g_bytes_unref(it->data);
        g_free(it);
    }
    g_byte_array_free(e->out, TRUE);
    if (e->report_desc)
        g_bytes_unref(e->report_desc);
    g_mutex_clear(&e->mu);
    g_free(e);
}

void emu_queue(struct emu *e, const uint8_t *p, size_t n)
{
    struct item *it = g_new0(struct item, 1);
    it->data = g_bytes_new(p, n);
    g_mutex_lock(&e->mu);
    g_queue_push_tail(&e->in, it);
    g_mutex_unlock(&e->mu);
}

void emu_set_report_descriptor(struct emu *e, const uint8_t *p, size_t n)
{
    g_mutex_lock(&e->mu);
    if (e->report_desc)
        g_bytes_unref(e->report_desc);
    e->report_desc = g_bytes_new(p, n);
    g_mutex_unlock(&e->mu);
}

void emu_queue_stall(struct emu *e)
{
    struct item *it = g_new0(struct item, 1);
    g_mutex_lock(&e->mu);
    g_queue_push_tail(&e->in, it);
    g_mutex_unlock(&e->mu);
}

int emu_pending(struct emu *e)
{
    g_mutex_lock(&e->mu);
    int n = (int)g_queue_get_length(&e->in);
    g_mutex_unlock(&e->mu);
    return n;
}

uint64_t emu_last_delivery_ns(struct emu *e)
{
    g_mutex_lock(&e->mu);
    uint64_t t = e->last_ns;
    g_mutex_unlock(&e->mu);
    return t;
}

void emu_set_printer_status(struct emu *e, bool answers, uint8_t cause, uint8_t paper)
{
    g_mutex_lock(&e->mu);
    e->answers = answers;
    e->cause = cause;
    e->paper = paper;
    g_mutex_unlock(&e->mu);
}

uint8_t *emu_take_out(struct emu *e, size_t *n)
{
    g_mutex_lock(&e->mu);
    *n = e->out->len;
    uint8_t *p = g_memdup2(e->out->data, e->out->len ? e->out->len : 1);
    g_byte_array_set_size(e->out, 0);
    g_mutex_unlock(&e->mu);
    return p;
}

int emu_count(struct emu *e, const char *what)
{
    g_mutex_lock(&e->mu);
    int n = !strcmp(what, "ioctl")        ? e->n_ioctl
            : !strcmp(what, "detach")     ? e->n_detach
            : !strcmp(what, "attach")     ? e->n_attach
            : !strcmp(what, "claim")      ? e->n_claim
            : !strcmp(what, "release")    ? e->n_release
            : !strcmp(what, "clear_halt") ? e->n_clear
            : !strcmp(what, "discard")    ? e->n_discard
                                          : -1;
    g_mutex_unlock(&e->mu);
    return n;
}

bool emu_kernel_bound(struct emu *e)
{
    g_mutex_lock(&e->mu);
    bool b = e->bound;
    g_mutex_unlock(&e->mu);
    return b;
}

void emu_key(struct emu *e, uint8_t mods, uint8_t usage)
{
    uint8_t down[8] = {mods, 0, usage, 0, 0, 0, 0, 0};
    uint8_t up[8] = {0};
    emu_queue(e, down, sizeof(down));
    emu_queue(e, up, sizeof(up));
}

size_t emu_take_slip(struct emu *e)
{
    static const uint8_t query[] = {0x10, 0x04, 0x02, 0x10, 0x04, 0x04};
    size_t n = 0, slip = 0;
    uint8_t *b = emu_take_out(e, &n);
    for (size_t i = 0; i < n;) {
        bool q = i + sizeof query <= n && !memcmp(b + i, query, sizeof query);
        slip += q ? 0 : 1;
        i += q ? sizeof query : 1;
    }
    g_free(b);
    return slip;
}

void emu_scan_hidpos(struct emu *e, const char *payload)
{
    size_t n = strlen(payload), off = 0;
    do {
        uint8_t r[64] = {0x02};
        size_t len = n - off > 56 ? 56 : n - off;
        r[1] = (uint8_t)len;
        memcpy(r + 2, "]Q1", 3);
        memcpy(r + 5, payload + off, len);
        off += len;
        r[63] = off < n;
        emu_queue(e, r, sizeof r);
    } while (off < n);
}
