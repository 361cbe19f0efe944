// SPDX-License-Identifier: Apache-2.0
/*
 * catalog — the supplier catalog's file formats (CSV, JSON) and the reads
 * the kiosk makes. Both formats are first turned into one JSON shape ({id,
 * names{lang}, descriptions{lang}, categories[], country, url, line}),
 * which store_catalog_replace() writes in one transaction, so an import
 * either replaces the whole catalog or changes nothing. The SQL (tables,
 * FTS5 search, matching) is firmware/store/store_catalog.c's.
 */
#include "ui/catalog.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "firmware/base/buf.h"
#include "firmware/base/strv.h"
#include "firmware/store/store_catalog.h"

#define MAX_FILE (64u * 1024 * 1024)

/* ---- CSV (RFC 4180: quoted fields, "" escapes, newlines inside quotes) ---- */

/* Reads one record starting at *p into row; returns 1 if a record was read,
 * 0 at the end, -1 on an unterminated quote. */
static int csv_record(const char **p, const char *end, struct strv *row)
{
    const char *s = *p;
    if (s >= end)
        return 0;
    struct buf f = {0};
    for (;;) {
        buf_reset(&f);
        if (s < end && *s == '"') {
            s++;
            for (;;) {
                if (s >= end) {
                    buf_free(&f);
                    return -1;
                }
                if (*s == '"') {
                    if (s + 1 < end && s[1] == '"') {
                        buf_addc(&f, '"');
                        s += 2;
                        continue;
                    }
                    s++;
                    break;
                }
                buf_addc(&f, *s++);
            }
            while (s < end && *s != ',' && *s != '\n' && *s != '\r')
                s++; /* junk after a closing quote is dropped */
        } else {
            while (s < end && *s != ',' && *s != '\n' && *s != '\r')
                buf_addc(&f, *s++);
        }
        strv_push(row, f.data ? f.data : "");
        if (s < end && *s == ',') {
            s++;
            continue;
        }
        if (s < end && *s == '\r')
            s++;
        if (s < end && *s == '\n')
            s++;
        break;
    }
    buf_free(&f);
    *p = s;
    return 1;
}

/* Splits a categories cell ("audio; power|lighting") into a JSON array. */
static cJSON *split_categories(const char *s)
{
    cJSON *a = cJSON_CreateArray();
    struct strv parts = {0};
    struct buf norm = {0};
    buf_adds(&norm, s);
    for (size_t i = 0; i < norm.len; i++)
        if (norm.data[i] == '|' || norm.data[i] == ',')
            norm.data[i] = ';';
    strv_split(&parts, norm.data ? norm.data : "", ';');
    for (size_t i = 0; i < parts.n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(parts.v[i]));
    strv_free(&parts);
    buf_free(&norm);
    return a;
}

/* "name_zh-Hant", "name:zh-Hant" or "name" (= en) → language, or NULL. */
static const char *column_lang(const char *col, const char *base)
{
    size_t l = strlen(base);
    if (strncasecmp(col, base, l) != 0)
        return NULL;
    if (col[l] == '\0')
        return "en";
    if ((col[l] == '_' || col[l] == ':' || col[l] == '.') && col[l + 1])
        return col + l + 1;
    return NULL;
}

static int csv_to_json(const char *text, size_t len, cJSON **out, struct err *e)
{
    const char *p = text, *end = text + len;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    struct strv head = {0};
    if (csv_record(&p, end, &head) <= 0) {
        strv_free(&head);
        return err_set(e, ERR_INVALID, "CSV: no header row");
    }
    cJSON *arr = cJSON_CreateArray();
    int line = 1, rc = 0;
    for (;;) {
        struct strv row = {0};
        int r = csv_record(&p, end, &row);
        line++;
        if (r == 0) {
            strv_free(&row);
            break;
        }
        if (r < 0) {
            strv_free(&row);
            rc = err_set(e, ERR_INVALID, "CSV record %d: unterminated quote", line);
            break;
        }
        if (row.n == 1 && !row.v[0][0]) { /* blank line */
            strv_free(&row);
            continue;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON *names = cJSON_AddObjectToObject(o, "names");
        cJSON *descs = cJSON_AddObjectToObject(o, "descriptions");
        for (size_t i = 0; i < head.n && i < row.n; i++) {
            const char *col = head.v[i], *v = row.v[i], *lang;
            if (!*v)
                continue;
            if (!strcasecmp(col, "id") || !strcasecmp(col, "country") || !strcasecmp(col, "url"))
                cJSON_AddStringToObject(o,
                                        col[0] == 'i' || col[0] == 'I'   ? "id"
                                        : col[0] == 'c' || col[0] == 'C' ? "country"
                                                                         : "url",
                                        v);
            else if (!strcasecmp(col, "categories") || !strcasecmp(col, "category"))
                cJSON_AddItemToObject(o, "categories", split_categories(v));
            else if ((lang = column_lang(col, "name")))
                cJSON_AddStringToObject(names, lang, v);
            else if ((lang = column_lang(col, "description")))
                cJSON_AddStringToObject(descs, lang, v);
        }
        cJSON_AddNumberToObject(o, "line", line);
        cJSON_AddItemToArray(arr, o);
        strv_free(&row);
    }
    strv_free(&head);
    if (rc < 0) {
        cJSON_Delete(arr);
        return -1;
    }
    *out = arr;
    return 0;
}

/* Accepts "name": "x" or "name": {"en": …}, and "names": {…}. */
static cJSON *lang_map(const cJSON *o, const char *one, const char *many)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, many);
    if (!cJSON_IsObject(v))
        v = cJSON_GetObjectItemCaseSensitive(o, one);
    cJSON *m = cJSON_CreateObject();
    if (cJSON_IsString(v)) {
        cJSON_AddStringToObject(m, "en", v->valuestring);
    } else if (cJSON_IsObject(v)) {
        const cJSON *it;
        cJSON_ArrayForEach(it, v)
        {
            if (cJSON_IsString(it) && it->valuestring[0])
                cJSON_AddStringToObject(m, it->string, it->valuestring);
        }
    }
    return m;
}

static int json_to_json(const char *text, size_t len, cJSON **out, struct err *e)
{
    cJSON *doc = cJSON_ParseWithLength(text, len);
    if (!doc)
        return err_set(e, ERR_INVALID, "JSON: parse error near byte %ld",
                       (long)(cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() - text : 0));
    const cJSON *list = cJSON_IsArray(doc) ? doc : cJSON_GetObjectItem(doc, "suppliers");
    if (!cJSON_IsArray(list)) {
        cJSON_Delete(doc);
        return err_set(e, ERR_INVALID, "JSON: expected an array or {\"suppliers\": [...]}");
    }
    cJSON *arr = cJSON_CreateArray();
    const cJSON *it;
    int n = 0;
    cJSON_ArrayForEach(it, list)
    {
        n++;
        cJSON *o = cJSON_CreateObject();
        const char *keys[] = {"id", "country", "url"};
        for (int k = 0; k < 3; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, keys[k]);
            if (cJSON_IsString(v))
                cJSON_AddStringToObject(o, keys[k], v->valuestring);
        }
        const cJSON *idn = cJSON_GetObjectItemCaseSensitive(it, "id");
        if (cJSON_IsNumber(idn)) { /* numeric ids are common in exports */
            char b[32];
            snprintf(b, sizeof b, "%.0f", idn->valuedouble);
            cJSON_AddStringToObject(o, "id", b);
        }
        cJSON_AddItemToObject(o, "names", lang_map(it, "name", "names"));
        cJSON_AddItemToObject(o, "descriptions", lang_map(it, "description", "descriptions"));
        const cJSON *cats = cJSON_GetObjectItemCaseSensitive(it, "categories");
        if (cJSON_IsString(cats)) {
            cJSON_AddItemToObject(o, "categories", split_categories(cats->valuestring));
        } else {
            cJSON *a = cJSON_AddArrayToObject(o, "categories");
            const cJSON *c;
            cJSON_ArrayForEach(c, cats)
            {
                if (cJSON_IsString(c) && c->valuestring[0])
                    cJSON_AddItemToArray(a, cJSON_CreateString(c->valuestring));
            }
        }
        cJSON_AddNumberToObject(o, "line", n);
        cJSON_AddItemToArray(arr, o);
    }
    cJSON_Delete(doc);
    *out = arr;
    return 0;
}

/* ---- the store ------------------------------------------------------------ */

int catalog_import_text(struct store *s, const char *text, size_t len, int json, int *count,
                        struct err *e)
{
    cJSON *list = NULL;
    if ((json ? json_to_json(text, len, &list, e) : csv_to_json(text, len, &list, e)) < 0)
        return -1;
    int rc = store_catalog_replace(s, list, count, e);
    cJSON_Delete(list);
    return rc;
}

int catalog_import_file(struct store *s, const char *path, int *count, struct err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, ERR_NOTFOUND, "catalog: %s: %s", path, strerror(errno));
    struct buf b = {0};
    char chunk[65536];
    size_t n;
    int rc = -1;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > MAX_FILE) {
            err_set(e, ERR_INVALID, "catalog: %s: larger than %u bytes", path, MAX_FILE);
            goto out;
        }
        if (buf_add(&b, chunk, n) < 0) {
            err_set(e, ERR_INTERNAL, "catalog: out of memory");
            goto out;
        }
    }
    if (ferror(f)) {
        err_set(e, ERR_IO, "catalog: %s: %s", path, strerror(errno));
        goto out;
    }
    size_t pl = strlen(path);
    int json = pl > 5 && !strcasecmp(path + pl - 5, ".json");
    if ((rc = catalog_import_text(s, b.data ? b.data : "", b.len, json, count, e)) < 0)
        err_wrap(e, "%s", path);
out:
    fclose(f);
    buf_free(&b);
    return rc;
}

int catalog_count(struct store *s)
{
    return store_catalog_count(s);
}

int catalog_match(struct store *s, const struct strv *categories, const char *lang, int limit,
                  long long seed, cJSON **out, struct err *e)
{
    return store_catalog_match(s, categories, lang, limit, seed, out, e);
}

int catalog_search(struct store *s, const char *query, const char *lang, int limit, cJSON **out,
                   struct err *e)
{
    /* The visitor's words, separated by any blank. */
    struct strv words = {0};
    struct buf norm = {0};
    buf_adds(&norm, query ? query : "");
    for (size_t i = 0; i < norm.len; i++)
        if (norm.data[i] == '\t' || norm.data[i] == '\n' || norm.data[i] == '\r')
            norm.data[i] = ' ';
    strv_split(&words, norm.data ? norm.data : "", ' ');
    int rc = store_catalog_search(s, &words, lang, limit, out, e);
    strv_free(&words);
    buf_free(&norm);
    return rc;
}

int catalog_get(struct store *s, const char *id, const char *lang, cJSON **out, struct err *e)
{
    return store_catalog_get(s, id, lang, out, e);
}
