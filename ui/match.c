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
#include "firmware/base/log.h"
#include "firmware/base/strv.h"
#include "firmware/config/config.h"
#include "firmware/config/show.h"
#include "firmware/runtime/bus.h"
#include "firmware/store/store.h"
#include "ui/campaign.h"
#include "ui/catalog.h"
#include "ui/form.h"
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
    char ref[CAMPAIGN_REF_LEN];
    if (campaign_ref(h->store, lead, ref, e) < 0)
        return -1;
    const char *dev = config_str(h->cfg, "kiosk", "device_id");
    cJSON *s;
    cJSON_ArrayForEach(s, list)
    {
        struct buf link = {0}, qr = {0};
        if (campaign_url(text_member(s, "url"), h->show->id, dev, ref, &link, e) < 0) {
            buf_free(&link);
            return -1;
        }
        cJSON_AddStringToObject(s, "link", link.data);
        buf_printf(&qr, "/api/qr?supplier=%s&lead=%s", text_member(s, "id"), lead);
        cJSON_AddStringToObject(s, "qr", qr.data);
        buf_free(&link);
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
    form_categories(h->show->form, lj, &cats);
    /* The same visitor always sees the same list; others with the same
     * interests see other suppliers first. */
    long long seed = 0;
    for (const char *p = q->lead; *p; p++)
        seed = (seed * 31 + (unsigned char)*p) % 1000003;
    if (catalog_match(h->store, &cats, text_lang(route_arg(q, "lang")),
                      (int)config_int(h->cfg, "ui", "matches"), seed, &list, &e) < 0 ||
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
    char ref[CAMPAIGN_REF_LEN];
    struct buf link = {0};
    if (catalog_get(h->store, sid, lang, sup, e) < 0 || campaign_ref(h->store, lead, ref, e) < 0)
        return NULL;
    if (campaign_url(text_member(*sup, "url"), h->show->id,
                     config_str(h->cfg, "kiosk", "device_id"), ref, &link, e) < 0) {
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

void match_print(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    const struct ui_host *h = c->h;
    struct printer_info pi;
    printer_get(h->bus, &pi);
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
    bus_publish(h->bus, "print", ev);
    cJSON_Delete(ev);
    log_info("ui", "print requested for lead %s", q->lead);
    reply_ok(r);
}
