// SPDX-License-Identifier: Apache-2.0
/*
 * ui — the kiosk's web server: libmicrohttpd in "external epoll" mode, so
 * MHD owns one epoll fd that the daemon's loop watches and MHD_run() does
 * the work when it is ready. Every request, and every Server-Sent Events
 * push, happens in the loop thread alongside the store (no MHD threads).
 *
 * What it serves:
 *   /, /admin, /NAME.js|css|json  pages compiled into the binary (assets.h)
 *   /api/events                 SSE: "lead", "unknown_scan", "status"
 *   /api/boot, /api/lead/..., /api/matches, /api/search, /api/qr, /api/print,
 *   /api/demo, /api/manual, /api/visit/end       the kiosk's JSON API
 *   /api/admin/..., /api/staff/...  behind a session opened with the admin PIN
 *
 * Security: badge text reaches the page only as JSON (the page inserts it as
 * text); every response carries CSP default-src 'self'; every write needs
 * the CSRF token (the kiosk's, or the session's for admin and staff writes)
 * in X-CSRF-Token plus a JSON body, which a cross-site form cannot send; the
 * Host header must be ours, so a DNS-rebinding page cannot read the stream;
 * the kiosk may only write to the lead of the visit in progress; a peer that
 * is not on this machine (allow_remote) gets the admin API only; wrong PINs
 * lock the login for a time that doubles with each failure (up to 30 s).
 * SSE connections are suspended (MHD_suspend_connection) while they have
 * nothing to send, so an idle stream costs nothing.
 */
#include "ui/ui.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <ifaddrs.h>
#include <limits.h>
#include <microhttpd.h>
#include <net/if.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "firmware/base/buf.h"
#include "firmware/runtime/bus.h"
#include "firmware/store/capture.h"
#include "firmware/card/card_service.h"
#include "firmware/base/clock.h"
#include "firmware/config/config.h"
#include "firmware/export/export.h"
#include "firmware/base/log.h"
#include "firmware/runtime/loop.h"
#include "firmware/config/show.h"
#include "firmware/store/store.h"
#include "ui/assets.h"
#include "ui/campaign.h"
#include "ui/catalog.h"
#include "ui/download.h"
#include "ui/pin.h"
#include "ui/qr.h"

#define MAX_BODY        (64u * 1024)
#define MAX_SESSIONS    8
#define TOKEN_HEX       64
#define HEARTBEAT_MS    15000
#define PIN_LOCK_MAX_MS 30000
#define FIELD_MAX       256
#define TEXT_MAX        2000
#define STAFF_TOKEN_MS  10000 /* a staff badge's token must be used within this */
#define MAX_DOWNLOADS   2     /* export child processes at once */

struct sse_client {
    struct sse_client *next, *prev;
    struct ui *u;
    struct MHD_Connection *conn;
    struct buf q; /* bytes not yet handed to MHD */
    bool suspended;
    bool closing;
};

struct session {
    bool used;
    char id[TOKEN_HEX + 1];
    char csrf[TOKEN_HEX + 1];
    uint64_t last_ms;
    /* Opened by a staff badge: staff mode under that operator's name, but
     * none of the admin API (no PIN was given). */
    bool staff_only;
    char op[65]; /* operator for notes; "" = "staff" */
};

/* An export download: the child process and the connection it feeds. */
struct export_dl {
    struct export_dl *next, *prev;
    struct ui *u;
    struct MHD_Connection *conn;
    struct download *d;
    bool suspended;
    bool answered; /* a response is queued */
    char type[80];
    char disposition[160];
};

struct ui {
    struct ui_host h;
    struct MHD_Daemon *d;
    struct loop_fd *w;
    struct loop_timer *t, *hb;
    int sub;
    struct sse_client *clients;
    char kiosk_csrf[TOKEN_HEX + 1];
    char current_lead[UUID_STR_LEN]; /* the visit in progress, "" if none */
    struct session sessions[MAX_SESSIONS];
    unsigned pin_fails;
    uint64_t pin_locked_until;
    unsigned demo_next;
    int64_t current_read; /* the business card under review, 0 if none */
    /* The one-time token a staff badge made, pushed over the event stream
     * and exchanged for a staff session at /api/staff/badge. */
    char staff_token[TOKEN_HEX + 1];
    char staff_op[65];
    uint64_t staff_token_until;
    struct export_dl *downloads;
};

/* One request's state across MHD's calls (the body arrives in pieces). */
struct req {
    struct buf body;
    bool too_big;
    struct export_dl *dl; /* GET /api/admin/export in progress */
};

/* What a handler answers. */
struct reply {
    unsigned code;
    bool deferred; /* no answer yet: an export download waits for its child */
    const char *type;
    struct buf body;
    char cookie[256];
    char retry_after[24];
    const char *disposition;
};

static void run(struct ui *u);
static void add_common_headers(struct MHD_Response *resp);
static const char *jstr(const cJSON *o, const char *k);
static char *clean_text(const char *s, size_t max);

static int token_new(char out[TOKEN_HEX + 1])
{
    unsigned char r[TOKEN_HEX / 2];
    if (RAND_bytes(r, sizeof r) != 1)
        return -1;
    for (size_t i = 0; i < sizeof r; i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
    return 0;
}

static bool token_eq(const char *a, const char *b)
{
    return a && b && strlen(a) == TOKEN_HEX && strlen(b) == TOKEN_HEX &&
           CRYPTO_memcmp(a, b, TOKEN_HEX) == 0;
}

/* ---- replies ------------------------------------------------------------- */

static void reply_json(struct reply *r, unsigned code, cJSON *o)
{
    char *t = cJSON_PrintUnformatted(o);
    r->code = code;
    r->type = "application/json; charset=utf-8";
    buf_reset(&r->body);
    buf_adds(&r->body, t ? t : "{}");
    free(t);
    cJSON_Delete(o);
}

static void reply_error(struct reply *r, unsigned code, const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", msg);
    reply_json(r, code, o);
}

static void reply_err(struct reply *r, const struct err *e)
{
    unsigned code = e->code == ERR_INVALID    ? MHD_HTTP_BAD_REQUEST
                    : e->code == ERR_NOTFOUND ? MHD_HTTP_NOT_FOUND
                    : e->code == ERR_BUSY     ? MHD_HTTP_SERVICE_UNAVAILABLE
                                              : MHD_HTTP_INTERNAL_SERVER_ERROR;
    if (code == MHD_HTTP_INTERNAL_SERVER_ERROR)
        log_error("ui", "%s", e->msg);
    reply_error(r, code, e->msg[0] ? e->msg : "error");
}

static void reply_ok(struct reply *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 1);
    reply_json(r, MHD_HTTP_OK, o);
}

/* ---- SSE ------------------------------------------------------------------- */

static void sse_wake(struct sse_client *c)
{
    if (c->suspended) {
        c->suspended = false;
        MHD_resume_connection(c->conn);
        loop_timer_reset(c->u->t, 0); /* let MHD_run send it now */
    }
}

static void sse_push(struct ui *u, const char *event, const cJSON *data)
{
    char *t = data ? cJSON_PrintUnformatted(data) : NULL;
    for (struct sse_client *c = u->clients; c; c = c->next) {
        if (event)
            buf_printf(&c->q, "event: %s\ndata: %s\n\n", event, t ? t : "{}");
        else
            buf_adds(&c->q, ": ping\n\n");
        sse_wake(c);
    }
    free(t);
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
    else if (c->u->clients == c)
        c->u->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    buf_free(&c->q);
    free(c);
}

static struct MHD_Response *sse_open(struct ui *u, struct MHD_Connection *conn)
{
    struct sse_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->u = u;
    c->conn = conn;
    buf_adds(&c->q, "retry: 250\nevent: hello\ndata: {}\n\n");
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, c, sse_free);
    if (!r) {
        buf_free(&c->q);
        free(c);
        return NULL;
    }
    c->next = u->clients;
    if (u->clients)
        u->clients->prev = c;
    u->clients = c;
    return r;
}

static void on_heartbeat(struct loop *l, void *ud)
{
    struct ui *u = ud;
    sse_push(u, NULL, NULL);
    loop_timer_reset(u->hb, HEARTBEAT_MS);
}

/* ---- status ------------------------------------------------------------------ */

/* The receipt printer as the "devices" status reports it (drivers/devices.c):
 * devices.printer is {"id", "state", "present", "ready"} for the printer
 * slips go to, or false when there is none. */
struct printer_info {
    bool present, ready;
    char state[64]; /* "ready", "paper out", "cover open", "error: …" */
};

static void printer_get(struct ui *u, struct printer_info *p)
{
    cJSON *st = cJSON_CreateObject();
    memset(p, 0, sizeof *p);
    bus_status_fill(u->h.bus, st);
    const cJSON *pr = cJSON_GetObjectItem(cJSON_GetObjectItem(st, "devices"), "printer");
    if (cJSON_IsObject(pr) && cJSON_IsTrue(cJSON_GetObjectItem(pr, "present"))) {
        const cJSON *state = cJSON_GetObjectItem(pr, "state");
        p->present = true;
        p->ready = cJSON_IsTrue(cJSON_GetObjectItem(pr, "ready"));
        snprintf(p->state, sizeof p->state, "%s",
                 cJSON_IsString(state) ? state->valuestring
                 : p->ready            ? "ready"
                                       : "");
    }
    cJSON_Delete(st);
}

/* {"present", "ready", "state"} for the page, which shows the print button
 * only when present and disables it (saying why) when not ready. */
static void add_printer(struct ui *u, cJSON *o)
{
    struct printer_info p;
    printer_get(u, &p);
    cJSON *x = cJSON_AddObjectToObject(o, "printer");
    cJSON_AddBoolToObject(x, "present", p.present);
    cJSON_AddBoolToObject(x, "ready", p.ready);
    cJSON_AddStringToObject(x, "state", p.state);
}

static void push_status(struct ui *u)
{
    cJSON *o = cJSON_CreateObject();
    add_printer(u, o);
    sse_push(u, "status", o);
    cJSON_Delete(o);
}

/* ---- bus --------------------------------------------------------------------- */

static void copy_member(cJSON *dst, const cJSON *src, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, k);
    if (v)
        cJSON_AddItemToObject(dst, k, cJSON_Duplicate(v, 1));
}

/* A business card read by the camera (or `matchbooth card --review`) for
 * the visitor to review: a new visit starts, and only this read may be
 * stored from the kiosk (/api/card/store). The OCR'd lines stay here. */
static void on_card_read(struct ui *u, const cJSON *data)
{
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(data, "read_id");
    if (!cJSON_IsNumber(rid) || cJSON_GetObjectItemCaseSensitive(data, "barcode"))
        return; /* a card with a code is stored at once, like a badge */
    u->current_lead[0] = '\0';
    u->current_read = (int64_t)rid->valuedouble;
    cJSON *o = cJSON_CreateObject();
    copy_member(o, data, "read_id");
    copy_member(o, data, "recognised");
    copy_member(o, data, "confidence");
    sse_push(u, "card_read", o);
    cJSON_Delete(o);
}

/* A staff badge (capture.c, [kiosk] staff_badges): whatever visit was in
 * progress ends here, so nothing of that visitor can be read or written
 * from the page any more; then a one-time token, valid STAFF_TOKEN_MS,
 * goes to the page over the event stream (loopback only), which trades it
 * for a staff session at /api/staff/badge. The operator's name never has
 * to be believed from the page. */
static void on_staff_badge(struct ui *u, const cJSON *data)
{
    const char *op = jstr(data, "operator");
    u->current_lead[0] = '\0';
    u->current_read = 0;
    if (token_new(u->staff_token) < 0) {
        u->staff_token[0] = '\0';
        log_error("ui", "staff badge ignored: no random bytes");
        return;
    }
    char *clean = clean_text(op && *op ? op : "staff", 64);
    snprintf(u->staff_op, sizeof u->staff_op, "%s", clean ? clean : "staff");
    free(clean);
    u->staff_token_until = loop_now_ms() + STAFF_TOKEN_MS;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "token", u->staff_token);
    sse_push(u, "staff_badge", o);
    cJSON_Delete(o);
}

static void on_bus(const char *type, const cJSON *data, void *ud)
{
    struct ui *u = ud;
    if (!strcmp(type, "lead")) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(data, "id");
        const cJSON *show = cJSON_GetObjectItemCaseSensitive(data, "show");
        if (!cJSON_IsString(id))
            return;
        /* A badge scanned for another show (after a reload) is not ours. */
        if (cJSON_IsString(show) && strcmp(show->valuestring, u->h.show->id) != 0)
            return;
        /* Every scan starts a new visit: the previous visitor's lead can no
         * longer be written from the kiosk. */
        snprintf(u->current_lead, sizeof u->current_lead, "%s", id->valuestring);
        u->current_read = 0;
        cJSON *o = cJSON_CreateObject();
        const char *keys[] = {"id",         "created",     "scan_count", "format", "full_name",
                              "given_name", "family_name", "company",    "title",  "emails",
                              "phones",     "country",     "notes",      "answers"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            copy_member(o, data, keys[i]);
        sse_push(u, "lead", o);
        cJSON_Delete(o);
    } else if (!strcmp(type, "unknown_scan")) {
        /* The raw bytes stay on the server: the page only learns that a code
         * was read and kept. */
        cJSON *o = cJSON_CreateObject();
        copy_member(o, data, "scan_id");
        u->current_lead[0] = '\0';
        u->current_read = 0;
        sse_push(u, "unknown_scan", o);
        cJSON_Delete(o);
    } else if (!strcmp(type, "device") || !strcmp(type, "devices")) {
        push_status(u);
    } else if (!strcmp(type, "card_read")) {
        on_card_read(u, data);
    } else if (!strcmp(type, "staff_badge")) {
        on_staff_badge(u, data);
    } else if (!strcmp(type, "export")) {
        /* Counts and file names only (export_notice.c): no personal data. */
        cJSON *o = cJSON_CreateObject();
        const cJSON *files = cJSON_GetObjectItemCaseSensitive(data, "files");
        copy_member(o, data, "target");
        copy_member(o, data, "leads");
        copy_member(o, data, "at");
        cJSON_AddNumberToObject(o, "files", cJSON_IsArray(files) ? cJSON_GetArraySize(files) : 0);
        sse_push(u, "export", o);
        cJSON_Delete(o);
    }
}

/* ---- helpers for handlers ----------------------------------------------------------- */

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *arg(struct MHD_Connection *c, const char *k)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, k);
}

/* The lead named in the request, if it is the visit in progress. */
static const char *visit_lead(struct ui *u, const char *id, struct reply *r)
{
    if (!id || !u->current_lead[0] || strcmp(id, u->current_lead) != 0) {
        reply_error(r, MHD_HTTP_CONFLICT, "this visit has ended; scan your badge again");
        return NULL;
    }
    return u->current_lead;
}

static const char *lang_of(const char *lang)
{
    static const char *const langs[] = {"en", "zh-Hant", "zh-Hans", "de", "fr", "es", "hi"};
    for (size_t i = 0; lang && i < sizeof langs / sizeof langs[0]; i++)
        if (!strcmp(lang, langs[i]))
            return langs[i];
    return "en";
}

/* Copies untrusted text of at most max bytes, dropping control characters. */
static char *clean_text(const char *s, size_t max)
{
    if (!s)
        return NULL;
    struct buf b = {0};
    for (; *s && b.len < max; s++)
        if ((unsigned char)*s >= 0x20 || *s == '\n')
            buf_addc(&b, *s);
    return buf_steal(&b);
}

static const cJSON *form_question(struct ui *u, const char *qid)
{
    const cJSON *q;
    cJSON_ArrayForEach(q, cJSON_GetObjectItem(u->h.show->form, "questions"))
    {
        const char *id = jstr(q, "id");
        if (id && !strcmp(id, qid))
            return q;
    }
    return NULL;
}

static const cJSON *form_choice(const cJSON *q, const char *cid)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(q, "choices"))
    {
        const char *id = jstr(c, "id");
        if (id && cid && !strcmp(id, cid))
            return c;
    }
    return NULL;
}

/* ---- kiosk API ------------------------------------------------------------------------------ */

static void api_boot(struct ui *u, struct reply *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *show = cJSON_AddObjectToObject(o, "show");
    cJSON_AddStringToObject(show, "id", u->h.show->id);
    cJSON_AddStringToObject(show, "name", u->h.show->name ? u->h.show->name : "");
    const char *dev = config_str(u->h.cfg, "kiosk", "device_id");
    cJSON_AddStringToObject(o, "device", dev ? dev : "");
    cJSON_AddBoolToObject(o, "demo", config_bool(u->h.cfg, "kiosk", "demo"));
    cJSON_AddNumberToObject(o, "idle_timeout", (double)config_int(u->h.cfg, "ui", "idle_timeout"));
    cJSON_AddStringToObject(o, "csrf", u->kiosk_csrf);
    add_printer(u, o);
    cJSON_AddNumberToObject(o, "catalog", catalog_count(u->h.store));
    cJSON_AddItemToObject(o, "form", cJSON_Duplicate(u->h.show->form, 1));
    cJSON_AddBoolToObject(o, "cards", u->h.card && card_service_ready(u->h.card));
    /* The first-boot enrolment's verdict (status member "enrolment"): the
     * attract screen says so when this kiosk is not enrolled. Without that
     * member (tests) nothing is claimed either way. */
    cJSON *st = cJSON_CreateObject();
    bus_status_fill(u->h.bus, st);
    const cJSON *enr = cJSON_GetObjectItem(cJSON_GetObjectItem(st, "enrolment"), "enrolled");
    cJSON_AddBoolToObject(o, "enrolled", !cJSON_IsBool(enr) || cJSON_IsTrue(enr));
    cJSON_Delete(st);
    reply_json(r, MHD_HTTP_OK, o);
}

/* Made-up badges for the demo button: MeCard, as real badges carry. */
static const char *const demo_badges[] = {
    "MECARD:UID:DEMO-0001;N:Lam,Mei Ling;ORG:Harbour Gadgets Ltd;TEL:+85291234567;"
    "EMAIL:meiling.lam@harbour-gadgets.example;;",
    "MECARD:UID:DEMO-0002;N:Becker,Jonas;ORG:Rheinland Audio GmbH;TEL:+4922112345678;"
    "EMAIL:j.becker@rheinland-audio.example;;",
    "MECARD:UID:DEMO-0003;N:Sharma,Priya;ORG:Lotus Retail Pvt Ltd;TEL:+919812345678;"
    "EMAIL:priya@lotus-retail.example;;",
    "MECARD:UID:DEMO-0004;N:陳,大文;ORG:九龍智能科技有限公司;TEL:+85261234567;"
    "EMAIL:david.chan@kowloon-smart.example;;",
    "MECARD:UID:DEMO-0005;N:García,Lucía;ORG:Iberia Hogar S.L.;"
    "EMAIL:lucia.garcia@iberia-hogar.example;;",
};

static void api_demo(struct ui *u, struct reply *r)
{
    if (!config_bool(u->h.cfg, "kiosk", "demo")) {
        reply_error(r, MHD_HTTP_NOT_FOUND, "demo mode is off");
        return;
    }
    const char *p = demo_badges[u->demo_next++ % (sizeof demo_badges / sizeof demo_badges[0])];
    struct capture_in in = {.source = LEAD_SRC_SCANNER,
                            .device = "demo",
                            .symbology = "qr",
                            .payload = (const uint8_t *)p,
                            .len = strlen(p)};
    cJSON *res = NULL;
    struct err e = {0};
    if (capture_scan(u->h.capture, &in, &res, &e) < 0) {
        reply_err(r, &e);
        return;
    }
    cJSON_Delete(res);
    reply_ok(r);
}

/* Manual entry by the visitor (no badge): the same capture path as a scan. */
static void api_manual(struct ui *u, const cJSON *body, struct reply *r)
{
    struct lead_fields f = {0};
    char *name = clean_text(jstr(body, "full_name"), FIELD_MAX);
    char *company = clean_text(jstr(body, "company"), FIELD_MAX);
    char *email = clean_text(jstr(body, "email"), FIELD_MAX);
    char *phone = clean_text(jstr(body, "phone"), FIELD_MAX);
    if ((!name || !*name) && (!email || !*email)) {
        reply_error(r, MHD_HTTP_BAD_REQUEST, "a name or an e-mail address is needed");
        goto out;
    }
    lead_set(&f.format, "manual");
    lead_set(&f.full_name, name);
    lead_set(&f.company, company);
    if (email && *email)
        strv_push(&f.emails, email);
    if (phone && *phone)
        strv_push(&f.phones, phone);
    char *payload = cJSON_PrintUnformatted(body);
    struct capture_in in = {.source = LEAD_SRC_MANUAL,
                            .device = "kiosk",
                            .payload = (const uint8_t *)(payload ? payload : ""),
                            .len = payload ? strlen(payload) : 0,
                            .fields = &f};
    cJSON *res = NULL;
    struct err e = {0};
    if (capture_scan(u->h.capture, &in, &res, &e) < 0)
        reply_err(r, &e);
    else
        reply_ok(r);
    cJSON_Delete(res);
    free(payload);
out:
    lead_fields_free(&f);
    free(name);
    free(company);
    free(email);
    free(phone);
}

static void api_fields(struct ui *u, const cJSON *body, struct reply *r)
{
    const char *lead = visit_lead(u, jstr(body, "lead"), r);
    if (!lead)
        return;
    struct lead_fields f = {0};
    const char *scalars[] = {"full_name", "company", "title"};
    char **slots[] = {&f.full_name, &f.company, &f.title};
    for (int i = 0; i < 3; i++) {
        char *v = clean_text(jstr(body, scalars[i]), FIELD_MAX);
        if (v && *v)
            lead_set(slots[i], v);
        free(v);
    }
    char *email = clean_text(jstr(body, "email"), FIELD_MAX);
    char *phone = clean_text(jstr(body, "phone"), FIELD_MAX);
    if (email && *email && !strchr(email, '@')) {
        reply_error(r, MHD_HTTP_BAD_REQUEST, "that e-mail address has no @");
        goto out;
    }
    if (email && *email)
        strv_push(&f.emails, email);
    if (phone && *phone)
        strv_push(&f.phones, phone);
    struct err e = {0};
    if (store_lead_update(u->h.store, lead, &f, &e) < 0)
        reply_err(r, &e);
    else
        reply_ok(r);
out:
    free(email);
    free(phone);
    lead_fields_free(&f);
}

/* Checks one answer against the form; returns its JSON text or NULL. */
static char *answer_value(const cJSON *q, const cJSON *v)
{
    const char *type = jstr(q, "type");
    if (!type)
        return NULL;
    if (!strcmp(type, "single")) {
        return cJSON_IsString(v) && form_choice(q, v->valuestring) ? cJSON_PrintUnformatted(v)
                                                                   : NULL;
    }
    if (!strcmp(type, "multi")) {
        if (!cJSON_IsArray(v))
            return NULL;
        const cJSON *it;
        cJSON_ArrayForEach(it, v)
        {
            if (!cJSON_IsString(it) || !form_choice(q, it->valuestring))
                return NULL;
        }
        return cJSON_PrintUnformatted(v);
    }
    if (!strcmp(type, "text") && cJSON_IsString(v)) {
        char *t = clean_text(v->valuestring, TEXT_MAX);
        cJSON *s = cJSON_CreateString(t ? t : "");
        char *out = cJSON_PrintUnformatted(s);
        cJSON_Delete(s);
        free(t);
        return out;
    }
    return NULL;
}

static void api_answers(struct ui *u, const cJSON *body, struct reply *r)
{
    const char *lead = visit_lead(u, jstr(body, "lead"), r);
    if (!lead)
        return;
    const cJSON *answers = cJSON_GetObjectItemCaseSensitive(body, "answers"), *a;
    if (!cJSON_IsObject(answers)) {
        reply_error(r, MHD_HTTP_BAD_REQUEST, "expected {\"answers\": {question: value}}");
        return;
    }
    cJSON_ArrayForEach(a, answers)
    {
        const cJSON *q = form_question(u, a->string);
        char *v = q ? answer_value(q, a) : NULL;
        if (!v) {
            char msg[160];
            snprintf(msg, sizeof msg, "not a valid answer to question '%.64s'", a->string);
            reply_error(r, MHD_HTTP_BAD_REQUEST, msg);
            return;
        }
        struct err e = {0};
        int rc = store_answer_set(u->h.store, lead, a->string, v, &e);
        free(v);
        if (rc < 0) {
            reply_err(r, &e);
            return;
        }
    }
    reply_ok(r);
}

static void api_consents(struct ui *u, const cJSON *body, struct reply *r)
{
    const char *lead = visit_lead(u, jstr(body, "lead"), r);
    if (!lead)
        return;
    const char *lang = lang_of(jstr(body, "lang"));
    const cJSON *given = cJSON_GetObjectItemCaseSensitive(body, "consents"), *c;
    if (!cJSON_IsObject(given)) {
        reply_error(r, MHD_HTTP_BAD_REQUEST, "expected {\"consents\": {purpose: true|false}}");
        return;
    }
    /* Every purpose of the form gets a row, ticked or not: "no" is an answer
     * too, recorded with the text version the visitor saw. */
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(u->h.show->form, "consents"))
    {
        const char *purpose = jstr(c, "purpose"), *version = jstr(c, "version");
        if (!purpose)
            continue;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(given, purpose);
        struct err e = {0};
        if (store_consent_set(u->h.store, lead, purpose, cJSON_IsTrue(v), version ? version : "",
                              lang, &e) < 0) {
            reply_err(r, &e);
            return;
        }
    }
    reply_ok(r);
}

/* The categories chosen in the lead's answers (choices that carry one). */
static void answer_categories(struct ui *u, const cJSON *lead, struct strv *out)
{
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(lead, "answers"))
    {
        const cJSON *q = form_question(u, a->string);
        if (!q)
            continue;
        const cJSON *picked = cJSON_IsArray(a) ? a->child : a, *next;
        for (const cJSON *p = picked; p; p = next) {
            next = cJSON_IsArray(a) ? p->next : NULL;
            const cJSON *ch = cJSON_IsString(p) ? form_choice(q, p->valuestring) : NULL;
            const char *cat = jstr(ch, "category");
            if (cat)
                strv_push_unique(out, cat);
        }
    }
}

/* Adds "link" (the campaign URL) and "qr" (where its SVG is) to each. */
static int add_links(struct ui *u, cJSON *list, const char *lead, struct err *e)
{
    char ref[CAMPAIGN_REF_LEN];
    if (campaign_ref(u->h.store, lead, ref, e) < 0)
        return -1;
    const char *dev = config_str(u->h.cfg, "kiosk", "device_id");
    cJSON *s;
    cJSON_ArrayForEach(s, list)
    {
        struct buf link = {0}, qr = {0};
        if (campaign_url(jstr(s, "url"), u->h.show->id, dev, ref, &link, e) < 0) {
            buf_free(&link);
            return -1;
        }
        cJSON_AddStringToObject(s, "link", link.data);
        buf_printf(&qr, "/api/qr?supplier=%s&lead=%s", jstr(s, "id"), lead);
        cJSON_AddStringToObject(s, "qr", qr.data);
        buf_free(&link);
        buf_free(&qr);
    }
    return 0;
}

static void api_matches(struct ui *u, struct MHD_Connection *conn, struct reply *r)
{
    const char *lead = visit_lead(u, arg(conn, "lead"), r);
    if (!lead)
        return;
    struct err e = {0};
    cJSON *lj = NULL, *list = NULL;
    struct strv cats = {0};
    if (store_lead_json(u->h.store, lead, false, &lj, &e) < 0)
        goto fail;
    answer_categories(u, lj, &cats);
    long long seed = 0;
    for (const char *p = lead; *p; p++)
        seed = (seed * 31 + (unsigned char)*p) % 1000003;
    if (catalog_match(u->h.store, &cats, lang_of(arg(conn, "lang")),
                      (int)config_int(u->h.cfg, "ui", "matches"), seed, &list, &e) < 0 ||
        add_links(u, list, lead, &e) < 0)
        goto fail;
    cJSON *o = cJSON_CreateObject();
    cJSON *ca = cJSON_AddArrayToObject(o, "categories");
    for (size_t i = 0; i < cats.n; i++)
        cJSON_AddItemToArray(ca, cJSON_CreateString(cats.v[i]));
    cJSON_AddItemToObject(o, "suppliers", list);
    list = NULL;
    reply_json(r, MHD_HTTP_OK, o);
    goto out;
fail:
    reply_err(r, &e);
out:
    cJSON_Delete(lj);
    cJSON_Delete(list);
    strv_free(&cats);
}

static void api_search(struct ui *u, struct MHD_Connection *conn, struct reply *r)
{
    const char *lead = visit_lead(u, arg(conn, "lead"), r);
    if (!lead)
        return;
    const char *q = arg(conn, "q");
    struct err e = {0};
    cJSON *list = NULL;
    if (!q || strlen(q) > 200) {
        reply_error(r, MHD_HTTP_BAD_REQUEST, "q: 1 to 200 bytes");
        return;
    }
    if (catalog_search(u->h.store, q, lang_of(arg(conn, "lang")), 12, &list, &e) < 0 ||
        add_links(u, list, lead, &e) < 0) {
        cJSON_Delete(list);
        reply_err(r, &e);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "suppliers", list);
    reply_json(r, MHD_HTTP_OK, o);
}

/* The campaign link of one supplier for the current visit, or NULL. */
static char *supplier_link(struct ui *u, const char *sid, const char *lead, const char *lang,
                           cJSON **sup, struct err *e)
{
    char ref[CAMPAIGN_REF_LEN];
    struct buf link = {0};
    if (catalog_get(u->h.store, sid, lang, sup, e) < 0 ||
        campaign_ref(u->h.store, lead, ref, e) < 0)
        return NULL;
    if (campaign_url(jstr(*sup, "url"), u->h.show->id, config_str(u->h.cfg, "kiosk", "device_id"),
                     ref, &link, e) < 0) {
        buf_free(&link);
        return NULL;
    }
    return buf_steal(&link);
}

static void api_qr(struct ui *u, struct MHD_Connection *conn, struct reply *r)
{
    const char *lead = visit_lead(u, arg(conn, "lead"), r), *sid = arg(conn, "supplier");
    if (!lead)
        return;
    struct err e = {0};
    cJSON *sup = NULL;
    char *link = sid ? supplier_link(u, sid, lead, "en", &sup, &e) : NULL;
    cJSON_Delete(sup);
    if (!link) {
        reply_err(r, &e);
        return;
    }
    buf_reset(&r->body);
    if (qr_svg(link, &r->body, &e) < 0) {
        reply_err(r, &e);
    } else {
        r->code = MHD_HTTP_OK;
        r->type = "image/svg+xml";
    }
    free(link);
}

/* Publishes "print" for the USB helper's printer driver:
 * {"show","greeting","suppliers":[{"name","url"}],"footer"}. */
static void api_print(struct ui *u, const cJSON *body, struct reply *r)
{
    const char *lead = visit_lead(u, jstr(body, "lead"), r);
    if (!lead)
        return;
    struct printer_info pi;
    printer_get(u, &pi);
    if (!pi.present) {
        reply_error(r, MHD_HTTP_CONFLICT, "no printer attached");
        return;
    }
    if (!pi.ready) {
        char msg[128];
        snprintf(msg, sizeof msg, "the printer is not ready: %s", pi.state);
        reply_error(r, MHD_HTTP_CONFLICT, msg);
        return;
    }
    const char *lang = lang_of(jstr(body, "lang"));
    cJSON *ev = cJSON_CreateObject(), *list = cJSON_CreateArray(), *it;
    cJSON_AddStringToObject(ev, "show", u->h.show->name ? u->h.show->name : u->h.show->id);
    char *greeting = clean_text(jstr(body, "greeting"), 120);
    cJSON_AddStringToObject(ev, "greeting", greeting ? greeting : "");
    free(greeting);
    int n = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(body, "suppliers"))
    {
        if (!cJSON_IsString(it) || n++ >= 24)
            continue;
        struct err e = {0};
        cJSON *sup = NULL;
        char *link = supplier_link(u, it->valuestring, lead, lang, &sup, &e);
        if (link) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", jstr(sup, "name"));
            cJSON_AddStringToObject(o, "url", link);
            cJSON_AddItemToArray(list, o);
        }
        free(link);
        cJSON_Delete(sup);
    }
    cJSON_AddItemToObject(ev, "suppliers", list);
    char *footer = clean_text(jstr(body, "footer"), 200);
    cJSON_AddStringToObject(ev, "footer", footer ? footer : "");
    free(footer);
    bus_publish(u->h.bus, "print", ev);
    cJSON_Delete(ev);
    log_info("ui", "print requested for lead %s", lead);
    reply_ok(r);
}

/* Copies list k of src (strings, at most 8, cleaned) into dst when given. */
static void copy_clean_list(cJSON *dst, const cJSON *src, const char *k)
{
    const cJSON *it, *v = cJSON_GetObjectItemCaseSensitive(src, k);
    if (!cJSON_IsArray(v))
        return;
    cJSON *a = cJSON_AddArrayToObject(dst, k);
    int n = 0;
    cJSON_ArrayForEach(it, v)
    {
        char *c = cJSON_IsString(it) && n < 8 ? clean_text(it->valuestring, FIELD_MAX) : NULL;
        if (c && *c) {
            cJSON_AddItemToArray(a, cJSON_CreateString(c));
            n++;
        }
        free(c);
    }
}

/*
 * The visitor confirmed the business card under review:
 * {"read_id", "fields": {full_name, title, company, address, emails[],
 * phones[], urls[]}} -> card_service_store() (in-process), which keeps the
 * recognised fields beside these and captures the lead; its "lead" bus
 * event then reaches the page like a scan. Answers {"lead": id}.
 */
static void api_card_store(struct ui *u, const cJSON *body, struct reply *r)
{
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(body, "read_id");
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(body, "fields");
    if (!u->h.card) {
        reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "business cards are not read on this kiosk");
        return;
    }
    if (!cJSON_IsNumber(rid) || !u->current_read || (int64_t)rid->valuedouble != u->current_read) {
        reply_error(r, MHD_HTTP_CONFLICT, "this visit has ended; lay your card down again");
        return;
    }
    if (!cJSON_IsObject(in)) {
        reply_error(r, MHD_HTTP_BAD_REQUEST, "expected {\"read_id\", \"fields\": {...}}");
        return;
    }
    cJSON *req = cJSON_CreateObject(), *reply = cJSON_CreateObject();
    cJSON_AddNumberToObject(req, "read_id", (double)u->current_read);
    cJSON *f = cJSON_AddObjectToObject(req, "fields");
    static const char *const scalars[] = {"full_name", "title", "company", "address"};
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
        char *c = clean_text(jstr(in, scalars[i]), FIELD_MAX);
        if (c && *c)
            cJSON_AddStringToObject(f, scalars[i], c);
        free(c);
    }
    copy_clean_list(f, in, "emails");
    copy_clean_list(f, in, "phones");
    copy_clean_list(f, in, "urls");
    const cJSON *emails = cJSON_GetObjectItem(f, "emails"), *em;
    bool has_email = false, bad_email = false;
    cJSON_ArrayForEach(em, emails)
    {
        has_email = true;
        bad_email |= !strchr(em->valuestring, '@');
    }
    struct err e = {0};
    if (bad_email) {
        reply_error(r, MHD_HTTP_BAD_REQUEST, "that e-mail address has no @");
    } else if (!cJSON_GetObjectItem(f, "full_name") && !has_email) {
        reply_error(r, MHD_HTTP_BAD_REQUEST, "a name or an e-mail address is needed");
    } else if (card_service_store(u->h.card, req, reply, &e) < 0) {
        reply_err(r, &e);
    } else {
        const char *lead = jstr(cJSON_GetObjectItem(reply, "lead"), "id");
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "lead", lead ? lead : "");
        if (lead)
            log_info("ui", "business card reviewed and stored as lead %s", lead);
        u->current_read = 0;
        reply_json(r, MHD_HTTP_OK, o);
    }
    cJSON_Delete(req);
    cJSON_Delete(reply);
}

static void api_visit_end(struct ui *u, const cJSON *body, struct reply *r)
{
    const char *id = jstr(body, "lead");
    const cJSON *rd = cJSON_GetObjectItemCaseSensitive(body, "read_id");
    if (!id || !strcmp(id, u->current_lead))
        u->current_lead[0] = '\0';
    if ((!id && !rd) || (cJSON_IsNumber(rd) && (int64_t)rd->valuedouble == u->current_read))
        u->current_read = 0;
    reply_ok(r);
}

/* ---- sessions and the PIN -------------------------------------------------------------- */

static struct session *session_of(struct ui *u, struct MHD_Connection *conn)
{
    const char *sid = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "mb_session");
    uint64_t now = loop_now_ms(),
             ttl = (uint64_t)config_int(u->h.cfg, "ui", "session_timeout") * 1000;
    for (int i = 0; sid && i < MAX_SESSIONS; i++) {
        struct session *s = &u->sessions[i];
        if (!s->used)
            continue;
        if (now - s->last_ms > ttl) {
            s->used = false;
            continue;
        }
        if (token_eq(s->id, sid)) {
            s->last_ms = now;
            return s;
        }
    }
    return NULL;
}

static void session_open(struct ui *u, struct reply *r, bool staff_only, const char *op);

static void api_login(struct ui *u, const cJSON *body, struct reply *r)
{
    uint64_t now = loop_now_ms();
    if (now < u->pin_locked_until) {
        snprintf(r->retry_after, sizeof r->retry_after, "%llu",
                 (unsigned long long)((u->pin_locked_until - now + 999) / 1000));
        reply_error(r, MHD_HTTP_TOO_MANY_REQUESTS, "too many wrong PINs: wait and try again");
        return;
    }
    const char *hash = config_str(u->h.cfg, "ui", "admin_pin_hash");
    char *stored = hash && *hash ? strdup(hash) : pin_load(u->h.store);
    const char *pin = jstr(body, "pin");
    if (!stored) {
        reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
                    "no admin PIN is set: run `matchbooth ui pin` on the kiosk");
        return;
    }
    int ok = pin && strlen(pin) <= 64 ? pin_verify(pin, stored) : 0;
    free(stored);
    if (ok < 0) {
        reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "the stored PIN hash is malformed");
        return;
    }
    if (!ok) {
        u->pin_fails++;
        uint64_t lock = 1000ull << (u->pin_fails - 1 < 5 ? u->pin_fails - 1 : 5);
        u->pin_locked_until = now + (lock < PIN_LOCK_MAX_MS ? lock : PIN_LOCK_MAX_MS);
        log_warn("ui", "wrong admin PIN (%u in a row): login locked for %llu ms", u->pin_fails,
                 (unsigned long long)(u->pin_locked_until - now));
        snprintf(r->retry_after, sizeof r->retry_after, "%llu",
                 (unsigned long long)((u->pin_locked_until - now + 999) / 1000));
        reply_error(r, MHD_HTTP_FORBIDDEN, "wrong PIN");
        return;
    }
    u->pin_fails = 0;
    session_open(u, r, false, "");
}

/* Opens a session in the least recently used slot: sets the cookie in r
 * and answers {"csrf", "operator"}. */
static void session_open(struct ui *u, struct reply *r, bool staff_only, const char *op)
{
    uint64_t now = loop_now_ms();
    struct session *s = &u->sessions[0];
    for (int i = 0; i < MAX_SESSIONS; i++) {
        if (!u->sessions[i].used) {
            s = &u->sessions[i];
            break;
        }
        if (u->sessions[i].last_ms < s->last_ms)
            s = &u->sessions[i];
    }
    if (token_new(s->id) < 0 || token_new(s->csrf) < 0) {
        reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "no random bytes");
        return;
    }
    s->used = true;
    s->last_ms = now;
    s->staff_only = staff_only;
    snprintf(s->op, sizeof s->op, "%s", op);
    snprintf(r->cookie, sizeof r->cookie,
             "mb_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld", s->id,
             (long long)config_int(u->h.cfg, "ui", "session_timeout"));
    log_info("ui", "%s session opened%s", staff_only ? "staff" : "admin",
             staff_only ? " by a staff badge" : "");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "csrf", s->csrf);
    cJSON_AddStringToObject(o, "operator", s->op[0] ? s->op : "staff");
    reply_json(r, MHD_HTTP_OK, o);
}

/* Trades the token a staff badge pushed to the page for a staff session
 * (once, within STAFF_TOKEN_MS). */
static void api_staff_badge(struct ui *u, const cJSON *body, struct reply *r)
{
    const char *tok = jstr(body, "token");
    bool fresh = u->staff_token[0] && loop_now_ms() <= u->staff_token_until;
    if (!fresh || !token_eq(tok, u->staff_token)) {
        reply_error(r, MHD_HTTP_FORBIDDEN, "that staff badge token is used or expired");
        return;
    }
    OPENSSL_cleanse(u->staff_token, sizeof u->staff_token); /* one use */
    session_open(u, r, true, u->staff_op);
}

/* ---- admin API ------------------------------------------------------------------------------ */

struct hours {
    int64_t from_ms;
    int n[24];
};

static int count_hour(const cJSON *lead, void *ud)
{
    struct hours *h = ud;
    const cJSON *t = cJSON_GetObjectItem(lead, "captured_at_ms");
    if (cJSON_IsNumber(t)) {
        int64_t i = ((int64_t)t->valuedouble - h->from_ms) / 3600000;
        if (i >= 0 && i < 24)
            h->n[i]++;
    }
    return 0;
}

static void add_network(cJSON *o)
{
    struct ifaddrs *ifs = NULL;
    cJSON *net = cJSON_AddArrayToObject(o, "interfaces");
    if (getifaddrs(&ifs) < 0)
        return;
    for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
        if (!i->ifa_addr || (i->ifa_flags & IFF_LOOPBACK) ||
            (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
            continue;
        char host[NI_MAXHOST];
        if (getnameinfo(i->ifa_addr,
                        i->ifa_addr->sa_family == AF_INET ? sizeof(struct sockaddr_in)
                                                          : sizeof(struct sockaddr_in6),
                        host, sizeof host, NULL, 0, NI_NUMERICHOST) != 0)
            continue;
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "name", i->ifa_name);
        cJSON_AddStringToObject(x, "address", host);
        cJSON_AddBoolToObject(x, "up", (i->ifa_flags & IFF_RUNNING) != 0);
        cJSON_AddItemToArray(net, x);
    }
    freeifaddrs(ifs);
}

static void api_admin_status(struct ui *u, struct MHD_Connection *conn, struct reply *r)
{
    cJSON *o = cJSON_CreateObject(), *stats = NULL;
    struct err e = {0};
    if (store_stats(u->h.store, &stats, &e) < 0) {
        cJSON_Delete(o);
        reply_err(r, &e);
        return;
    }
    cJSON_AddItemToObject(o, "store", stats);
    cJSON *cur = cJSON_AddObjectToObject(o, "show");
    cJSON_AddStringToObject(cur, "id", u->h.show->id);
    cJSON_AddStringToObject(cur, "name", u->h.show->name ? u->h.show->name : "");
    const char *show = arg(conn, "show");
    if (!show || !*show)
        show = u->h.show->id;
    cJSON_AddStringToObject(o, "selected_show", show);
    /* Leads per hour over the last 24 hours of the selected show. */
    struct clock_stamp now;
    clock_now(&now);
    struct hours h = {.from_ms = (now.real_ms / 3600000 - 23) * 3600000};
    if (store_leads_each(u->h.store, show, h.from_ms, INT64_MAX, false, count_hour, &h, &e) < 0) {
        cJSON_Delete(o);
        reply_err(r, &e);
        return;
    }
    cJSON *ph = cJSON_AddArrayToObject(o, "per_hour");
    for (int i = 0; i < 24; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "hour_ms", (double)(h.from_ms + (int64_t)i * 3600000));
        cJSON_AddNumberToObject(x, "leads", h.n[i]);
        cJSON_AddItemToArray(ph, x);
    }
    cJSON *st = cJSON_AddObjectToObject(o, "status");
    bus_status_fill(u->h.bus, st);
    add_printer(u, o);
    add_network(cJSON_AddObjectToObject(o, "network"));
    cJSON_AddNumberToObject(o, "catalog", catalog_count(u->h.store));
    cJSON_AddNumberToObject(o, "sse_clients", 0);
    int n = 0;
    for (struct sse_client *c = u->clients; c; c = c->next)
        n++;
    cJSON_SetNumberValue(cJSON_GetObjectItem(o, "sse_clients"), n);
    /* The formats /api/admin/export offers (export.c's table). */
    cJSON *ex = cJSON_AddArrayToObject(o, "exports");
    for (int i = 0; export_format_id(i); i++)
        cJSON_AddItemToArray(ex, cJSON_CreateString(export_format_id(i)));
    reply_json(r, MHD_HTTP_OK, o);
}

/* ---- export downloads ------------------------------------------------------
 *
 * GET /api/admin/export?format=F&show=S runs `matchbooth export --format F
 * --show S` (this binary, the daemon's config) as a child process: an
 * export takes up to seconds and sets TZ (export.h), neither of which the
 * loop may do. The request is answered once the child has written its
 * first byte or exited: an export that fails before any output (unknown
 * show, full tmp) gets a JSON error with the child's message. The bytes are
 * then streamed as they come (chunked, no Content-Length); if the child
 * fails later, the connection is closed without the last chunk, so the
 * browser sees a failed download and never a truncated file that looks
 * whole. The connection is suspended whenever there is nothing to send.
 */

static void dl_wake(void *ud)
{
    struct export_dl *x = ud;
    if (x->suspended) {
        x->suspended = false;
        MHD_resume_connection(x->conn);
        loop_timer_reset(x->u->t, 0);
    }
}

static void dl_free(struct export_dl *x)
{
    if (!x)
        return;
    if (x->prev)
        x->prev->next = x->next;
    else if (x->u->downloads == x)
        x->u->downloads = x->next;
    if (x->next)
        x->next->prev = x->prev;
    download_free(x->d);
    free(x);
}

static ssize_t dl_read(void *cls, uint64_t pos, char *out, size_t max)
{
    struct export_dl *x = cls;
    ssize_t n = x->d ? download_read(x->d, out, max) : -2;
    if (n == -1)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (n < 0) {
        log_warn("ui", "export download aborted: %s", x->d ? download_error(x->d) : "stopping");
        return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    if (n == 0) {
        x->suspended = true;
        MHD_suspend_connection(x->conn);
    }
    return n;
}

/* A show id goes on the child's command line: letters, digits, . _ - only. */
static bool show_id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64 || s[0] == '-')
        return false;
    for (; *s; s++)
        if (!(('a' <= *s && *s <= 'z') || ('A' <= *s && *s <= 'Z') || ('0' <= *s && *s <= '9') ||
              *s == '.' || *s == '_' || *s == '-'))
            return false;
    return true;
}

static void api_admin_export(struct ui *u, struct MHD_Connection *conn, struct req *rq,
                             struct reply *r)
{
    const char *fmt = arg(conn, "format"), *show = arg(conn, "show");
    const struct export_format *f = fmt ? export_format_find(fmt) : NULL;
    if (!show || !*show)
        show = u->h.show->id;
    if (!f) {
        char msg[128];
        snprintf(msg, sizeof msg, "format: expected one of %s", export_format_list());
        reply_error(r, MHD_HTTP_BAD_REQUEST, msg);
        return;
    }
    if (!show_id_ok(show)) {
        reply_error(r, MHD_HTTP_BAD_REQUEST, "show: not a show id");
        return;
    }
    int n = 0;
    for (struct export_dl *x = u->downloads; x; x = x->next)
        n++;
    if (n >= MAX_DOWNLOADS) {
        reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "exports are running: try again shortly");
        return;
    }
    /* This very binary, even if the package was upgraded meanwhile
     * (readlink then ends in " (deleted)"; /proc/self/exe still works). */
    char exe[PATH_MAX];
    ssize_t el = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (el <= 0 || (size_t)el >= sizeof exe - 1 || access((exe[el] = '\0', exe), X_OK) != 0)
        snprintf(exe, sizeof exe, "/proc/self/exe");
    const char *cfgfile = config_file(u->h.cfg);
    char *argv[12];
    int i = 0;
    argv[i++] = exe;
    argv[i++] = (char *)"export";
    if (cfgfile && *cfgfile) {
        argv[i++] = (char *)"--config";
        argv[i++] = (char *)cfgfile;
    }
    argv[i++] = (char *)"--format";
    argv[i++] = (char *)fmt;
    argv[i++] = (char *)"--show";
    argv[i++] = (char *)show;
    argv[i] = NULL;
    struct export_dl *x = calloc(1, sizeof *x);
    struct err e = {0};
    if (!x) {
        reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return;
    }
    x->u = u;
    x->conn = conn;
    if (!(x->d = download_start(u->h.loop, argv, dl_wake, x, &e))) {
        free(x);
        reply_err(r, &e);
        return;
    }
    struct clock_stamp now;
    char name[128];
    clock_now(&now);
    export_file_name(show, f, now.real_ms, name, sizeof name);
    snprintf(x->type, sizeof x->type, "%s", export_format_mime(f));
    snprintf(x->disposition, sizeof x->disposition, "attachment; filename=\"%s\"", name);
    x->next = u->downloads;
    if (u->downloads)
        u->downloads->prev = x;
    u->downloads = x;
    rq->dl = x;
    r->deferred = true;
    log_info("ui", "export %s of show %s started for the admin page", fmt, show);
}

/* Called by MHD again after dl_wake() resumed a deferred export request:
 * answers when the child has said something, else waits again. */
static enum MHD_Result dl_answer(struct export_dl *x)
{
    enum download_state st = x->d ? download_state(x->d) : DOWNLOAD_FAILED;
    struct MHD_Response *resp = NULL;
    unsigned code = MHD_HTTP_OK;
    if (st == DOWNLOAD_WAITING) {
        x->suspended = true;
        MHD_suspend_connection(x->conn);
        return MHD_YES;
    }
    if (st == DOWNLOAD_FAILED) {
        struct reply r = {0};
        reply_error(&r, MHD_HTTP_INTERNAL_SERVER_ERROR,
                    x->d && download_error(x->d)[0] ? download_error(x->d) : "the export failed");
        resp = MHD_create_response_from_buffer(r.body.len, r.body.data, MHD_RESPMEM_MUST_COPY);
        buf_free(&r.body);
        code = r.code;
        if (resp)
            MHD_add_response_header(resp, "Content-Type", r.type);
    } else {
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, dl_read, x, NULL);
        if (resp) {
            MHD_add_response_header(resp, "Content-Type", x->type);
            MHD_add_response_header(resp, "Content-Disposition", x->disposition);
        }
    }
    if (!resp)
        return MHD_NO;
    add_common_headers(resp);
    x->answered = true;
    enum MHD_Result ret = MHD_queue_response(x->conn, code, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void api_staff_note(struct ui *u, const struct session *sess, const cJSON *body,
                           struct reply *r)
{
    const char *lead = jstr(body, "lead");
    const cJSON *rating = cJSON_GetObjectItemCaseSensitive(body, "rating");
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(body, "tags"), *t;
    int rv = cJSON_IsNumber(rating) ? rating->valueint : 0;
    if (!lead || rv < 0 || rv > 5) {
        reply_error(r, MHD_HTTP_BAD_REQUEST, "expected lead, rating 0..5");
        return;
    }
    /* A badge session writes under the badge's operator, whatever the page
     * says; a PIN session under the name the page gives (default "staff"). */
    char *op = clean_text(sess->op[0] ? sess->op : jstr(body, "operator"), 64);
    char *note = clean_text(jstr(body, "note"), TEXT_MAX);
    struct strv tv = {0};
    cJSON_ArrayForEach(t, tags)
    {
        char *c = cJSON_IsString(t) ? clean_text(t->valuestring, 40) : NULL;
        if (c && *c)
            strv_push_unique(&tv, c);
        free(c);
    }
    struct err e = {0};
    cJSON *out = NULL;
    if (store_note_set(u->h.store, lead, op && *op ? op : "staff", note, rv,
                       cJSON_IsArray(tags) ? &tv : NULL, &e) < 0 ||
        store_lead_json(u->h.store, lead, false, &out, &e) < 0) {
        reply_err(r, &e);
    } else {
        bus_publish(u->h.bus, "lead_updated", out);
        reply_ok(r);
    }
    cJSON_Delete(out);
    strv_free(&tv);
    free(op);
    free(note);
}

/* ---- dispatch ----------------------------------------------------------------------------------
 */

/* True when the Host header names us, so a page on another origin that
 * rebinds its DNS name to 127.0.0.1 cannot read the API. */
static bool host_ok(struct ui *u, struct MHD_Connection *conn)
{
    if (config_bool(u->h.cfg, "ui", "allow_remote"))
        return true;
    const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
    if (!host)
        return false;
    char name[128];
    snprintf(name, sizeof name, "%s", host);
    char *colon = strrchr(name, ':');
    if (colon && !strchr(colon, ']'))
        *colon = '\0';
    return !strcmp(name, "localhost") || !strncmp(name, "127.", 4) || !strcmp(name, "[::1]");
}

/* Whether the peer is on this machine. The kiosk's browser always is; with
 * allow_remote the network may reach the admin page, but never the visitor's
 * data (the event stream, the visit's API) or staff mode. */
static bool peer_local(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return false;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return false;
}

/* The API a remote peer may use (allow_remote): the admin's, and /api/boot
 * for the token the login needs. */
static bool remote_allowed(const char *url)
{
    return !strcmp(url, "/api/boot") || !strncmp(url, "/api/admin/", 11);
}

static const struct asset *asset_find(const char *path)
{
    for (const struct asset *a = assets_table; a->path; a++)
        if (!strcmp(a->path, path))
            return a;
    return NULL;
}

static void handle(struct ui *u, struct MHD_Connection *conn, const char *method, const char *url,
                   struct req *rq, struct reply *r)
{
    const struct buf *raw = &rq->body;
    bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    bool post = !strcmp(method, "POST");
    if (!host_ok(u, conn)) {
        reply_error(r, MHD_HTTP_MISDIRECTED_REQUEST, "unknown Host");
        return;
    }
    if (strncmp(url, "/api/", 5) != 0) {
        if (!get) {
            reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
            return;
        }
        const struct asset *a = asset_find(!strcmp(url, "/")        ? "/kiosk.html"
                                           : !strcmp(url, "/admin") ? "/admin.html"
                                                                    : url);
        if (!a) {
            reply_error(r, MHD_HTTP_NOT_FOUND, "not found");
            return;
        }
        r->code = MHD_HTTP_OK;
        r->type = a->type;
        buf_add(&r->body, a->data, a->len);
        return;
    }
    if (!remote_allowed(url) && !peer_local(conn)) {
        reply_error(r, MHD_HTTP_FORBIDDEN, "only the kiosk itself may use this");
        return;
    }
    cJSON *body = NULL;
    struct session *sess = session_of(u, conn);
    bool badge = !strcmp(url, "/api/staff/badge");
    if (((!strncmp(url, "/api/admin/", 11) && strcmp(url, "/api/admin/login") != 0) ||
         (!strncmp(url, "/api/staff/", 11) && !badge)) &&
        !sess) {
        reply_error(r, MHD_HTTP_UNAUTHORIZED, "admin session needed: log in with the PIN");
        return;
    }
    /* A staff badge opens staff mode, not the admin page: it may only end
     * its own session. */
    if (sess && sess->staff_only && !strncmp(url, "/api/admin/", 11) &&
        strcmp(url, "/api/admin/logout") != 0 && strcmp(url, "/api/admin/session") != 0) {
        reply_error(r, MHD_HTTP_FORBIDDEN,
                    "a staff badge does not open the admin page: use the PIN");
        return;
    }
    if (post) {
        const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
        const char *tok = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-CSRF-Token");
        bool admin = !strncmp(url, "/api/admin/", 11) || !strncmp(url, "/api/staff/", 11);
        /* The login and the staff badge's token exchange make a session:
         * they carry the kiosk's token. */
        bool login = !strcmp(url, "/api/admin/login") || badge;
        if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
            reply_error(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "send JSON");
            return;
        }
        /* The login needs the kiosk token (it makes the session); every
         * other admin write needs the session's own. */
        if (!(admin && !login ? sess && token_eq(tok, sess->csrf) : token_eq(tok, u->kiosk_csrf))) {
            reply_error(r, MHD_HTTP_FORBIDDEN, "missing or wrong CSRF token");
            return;
        }
        body = cJSON_ParseWithLength(raw->data ? raw->data : "", raw->len);
        if (!cJSON_IsObject(body)) {
            cJSON_Delete(body);
            reply_error(r, MHD_HTTP_BAD_REQUEST, "the body is not a JSON object");
            return;
        }
    } else if (!get) {
        reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
        return;
    }
#define ROUTE(m, path) ((m) && !strcmp(url, path))
    if (ROUTE(get, "/api/boot"))
        api_boot(u, r);
    else if (ROUTE(get, "/api/matches"))
        api_matches(u, conn, r);
    else if (ROUTE(get, "/api/search"))
        api_search(u, conn, r);
    else if (ROUTE(get, "/api/qr"))
        api_qr(u, conn, r);
    else if (ROUTE(post, "/api/demo"))
        api_demo(u, r);
    else if (ROUTE(post, "/api/manual"))
        api_manual(u, body, r);
    else if (ROUTE(post, "/api/lead/fields"))
        api_fields(u, body, r);
    else if (ROUTE(post, "/api/lead/answers"))
        api_answers(u, body, r);
    else if (ROUTE(post, "/api/lead/consents"))
        api_consents(u, body, r);
    else if (ROUTE(post, "/api/print"))
        api_print(u, body, r);
    else if (ROUTE(post, "/api/visit/end"))
        api_visit_end(u, body, r);
    else if (ROUTE(post, "/api/card/store"))
        api_card_store(u, body, r);
    else if (ROUTE(post, "/api/staff/badge"))
        api_staff_badge(u, body, r);
    else if (ROUTE(post, "/api/admin/login"))
        api_login(u, body, r);
    else if (ROUTE(post, "/api/admin/logout")) {
        sess->used = false;
        snprintf(r->cookie, sizeof r->cookie,
                 "mb_session=; Path=/; HttpOnly; SameSite=Strict; "
                 "Max-Age=0");
        reply_ok(r);
    } else if (ROUTE(get, "/api/admin/session")) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "csrf", sess->csrf);
        cJSON_AddStringToObject(o, "operator", sess->op[0] ? sess->op : "staff");
        cJSON_AddBoolToObject(o, "staff_only", sess->staff_only);
        reply_json(r, MHD_HTTP_OK, o);
    } else if (ROUTE(get, "/api/admin/status"))
        api_admin_status(u, conn, r);
    else if (ROUTE(get, "/api/admin/export"))
        api_admin_export(u, conn, rq, r);
    else if (ROUTE(post, "/api/staff/note"))
        api_staff_note(u, sess, body, r);
    else
        reply_error(r, MHD_HTTP_NOT_FOUND, "no such API");
#undef ROUTE
    cJSON_Delete(body);
}

static void add_common_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                            "form-action 'self'");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct ui *u = cls;
    struct req *rq = *con_cls;
    if (!rq) {
        if (!(rq = calloc(1, sizeof *rq)))
            return MHD_NO;
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_size) {
        if (rq->body.len + *upload_size > MAX_BODY)
            rq->too_big = true;
        else
            buf_add(&rq->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (rq->dl)
        return dl_answer(rq->dl);
    struct MHD_Response *resp;
    if (!strcmp(url, "/api/events") && !strcmp(method, "GET") && host_ok(u, conn) &&
        peer_local(conn)) {
        if (!(resp = sse_open(u, conn)))
            return MHD_NO;
        add_common_headers(resp);
        MHD_add_response_header(resp, "Content-Type", "text/event-stream");
        enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
        MHD_destroy_response(resp);
        return ret;
    }
    struct reply r = {.code = MHD_HTTP_OK};
    if (rq->too_big)
        reply_error(&r, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large");
    else
        handle(u, conn, method, url, rq, &r);
    if (r.deferred) {
        buf_free(&r.body);
        rq->dl->suspended = true;
        MHD_suspend_connection(conn);
        return MHD_YES;
    }
    resp = MHD_create_response_from_buffer(r.body.len, r.body.data ? r.body.data : (char *)"",
                                           MHD_RESPMEM_MUST_COPY);
    buf_free(&r.body);
    if (!resp)
        return MHD_NO;
    add_common_headers(resp);
    MHD_add_response_header(resp, "Content-Type", r.type ? r.type : "text/plain; charset=utf-8");
    if (r.cookie[0])
        MHD_add_response_header(resp, "Set-Cookie", r.cookie);
    if (r.retry_after[0])
        MHD_add_response_header(resp, "Retry-After", r.retry_after);
    if (r.disposition)
        MHD_add_response_header(resp, "Content-Disposition", r.disposition);
    enum MHD_Result ret = MHD_queue_response(conn, r.code, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct req *rq = *con_cls;
    if (rq) {
        dl_free(rq->dl); /* kills the export child if the browser left early */
        buf_free(&rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

/* ---- the loop
 * ------------------------------------------------------------------------------------ */

static void arm_timer(struct ui *u)
{
    MHD_UNSIGNED_LONG_LONG to;
    if (MHD_get_timeout(u->d, &to) == MHD_YES)
        loop_timer_reset(u->t, to);
    else
        loop_timer_reset(u->t, 1000);
}

static void run(struct ui *u)
{
    MHD_run(u->d);
    arm_timer(u);
}

static void on_timer(struct loop *l, void *ud)
{
    run(ud);
}

static void on_fd(struct loop *l, int fd, unsigned events, void *ud)
{
    run(ud);
}

/* Parses HOST:PORT ("[::1]:8080" too) into a sockaddr. */
static int parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *len,
                        struct err *e)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    size_t hl = colon ? (size_t)(colon - spec) : 0;
    if (!colon || hl >= sizeof host)
        return err_set(e, ERR_INVALID, "[ui] listen: expected HOST:PORT, got '%s'", spec);
    memcpy(host, spec, hl);
    host[hl] = '\0';
    if (host[0] == '[' && hl > 1 && host[hl - 1] == ']') {
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    struct addrinfo hints = {.ai_flags = AI_NUMERICSERV, .ai_socktype = SOCK_STREAM}, *ai;
    int rc = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rc != 0)
        return err_set(e, ERR_INVALID, "[ui] listen: %s: %s", spec, gai_strerror(rc));
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

static int is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
    if (ss->ss_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
    return 0;
}

/* Imports [ui] catalog when the store has none yet (first start of a demo). */
static void catalog_bootstrap(struct ui *u)
{
    const char *path = config_str(u->h.cfg, "ui", "catalog");
    if (!path || !*path || catalog_count(u->h.store) != 0)
        return;
    struct err e = {0};
    int n = 0;
    if (catalog_import_file(u->h.store, path, &n, &e) < 0)
        log_error("ui", "[ui] catalog: %s", e.msg);
    else
        log_info("ui", "imported %d suppliers from %s", n, path);
}

struct ui *ui_start(const struct ui_host *host, struct err *e)
{
    const char *listen = config_str(host->cfg, "ui", "listen");
    struct sockaddr_storage ss;
    socklen_t sl;
    if (parse_listen(listen, &ss, &sl, e) < 0)
        return NULL;
    if (!is_loopback(&ss) && !config_bool(host->cfg, "ui", "allow_remote")) {
        err_set(e, ERR_INVALID,
                "[ui] listen = %s is not a loopback address; set [ui] allow_remote = true to "
                "serve the network",
                listen);
        return NULL;
    }
    struct ui *u = calloc(1, sizeof *u);
    if (!u) {
        err_set(e, ERR_INTERNAL, "ui: out of memory");
        return NULL;
    }
    u->h = *host;
    u->sub = -1;
    if (token_new(u->kiosk_csrf) < 0) {
        free(u);
        err_set(e, ERR_INTERNAL, "ui: no random bytes from OpenSSL");
        return NULL;
    }
    catalog_bootstrap(u);
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME |
                     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    u->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, u, MHD_OPTION_SOCK_ADDR, &ss,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, u,
                            MHD_OPTION_CONNECTION_TIMEOUT, 0u, MHD_OPTION_CONNECTION_LIMIT, 64u,
                            MHD_OPTION_END);
    if (!u->d) {
        err_set(e, ERR_IO, "ui: cannot listen on %s (port in use?)", listen);
        free(u);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(u->d, MHD_DAEMON_INFO_EPOLL_FD);
    u->w = loop_fd_add(host->loop, info->epoll_fd, LOOP_READ, on_fd, u);
    u->t = loop_timer_add(host->loop, 1000, on_timer, u);
    u->hb = loop_timer_add(host->loop, HEARTBEAT_MS, on_heartbeat, u);
    u->sub = bus_subscribe(host->bus, on_bus, u);
    if (!u->w || !u->t || !u->hb || u->sub < 0) {
        ui_stop(u);
        err_set(e, ERR_INTERNAL, "ui: out of memory");
        return NULL;
    }
    log_info("ui", "listening on http://%s", listen);
    return u;
}

void ui_stop(struct ui *u)
{
    if (!u)
        return;
    if (u->sub >= 0)
        bus_unsubscribe(u->h.bus, u->sub);
    /* MHD must not be stopped with suspended connections: wake every stream
     * with nothing left to send, so it ends. */
    for (struct sse_client *c = u->clients; c; c = c->next) {
        c->closing = true;
        buf_reset(&c->q);
        sse_wake(c);
    }
    /* Exports in progress end too: their children are killed and each
     * download fails (never completes) when MHD closes the connection. */
    for (struct export_dl *x = u->downloads; x; x = x->next) {
        download_free(x->d);
        x->d = NULL;
        dl_wake(x);
    }
    if (u->d)
        MHD_run(u->d);
    loop_fd_del(u->w);
    loop_timer_del(u->t);
    loop_timer_del(u->hb);
    MHD_stop_daemon(u->d);
    free(u);
}
