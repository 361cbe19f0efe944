// SPDX-License-Identifier: Apache-2.0
/*
 * sink — the table of sink types and the helpers they share (field mapping,
 * form encoding). Add a type by writing sync/sinks/sink_<type>.c and a row below.
 */
#include "sync/sink.h"

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "firmware/config/config.h"
#include "firmware/base/strv.h"

const struct sink_type *const sink_table[] = {
    &sink_webhook,         &sink_hubspot,     &sink_salesforce, &sink_s3, &sink_spool,
    &sink_salesforce_rest, &sink_hubspot_crm, &sink_smtp,       NULL,
};

const struct sink_type *sink_find(const char *name)
{
    for (int i = 0; sink_table[i]; i++)
        if (!strcmp(sink_table[i]->name, name))
            return sink_table[i];
    return NULL;
}

void sink_idem_key(const char *sink_name, const struct sink_entry *v, size_t n, char out[65])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned hl = 0;
    if (md && EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        EVP_DigestUpdate(md, sink_name, strlen(sink_name) + 1);
        for (size_t i = 0; i < n; i++) {
            char line[96];
            int len = snprintf(line, sizeof line, "%lld:%s:%lld\n", (long long)v[i].outbox_id,
                               v[i].lead_id, (long long)v[i].version);
            EVP_DigestUpdate(md, line, (size_t)len);
        }
        EVP_DigestFinal_ex(md, h, &hl);
    }
    EVP_MD_CTX_free(md);
    for (unsigned i = 0; i < hl && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
    out[2 * (hl < 32 ? hl : 32)] = '\0';
}

const char *sink_str(const struct sink *s, const char *key)
{
    const char *v = config_str(s->cfg, s->section, key);
    return v ? v : "";
}

static char *first_of(const cJSON *lead, const char *list)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(lead, list);
    const cJSON *v = cJSON_GetArrayItem(a, 0);
    return cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
}

/* Every note as "operator: text" lines, or the newest rating (NULL: none). */
static char *notes_value(const cJSON *lead, bool rating)
{
    struct buf b = {0};
    const cJSON *n, *newest = NULL;
    cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(lead, "notes"))
    {
        const cJSON *op = cJSON_GetObjectItemCaseSensitive(n, "operator");
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(n, "note");
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(n, "rating");
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(n, "updated_at_ms");
        const cJSON *nat =
            newest ? cJSON_GetObjectItemCaseSensitive(newest, "updated_at_ms") : NULL;
        if (rating && cJSON_IsNumber(r) &&
            (!nat || (cJSON_IsNumber(at) && at->valuedouble >= nat->valuedouble)))
            newest = n;
        if (!rating && cJSON_IsString(text) && text->valuestring[0])
            buf_printf(&b, "%s%s: %s", b.len ? "\n" : "", cJSON_IsString(op) ? op->valuestring : "",
                       text->valuestring);
    }
    if (rating)
        return newest ? cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(newest, "rating"))
                      : NULL;
    return b.data ? buf_steal(&b) : NULL;
}

char *sink_lead_value(const cJSON *lead, const char *field)
{
    if (!strcmp(field, "notes") || !strcmp(field, "rating"))
        return notes_value(lead, field[0] == 'r');
    if (!strcmp(field, "email"))
        return first_of(lead, "emails");
    if (!strcmp(field, "phone"))
        return first_of(lead, "phones");
    if (!strcmp(field, "url"))
        return first_of(lead, "urls");
    const cJSON *v;
    if (!strncmp(field, "answer.", 7)) {
        v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(lead, "answers"),
                                             field + 7);
        if (!v || cJSON_IsNull(v))
            return NULL;
        if (cJSON_IsString(v))
            return strdup(v->valuestring);
        if (cJSON_IsArray(v)) { /* multiple choice: "a;b" as CRMs take it */
            struct buf b = {0};
            const cJSON *it;
            cJSON_ArrayForEach(it, v)
            {
                if (cJSON_IsString(it)) {
                    if (b.len)
                        buf_addc(&b, ';');
                    buf_adds(&b, it->valuestring);
                }
            }
            return b.data ? buf_steal(&b) : strdup("");
        }
        return cJSON_PrintUnformatted(v);
    }
    v = cJSON_GetObjectItemCaseSensitive(lead, field);
    if (cJSON_IsString(v))
        return strdup(v->valuestring);
    if (cJSON_IsNumber(v) || cJSON_IsBool(v))
        return cJSON_PrintUnformatted(v);
    return NULL;
}

int sink_map_parse(const struct sink *s, struct strv *remote, struct strv *field, struct err *e)
{
    struct strv items = {0};
    int rc = 0;
    config_list(s->cfg, s->section, "fields", &items);
    for (size_t i = 0; i < items.n && rc == 0; i++) {
        char *eq = strchr(items.v[i], '=');
        if (!eq || eq == items.v[i] || !eq[1]) {
            rc = err_set(e, ERR_INVALID, "[%s] fields: expected REMOTE=FIELD, got '%s'", s->section,
                         items.v[i]);
            break;
        }
        *eq = '\0';
        if (strv_push(remote, items.v[i]) < 0 || strv_push(field, eq + 1) < 0)
            rc = err_set(e, ERR_INTERNAL, "out of memory");
    }
    strv_free(&items);
    return rc;
}

int sink_map_load(const struct sink *s, struct strv *remote, struct strv *field, struct err *e)
{
    if (sink_map_parse(s, remote, field, e) < 0)
        return -1;
    if (remote->n == 0)
        return err_set(e, ERR_INVALID, "[%s] fields: a %s sink needs a field mapping", s->section,
                       s->type ? s->type->name : "CRM");
    return 0;
}

int sink_map_json(const cJSON *lead, const struct strv *remote, const struct strv *field,
                  const char *skip, cJSON *obj)
{
    for (size_t k = 0; k < remote->n; k++) {
        if (skip && !strcmp(remote->v[k], skip))
            continue;
        char *v = sink_lead_value(lead, field->v[k]);
        bool fail = v && !cJSON_AddStringToObject(obj, remote->v[k], v);
        free(v);
        if (fail)
            return -1;
    }
    return 0;
}

int sink_urlencode(struct buf *b, CURL *easy, const char *s)
{
    char *enc = curl_easy_escape(easy, s, 0);
    if (!enc)
        return -1;
    int rc = buf_adds(b, enc);
    curl_free(enc);
    return rc;
}

int sink_header(struct curl_slist **h, const char *name, const char *value)
{
    char line[1024];
    snprintf(line, sizeof line, "%s: %s", name, value);
    struct curl_slist *n = curl_slist_append(*h, line);
    if (!n)
        return -1;
    *h = n;
    return 0;
}

void sink_safe_name(char *out, size_t outsz, const char *in)
{
    size_t i = 0;
    for (; in[i] && i + 1 < outsz; i++) {
        char c = in[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        out[i] = ok && !(i == 0 && c == '.') ? c : '_';
    }
    out[i] = '\0';
    if (i == 0 && outsz > 1)
        snprintf(out, outsz, "device");
}

void sink_partition(const struct sink *s, const cJSON *lead, char *out, size_t outsz)
{
    char show[128], dev[128], day[16] = "1970-01-01";
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(lead, "show");
    sink_safe_name(show, sizeof show, cJSON_IsString(sh) ? sh->valuestring : "");
    sink_safe_name(dev, sizeof dev, s->device_id);
    const cJSON *cap = cJSON_GetObjectItemCaseSensitive(lead, "captured_at_ms");
    if (cJSON_IsNumber(cap)) {
        time_t t = (time_t)(cap->valuedouble / 1000);
        struct tm tm;
        if (gmtime_r(&t, &tm))
            strftime(day, sizeof day, "%Y-%m-%d", &tm);
    }
    snprintf(out, outsz, "show=%s/date=%s/device=%s", show, day, dev);
}

size_t sink_group_partition(struct sink *s, struct sink_entry *v, size_t n)
{
    if (n < 2)
        return n;
    char first[400], other[400];
    sink_partition(s, v[0].lead, first, sizeof first);
    /* A stable partition in place: rows of the first row's partition to the
     * front, the others after them in their own order. n is a batch (at most
     * batch_size rows), so the quadratic shuffle stays small. */
    size_t k = 1;
    for (size_t i = 1; i < n; i++) {
        sink_partition(s, v[i].lead, other, sizeof other);
        if (strcmp(first, other))
            continue;
        struct sink_entry keep = v[i];
        memmove(&v[k + 1], &v[k], (i - k) * sizeof *v);
        v[k++] = keep;
    }
    return k;
}

int sink_ndjson(const struct sink_batch *b, struct buf *body)
{
    for (size_t i = 0; i < b->n; i++) {
        char *line = cJSON_PrintUnformatted(b->v[i].lead);
        if (!line || buf_adds(body, line) < 0 || buf_addc(body, '\n') < 0) {
            free(line);
            return -1;
        }
        free(line);
    }
    return 0;
}

char *sink_reply_header(const struct sink_reply *r, const char *name, char *out, size_t outsz)
{
    out[0] = '\0';
    size_t nl = strlen(name);
    for (const char *p = r->headers ? r->headers : ""; *p;) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
            const char *v = p + nl + 1, *e = p + len;
            while (v < e && (*v == ' ' || *v == '\t'))
                v++;
            while (e > v && (e[-1] == '\r' || e[-1] == ' '))
                e--;
            snprintf(out, outsz, "%.*s", (int)(e - v), v);
        }
        p += len + (end ? 1 : 0);
    }
    return out;
}
