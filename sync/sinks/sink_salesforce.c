// SPDX-License-Identifier: Apache-2.0
/*
 * sink_salesforce — Salesforce Web-to-Lead: one form-urlencoded POST per lead
 * with `oid` and the section's `fields` mapping (standard names like
 * first_name, or custom fields by their 00N… ids).
 *
 * Web-to-Lead answers 200 whatever happens to the lead (over the 500-a-day
 * limit it is queued, then dropped, silently), so a sent row here means
 * "posted", not "created": the type says so (confirms = false) and status
 * shows it.
 */
#include <stdlib.h>
#include <string.h>

#include "firmware/base/strv.h"
#include "sync/sink.h"

#define SALESFORCE_URL "https://webto.salesforce.com/servlet/servlet.WebToLead?encoding=UTF-8"

struct salesforce {
    struct strv remote, field;
};

static void salesforce_close(struct sink *s)
{
    struct salesforce *f = s->priv;
    if (!f)
        return;
    strv_free(&f->remote);
    strv_free(&f->field);
    free(f);
    s->priv = NULL;
}

static int salesforce_open(struct sink *s, struct err *e)
{
    if (!*sink_str(s, "oid"))
        return err_set(e, ERR_INVALID, "[%s] a salesforce sink needs oid", s->section);
    struct salesforce *f = calloc(1, sizeof *f);
    if (!f)
        return err_set(e, ERR_INTERNAL, "out of memory");
    s->priv = f;
    if (sink_map_load(s, &f->remote, &f->field, e) < 0)
        return -1;
    return 0;
}

static int salesforce_request(struct sink *s, const struct sink_batch *b, struct sink_http *h,
                              CURL *easy, struct err *e)
{
    struct salesforce *f = s->priv;
    const struct cJSON *lead = b->v[0].lead; /* max_batch = 1 */
    int rc = buf_adds(&h->body, "oid=");
    rc |= sink_urlencode(&h->body, easy, sink_str(s, "oid"));
    for (size_t i = 0; i < f->remote.n && rc == 0; i++) {
        char *v = sink_lead_value(lead, f->field.v[i]);
        if (!v)
            continue;
        rc |= buf_addc(&h->body, '&');
        rc |= sink_urlencode(&h->body, easy, f->remote.v[i]);
        rc |= buf_addc(&h->body, '=');
        rc |= sink_urlencode(&h->body, easy, v);
        free(v);
    }
    const char *url = *sink_str(s, "url") ? sink_str(s, "url") : SALESFORCE_URL;
    if (rc < 0 || !(h->url = strdup(url)) ||
        sink_header(&h->headers, "Content-Type", "application/x-www-form-urlencoded") < 0)
        return err_set(e, ERR_INTERNAL, "out of memory");
    return 0;
}

const struct sink_type sink_salesforce = {
    .name = "salesforce",
    .doc = "Salesforce Web-to-Lead form posts; the server cannot confirm that a lead was created",
    .max_batch = 1,
    .confirms = false,
    .open = salesforce_open,
    .close = salesforce_close,
    .request = salesforce_request,
};
