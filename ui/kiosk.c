// SPDX-License-Identifier: Apache-2.0
/*
 * kiosk — the visit in progress and the visitor's JSON API (see kiosk.h).
 * Handlers run after their route's policy (ui/route.c): the lead of a
 * ROUTE_VISITOR route arrives checked in q->lead.
 */
#include "ui/kiosk.h"

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/log.h"
#include "firmware/base/strv.h"
#include "firmware/base/uuid.h"
#include "firmware/card/card_service.h"
#include "firmware/config/config.h"
#include "firmware/config/show.h"
#include "firmware/runtime/bus.h"
#include "firmware/store/capture.h"
#include "firmware/store/store.h"
#include "ui/catalog.h"
#include "ui/form.h"
#include "ui/printer.h"
#include "ui/reply.h"
#include "ui/route.h"
#include "ui/session.h"
#include "ui/text.h"
#include "ui/ui.h"

struct kiosk {
    char lead[UUID_STR_LEN]; /* the visit in progress, "" if none */
    int64_t read;            /* the business card under review, 0 if none */
    unsigned demo_next;
};

struct kiosk *kiosk_new(void)
{
    return calloc(1, sizeof(struct kiosk));
}

void kiosk_free(struct kiosk *k)
{
    free(k);
}

void kiosk_begin(struct kiosk *k, const char *lead_id)
{
    snprintf(k->lead, sizeof k->lead, "%s", lead_id);
    k->read = 0;
}

void kiosk_begin_card(struct kiosk *k, int64_t read_id)
{
    k->lead[0] = '\0';
    k->read = read_id;
}

void kiosk_forget(struct kiosk *k)
{
    k->lead[0] = '\0';
    k->read = 0;
}

const char *kiosk_lead(const struct kiosk *k, const char *id)
{
    return id && k->lead[0] && !strcmp(id, k->lead) ? k->lead : NULL;
}

void kiosk_boot(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    const struct ui_host *h = c->h;
    cJSON *o = cJSON_CreateObject();
    cJSON *show = cJSON_AddObjectToObject(o, "show");
    cJSON_AddStringToObject(show, "id", h->show->id);
    cJSON_AddStringToObject(show, "name", h->show->name ? h->show->name : "");
    const char *dev = config_str(h->cfg, "kiosk", "device_id");
    cJSON_AddStringToObject(o, "device", dev ? dev : "");
    cJSON_AddBoolToObject(o, "demo", config_bool(h->cfg, "kiosk", "demo"));
    cJSON_AddNumberToObject(o, "idle_timeout", (double)config_int(h->cfg, "ui", "idle_timeout"));
    cJSON_AddNumberToObject(o, "idle_warning", (double)config_int(h->cfg, "ui", "idle_warning"));
    cJSON_AddNumberToObject(o, "thanks_timeout",
                            (double)config_int(h->cfg, "ui", "thanks_timeout"));
    cJSON_AddNumberToObject(o, "staff_lock", (double)config_int(h->cfg, "ui", "staff_lock"));
    cJSON_AddStringToObject(o, "csrf", session_kiosk_csrf(c->sessions));
    printer_add(h->bus, o);
    cJSON_AddNumberToObject(o, "catalog", catalog_count(h->store));
    cJSON_AddItemToObject(o, "form", cJSON_Duplicate(h->show->form, 1));
    cJSON_AddBoolToObject(o, "cards", h->card && card_service_ready(h->card));
    /* The first-boot enrolment's verdict (status member "enrolment"): the
     * attract screen says so when this kiosk is not enrolled. Without that
     * member (tests) nothing is claimed either way. */
    cJSON *st = cJSON_CreateObject();
    bus_status_fill(h->bus, st);
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

void kiosk_demo(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    if (!config_bool(c->h->cfg, "kiosk", "demo")) {
        reply_error(r, MHD_HTTP_NOT_FOUND, "demo mode is off");
        return;
    }
    struct kiosk *k = c->kiosk;
    const char *p = demo_badges[k->demo_next++ % (sizeof demo_badges / sizeof demo_badges[0])];
    struct capture_in in = {.source = LEAD_SRC_SCANNER,
                            .device = "demo",
                            .symbology = "qr",
                            .payload = (const uint8_t *)p,
                            .len = strlen(p)};
    cJSON *res = NULL;
    struct err e = {0};
    if (capture_scan(c->h->capture, &in, &res, &e) < 0) {
        reply_err(r, &e);
        return;
    }
    cJSON_Delete(res);
    reply_ok(r);
}

/* Manual entry by the visitor (no badge): the same capture path as a scan. */
void kiosk_manual(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    struct lead_fields f = {0};
    char *name = text_clean(text_member(q->body, "full_name"), TEXT_FIELD_MAX);
    char *company = text_clean(text_member(q->body, "company"), TEXT_FIELD_MAX);
    char *email = text_clean(text_member(q->body, "email"), TEXT_FIELD_MAX);
    char *phone = text_clean(text_member(q->body, "phone"), TEXT_FIELD_MAX);
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
    char *payload = cJSON_PrintUnformatted(q->body);
    struct capture_in in = {.source = LEAD_SRC_MANUAL,
                            .device = "kiosk",
                            .payload = (const uint8_t *)(payload ? payload : ""),
                            .len = payload ? strlen(payload) : 0,
                            .fields = &f};
    cJSON *res = NULL;
    struct err e = {0};
    if (capture_scan(c->h->capture, &in, &res, &e) < 0)
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

void kiosk_fields(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    struct lead_fields f = {0};
    const char *scalars[] = {"full_name", "company", "title"};
    char **slots[] = {&f.full_name, &f.company, &f.title};
    for (int i = 0; i < 3; i++) {
        char *v = text_clean(text_member(q->body, scalars[i]), TEXT_FIELD_MAX);
        if (v && *v)
            lead_set(slots[i], v);
        free(v);
    }
    char *email = text_clean(text_member(q->body, "email"), TEXT_FIELD_MAX);
    char *phone = text_clean(text_member(q->body, "phone"), TEXT_FIELD_MAX);
    if (email && *email && !strchr(email, '@')) {
        reply_error(r, MHD_HTTP_BAD_REQUEST, "that e-mail address has no @");
        goto out;
    }
    if (email && *email)
        strv_push(&f.emails, email);
    if (phone && *phone)
        strv_push(&f.phones, phone);
    struct err e = {0};
    if (store_lead_update(c->h->store, q->lead, &f, &e) < 0)
        reply_err(r, &e);
    else
        reply_ok(r);
out:
    free(email);
    free(phone);
    lead_fields_free(&f);
}

void kiosk_answers(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    const cJSON *answers = cJSON_GetObjectItemCaseSensitive(q->body, "answers"), *a;
    if (!cJSON_IsObject(answers)) {
        reply_error(r, MHD_HTTP_BAD_REQUEST, "expected {\"answers\": {question: value}}");
        return;
    }
    cJSON_ArrayForEach(a, answers)
    {
        const cJSON *question = form_question(c->h->show->form, a->string);
        char *v = question ? form_answer(question, a) : NULL;
        if (!v) {
            char msg[160];
            snprintf(msg, sizeof msg, "not a valid answer to question '%.64s'", a->string);
            reply_error(r, MHD_HTTP_BAD_REQUEST, msg);
            return;
        }
        struct err e = {0};
        int rc = store_answer_set(c->h->store, q->lead, a->string, v, &e);
        free(v);
        if (rc < 0) {
            reply_err(r, &e);
            return;
        }
    }
    reply_ok(r);
}

void kiosk_consents(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    const char *lang = text_lang(text_member(q->body, "lang"));
    const cJSON *given = cJSON_GetObjectItemCaseSensitive(q->body, "consents"), *it;
    if (!cJSON_IsObject(given)) {
        reply_error(r, MHD_HTTP_BAD_REQUEST, "expected {\"consents\": {purpose: true|false}}");
        return;
    }
    /* Every purpose of the form gets a row, ticked or not: "no" is an answer
     * too, recorded with the text version the visitor saw. */
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(c->h->show->form, "consents"))
    {
        const char *purpose = text_member(it, "purpose"), *version = text_member(it, "version");
        if (!purpose)
            continue;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(given, purpose);
        struct err e = {0};
        if (store_consent_set(c->h->store, q->lead, purpose, cJSON_IsTrue(v),
                              version ? version : "", lang, &e) < 0) {
            reply_err(r, &e);
            return;
        }
    }
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
        char *s = cJSON_IsString(it) && n < 8 ? text_clean(it->valuestring, TEXT_FIELD_MAX) : NULL;
        if (s && *s) {
            cJSON_AddItemToArray(a, cJSON_CreateString(s));
            n++;
        }
        free(s);
    }
}

/* The reviewed fields of a card, cleaned: {full_name, title, company,
 * address, emails[], phones[], urls[]}. */
static cJSON *card_fields(const cJSON *in)
{
    cJSON *f = cJSON_CreateObject();
    static const char *const scalars[] = {"full_name", "title", "company", "address"};
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
        char *s = text_clean(text_member(in, scalars[i]), TEXT_FIELD_MAX);
        if (s && *s)
            cJSON_AddStringToObject(f, scalars[i], s);
        free(s);
    }
    copy_clean_list(f, in, "emails");
    copy_clean_list(f, in, "phones");
    copy_clean_list(f, in, "urls");
    return f;
}

/*
 * The visitor confirmed the business card under review:
 * {"read_id", "fields": {full_name, title, company, address, emails[],
 * phones[], urls[]}} -> card_service_store() (in-process), which keeps the
 * recognised fields beside these and captures the lead; its "lead" bus
 * event then reaches the page like a scan. Answers {"lead": id}.
 */
void kiosk_card_store(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    struct kiosk *k = c->kiosk;
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(q->body, "read_id");
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(q->body, "fields");
    if (!c->h->card) {
        reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "business cards are not read on this kiosk");
        return;
    }
    if (!cJSON_IsNumber(rid) || !k->read || (int64_t)rid->valuedouble != k->read) {
        reply_error(r, MHD_HTTP_CONFLICT, "this visit has ended; lay your card down again");
        return;
    }
    if (!cJSON_IsObject(in)) {
        reply_error(r, MHD_HTTP_BAD_REQUEST, "expected {\"read_id\", \"fields\": {...}}");
        return;
    }
    cJSON *req = cJSON_CreateObject(), *reply = cJSON_CreateObject();
    cJSON_AddNumberToObject(req, "read_id", (double)k->read);
    cJSON *f = card_fields(in);
    cJSON_AddItemToObject(req, "fields", f);
    const cJSON *em;
    bool has_email = false, bad_email = false;
    cJSON_ArrayForEach(em, cJSON_GetObjectItem(f, "emails"))
    {
        has_email = true;
        bad_email |= !strchr(em->valuestring, '@');
    }
    struct err e = {0};
    if (bad_email) {
        reply_error(r, MHD_HTTP_BAD_REQUEST, "that e-mail address has no @");
    } else if (!cJSON_GetObjectItem(f, "full_name") && !has_email) {
        reply_error(r, MHD_HTTP_BAD_REQUEST, "a name or an e-mail address is needed");
    } else if (card_service_store(c->h->card, req, reply, &e) < 0) {
        reply_err(r, &e);
    } else {
        const char *lead = text_member(cJSON_GetObjectItem(reply, "lead"), "id");
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "lead", lead ? lead : "");
        if (lead)
            log_info("ui", "business card reviewed and stored as lead %s", lead);
        k->read = 0;
        reply_json(r, MHD_HTTP_OK, o);
    }
    cJSON_Delete(req);
    cJSON_Delete(reply);
}

void kiosk_visit_end(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    struct kiosk *k = c->kiosk;
    const char *id = text_member(q->body, "lead");
    const cJSON *rd = cJSON_GetObjectItemCaseSensitive(q->body, "read_id");
    if (!id || !strcmp(id, k->lead))
        k->lead[0] = '\0';
    if ((!id && !rd) || (cJSON_IsNumber(rd) && (int64_t)rd->valuedouble == k->read))
        k->read = 0;
    reply_ok(r);
}
