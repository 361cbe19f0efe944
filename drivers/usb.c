// SPDX-License-Identifier: Apache-2.0
/*
 * usb — the libusb context inside the daemon's poll loop, hotplug, and the
 * per-device plumbing every driver shares (claim, continuous IN reads, one
 * OUT write at a time, stall recovery, unplug).
 *
 * Why asynchronous everything: the loop thread also serves the UI and the
 * capture pipeline, so a scanner that stops answering must not stall them.
 * The only calls that reach the kernel synchronously are open/claim/detach
 * ioctls (no bus traffic) and libusb_clear_halt after a stall (one control
 * request, rare).
 */
#include "drivers/usb.h"

#include <errno.h>
#include <libusb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <cjson/cJSON.h>

#include "drivers/usb_iface.h"
#include "firmware/base/log.h"
#include "firmware/runtime/loop.h"

#define TAG "usb"
/* The state of a device that presents a scanner interface but is in
 * neither the allow list nor the config: shown, never opened. */
#define STATE_OFFERED "scanner found, not enabled"
/* Consecutive transfer errors before a device is given up as broken. */
#define MAX_ERRORS 5

struct usb_dev {
    struct usb *u;
    struct usb_dev *next;
    libusb_device *dev; /* referenced */
    libusb_device_handle *h;
    uint16_t vid, pid;
    char id[48];
    struct dev_conf conf;
    const struct driver *drv;
    void *priv;
    char state[64];
    bool claimed, detached, attached, started, close_pending;
    struct usb_offer offer; /* what its interfaces present */
    const char *proposed;   /* driver for an offered scanner (STATE_OFFERED) */

    int iface;
    uint8_t ep_in, ep_out;
    bool in_bulk;
    int in_size;
    struct libusb_transfer *in, *out, *ctl;
    bool in_busy, out_busy, ctl_busy;
    usb_control_fn ctl_done;
    int errors; /* consecutive IN errors */
    struct loop_timer *retry;

    uint64_t scans, dropped, stalls, reports;
};

struct pollwatch {
    int fd;
    struct loop_fd *w;
    struct pollwatch *next;
};

struct pending {
    libusb_device *dev; /* referenced */
    bool arrived;
    struct pending *next;
};

struct usb {
    struct usb_host host;
    libusb_context *ctx;
    libusb_hotplug_callback_handle hp;
    bool hp_registered;
    struct pollwatch *watches;
    struct loop_timer *timeout;
    struct loop_timer *work;
    struct pending *queue, **queue_tail;
    struct usb_dev *devs;
};

static void dev_release(struct usb_dev *d);

static bool busy(const struct usb_dev *d)
{
    return d->in_busy || d->out_busy || d->ctl_busy;
}
static void dev_maybe_free(struct usb_dev *d);
static void dev_close_now(struct usb_dev *d);

/* --- libusb in the loop ------------------------------------------------- */

static void rearm_timeout(struct usb *u)
{
    struct timeval tv;
    int r = libusb_get_next_timeout(u->ctx, &tv);
    if (r == 1) {
        uint64_t ms = (uint64_t)tv.tv_sec * 1000 + ((uint64_t)tv.tv_usec + 999) / 1000;
        loop_timer_reset(u->timeout, ms);
    } else {
        /* No libusb timeout pending (or it uses its own timerfd): park. */
        loop_timer_reset(u->timeout, 3600u * 1000);
    }
}

static void handle_events(struct usb *u)
{
    struct timeval zero = {0, 0};
    int r = libusb_handle_events_timeout_completed(u->ctx, &zero, NULL);
    if (r < 0 && r != LIBUSB_ERROR_INTERRUPTED)
        log_warn(TAG, "handle events: %s", libusb_strerror(r));
    rearm_timeout(u);
}

static void on_fd(struct loop *l, int fd, unsigned events, void *ud)
{
    handle_events(ud);
}

static void on_timeout(struct loop *l, void *ud)
{
    handle_events(ud);
}

static unsigned loop_events(short ev)
{
    unsigned r = 0;
    if (ev & POLLIN)
        r |= LOOP_READ;
    if (ev & POLLOUT)
        r |= LOOP_WRITE;
    return r;
}

static void pollfd_added(int fd, short events, void *ud)
{
    struct usb *u = ud;
    struct pollwatch *p = calloc(1, sizeof(*p));
    if (!p) {
        log_error(TAG, "pollfd %d: out of memory", fd);
        return;
    }
    p->fd = fd;
    p->w = loop_fd_add(u->host.loop, fd, loop_events(events), on_fd, u);
    if (!p->w) {
        free(p);
        log_error(TAG, "pollfd %d: out of memory", fd);
        return;
    }
    p->next = u->watches;
    u->watches = p;
}

static void pollfd_removed(int fd, void *ud)
{
    struct usb *u = ud;
    for (struct pollwatch **pp = &u->watches; *pp; pp = &(*pp)->next) {
        if ((*pp)->fd == fd) {
            struct pollwatch *p = *pp;
            *pp = p->next;
            loop_fd_del(p->w);
            free(p);
            return;
        }
    }
}

/* --- devices ------------------------------------------------------------ */

static void make_id(struct usb_dev *d)
{
    uint8_t ports[8];
    int n = libusb_get_port_numbers(d->dev, ports, (int)sizeof(ports));
    int off = snprintf(d->id, sizeof(d->id), "usb:%04x:%04x@%u", d->vid, d->pid,
                       libusb_get_bus_number(d->dev));
    for (int i = 0; i < n && off > 0 && (size_t)off < sizeof(d->id); i++)
        off += snprintf(d->id + off, sizeof(d->id) - (size_t)off, "%c%u", i ? '.' : '-', ports[i]);
}

static void notify(struct usb_dev *d)
{
    if (d->u->host.changed)
        d->u->host.changed(d->u->host.ud, d);
}

void usb_dev_printed(struct usb_dev *d, int64_t job, bool ok, const char *why)
{
    if (d->u->host.printed)
        d->u->host.printed(d->u->host.ud, d, job, ok, why);
}

void usb_dev_set_state(struct usb_dev *d, const char *state)
{
    if (strcmp(d->state, state) == 0)
        return;
    snprintf(d->state, sizeof(d->state), "%s", state);
    log_info(TAG, "%s: %s", d->id, d->state);
    notify(d);
}

static void submit_in(struct usb_dev *d);

static void on_retry(struct loop *l, void *ud)
{
    struct usb_dev *d = ud;
    loop_timer_del(d->retry);
    d->retry = NULL;
    if (d->attached && d->claimed)
        submit_in(d);
}

static void in_done(struct libusb_transfer *t)
{
    struct usb_dev *d = t->user_data;
    d->in_busy = false;
    if (!d->attached || !d->claimed) {
        dev_maybe_free(d);
        return;
    }
    switch (t->status) {
    case LIBUSB_TRANSFER_COMPLETED:
        d->errors = 0;
        d->reports++;
        if (strcmp(d->state, "stalled") == 0 || strncmp(d->state, "error: read", 11) == 0)
            usb_dev_set_state(d, "ready");
        if (d->drv->input && d->started)
            d->drv->input(d, t->buffer, (size_t)t->actual_length);
        break;
    case LIBUSB_TRANSFER_TIMED_OUT:
        break;
    case LIBUSB_TRANSFER_STALL: {
        d->stalls++;
        usb_dev_set_state(d, "stalled");
        /* One control request; see the header comment of this file. */
        int r = libusb_clear_halt(d->h, d->ep_in);
        if (r < 0) {
            log_warn(TAG, "%s: clear halt: %s", d->id, libusb_strerror(r));
            d->errors++;
        }
        break;
    }
    case LIBUSB_TRANSFER_NO_DEVICE:
        usb_dev_set_state(d, "removed");
        d->attached = false;
        return;
    case LIBUSB_TRANSFER_CANCELLED:
        return;
    default:
        d->errors++;
        log_warn(TAG, "%s: read: %s", d->id, libusb_error_name(t->status));
        break;
    }
    if (d->errors >= MAX_ERRORS) {
        usb_dev_set_state(d, "error: reads keep failing");
        /* Keep trying slowly: a flaky cable may recover without a replug. */
        if (!d->retry)
            d->retry = loop_timer_add(d->u->host.loop, 2000, on_retry, d);
        return;
    }
    if (d->errors > 0) {
        if (!d->retry)
            d->retry = loop_timer_add(d->u->host.loop, 100u * (unsigned)d->errors, on_retry, d);
        return;
    }
    submit_in(d);
}

static void submit_in(struct usb_dev *d)
{
    if (!d->ep_in || d->in_busy)
        return;
    if (d->in_bulk)
        libusb_fill_bulk_transfer(d->in, d->h, d->ep_in, d->in->buffer, d->in_size, in_done, d, 0);
    else
        libusb_fill_interrupt_transfer(d->in, d->h, d->ep_in, d->in->buffer, d->in_size, in_done, d,
                                       0);
    int r = libusb_submit_transfer(d->in);
    if (r < 0) {
        if (r == LIBUSB_ERROR_NO_DEVICE) {
            d->attached = false;
            usb_dev_set_state(d, "removed");
            return;
        }
        d->errors++;
        log_warn(TAG, "%s: submit read: %s", d->id, libusb_strerror(r));
        if (!d->retry)
            d->retry = loop_timer_add(d->u->host.loop, 500, on_retry, d);
        return;
    }
    d->in_busy = true;
}

static void out_done(struct libusb_transfer *t)
{
    struct usb_dev *d = t->user_data;
    bool ok = t->status == LIBUSB_TRANSFER_COMPLETED && t->actual_length == t->length;
    d->out_busy = false;
    free(t->buffer);
    t->buffer = NULL;
    if (!d->attached || !d->claimed) {
        dev_maybe_free(d);
        return;
    }
    if (!ok) {
        char msg[64];
        snprintf(msg, sizeof(msg), "error: write %s",
                 t->status == LIBUSB_TRANSFER_COMPLETED ? "short" : libusb_error_name(t->status));
        if (t->status == LIBUSB_TRANSFER_NO_DEVICE) {
            d->attached = false;
            snprintf(msg, sizeof(msg), "removed");
        }
        usb_dev_set_state(d, msg);
    }
    if (d->drv->output_done)
        d->drv->output_done(d, ok);
}

int usb_dev_write(struct usb_dev *d, const uint8_t *p, size_t n, unsigned timeout_ms, struct err *e)
{
    if (!d->attached || !d->claimed)
        return err_set(e, ERR_IO, "%s: not attached", d->id);
    if (!d->ep_out)
        return err_set(e, ERR_INVALID, "%s: no OUT endpoint", d->id);
    if (d->out_busy)
        return err_set(e, ERR_BUSY, "%s: busy", d->id);
    if (n > (size_t)INT32_MAX)
        return err_set(e, ERR_INVALID, "%s: write too large", d->id);
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        return err_set(e, ERR_INTERNAL, "%s: out of memory", d->id);
    memcpy(copy, p, n);
    libusb_fill_bulk_transfer(d->out, d->h, d->ep_out, copy, (int)n, out_done, d, timeout_ms);
    int r = libusb_submit_transfer(d->out);
    if (r < 0) {
        free(copy);
        d->out->buffer = NULL;
        return err_set(e, ERR_IO, "%s: write: %s", d->id, libusb_strerror(r));
    }
    d->out_busy = true;
    rearm_timeout(d->u);
    return 0;
}

static void ctl_done_cb(struct libusb_transfer *t)
{
    struct usb_dev *d = t->user_data;
    d->ctl_busy = false;
    if (!d->attached || !d->claimed) {
        dev_maybe_free(d);
        return;
    }
    bool ok = t->status == LIBUSB_TRANSFER_COMPLETED;
    if (!ok)
        log_warn(TAG, "%s: control request: %s", d->id, libusb_error_name(t->status));
    if (d->ctl_done && d->started)
        d->ctl_done(d, ok, libusb_control_transfer_get_data(t), ok ? (size_t)t->actual_length : 0);
}

int usb_dev_control_in(struct usb_dev *d, uint8_t reqtype, uint8_t request, uint16_t value,
                       uint16_t index, uint16_t len, usb_control_fn done, struct err *e)
{
    if (!d->attached || !d->claimed)
        return err_set(e, ERR_IO, "%s: not attached", d->id);
    if (d->ctl_busy)
        return err_set(e, ERR_BUSY, "%s: a control request is in flight", d->id);
    if (!d->ctl && !(d->ctl = libusb_alloc_transfer(0)))
        return err_set(e, ERR_INTERNAL, "out of memory");
    free(d->ctl->buffer);
    uint8_t *buf = malloc(LIBUSB_CONTROL_SETUP_SIZE + (size_t)len);
    d->ctl->buffer = buf;
    if (!buf)
        return err_set(e, ERR_INTERNAL, "out of memory");
    libusb_fill_control_setup(buf, reqtype | LIBUSB_ENDPOINT_IN, request, value, index, len);
    libusb_fill_control_transfer(d->ctl, d->h, buf, ctl_done_cb, d, 2000);
    d->ctl_done = done;
    int r = libusb_submit_transfer(d->ctl);
    if (r < 0)
        return err_set(e, ERR_IO, "%s: control request: %s", d->id, libusb_strerror(r));
    d->ctl_busy = true;
    rearm_timeout(d->u);
    return 0;
}

bool usb_dev_writing(const struct usb_dev *d)
{
    return d->out_busy;
}

void usb_dev_use_interface(struct usb_dev *d, int iface, uint8_t ep_in, bool in_bulk, int in_size,
                           uint8_t ep_out)
{
    d->iface = iface;
    d->ep_in = ep_in;
    d->in_bulk = in_bulk;
    d->in_size = in_size > 0 ? in_size : 64;
    d->ep_out = ep_out;
}

/* Opens, detaches the kernel driver, claims and starts the reader. */
static int dev_start(struct usb_dev *d, struct err *e)
{
    struct libusb_config_descriptor *cfg = NULL;
    int r = libusb_open(d->dev, &d->h);
    if (r < 0)
        return err_set(e, ERR_IO, "open: %s", libusb_strerror(r));
    r = libusb_get_active_config_descriptor(d->dev, &cfg);
    if (r < 0)
        return err_set(e, ERR_IO, "config descriptor: %s", libusb_strerror(r));
    d->iface = -1;
    r = d->drv->probe(d, cfg, e);
    libusb_free_config_descriptor(cfg);
    if (r < 0)
        return -1;
    if (d->iface < 0)
        return err_set(e, ERR_INVALID, "driver %s chose no interface", d->drv->name);
    r = libusb_kernel_driver_active(d->h, d->iface);
    if (r == 1) {
        /* A wedge scanner bound to usbhid would type into the UI. */
        r = libusb_detach_kernel_driver(d->h, d->iface);
        if (r < 0)
            return err_set(e, ERR_IO, "detach kernel driver: %s", libusb_strerror(r));
        d->detached = true;
    }
    r = libusb_claim_interface(d->h, d->iface);
    if (r < 0)
        return err_set(e, ERR_IO, "claim interface %d: %s", d->iface, libusb_strerror(r));
    d->claimed = true;
    d->in = libusb_alloc_transfer(0);
    d->out = libusb_alloc_transfer(0);
    if (!d->in || !d->out)
        return err_set(e, ERR_INTERNAL, "out of memory");
    if (d->ep_in) {
        d->in->buffer = calloc(1, (size_t)d->in_size);
        if (!d->in->buffer)
            return err_set(e, ERR_INTERNAL, "out of memory");
    }
    if (d->drv->start && d->drv->start(d, e) < 0)
        return -1;
    d->started = true;
    submit_in(d);
    rearm_timeout(d->u);
    return 0;
}

static void dev_list_add(struct usb *u, struct usb_dev *d)
{
    struct usb_dev **pp = &u->devs;
    while (*pp)
        pp = &(*pp)->next;
    *pp = d;
}

static void dev_unlink_free(struct usb_dev *d)
{
    struct usb *u = d->u;
    for (struct usb_dev **pp = &u->devs; *pp; pp = &(*pp)->next) {
        if (*pp == d) {
            *pp = d->next;
            break;
        }
    }
    if (d->in) {
        free(d->in->buffer);
        libusb_free_transfer(d->in);
    }
    if (d->out)
        libusb_free_transfer(d->out);
    if (d->ctl) {
        free(d->ctl->buffer);
        libusb_free_transfer(d->ctl);
    }
    loop_timer_del(d->retry);
    dev_conf_free(&d->conf);
    libusb_unref_device(d->dev);
    free(d);
}

/* Stops I/O and closes the handle; the record stays (listed as removed). */
static void dev_release(struct usb_dev *d)
{
    if (d->started && d->drv->stop)
        d->drv->stop(d);
    d->started = false;
    d->priv = NULL;
    loop_timer_del(d->retry);
    d->retry = NULL;
    bool was_claimed = d->claimed;
    d->claimed = false;
    if (d->in_busy)
        libusb_cancel_transfer(d->in);
    if (d->out_busy)
        libusb_cancel_transfer(d->out);
    if (d->ctl_busy)
        libusb_cancel_transfer(d->ctl);
    if (!busy(d) && d->h) {
        if (was_claimed && d->attached)
            libusb_release_interface(d->h, d->iface);
        if (d->detached && d->attached)
            libusb_attach_kernel_driver(d->h, d->iface);
        libusb_close(d->h);
        d->h = NULL;
    }
}

static void dev_close_now(struct usb_dev *d)
{
    d->close_pending = false;
    if (busy(d) || !d->h)
        return;
    if (d->detached && d->attached)
        libusb_attach_kernel_driver(d->h, d->iface);
    libusb_close(d->h);
    d->h = NULL;
}

/* Called when a transfer of a released device completes. The handle is
 * closed on the next loop turn: libusb_close() inside a transfer callback
 * (inside libusb's event handling) deadlocks. */
static void dev_maybe_free(struct usb_dev *d)
{
    if (busy(d) || !d->h)
        return;
    d->close_pending = true;
    loop_timer_reset(d->u->work, 0);
}

/* Listed but never opened: not allowed (ignored or offered to staff). */
static bool untouched(const struct usb_dev *d)
{
    return strcmp(d->state, "ignored") == 0 || strcmp(d->state, STATE_OFFERED) == 0;
}

static struct usb_dev *dev_find(struct usb *u, libusb_device *dev)
{
    for (struct usb_dev *d = u->devs; d; d = d->next)
        if (d->dev == dev && (d->attached || untouched(d)))
            return d;
    return NULL;
}

/* The report descriptor of d's interface ifnum, from sysfs (usb_iface.h). */
static int sysfs_report(void *ud, int ifnum, uint8_t *buf, size_t cap)
{
    struct usb_dev *d = ud;
    uint8_t ports[8];
    int np = libusb_get_port_numbers(d->dev, ports, (int)sizeof(ports));
    struct libusb_config_descriptor *cfg = NULL;
    int cv = libusb_get_active_config_descriptor(d->dev, &cfg) == 0 ? cfg->bConfigurationValue : 1;
    libusb_free_config_descriptor(cfg);
    return usb_iface_sysfs_report(libusb_get_bus_number(d->dev), ports, np, cv, ifnum, buf, cap);
}

/* Surveys the interfaces d presents (usb_iface.h). */
static void survey(struct usb_dev *d)
{
    struct libusb_config_descriptor *cfg = NULL;
    memset(&d->offer, 0xff, sizeof(d->offer)); /* every member -1: nothing */
    if (libusb_get_active_config_descriptor(d->dev, &cfg) < 0 || !cfg)
        return;
    usb_iface_survey(cfg, sysfs_report, d, &d->offer);
    libusb_free_config_descriptor(cfg);
}

static void leave_alone(struct usb_dev *d);

/* A HID interface's report descriptor appears in sysfs once usbhid has
 * bound it, which on a real bus is a moment after the device's "add": an
 * unlisted device whose HID interfaces were still unknown is looked at again
 * a few times before it is called ignored for good. */
#define RESURVEY_MS    500
#define RESURVEY_TRIES 6

static void on_resurvey(struct loop *l, void *ud)
{
    struct usb_dev *d = ud;
    loop_timer_del(d->retry);
    d->retry = NULL;
    survey(d);
    leave_alone(d);
}

/* Not allowed: offered to staff when it presents a scanner, else ignored. */
static void leave_alone(struct usb_dev *d)
{
    d->attached = false; /* never touched; "attached" tracks claimed use */
    /* errors, unused for a device that is never opened, counts the looks. */
    if (!usb_iface_is_scanner(&d->offer) && d->offer.hid_unknown >= 0 &&
        d->errors++ < RESURVEY_TRIES && !d->retry)
        d->retry = loop_timer_add(d->u->host.loop, RESURVEY_MS, on_resurvey, d);
    if (usb_iface_is_scanner(&d->offer)) {
        d->proposed = "hidpos";
        snprintf(d->state, sizeof(d->state), STATE_OFFERED);
        log_info(TAG, "%s: a scanner, not in the allow list: offered, not claimed", d->id);
    } else {
        if (strcmp(d->state, "ignored") == 0)
            return; /* looked at again: nothing new */
        snprintf(d->state, sizeof(d->state), "ignored");
        if (d->offer.printer >= 0) /* staff must know why nothing prints */
            log_warn(TAG,
                     "%s: a printer, not in the allow list: not used (list it, or add a "
                     "[device.NAME] section)",
                     d->id);
        else
            log_info(TAG, "%s: not in the allow list, left alone", d->id);
    }
    notify(d);
}

/* The driver the allow list or config names, else the VID:PID tables'. */
static const char *driver_hint(const struct usb_dev *d)
{
    if (d->conf.driver)
        return d->conf.driver;
    const struct driver *listed = driver_match(d->vid, d->pid);
    return listed ? listed->name : NULL;
}

/* Picks the driver from what d presents, the configured one as a hint. */
static const struct driver *choose_driver(struct usb_dev *d)
{
    const char *hint = driver_hint(d);
    const char *name = usb_iface_choose(&d->offer, hint);
    if (name && hint && strcmp(name, hint) != 0)
        log_info(TAG, "%s: listed as %s but presents %s: using %s", d->id, hint, name, name);
    return name ? driver_find(name) : NULL;
}

static void arrived(struct usb *u, libusb_device *dev)
{
    struct libusb_device_descriptor dd;
    if (dev_find(u, dev))
        return;
    if (libusb_get_device_descriptor(dev, &dd) < 0)
        return;
    if (dd.bDeviceClass == LIBUSB_CLASS_HUB)
        return;
    /* A replugged device of the same port replaces its old "removed" record. */
    struct usb_dev *d = calloc(1, sizeof(*d));
    if (!d) {
        log_error(TAG, "out of memory");
        return;
    }
    d->u = u;
    d->dev = libusb_ref_device(dev);
    d->vid = dd.idVendor;
    d->pid = dd.idProduct;
    d->iface = -1;
    make_id(d);
    for (struct usb_dev *o = u->devs; o; o = o->next) {
        if (!o->attached && !o->h && strcmp(o->id, d->id) == 0 && !untouched(o)) {
            dev_unlink_free(o);
            break;
        }
    }
    dev_conf_defaults(&d->conf);
    dev_list_add(u, d);
    d->attached = true;
    survey(d);
    if (!u->host.match || u->host.match(u->host.ud, d->vid, d->pid, &d->conf) != 1) {
        leave_alone(d);
        return;
    }
    d->drv = choose_driver(d);
    if (!d->drv) {
        snprintf(d->state, sizeof(d->state), "%s", usb_iface_why_none(&d->offer, driver_hint(d)));
        log_warn(TAG, "%s: allowed, but presents no interface a driver reads", d->id);
        d->attached = false;
        notify(d);
        return;
    }
    struct err e = {0};
    if (dev_start(d, &e) < 0) {
        snprintf(d->state, sizeof(d->state), "error: %.56s", e.msg);
        log_warn(TAG, "%s: %s", d->id, e.msg);
        dev_release(d);
        d->attached = false;
        notify(d);
        return;
    }
    if (!d->state[0]) /* unless start() said otherwise ("checking") */
        snprintf(d->state, sizeof(d->state), "ready");
    log_info(TAG, "%s: %s attached (%s)", d->id, d->drv->name,
             d->conf.model ? d->conf.model : "unnamed model");
    notify(d);
}

int usb_reconsider(struct usb *u, const char *id)
{
    for (struct usb_dev *d = u->devs; d; d = d->next) {
        if (strcmp(d->id, id) != 0 || !untouched(d))
            continue;
        /* Forget the record and take the device as newly arrived: the host's
         * match decides again. */
        libusb_device *dev = libusb_ref_device(d->dev);
        dev_unlink_free(d);
        arrived(u, dev);
        libusb_unref_device(dev);
        return 1;
    }
    return 0;
}

static void left(struct usb *u, libusb_device *dev)
{
    for (struct usb_dev *d = u->devs; d; d = d->next) {
        if (d->dev != dev)
            continue;
        if (untouched(d)) {
            dev_unlink_free(d);
            return;
        }
        if (!d->attached && !d->h && strcmp(d->state, "removed") == 0)
            continue;
        d->attached = false;
        dev_release(d);
        snprintf(d->state, sizeof(d->state), "removed");
        log_info(TAG, "%s: removed", d->id);
        notify(d);
        return;
    }
}

static void on_work(struct loop *l, void *ud)
{
    struct usb *u = ud;
    for (struct usb_dev *d = u->devs; d; d = d->next)
        if (d->close_pending)
            dev_close_now(d);
    while (u->queue) {
        struct pending *p = u->queue;
        u->queue = p->next;
        if (!u->queue)
            u->queue_tail = &u->queue;
        if (p->arrived)
            arrived(u, p->dev);
        else
            left(u, p->dev);
        libusb_unref_device(p->dev);
        free(p);
    }
}

/* Runs inside libusb's event handling: only queue, act on the next turn. */
static int LIBUSB_CALL on_hotplug(libusb_context *ctx, libusb_device *dev, libusb_hotplug_event ev,
                                  void *ud)
{
    struct usb *u = ud;
    struct pending *p = calloc(1, sizeof(*p));
    if (!p)
        return 0;
    p->dev = libusb_ref_device(dev);
    p->arrived = ev == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED;
    *u->queue_tail = p;
    u->queue_tail = &p->next;
    loop_timer_reset(u->work, 0);
    return 0;
}

struct usb *usb_new(const struct usb_host *host, struct err *e)
{
    struct usb *u = calloc(1, sizeof(*u));
    if (!u) {
        err_set(e, ERR_INTERNAL, "usb: out of memory");
        return NULL;
    }
    u->host = *host;
    u->queue_tail = &u->queue;
    int r = libusb_init(&u->ctx);
    if (r < 0) {
        err_set(e, ERR_IO, "usb: init: %s", libusb_strerror(r));
        free(u);
        return NULL;
    }
    u->timeout = loop_timer_add(host->loop, 3600u * 1000, on_timeout, u);
    u->work = loop_timer_add(host->loop, 3600u * 1000, on_work, u);
    if (!u->timeout || !u->work) {
        err_set(e, ERR_INTERNAL, "usb: out of memory");
        goto fail;
    }
    const struct libusb_pollfd **fds = libusb_get_pollfds(u->ctx);
    if (fds) {
        for (int i = 0; fds[i]; i++)
            pollfd_added(fds[i]->fd, fds[i]->events, u);
        libusb_free_pollfds(fds);
    }
    libusb_set_pollfd_notifiers(u->ctx, pollfd_added, pollfd_removed, u);
    if (!libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG)) {
        err_set(e, ERR_IO, "usb: this libusb has no hotplug support");
        goto fail;
    }
    r = libusb_hotplug_register_callback(
        u->ctx, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
        LIBUSB_HOTPLUG_ENUMERATE, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
        LIBUSB_HOTPLUG_MATCH_ANY, on_hotplug, u, &u->hp);
    if (r < 0) {
        err_set(e, ERR_IO, "usb: hotplug: %s", libusb_strerror(r));
        goto fail;
    }
    u->hp_registered = true;
    rearm_timeout(u);
    return u;
fail:
    usb_free(u);
    return NULL;
}

void usb_free(struct usb *u)
{
    if (!u)
        return;
    if (u->hp_registered)
        libusb_hotplug_deregister_callback(u->ctx, u->hp);
    for (struct usb_dev *d = u->devs; d; d = d->next) {
        if (d->h)
            dev_release(d);
    }
    /* Let cancelled transfers come back before the handles are closed. */
    for (int i = 0; i < 100; i++) {
        bool pending = false;
        for (struct usb_dev *d = u->devs; d; d = d->next)
            pending = pending || busy(d);
        if (!pending)
            break;
        struct timeval tv = {0, 10000};
        libusb_handle_events_timeout_completed(u->ctx, &tv, NULL);
    }
    while (u->devs) {
        struct usb_dev *d = u->devs;
        if (d->h && !busy(d))
            dev_close_now(d);
        if (busy(d)) {
            /* Leaked on purpose: freeing an in-flight transfer would crash. */
            log_warn(TAG, "%s: transfer still in flight at shutdown", d->id);
            u->devs = d->next;
            continue;
        }
        dev_unlink_free(d);
    }
    while (u->queue) {
        struct pending *p = u->queue;
        u->queue = p->next;
        libusb_unref_device(p->dev);
        free(p);
    }
    if (u->ctx)
        libusb_set_pollfd_notifiers(u->ctx, NULL, NULL, NULL);
    while (u->watches) {
        struct pollwatch *p = u->watches;
        u->watches = p->next;
        loop_fd_del(p->w);
        free(p);
    }
    loop_timer_del(u->timeout);
    loop_timer_del(u->work);
    if (u->ctx)
        libusb_exit(u->ctx);
    free(u);
}

struct usb_dev *usb_find(struct usb *u, const char *id)
{
    for (struct usb_dev *d = u->devs; d; d = d->next)
        if (strcmp(d->id, id) == 0 && (d->attached || untouched(d)))
            return d;
    return NULL;
}

void usb_each(struct usb *u, void (*fn)(struct usb_dev *d, void *ud), void *ud)
{
    for (struct usb_dev *d = u->devs; d; d = d->next)
        fn(d, ud);
}

struct usb_dev *usb_printer(struct usb *u)
{
    for (struct usb_dev *d = u->devs; d; d = d->next)
        if (d->attached && d->claimed && d->drv && d->drv->kind == DRIVER_PRINTER)
            return d;
    return NULL;
}

void usb_dev_status(struct usb_dev *d, struct cJSON *obj)
{
    char vp[8];
    cJSON_AddStringToObject(obj, "id", d->id);
    snprintf(vp, sizeof(vp), "%04x", d->vid);
    cJSON_AddStringToObject(obj, "vid", vp);
    snprintf(vp, sizeof(vp), "%04x", d->pid);
    cJSON_AddStringToObject(obj, "pid", vp);
    cJSON_AddStringToObject(obj, "kind",
                            d->proposed                      ? "scanner"
                            : !d->drv                        ? "unknown"
                            : d->drv->kind == DRIVER_PRINTER ? "printer"
                                                             : "scanner");
    if (d->drv)
        cJSON_AddStringToObject(obj, "driver", d->drv->name);
    if (d->proposed) {
        /* What the admin page offers: one action, the control command
         * {"cmd": "devices-enable", "id": <id>}. */
        cJSON_AddStringToObject(obj, "driver", d->proposed);
        cJSON_AddBoolToObject(obj, "enabled", false);
        cJSON_AddStringToObject(obj, "enable", "devices-enable");
    }
    usb_iface_status(&d->offer, obj);
    if (d->conf.name)
        cJSON_AddStringToObject(obj, "name", d->conf.name);
    if (d->conf.model)
        cJSON_AddStringToObject(obj, "model", d->conf.model);
    cJSON_AddStringToObject(obj, "state", d->state);
    cJSON_AddBoolToObject(obj, "kernel_driver_detached", d->detached);
    cJSON_AddNumberToObject(obj, "scans", (double)d->scans);
    cJSON_AddNumberToObject(obj, "dropped", (double)d->dropped);
    cJSON_AddNumberToObject(obj, "stalls", (double)d->stalls);
    if (d->drv && d->drv->status && d->started)
        d->drv->status(d, obj);
}

const struct dev_conf *usb_dev_conf(const struct usb_dev *d)
{
    return &d->conf;
}

const char *usb_dev_id(const struct usb_dev *d)
{
    return d->id;
}

struct loop *usb_dev_loop(const struct usb_dev *d)
{
    return d->u->host.loop;
}

const struct driver *usb_dev_driver(const struct usb_dev *d)
{
    return d->drv;
}

bool usb_dev_attached(const struct usb_dev *d)
{
    return d->attached && d->claimed;
}

int usb_dev_interface(const struct usb_dev *d)
{
    return d->iface;
}

void usb_dev_set_priv(struct usb_dev *d, void *priv)
{
    d->priv = priv;
}

void *usb_dev_priv(const struct usb_dev *d)
{
    return d->priv;
}

const char *usb_dev_proposed(const struct usb_dev *d)
{
    return d->proposed;
}

void usb_dev_vidpid(const struct usb_dev *d, uint16_t *vid, uint16_t *pid)
{
    *vid = d->vid;
    *pid = d->pid;
}

const char *usb_dev_state(const struct usb_dev *d)
{
    return d->state;
}

void usb_dev_emit(struct usb_dev *d, const char *symbology, const uint8_t *p, size_t n)
{
    d->scans++;
    if (d->u->host.scan)
        d->u->host.scan(d->u->host.ud, d, symbology, p, n);
}

void usb_dev_count_dropped(struct usb_dev *d)
{
    d->dropped++;
}
