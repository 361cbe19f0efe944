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

#include "firmware/config/config.h"
#include "firmware/base/strv.h"

const struct sink_type *const sink_table[] = {
    &sink_webhook, &sink_hubspot, &sink_salesforce, &sink_s3, &sink_spool, NULL,
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

char *sink_lead_value(const cJSON *lead, const char *field)
{
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
