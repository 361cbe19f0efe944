// SPDX-License-Identifier: Apache-2.0
/*
 * lead — helpers over struct lead_fields: merge, identity, JSON.
 */
#include "firmware/base/lead.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const source_names[] = {"scanner", "card", "manual", "import"};

const char *lead_source_name(enum lead_source s)
{
    return (unsigned)s < 4 ? source_names[s] : "scanner";
}

int lead_source_parse(const char *name)
{
    for (int i = 0; name && i < 4; i++)
        if (strcmp(name, source_names[i]) == 0)
            return i;
    return -1;
}

/* The scalar members, for loops that treat them alike. */
#define SCALARS(f)                                                                                 \
    {                                                                                              \
        &(f)->format, &(f)->badge_id, &(f)->full_name, &(f)->given_name, &(f)->family_name,        \
            &(f)->company, &(f)->title, &(f)->address, &(f)->country                               \
    }
static const char *const scalar_names[] = {"format",     "badge_id",    "full_name",
                                           "given_name", "family_name", "company",
                                           "title",      "address",     "country"};
#define NSCALARS 9

void lead_fields_free(struct lead_fields *f)
{
    char **s[] = SCALARS(f);
    for (int i = 0; i < NSCALARS; i++) {
        free(*s[i]);
        *s[i] = NULL;
    }
    free(f->lang);
    f->lang = NULL;
    strv_free(&f->emails);
    strv_free(&f->phones);
    strv_free(&f->urls);
    strv_free(&f->warnings);
}

int lead_set(char **slot, const char *s)
{
    char *c = NULL;
    if (s && *s && !(c = strdup(s)))
        return -1;
    free(*slot);
    *slot = c;
    return 0;
}

static int merge_list(struct strv *dst, const struct strv *src)
{
    int changed = 0;
    for (size_t i = 0; i < src->n; i++) {
        if (strv_find(dst, src->v[i]) >= 0)
            continue;
        if (strv_push(dst, src->v[i]) < 0)
            return -1;
        changed++;
    }
    return changed;
}

int lead_fields_merge(struct lead_fields *dst, const struct lead_fields *src)
{
    char **d[] = SCALARS(dst);
    char *const *s[] = SCALARS((struct lead_fields *)src);
    int changed = 0;
    /* format (index 0) describes the first read; it is not merged. */
    for (int i = 1; i < NSCALARS; i++) {
        if ((!*d[i] || !**d[i]) && *s[i] && **s[i]) {
            if (lead_set(d[i], *s[i]) < 0)
                return -1;
            changed++;
        }
    }
    int a = merge_list(&dst->emails, &src->emails);
    int b = merge_list(&dst->phones, &src->phones);
    int c = merge_list(&dst->urls, &src->urls);
    if (a < 0 || b < 0 || c < 0)
        return -1;
    return changed + a + b + c;
}

bool lead_fields_empty(const struct lead_fields *f)
{
    return !(f->badge_id || f->full_name || f->given_name || f->family_name || f->company ||
             f->emails.n || f->phones.n);
}

char *lead_identity(const struct lead_fields *f, const uint8_t *raw, size_t rawlen)
{
    char *out = NULL;
    if (f->badge_id && *f->badge_id) {
        if (asprintf(&out, "id:%s", f->badge_id) < 0)
            return NULL;
        return out;
    }
    if (f->emails.n) {
        if (asprintf(&out, "email:%s", f->emails.v[0]) < 0)
            return NULL;
        for (char *p = out; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        return out;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(raw, rawlen, md, &mdlen, EVP_sha256(), NULL))
        return NULL;
    out = malloc(4 + mdlen * 2 + 1);
    if (!out)
        return NULL;
    memcpy(out, "raw:", 4);
    for (unsigned i = 0; i < mdlen; i++)
        sprintf(out + 4 + i * 2, "%02x", md[i]);
    return out;
}

static int add_list(cJSON *obj, const char *name, const struct strv *sv)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, name);
    if (!arr)
        return -1;
    for (size_t i = 0; i < sv->n; i++) {
        cJSON *s = cJSON_CreateString(sv->v[i]);
        if (!s || !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            return -1;
        }
    }
    return 0;
}

int lead_fields_to_json(const struct lead_fields *f, cJSON *obj)
{
    char *const *s[] = SCALARS((struct lead_fields *)f);
    for (int i = 0; i < NSCALARS; i++) {
        cJSON *v = *s[i] ? cJSON_AddStringToObject(obj, scalar_names[i], *s[i])
                         : cJSON_AddNullToObject(obj, scalar_names[i]);
        if (!v)
            return -1;
    }
    if (f->lang && !cJSON_AddStringToObject(obj, "lang", f->lang))
        return -1;
    if (add_list(obj, "emails", &f->emails) < 0 || add_list(obj, "phones", &f->phones) < 0 ||
        add_list(obj, "urls", &f->urls) < 0 || add_list(obj, "warnings", &f->warnings) < 0)
        return -1;
    return 0;
}

static int read_list(struct strv *sv, const cJSON *obj, const char *name)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, name);
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        if (cJSON_IsString(it) && strv_push_unique(sv, it->valuestring) < 0)
            return -1;
    }
    return 0;
}

int lead_fields_from_json(struct lead_fields *f, const cJSON *obj)
{
    char **s[] = SCALARS(f);
    for (int i = 0; i < NSCALARS; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, scalar_names[i]);
        if (cJSON_IsString(v) && lead_set(s[i], v->valuestring) < 0)
            return -1;
    }
    const cJSON *lang = cJSON_GetObjectItemCaseSensitive(obj, "lang");
    if (cJSON_IsString(lang) && lead_set(&f->lang, lang->valuestring) < 0)
        return -1;
    if (read_list(&f->emails, obj, "emails") < 0 || read_list(&f->phones, obj, "phones") < 0 ||
        read_list(&f->urls, obj, "urls") < 0 || read_list(&f->warnings, obj, "warnings") < 0)
        return -1;
    return 0;
}
