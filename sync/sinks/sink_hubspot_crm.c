// SPDX-License-Identifier: Apache-2.0
/*
 * sink_hubspot_crm — leads as HubSpot contacts through the CRM v3 batch
 * upsert, keyed by e-mail, so that a later change (a note, a rating, tags, a
 * corrected e-mail, a consent) updates the same contact. The Forms v3 sink
 * (sink_hubspot.c) stays the right one for the first submission with the
 * legal consent text; this one keeps the contact up to date.
 *
 * POST {url}/crm/v3/objects/contacts/batch/upsert with a private app's token
 * (Authorization: Bearer) and {"inputs": [{"idProperty": "email", "id":
 * EMAIL, "properties": {mapped fields}}]}, at most 100 inputs. The `fields`
 * mapping names the contact properties (HubSpot refuses unknown ones); lead
 * fields the lead does not have are left out, so an upsert never blanks a
 * property. `notes` (every note, one per line) and `rating` map like any
 * field, e.g. into custom properties: a property is overwritten with the
 * lead's current notes, so sending a lead again never duplicates them.
 *
 * Rows: a lead without an e-mail cannot be upserted by e-mail and is parked
 * at once (not sent); two leads with one e-mail never share a batch (HubSpot
 * refuses duplicate ids in an input), the second waits for the next. The
 * answer is 200 (all done) or 207 with "errors", each naming the inputs it
 * concerns in context.ids: those rows are parked with the message, the
 * others are done. 401 and 403 (a token without the scope) are the
 * configuration's fault: nothing is parked, the sink backs off. Limits:
 * private apps get 100 requests per 10 s (kept client-side) and a daily
 * quota; a 429 for the daily policy pauses the sink for an hour.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "firmware/base/strv.h"
#include "sync/sink.h"

#define HUBSPOT_API       "https://api.hubapi.com"
#define HS_MAX_INPUTS     100
#define HS_DAILY_PAUSE_MS (3600LL * 1000)

struct hubspot_crm {
    struct strv remote, field;
};

static void hcrm_close(struct sink *s)
{
    struct hubspot_crm *h = s->priv;
    if (!h)
        return;
    strv_free(&h->remote);
    strv_free(&h->field);
    free(h);
    s->priv = NULL;
}

static int hcrm_open(struct sink *s, struct err *e)
{
    if (!*sink_str(s, "token"))
        return err_set(e, ERR_INVALID, "[%s] token: a hubspot_crm sink needs a private app token",
                       s->section);
    struct hubspot_crm *h = calloc(1, sizeof *h);
    if (!h)
        return err_set(e, ERR_INTERNAL, "out of memory");
    s->priv = h;
    if (sink_map_load(s, &h->remote, &h->field, e) < 0)
        return -1;
    return 0;
}

/* The lead's e-mail, the upsert's id (malloc'd, NULL: none). */
static char *email_of(const struct sink_entry *en)
{
    return sink_lead_value(en->lead, "email");
}

/* group op: one row per e-mail (case-insensitive, as HubSpot compares), in
 * order; the later rows of an e-mail wait for the next batch. */
static size_t hcrm_group(struct sink *s, struct sink_entry *v, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char *mail = email_of(&v[i]);
        bool dup = false;
        for (size_t j = 0; mail && j < k && !dup; j++) {
            char *other = email_of(&v[j]);
            dup = other && !strcasecmp(mail, other);
            free(other);
        }
        free(mail);
        if (dup)
            continue;
        struct sink_entry keep = v[i];
        memmove(&v[k + 1], &v[k], (i - k) * sizeof *v);
        v[k++] = keep;
    }
    return k;
}

static int hcrm_request(struct sink *s, const struct sink_batch *b, struct sink_http *http,
                        CURL *easy, struct err *e)
{
    struct hubspot_crm *h = s->priv;
    cJSON *o = cJSON_CreateObject();
    cJSON *inputs = cJSON_AddArrayToObject(o, "inputs");
    size_t sent = 0;
    for (size_t i = 0; i < b->n; i++) {
        char *mail = email_of(&b->v[i]);
        if (!mail)
            continue; /* parked by the answer op */
        cJSON *in = cJSON_CreateObject();
        cJSON_AddStringToObject(in, "idProperty", "email");
        cJSON_AddStringToObject(in, "id", mail);
        sink_map_json(b->v[i].lead, &h->remote, &h->field, NULL,
                      cJSON_AddObjectToObject(in, "properties"));
        cJSON_AddItemToArray(inputs, in);
        free(mail);
        sent++;
    }
    char *body = sent ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!sent)
        return 1; /* nobody with an e-mail: the answer op parks them all */
    const char *base = *sink_str(s, "url") ? sink_str(s, "url") : HUBSPOT_API;
    size_t bl = strlen(base);
    struct buf url = {0}, auth = {0};
    int rc = !body || buf_adds(&http->body, body) < 0;
    free(body);
    rc |= buf_printf(&url, "%.*s/crm/v3/objects/contacts/batch/upsert",
                     (int)(bl && base[bl - 1] == '/' ? bl - 1 : bl), base) < 0;
    rc |= buf_printf(&auth, "Bearer %s", sink_str(s, "token")) < 0;
    rc |= sink_header(&http->headers, "Content-Type", "application/json") < 0;
    rc |= sink_header(&http->headers, "Authorization", auth.data ? auth.data : "") < 0;
    buf_free(&auth);
    http->url = url.data ? buf_steal(&url) : NULL;
    if (rc || !http->url)
        return err_set(e, ERR_INTERNAL, "out of memory");
    return 0;
}

/* 207: every error names the inputs (e-mails) it concerns in context.ids. */
static void multi_status(const struct sink_batch *b, const cJSON *o, struct sink_verdict *v)
{
    const cJSON *err;
    cJSON_ArrayForEach(err, cJSON_GetObjectItemCaseSensitive(o, "errors"))
    {
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(err, "message");
        const cJSON *cat = cJSON_GetObjectItemCaseSensitive(err, "category");
        const cJSON *id;
        cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(
                                   cJSON_GetObjectItemCaseSensitive(err, "context"), "ids"))
        {
            for (size_t i = 0; cJSON_IsString(id) && i < b->n; i++) {
                char *mail = email_of(&b->v[i]);
                if (mail && !strcasecmp(mail, id->valuestring)) {
                    v->rows[i].r = SINK_ROW_REJECT;
                    snprintf(v->rows[i].reason, sizeof v->rows[i].reason, "%s: %s",
                             cJSON_IsString(cat) ? cat->valuestring : "ERROR",
                             cJSON_IsString(msg) ? msg->valuestring : "");
                }
                free(mail);
            }
        }
    }
}

static void hcrm_answer(struct sink *s, const struct sink_batch *b, const struct sink_reply *r,
                        struct sink_verdict *v)
{
    cJSON *o = r->len ? cJSON_ParseWithLength(r->body, r->len) : NULL;
    if (r->status == 207)
        multi_status(b, o, v);
    bool config_fault = r->status == 401 || r->status == 403;
    const cJSON *policy = cJSON_GetObjectItemCaseSensitive(o, "policyName");
    if (r->status == 429 && cJSON_IsString(policy) && !strcmp(policy->valuestring, "DAILY"))
        v->pause_ms = HS_DAILY_PAUSE_MS;
    for (size_t i = 0; i < b->n; i++) {
        char *mail = email_of(&b->v[i]);
        if (!mail) {
            v->rows[i].r = SINK_ROW_REJECT;
            snprintf(v->rows[i].reason, sizeof v->rows[i].reason,
                     "no e-mail address: the contact upsert is keyed by it");
        } else if (config_fault) {
            v->rows[i].r = SINK_ROW_AGAIN;
        }
        free(mail);
    }
    cJSON_Delete(o);
}

const struct sink_type sink_hubspot_crm = {
    .name = "hubspot_crm",
    .doc = "HubSpot CRM v3 contact batch upsert keyed by e-mail (private app token)",
    .max_batch = HS_MAX_INPUTS,
    .confirms = true,
    .rate_max = 100,
    .rate_window_s = 10,
    .open = hcrm_open,
    .close = hcrm_close,
    .request = hcrm_request,
    .group = hcrm_group,
    .answer = hcrm_answer,
};
