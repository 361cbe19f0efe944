// SPDX-License-Identifier: Apache-2.0
/*
 * escpos — ESC/POS printer driver (see escpos.h): job queue, DLE EOT status
 * queries and their answers, device state.
 */
#include "drivers/escpos.h"

#include <libusb.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "drivers/driver.h"
#include "drivers/usb.h"
#include "firmware/base/buf.h"
#include "firmware/base/log.h"
#include "firmware/runtime/loop.h"

#define TAG "escpos"
/* How long a status answer may take before the printer counts as silent. */
#define STATUS_WAIT_MS 1000
#define JOB_TIMEOUT_MS 20000

extern const struct driver escpos_driver;

static const uint8_t status_query[] = {0x10, 0x04, 0x02, 0x10, 0x04, 0x04};

enum phase { IDLE, QUERYING, AWAIT_STATUS, PRINTING };

struct printer {
    struct buf jobs[ESCPOS_QUEUE_MAX];
    int64_t job_ids[ESCPOS_QUEUE_MAX]; /* the print log's id of each (0: none) */
    int njobs;
    enum phase phase;
    int answers;   /* status bytes still expected */
    uint8_t cause; /* last DLE EOT 2 answer */
    uint8_t paper; /* last DLE EOT 4 answer */
    bool known;    /* an answer has been seen */
    struct loop_timer *timer;
    uint64_t printed, failed;
};

static const struct usb_id escpos_ids[] = {
    {0x04b8, 0x0202}, /* Epson TM-T20 / TM-T88 family */
    {0x04b8, 0x0e15}, /* Epson TM-T20II */
    {0x0519, 0x0001}, /* Star TSP100 series in ESC/POS mode */
    {0x0416, 0x5011}, /* Winbond-based generic 58 mm printers */
    {0x0fe6, 0x811e}, /* ICS Advent generic 80 mm printers */
    {0, 0},
};

const char *escpos_status_text(uint8_t cause, uint8_t paper)
{
    /* Answers always have bit 1 and bit 4 set and bit 0, 7 clear. */
    if ((cause & 0x93) != 0x12 || (paper & 0x93) != 0x12)
        return "error: bad status answer";
    if (paper & 0x60)
        return "paper out";
    if (cause & 0x20)
        return "paper out";
    if (cause & 0x04)
        return "cover open";
    if (cause & 0x40)
        return "error: printer fault";
    return "ready";
}

static void pump(struct usb_dev *d, struct printer *p);

static void on_timer(struct loop *l, void *ud)
{
    struct usb_dev *d = ud;
    struct printer *p = usb_dev_priv(d);
    const struct dev_conf *c = usb_dev_conf(d);
    if (p->phase == AWAIT_STATUS) {
        /* No answer: a printer without status support, or a wedged one.
         * Send the job anyway; a dead printer fails it with a timeout. */
        log_warn(TAG, "%s: no status answer", usb_dev_id(d));
        p->answers = 0;
        p->phase = IDLE;
        if (p->njobs == 0)
            usb_dev_set_state(d, "error: no status answer");
        pump(d, p);
        return;
    }
    if (p->phase == IDLE && p->njobs == 0 && c->status && c->poll_ms > 0) {
        struct err e = {0};
        if (usb_dev_write(d, status_query, sizeof(status_query), STATUS_WAIT_MS, &e) == 0)
            p->phase = QUERYING;
    }
    if (c->poll_ms > 0)
        loop_timer_reset(p->timer, (uint64_t)c->poll_ms);
}

/* Sends what comes next: a status query before a job, then the job. */
static void pump(struct usb_dev *d, struct printer *p)
{
    const struct dev_conf *c = usb_dev_conf(d);
    struct err e = {0};
    if (p->phase != IDLE || p->njobs == 0 || usb_dev_writing(d))
        return;
    if (c->status && !p->known) {
        if (usb_dev_write(d, status_query, sizeof(status_query), STATUS_WAIT_MS, &e) == 0)
            p->phase = QUERYING;
        return;
    }
    if (c->status && strcmp(escpos_status_text(p->cause, p->paper), "ready") != 0)
        return; /* held until the paper is back; the state says why */
    if (usb_dev_write(d, (const uint8_t *)p->jobs[0].data, p->jobs[0].len, JOB_TIMEOUT_MS, &e) <
        0) {
        log_warn(TAG, "%s: %s", usb_dev_id(d), e.msg);
        return;
    }
    p->phase = PRINTING;
}

static void output_done(struct usb_dev *d, bool ok)
{
    struct printer *p = usb_dev_priv(d);
    if (!p)
        return;
    if (p->phase == QUERYING) {
        if (ok) {
            p->phase = AWAIT_STATUS;
            p->answers = 2;
            loop_timer_reset(p->timer, STATUS_WAIT_MS);
        } else
            p->phase = IDLE;
        return;
    }
    if (p->phase == PRINTING) {
        p->phase = IDLE;
        if (ok) {
            p->printed++;
            log_info(TAG, "%s: slip printed (%zu bytes)", usb_dev_id(d), p->jobs[0].len);
        } else {
            p->failed++;
            log_warn(TAG, "%s: slip failed", usb_dev_id(d));
        }
        int64_t job = p->job_ids[0];
        buf_free(&p->jobs[0]);
        memmove(&p->jobs[0], &p->jobs[1], sizeof(p->jobs[0]) * (size_t)(p->njobs - 1));
        memmove(&p->job_ids[0], &p->job_ids[1], sizeof(p->job_ids[0]) * (size_t)(p->njobs - 1));
        memset(&p->jobs[p->njobs - 1], 0, sizeof(p->jobs[0]));
        p->job_ids[p->njobs - 1] = 0;
        p->njobs--;
        usb_dev_printed(d, job, ok, ok ? NULL : "the printer did not take the slip");
        /* Ask again before the next slip: paper may have run out. */
        p->known = false;
        pump(d, p);
    }
}

static void input(struct usb_dev *d, const uint8_t *b, size_t n)
{
    struct printer *p = usb_dev_priv(d);
    for (size_t i = 0; i < n; i++) {
        if (p->phase != AWAIT_STATUS || p->answers == 0)
            continue; /* an unsolicited byte (ASB) or a late answer */
        if (p->answers == 2)
            p->cause = b[i];
        else
            p->paper = b[i];
        if (--p->answers == 0) {
            p->known = true;
            p->phase = IDLE;
            usb_dev_set_state(d, escpos_status_text(p->cause, p->paper));
            const struct dev_conf *c = usb_dev_conf(d);
            loop_timer_reset(p->timer, c->poll_ms > 0 ? (uint64_t)c->poll_ms : 3600u * 1000);
            pump(d, p);
        }
    }
}

static int probe(struct usb_dev *d, const struct libusb_config_descriptor *cfg, struct err *e)
{
    for (int i = 0; i < cfg->bNumInterfaces; i++) {
        const struct libusb_interface_descriptor *id = &cfg->interface[i].altsetting[0];
        if (id->bInterfaceClass != LIBUSB_CLASS_PRINTER &&
            id->bInterfaceClass != LIBUSB_CLASS_VENDOR_SPEC)
            continue;
        uint8_t in = 0, out = 0;
        int in_size = 64;
        for (int j = 0; j < id->bNumEndpoints; j++) {
            const struct libusb_endpoint_descriptor *ep = &id->endpoint[j];
            if ((ep->bmAttributes & 3) != LIBUSB_TRANSFER_TYPE_BULK)
                continue;
            if (ep->bEndpointAddress & LIBUSB_ENDPOINT_IN) {
                in = ep->bEndpointAddress;
                in_size = ep->wMaxPacketSize ? ep->wMaxPacketSize : 64;
            } else
                out = ep->bEndpointAddress;
        }
        if (out) {
            usb_dev_use_interface(d, id->bInterfaceNumber, usb_dev_conf(d)->status ? in : 0, true,
                                  in_size, out);
            return 0;
        }
    }
    return err_set(e, ERR_INVALID, "no printer interface with a bulk OUT endpoint");
}

static int start(struct usb_dev *d, struct err *e)
{
    struct printer *p = calloc(1, sizeof(*p));
    if (!p)
        return err_set(e, ERR_INTERNAL, "out of memory");
    p->timer = loop_timer_add(usb_dev_loop(d), 3600u * 1000, on_timer, d);
    if (!p->timer) {
        free(p);
        return err_set(e, ERR_INTERNAL, "out of memory");
    }
    usb_dev_set_priv(d, p);
    /* Checked at once: until the first answer the printer is not called
     * ready, so no visitor taps Print on a printer out of paper. */
    if (usb_dev_conf(d)->status &&
        usb_dev_write(d, status_query, sizeof(status_query), STATUS_WAIT_MS, e) == 0) {
        p->phase = QUERYING;
        usb_dev_set_state(d, "checking");
    }
    return 0;
}

static void stop(struct usb_dev *d)
{
    struct printer *p = usb_dev_priv(d);
    if (!p)
        return;
    loop_timer_del(p->timer);
    usb_dev_set_priv(d, NULL);
    for (int i = 0; i < p->njobs; i++) {
        buf_free(&p->jobs[i]);
        usb_dev_printed(d, p->job_ids[i], false, "the printer went away");
    }
    free(p);
}

static void status(struct usb_dev *d, struct cJSON *obj)
{
    struct printer *p = usb_dev_priv(d);
    const struct dev_conf *c = usb_dev_conf(d);
    cJSON_AddStringToObject(obj, "qr", c->qr == QR_NATIVE ? "native" : "raster");
    cJSON_AddNumberToObject(obj, "queued", p ? p->njobs : 0);
    cJSON_AddNumberToObject(obj, "printed", p ? (double)p->printed : 0);
    cJSON_AddNumberToObject(obj, "failed", p ? (double)p->failed : 0);
}

int escpos_print(struct usb_dev *d, const struct slip *s, int max_suppliers, struct err *e)
{
    if (!usb_dev_attached(d) || usb_dev_driver(d) != &escpos_driver)
        return err_set(e, ERR_IO, "printer %s is not attached", usb_dev_id(d));
    struct printer *p = usb_dev_priv(d);
    const struct dev_conf *c = usb_dev_conf(d);
    const char *st = usb_dev_state(d);
    if (strcmp(st, "paper out") == 0 || strcmp(st, "cover open") == 0) {
        /* Refused at once (the visitor must not wait), but asked again so
         * that the next slip finds out the paper is back. */
        if (c->status && p->phase == IDLE && !usb_dev_writing(d) &&
            usb_dev_write(d, status_query, sizeof(status_query), STATUS_WAIT_MS, NULL) == 0)
            p->phase = QUERYING;
        return err_set(e, ERR_IO, "printer %s: %s", usb_dev_id(d), st);
    }
    if (p->njobs >= ESCPOS_QUEUE_MAX)
        return err_set(e, ERR_BUSY, "printer %s: %d slips already queued", usb_dev_id(d), p->njobs);
    struct slip_opts o = {
        .qr = c->qr, .dots = c->dots, .qr_module = c->qr_module, .max_suppliers = max_suppliers};
    struct buf *job = &p->jobs[p->njobs];
    if (slip_escpos(s, &o, job, e) < 0) {
        buf_free(job);
        return -1;
    }
    p->job_ids[p->njobs] = s->job;
    p->njobs++;
    p->known = false;
    pump(d, p);
    return 0;
}

const struct driver escpos_driver = {
    .name = "escpos",
    .kind = DRIVER_PRINTER,
    .ids = escpos_ids,
    .probe = probe,
    .start = start,
    .input = input,
    .output_done = output_done,
    .stop = stop,
    .status = status,
};
