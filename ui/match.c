// SPDX-License-Identifier: Apache-2.0
/*
 * match — suppliers for the visitor, their links, QR codes and the printed
 * slip (see match.h).
 */
#include "ui/match.h"

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/buf.h"
#include "firmware/base/clock.h"
#include "firmware/base/log.h"
#include "firmware/base/strv.h"
#include "firmware/config/config.h"
#include "firmware/config/show.h"
#include "firmware/runtime/bus.h"
#include "firmware/match/campaign.h"
#include "firmware/match/suppliers.h"
#include "firmware/store/store.h"
#include "firmware/store/store_handout.h"
#include "ui/catalog.h"
#include "ui/events.h"
#include "ui/printer.h"
#include "ui/qr.h"
#include "ui/reply.h"
#include "ui/route.h"
#include "ui/text.h"
#include "ui/ui.h"

#define SEARCH_MAX     12  /* suppliers a search shows */
#define QUERY_MAX      200 /* bytes of a search */
#define SLIP_SUPPLIERS 24  /* suppliers on one printed slip */

/* Adds "link" (the campaign URL) and "qr" (where its SVG is) to each. */
static int add_links(const struct ui_host *h, cJSON *list, const char *lead, struct err *e)
{
    if (suppliers_links(h->store, list, lead, h->show->id, config_str(h->cfg, "kiosk", "device_id"),
                        e) < 0)
        return -1;
    cJSON *s;
    cJSON_ArrayForEach(s, list)
    {
        struct buf qr = {0};
        buf_printf(&qr, "/api/qr?supplier=%s&lead=%s", text_member(s, "id"), lead);
        cJSON_AddStringToObject(s, "qr", qr.data);
        buf_free(&qr);
    }
    return 0;
}

void match_list(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    const struct ui_host *h = c->h;
    struct err e = {0};
    cJSON *lj = NULL, *list = NULL;
    struct strv cats = {0};
    if (store_lead_json(h->store, q->lead, false, &lj, &e) < 0)
        goto fail;
    /* The follow-up e-mail lists the same suppliers (suppliers.h). */
    if (suppliers_matched(h->store, h->show->form, lj, q->lead, text_lang(route_arg(q, "lang")),
                          (int)config_int(h->cfg, "ui", "matches"), &list, &cats, &e) < 0 ||
        add_links(h, list, q->lead, &e) < 0)
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

void match_search(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    const char *text = route_arg(q, "q");
    struct err e = {0};
    cJSON *list = NULL;
    if (!text || strlen(text) > QUERY_MAX) {
        reply_error(r, MHD_HTTP_BAD_REQUEST, "q: 1 to 200 bytes");
        return;
    }
    if (catalog_search(c->h->store, text, text_lang(route_arg(q, "lang")), SEARCH_MAX, &list, &e) <
            0 ||
        add_links(c->h, list, q->lead, &e) < 0) {
        cJSON_Delete(list);
        reply_err(r, &e);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "suppliers", list);
    reply_json(r, MHD_HTTP_OK, o);
}

/* The campaign link of one supplier for the current visit, or NULL. */
static char *supplier_link(const struct ui_host *h, const char *sid, const char *lead,
                           const char *lang, cJSON **sup, struct err *e)
{
    struct buf link = {0};
    if (catalog_get(h->store, sid, lang, sup, e) < 0)
        return NULL;
    if (campaign_link(h->store, lead, sid, text_member(*sup, "url"), h->show->id,
                      config_str(h->cfg, "kiosk", "device_id"), &link, e) < 0) {
        buf_free(&link);
        return NULL;
    }
    return buf_steal(&link);
}

void match_qr(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    const char *sid = route_arg(q, "supplier");
    struct err e = {0};
    cJSON *sup = NULL;
    char *link = sid ? supplier_link(c->h, sid, q->lead, "en", &sup, &e) : NULL;
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

/* The slip's suppliers: name and campaign link of each id in ids. */
static cJSON *slip_suppliers(const struct ui_host *h, const cJSON *ids, const char *lead,
                             const char *lang)
{
    cJSON *list = cJSON_CreateArray();
    const cJSON *it;
    int n = 0;
    cJSON_ArrayForEach(it, ids)
    {
        if (!cJSON_IsString(it) || n++ >= SLIP_SUPPLIERS)
            continue;
        struct err e = {0};
        cJSON *sup = NULL;
        char *link = supplier_link(h, it->valuestring, lead, lang, &sup, &e);
        if (link) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", text_member(sup, "name"));
            cJSON_AddStringToObject(o, "url", link);
            cJSON_AddItemToArray(list, o);
        }
        free(link);
        cJSON_Delete(sup);
    }
    return list;
}

/* Whether a slip can go to the printer now; else r answers why (409). */
static bool print_ready(const struct ui_host *h, struct printer_info *pi, struct reply *r)
{
    printer_get(h->bus, pi);
    if (!pi->present) {
        reply_error(r, MHD_HTTP_CONFLICT, "no printer attached");
        return false;
    }
    if (!pi->ready) {
        char msg[128];
        snprintf(msg, sizeof msg, "the printer is not ready: %s", pi->state);
        reply_error(r, MHD_HTTP_CONFLICT, msg);
        return false;
    }
    return true;
}

/*
 * The print log (firmware/store/store_handout.h): a slip for a visitor who
 * has one already (printed or printing) is asked about first, unless the
 * body says "again". Records the new slip; *job gets its id. false with r
 * answered when not printing now.
 */
static bool print_log(const struct ui_host *h, const struct route_req *q,
                      const struct printer_info *pi, int64_t *job, struct reply *r)
{
    struct err e = {0};
    int64_t printed = store_handout_count(h->store, q->lead, STORE_HANDOUT_PRINT, &e);
    if (printed > 0 && !cJSON_IsTrue(cJSON_GetObjectItem(q->body, "again"))) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "error", "already printed");
        cJSON_AddNumberToObject(o, "printed", (double)printed);
        reply_json(r, MHD_HTTP_CONFLICT, o);
        return false;
    }
    cJSON *lj = NULL;
    struct clock_stamp now;
    clock_now(&now);
    int rc = printed < 0 ? -1 : store_lead_json(h->store, q->lead, false, &lj, &e);
    const cJSON *v = cJSON_GetObjectItem(lj, "version");
    if (rc == 0)
        rc = store_handout_add(
            h->store, q->lead, STORE_HANDOUT_PRINT, pi->id[0] ? pi->id : "printer", NULL,
            cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0, now.real_ms, job, &e);
    cJSON_Delete(lj);
    if (rc < 0)
        reply_err(r, &e);
    return rc == 0;
}

void match_print(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    const struct ui_host *h = c->h;
    struct printer_info pi;
    int64_t job = 0;
    if (!print_ready(h, &pi, r) || !print_log(h, q, &pi, &job, r))
        return;
    const char *lang = text_lang(text_member(q->body, "lang"));
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "show", h->show->name ? h->show->name : h->show->id);
    char *greeting = text_clean(text_member(q->body, "greeting"), 120);
    cJSON_AddStringToObject(ev, "greeting", greeting ? greeting : "");
    free(greeting);
    cJSON_AddItemToObject(
        ev, "suppliers",
        slip_suppliers(h, cJSON_GetObjectItem(q->body, "suppliers"), q->lead, lang));
    char *footer = text_clean(text_member(q->body, "footer"), 200);
    cJSON_AddStringToObject(ev, "footer", footer ? footer : "");
    free(footer);
    cJSON_AddNumberToObject(ev, "job", (double)job);
    bus_publish(h->bus, "print", ev);
    cJSON_Delete(ev);
    log_info("ui", "print requested for lead %s (slip %lld)", q->lead, (long long)job);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 1);
    cJSON_AddNumberToObject(o, "job", (double)job);
    reply_json(r, MHD_HTTP_OK, o);
}

void match_print_job(const struct route_ctx *c, const cJSON *data)
{
    const cJSON *job = cJSON_GetObjectItem(data, "job");
    const char *state = text_member(data, "state"), *why = text_member(data, "reason");
    if (!cJSON_IsNumber(job) || !state)
        return;
    bool printed = !strcmp(state, "printed");
    struct err e = {0};
    struct clock_stamp now;
    clock_now(&now);
    if (store_handout_end(c->h->store, (int64_t)job->valuedouble, printed, why, now.real_ms, &e) <
        0)
        log_warn("ui", "print log: %s", e.msg);
    if (!printed)
        log_warn("ui", "slip %lld not printed: %s", (long long)job->valuedouble, why ? why : "");
    /* The page names its slip by job; why is for the log, not the visitor. */
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "job", job->valuedouble);
    cJSON_AddStringToObject(o, "state", printed ? "printed" : "failed");
    events_push(c->events, "print", o);
    cJSON_Delete(o);
}
