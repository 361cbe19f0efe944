// SPDX-License-Identifier: Apache-2.0
/*
 * sink_hubspot — HubSpot Forms v3 submissions, one lead per request:
 * POST {url}/{portal_id}/{form_guid} with {fields, submittedAt, context,
 * legalConsentOptions}. Field names come from the section's `fields`
 * mapping (HubSpot rejects unknown fields with 400, so nothing is sent that
 * is not mapped). submittedAt is the capture time, never the upload time.
 * The unauthenticated endpoint allows 50 requests per 10 s per address: the
 * worker keeps that limit itself (rate_max/rate_window_s) so that HubSpot
 * never has to answer 429 and block the address.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/config/config.h"
#include "firmware/base/strv.h"
#include "sync/sink.h"

#define HUBSPOT_URL "https://api.hsforms.com/submissions/v3/integration/submit"

struct hubspot {
    struct strv remote, field;
    struct strv sub_purpose, sub_id; /* consent purpose -> subscriptionTypeId */
};

static void hubspot_close(struct sink *s)
{
    struct hubspot *h = s->priv;
    if (!h)
        return;
    strv_free(&h->remote);
    strv_free(&h->field);
    strv_free(&h->sub_purpose);
    strv_free(&h->sub_id);
    free(h);
    s->priv = NULL;
}

static int hubspot_open(struct sink *s, struct err *e)
{
    if (!*sink_str(s, "portal_id") || !*sink_str(s, "form_guid"))
        return err_set(e, ERR_INVALID, "[%s] a hubspot sink needs portal_id and form_guid",
                       s->section);
    struct hubspot *h = calloc(1, sizeof *h);
    if (!h)
        return err_set(e, ERR_INTERNAL, "out of memory");
    s->priv = h;
    if (sink_map_load(s, &h->remote, &h->field, e) < 0)
        return -1;
    struct strv subs = {0};
    config_list(s->cfg, s->section, "consent_subscriptions", &subs);
    for (size_t i = 0; i < subs.n; i++) {
        char *eq = strchr(subs.v[i], '=');
        if (!eq || !eq[1]) {
            err_set(e, ERR_INVALID, "[%s] consent_subscriptions: expected PURPOSE=ID, got '%s'",
                    s->section, subs.v[i]);
            strv_free(&subs);
            return -1;
        }
        *eq = '\0';
        strv_push(&h->sub_purpose, subs.v[i]);
        strv_push(&h->sub_id, eq + 1);
    }
    strv_free(&subs);
    return 0;
}

/* The lead's consent for purpose: 1 granted, 0 refused, -1 not asked. */
static int consent_of(const cJSON *lead, const char *purpose)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(lead, "consents"))
    {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(c, "purpose");
        if (cJSON_IsString(p) && !strcmp(p->valuestring, purpose))
            return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "granted"));
    }
    return -1;
}

static int hubspot_request(struct sink *s, const struct sink_batch *b, struct sink_http *http,
                           CURL *easy, struct err *e)
{
    struct hubspot *h = s->priv;
    const cJSON *lead = b->v[0].lead; /* max_batch = 1 */
    cJSON *o = cJSON_CreateObject();
    cJSON *fields = cJSON_AddArrayToObject(o, "fields");
    for (size_t i = 0; i < h->remote.n; i++) {
        char *v = sink_lead_value(lead, h->field.v[i]);
        if (!v)
            continue; /* HubSpot wants absent rather than empty fields */
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "objectTypeId", "0-1"); /* contact */
        cJSON_AddStringToObject(f, "name", h->remote.v[i]);
        cJSON_AddStringToObject(f, "value", v);
        cJSON_AddItemToArray(fields, f);
        free(v);
    }
    const cJSON *cap = cJSON_GetObjectItemCaseSensitive(lead, "captured_at_ms");
    cJSON_AddNumberToObject(o, "submittedAt", cJSON_IsNumber(cap) ? cap->valuedouble : 0);
    cJSON *ctx = cJSON_AddObjectToObject(o, "context");
    const char *page = sink_str(s, "page_uri");
    if (*page)
        cJSON_AddStringToObject(ctx, "pageUri", page);
    const cJSON *show = cJSON_GetObjectItemCaseSensitive(lead, "show");
    cJSON_AddStringToObject(ctx, "pageName", cJSON_IsString(show) ? show->valuestring : "");
    int process = consent_of(lead, sink_str(s, "consent_process"));
    if (process >= 0) {
        const char *text = sink_str(s, "consent_text");
        cJSON *consent =
            cJSON_AddObjectToObject(cJSON_AddObjectToObject(o, "legalConsentOptions"), "consent");
        cJSON_AddBoolToObject(consent, "consentToProcess", process == 1);
        cJSON_AddStringToObject(consent, "text", text);
        cJSON *comms = cJSON_AddArrayToObject(consent, "communications");
        for (size_t i = 0; i < h->sub_purpose.n; i++) {
            int g = consent_of(lead, h->sub_purpose.v[i]);
            if (g < 0)
                continue;
            cJSON *c = cJSON_CreateObject();
            cJSON_AddBoolToObject(c, "value", g == 1);
            cJSON_AddNumberToObject(c, "subscriptionTypeId", atof(h->sub_id.v[i]));
            cJSON_AddStringToObject(c, "text", text);
            cJSON_AddItemToArray(comms, c);
        }
    }
    char *body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    const char *base = *sink_str(s, "url") ? sink_str(s, "url") : HUBSPOT_URL;
    struct buf url = {0};
    buf_printf(&url, "%s/", base);
    sink_urlencode(&url, easy, sink_str(s, "portal_id"));
    buf_addc(&url, '/');
    sink_urlencode(&url, easy, sink_str(s, "form_guid"));
    if (!body || !url.data || buf_adds(&http->body, body) < 0 ||
        sink_header(&http->headers, "Content-Type", "application/json") < 0) {
        free(body);
        buf_free(&url);
        return err_set(e, ERR_INTERNAL, "out of memory");
    }
    free(body);
    http->url = buf_steal(&url);
    return 0;
}

const struct sink_type sink_hubspot = {
    .name = "hubspot",
    .doc = "HubSpot Forms v3 submissions (one lead per request, 50 per 10 s)",
    .max_batch = 1,
    .confirms = true,
    .rate_max = 50,
    .rate_window_s = 10,
    .open = hubspot_open,
    .close = hubspot_close,
    .request = hubspot_request,
};
