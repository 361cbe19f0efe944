// SPDX-License-Identifier: Apache-2.0
/*
 * events — the SSE stream and the bus events it carries (see events.h).
 */
#include "ui/events.h"

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/buf.h"
#include "firmware/config/show.h"
#include "firmware/runtime/loop.h"
#include "ui/kiosk.h"
#include "ui/match.h"
#include "ui/printer.h"
#include "ui/reply.h"
#include "ui/route.h"
#include "ui/session.h"
#include "ui/text.h"
#include "ui/ui.h"

struct sse_client {
    struct sse_client *next, *prev;
    struct events *ev;
    struct MHD_Connection *conn;
    struct buf q; /* bytes not yet handed to MHD */
    bool suspended;
    bool closing;
};

struct events {
    struct loop_timer *run, *hb;
    struct sse_client *clients;
};

static void on_heartbeat(struct loop *l, void *ud)
{
    struct events *ev = ud;
    events_push(ev, NULL, NULL);
    loop_timer_reset(ev->hb, EVENTS_HEARTBEAT_MS);
}

struct events *events_new(struct loop *l, struct loop_timer *run)
{
    struct events *ev = calloc(1, sizeof *ev);
    if (!ev)
        return NULL;
    ev->run = run;
    if (!(ev->hb = loop_timer_add(l, EVENTS_HEARTBEAT_MS, on_heartbeat, ev))) {
        free(ev);
        return NULL;
    }
    return ev;
}

static void sse_wake(struct sse_client *c)
{
    if (c->suspended) {
        c->suspended = false;
        MHD_resume_connection(c->conn);
        loop_timer_reset(c->ev->run, 0); /* let MHD_run send it now */
    }
}

void events_close(struct events *ev)
{
    for (struct sse_client *c = ev ? ev->clients : NULL; c; c = c->next) {
        c->closing = true;
        buf_reset(&c->q);
        sse_wake(c);
    }
}

void events_free(struct events *ev)
{
    if (!ev)
        return;
    loop_timer_del(ev->hb);
    free(ev);
}

void events_push(struct events *ev, const char *event, const cJSON *data)
{
    char *t = data ? cJSON_PrintUnformatted(data) : NULL;
    for (struct sse_client *c = ev->clients; c; c = c->next) {
        if (event)
            buf_printf(&c->q, "event: %s\ndata: %s\n\n", event, t ? t : "{}");
        else
            buf_adds(&c->q, ": ping\n\n");
        sse_wake(c);
    }
    free(t);
}

int events_count(const struct events *ev)
{
    int n = 0;
    for (const struct sse_client *c = ev->clients; c; c = c->next)
        n++;
    return n;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *out, size_t max)
{
    struct sse_client *c = cls;
    if (c->q.len == 0) {
        if (c->closing)
            return MHD_CONTENT_READER_END_OF_STREAM;
        /* Nothing to say: park the connection until sse_wake(). */
        c->suspended = true;
        MHD_suspend_connection(c->conn);
        return 0;
    }
    size_t n = c->q.len < max ? c->q.len : max;
    memcpy(out, c->q.data, n);
    buf_consume(&c->q, n);
    return (ssize_t)n;
}

static void sse_free(void *cls)
{
    struct sse_client *c = cls;
    if (c->prev)
        c->prev->next = c->next;
    else if (c->ev->clients == c)
        c->ev->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    buf_free(&c->q);
    free(c);
}

void events_open(const struct route_ctx *ctx, const struct route_req *q, struct reply *r)
{
    struct events *ev = ctx->events;
    struct sse_client *c = calloc(1, sizeof *c);
    if (!c) {
        reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return;
    }
    c->ev = ev;
    c->conn = q->conn;
    buf_adds(&c->q, "retry: 250\nevent: hello\ndata: {}\n\n");
    r->stream = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, c, sse_free);
    if (!r->stream) {
        buf_free(&c->q);
        free(c);
        reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return;
    }
    c->next = ev->clients;
    if (ev->clients)
        ev->clients->prev = c;
    ev->clients = c;
    r->code = MHD_HTTP_OK;
    r->type = "text/event-stream";
}

/* ---- the bus ----------------------------------------------------------------- */

static void copy_member(cJSON *dst, const cJSON *src, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, k);
    if (v)
        cJSON_AddItemToObject(dst, k, cJSON_Duplicate(v, 1));
}

/* A new lead (or a re-scan): a new visit, and what the page shows. */
static void on_lead(const struct route_ctx *c, const cJSON *data)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(data, "id");
    const cJSON *show = cJSON_GetObjectItemCaseSensitive(data, "show");
    if (!cJSON_IsString(id))
        return;
    /* A badge scanned for another show (after a reload) is not ours. */
    if (cJSON_IsString(show) && strcmp(show->valuestring, c->h->show->id) != 0)
        return;
    /* Every scan starts a new visit: the previous visitor's lead can no
     * longer be written from the kiosk. */
    kiosk_begin(c->kiosk, id->valuestring);
    cJSON *o = cJSON_CreateObject();
    static const char *const keys[] = {
        "id",      "created", "scan_count", "format", "full_name", "given_name", "family_name",
        "company", "title",   "emails",     "phones", "country",   "notes",      "answers"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        copy_member(o, data, keys[i]);
    copy_member(o, data, "lang"); /* the badge's language: the page greets in it */
    events_push(c->events, "lead", o);
    cJSON_Delete(o);
}

/* A business card read by the camera (or `matchbooth card --review`) for
 * the visitor to review: a new visit starts, and only this read may be
 * stored from the kiosk (/api/card/store). The OCR'd lines stay here. */
static void on_card_read(const struct route_ctx *c, const cJSON *data)
{
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(data, "read_id");
    if (!cJSON_IsNumber(rid) || cJSON_GetObjectItemCaseSensitive(data, "barcode"))
        return; /* a card with a code is stored at once, like a badge */
    kiosk_begin_card(c->kiosk, (int64_t)rid->valuedouble);
    cJSON *o = cJSON_CreateObject();
    copy_member(o, data, "read_id");
    copy_member(o, data, "recognised");
    copy_member(o, data, "confidence");
    events_push(c->events, "card_read", o);
    cJSON_Delete(o);
}

/* A staff badge (capture.c, [kiosk] staff_badges): whatever visit was in
 * progress ends here, so nothing of that visitor can be read or written
 * from the page any more; then a one-time token goes to the page over the
 * event stream (loopback only), which trades it for a staff session at
 * /api/staff/badge. The operator's name never has to be believed from the
 * page. */
static void on_staff_badge(const struct route_ctx *c, const cJSON *data)
{
    kiosk_forget(c->kiosk);
    const char *tok =
        session_badge_token(c->sessions, text_member(data, "operator"), loop_now_ms());
    if (!tok)
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "token", tok);
    events_push(c->events, "staff_badge", o);
    cJSON_Delete(o);
}

void events_on_bus(const char *type, const cJSON *data, void *ud)
{
    const struct route_ctx *c = ud;
    cJSON *o = NULL;
    if (!strcmp(type, "lead")) {
        on_lead(c, data);
    } else if (!strcmp(type, "unknown_scan")) {
        /* The raw bytes stay on the server: the page only learns that a code
         * was read and kept. */
        o = cJSON_CreateObject();
        copy_member(o, data, "scan_id");
        kiosk_forget(c->kiosk);
        events_push(c->events, "unknown_scan", o);
    } else if (!strcmp(type, "device") || !strcmp(type, "devices")) {
        o = cJSON_CreateObject();
        printer_add(c->h->bus, o);
        events_push(c->events, "status", o);
    } else if (!strcmp(type, "print_job")) {
        match_print_job(c, data); /* the print log, and "print" to the page */
    } else if (!strcmp(type, "card_read")) {
        on_card_read(c, data);
    } else if (!strcmp(type, "staff_badge")) {
        on_staff_badge(c, data);
    } else if (!strcmp(type, "export")) {
        /* Counts and file names only (export_notice.c): no personal data. */
        const cJSON *files = cJSON_GetObjectItemCaseSensitive(data, "files");
        o = cJSON_CreateObject();
        copy_member(o, data, "target");
        copy_member(o, data, "leads");
        copy_member(o, data, "at");
        cJSON_AddNumberToObject(o, "files", cJSON_IsArray(files) ? cJSON_GetArraySize(files) : 0);
        events_push(c->events, "export", o);
    }
    cJSON_Delete(o);
}
