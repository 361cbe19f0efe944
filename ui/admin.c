// SPDX-License-Identifier: Apache-2.0
/*
 * admin — status, export downloads and staff notes (see admin.h). Every
 * handler here runs behind its route's session check (ui/route.c).
 */
#include "ui/admin.h"

#include <cjson/cJSON.h>
#include <ifaddrs.h>
#include <limits.h>
#include <microhttpd.h>
#include <net/if.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/base/clock.h"
#include "firmware/base/log.h"
#include "firmware/base/strv.h"
#include "firmware/config/config.h"
#include "firmware/config/show.h"
#include "firmware/export/export.h"
#include "firmware/runtime/bus.h"
#include "firmware/runtime/loop.h"
#include "firmware/store/store.h"
#include "ui/catalog.h"
#include "ui/download.h"
#include "ui/events.h"
#include "ui/printer.h"
#include "ui/reply.h"
#include "ui/route.h"
#include "ui/session.h"
#include "ui/text.h"
#include "ui/ui.h"

/* An export download: the child process and the connection it feeds. */
struct export_dl {
    struct export_dl *next, *prev;
    struct admin *a;
    struct MHD_Connection *conn;
    struct download *d;
    bool suspended;
    char type[80];
    char disposition[160];
};

struct admin {
    struct loop *loop;
    struct loop_timer *run;
    struct export_dl *downloads;
};

struct admin *admin_new(struct loop *l, struct loop_timer *run)
{
    struct admin *a = calloc(1, sizeof *a);
    if (a) {
        a->loop = l;
        a->run = run;
    }
    return a;
}

static void dl_wake(void *ud)
{
    struct export_dl *x = ud;
    if (x->suspended) {
        x->suspended = false;
        MHD_resume_connection(x->conn);
        loop_timer_reset(x->a->run, 0);
    }
}

void admin_stop(struct admin *a)
{
    for (struct export_dl *x = a ? a->downloads : NULL; x; x = x->next) {
        download_free(x->d);
        x->d = NULL;
        dl_wake(x);
    }
}

void admin_free(struct admin *a)
{
    free(a);
}

/* ---- status ------------------------------------------------------------------ */

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

/* Leads per hour over the last 24 hours of show, into o's "per_hour". */
static int add_per_hour(struct store *s, const char *show, cJSON *o, struct err *e)
{
    struct clock_stamp now;
    clock_now(&now);
    struct hours h = {.from_ms = (now.real_ms / 3600000 - 23) * 3600000};
    if (store_leads_each(s, show, h.from_ms, INT64_MAX, false, count_hour, &h, e) < 0)
        return -1;
    cJSON *ph = cJSON_AddArrayToObject(o, "per_hour");
    for (int i = 0; i < 24; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "hour_ms", (double)(h.from_ms + (int64_t)i * 3600000));
        cJSON_AddNumberToObject(x, "leads", h.n[i]);
        cJSON_AddItemToArray(ph, x);
    }
    return 0;
}

void admin_status(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    const struct ui_host *h = c->h;
    cJSON *o = cJSON_CreateObject(), *stats = NULL;
    struct err e = {0};
    if (store_stats(h->store, &stats, &e) < 0) {
        cJSON_Delete(o);
        reply_err(r, &e);
        return;
    }
    cJSON_AddItemToObject(o, "store", stats);
    cJSON *cur = cJSON_AddObjectToObject(o, "show");
    cJSON_AddStringToObject(cur, "id", h->show->id);
    cJSON_AddStringToObject(cur, "name", h->show->name ? h->show->name : "");
    const char *show = route_arg(q, "show");
    if (!show || !*show)
        show = h->show->id;
    cJSON_AddStringToObject(o, "selected_show", show);
    if (add_per_hour(h->store, show, o, &e) < 0) {
        cJSON_Delete(o);
        reply_err(r, &e);
        return;
    }
    cJSON *st = cJSON_AddObjectToObject(o, "status");
    bus_status_fill(h->bus, st);
    printer_add(h->bus, o);
    add_network(cJSON_AddObjectToObject(o, "network"));
    cJSON_AddNumberToObject(o, "catalog", catalog_count(h->store));
    cJSON_AddNumberToObject(o, "sse_clients", events_count(c->events));
    /* The formats /api/admin/export offers (export.c's table). */
    cJSON *ex = cJSON_AddArrayToObject(o, "exports");
    for (int i = 0; export_format_id(i); i++)
        cJSON_AddItemToArray(ex, cJSON_CreateString(export_format_id(i)));
    reply_json(r, MHD_HTTP_OK, o);
}

/* ---- export downloads -------------------------------------------------------- */

static void dl_free(void *later)
{
    struct export_dl *x = later;
    if (!x)
        return;
    if (x->prev)
        x->prev->next = x->next;
    else if (x->a->downloads == x)
        x->a->downloads = x->next;
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

/* Called by MHD again after dl_wake() resumed a deferred export request:
 * answers when the child has said something, else waits again. */
static enum MHD_Result dl_answer(void *later)
{
    struct export_dl *x = later;
    enum download_state st = x->d ? download_state(x->d) : DOWNLOAD_FAILED;
    struct reply r = {.code = MHD_HTTP_OK};
    if (st == DOWNLOAD_WAITING) {
        x->suspended = true;
        MHD_suspend_connection(x->conn);
        return MHD_YES;
    }
    if (st == DOWNLOAD_FAILED) {
        reply_error(&r, MHD_HTTP_INTERNAL_SERVER_ERROR,
                    x->d && download_error(x->d)[0] ? download_error(x->d) : "the export failed");
    } else {
        r.stream = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, dl_read, x, NULL);
        if (!r.stream)
            return MHD_NO;
        r.type = x->type;
        r.disposition = x->disposition;
    }
    return reply_queue(x->conn, &r);
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

/* Starts `matchbooth export` for fmt and show, feeding x. 0, or -1 with e. */
static int dl_spawn(const struct ui_host *h, struct export_dl *x, const char *fmt, const char *show,
                    struct err *e)
{
    /* This very binary, even if the package was upgraded meanwhile
     * (readlink then ends in " (deleted)"; /proc/self/exe still works). */
    char exe[PATH_MAX];
    ssize_t el = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (el <= 0 || (size_t)el >= sizeof exe - 1 || access((exe[el] = '\0', exe), X_OK) != 0)
        snprintf(exe, sizeof exe, "/proc/self/exe");
    const char *cfgfile = config_file(h->cfg);
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
    x->d = download_start(x->a->loop, argv, dl_wake, x, e);
    return x->d ? 0 : -1;
}

void admin_export(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    struct admin *a = c->admin;
    const char *fmt = route_arg(q, "format"), *show = route_arg(q, "show");
    const struct export_format *f = fmt ? export_format_find(fmt) : NULL;
    if (!show || !*show)
        show = c->h->show->id;
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
    for (struct export_dl *x = a->downloads; x; x = x->next)
        n++;
    if (n >= ADMIN_DOWNLOADS) {
        reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "exports are running: try again shortly");
        return;
    }
    struct export_dl *x = calloc(1, sizeof *x);
    struct err e = {0};
    if (!x) {
        reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return;
    }
    x->a = a;
    x->conn = q->conn;
    if (dl_spawn(c->h, x, fmt, show, &e) < 0) {
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
    x->next = a->downloads;
    if (a->downloads)
        a->downloads->prev = x;
    a->downloads = x;
    /* No answer until the child says something (dl_wake resumes). */
    r->later = x;
    r->resume = dl_answer;
    r->done = dl_free;
    x->suspended = true;
    MHD_suspend_connection(q->conn);
    log_info("ui", "export %s of show %s started for the admin page", fmt, show);
}

/* ---- staff notes ------------------------------------------------------------- */

void admin_note(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    const char *lead = text_member(q->body, "lead");
    const cJSON *rating = cJSON_GetObjectItemCaseSensitive(q->body, "rating");
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(q->body, "tags"), *t;
    int rv = cJSON_IsNumber(rating) ? rating->valueint : 0;
    if (!q->sess) { /* the route's policy lets no one here without one */
        reply_error(r, MHD_HTTP_UNAUTHORIZED, "admin session needed: log in with the PIN");
        return;
    }
    if (!lead || rv < 0 || rv > 5) {
        reply_error(r, MHD_HTTP_BAD_REQUEST, "expected lead, rating 0..5");
        return;
    }
    /* A badge session writes under the badge's operator, whatever the page
     * says; a PIN session under the name the page gives (default "staff"). */
    char *op = text_clean(q->sess->op[0] ? q->sess->op : text_member(q->body, "operator"), 64);
    char *note = text_clean(text_member(q->body, "note"), TEXT_LONG_MAX);
    struct strv tv = {0};
    cJSON_ArrayForEach(t, tags)
    {
        char *s = cJSON_IsString(t) ? text_clean(t->valuestring, 40) : NULL;
        if (s && *s)
            strv_push_unique(&tv, s);
        free(s);
    }
    struct err e = {0};
    cJSON *out = NULL;
    if (store_note_set(c->h->store, lead, op && *op ? op : "staff", note, rv,
                       cJSON_IsArray(tags) ? &tv : NULL, &e) < 0 ||
        store_lead_json(c->h->store, lead, false, &out, &e) < 0) {
        reply_err(r, &e);
    } else {
        bus_publish(c->h->bus, "lead_updated", out);
        reply_ok(r);
    }
    cJSON_Delete(out);
    strv_free(&tv);
    free(op);
    free(note);
}

void admin_enable_device(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    const struct ui_host *h = c->h;
    const char *id = text_member(q->body, "id");
    if (!id || strlen(id) > 64) {
        reply_error(r, MHD_HTTP_BAD_REQUEST, "expected {\"id\": a device id}");
        return;
    }
    if (!h->enable_device) {
        reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "no devices to enable on this kiosk");
        return;
    }
    struct err e = {0};
    cJSON *o = cJSON_CreateObject();
    if (h->enable_device(h->devices_ud, id, o, &e) < 0) {
        cJSON_Delete(o);
        reply_err(r, &e);
        return;
    }
    cJSON_AddBoolToObject(o, "ok", 1);
    log_info("ui", "device %s enabled from the admin page", id);
    reply_json(r, MHD_HTTP_OK, o);
}
