// SPDX-License-Identifier: Apache-2.0
/*
 * catalog — supplier catalog import (CSV, JSON), category matching and
 * FTS5 search. Both file formats are first turned into one JSON shape
 * ({id, names{lang}, descriptions{lang}, categories[], country, url}), then
 * written in one transaction, so an import either replaces the whole
 * catalog or changes nothing.
 */
#include "ui/catalog.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "firmware/base/buf.h"
#include "firmware/store/store.h"
#include "firmware/base/strv.h"

#define MAX_FILE  (64u * 1024 * 1024)
#define MAX_TERMS 8

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
        cJSON_AddNumberToObject(o, "_line", line);
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
        cJSON_AddNumberToObject(o, "_line", n);
        cJSON_AddItemToArray(arr, o);
    }
    cJSON_Delete(doc);
    *out = arr;
    return 0;
}

/* ---- writing ------------------------------------------------------------ */

struct import_ctx {
    const cJSON *list;
    int count;
    struct err *e;
};

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The text in lang, else English, else the first one there is. */
static const char *pick_lang(const cJSON *map, const char *lang)
{
    const cJSON *v = lang ? cJSON_GetObjectItemCaseSensitive(map, lang) : NULL;
    if (!cJSON_IsString(v))
        v = cJSON_GetObjectItemCaseSensitive(map, "en");
    if (!cJSON_IsString(v))
        v = map ? map->child : NULL;
    return cJSON_IsString(v) ? v->valuestring : "";
}

static int do_import(struct store *s, void *ud)
{
    struct import_ctx *c = ud;
    sqlite3 *db = store_db(s);
    sqlite3_stmt *ins = NULL, *cat = NULL, *fts = NULL;
    int rc = -1;
    if (sqlite3_exec(db,
                     "DELETE FROM catalog_categories; DELETE FROM catalog_suppliers; "
                     "DELETE FROM catalog_fts;",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO catalog_suppliers (id, names, descriptions, categories, "
                           "country, url, sort_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           -1, &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO catalog_categories (category, supplier_id) "
                           "VALUES (lower(?1), ?2)",
                           -1, &cat, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO catalog_fts (supplier_id, body) VALUES (?1, ?2)", -1,
                           &fts, NULL) != SQLITE_OK) {
        err_set(c->e, ERR_IO, "catalog: %s", sqlite3_errmsg(db));
        goto out;
    }
    const cJSON *o;
    cJSON_ArrayForEach(o, c->list)
    {
        int line = cJSON_GetObjectItem(o, "_line")->valueint;
        const char *id = str_of(o, "id"), *url = str_of(o, "url"), *country = str_of(o, "country");
        const cJSON *names = cJSON_GetObjectItem(o, "names");
        const cJSON *descs = cJSON_GetObjectItem(o, "descriptions");
        const cJSON *cats = cJSON_GetObjectItem(o, "categories");
        if (!id || !*id) {
            err_set(c->e, ERR_INVALID, "catalog: supplier %d has no id", line);
            goto out;
        }
        if (!names || !names->child) {
            err_set(c->e, ERR_INVALID, "catalog: supplier %d (%.64s) has no name", line, id);
            goto out;
        }
        if (!url || (strncasecmp(url, "https://", 8) && strncasecmp(url, "http://", 7))) {
            err_set(c->e, ERR_INVALID, "catalog: supplier %d (%.64s) needs an http(s) url", line,
                    id);
            goto out;
        }
        char *nj = cJSON_PrintUnformatted(names), *dj = cJSON_PrintUnformatted(descs);
        char *cj = cats ? cJSON_PrintUnformatted(cats) : NULL;
        sqlite3_bind_text(ins, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 2, nj ? nj : "{}", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 3, dj ? dj : "{}", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 4, cj ? cj : "[]", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 5, country ? country : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 6, url, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 7, pick_lang(names, "en"), -1, SQLITE_TRANSIENT);
        free(nj);
        free(dj);
        free(cj);
        int r = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (r != SQLITE_DONE) {
            err_set(c->e, ERR_INVALID, "catalog: supplier %d (%.64s): %s", line, id,
                    r == SQLITE_CONSTRAINT ? "duplicate id" : sqlite3_errmsg(db));
            goto out;
        }
        /* One searchable text per supplier: every name, description,
         * category and the country, whatever the language. */
        struct buf body = {0};
        const cJSON *it;
        cJSON_ArrayForEach(it, names) buf_printf(&body, "%s\n", it->valuestring);
        cJSON_ArrayForEach(it, descs) buf_printf(&body, "%s\n", it->valuestring);
        cJSON_ArrayForEach(it, cats)
        {
            if (!cJSON_IsString(it))
                continue;
            buf_printf(&body, "%s\n", it->valuestring);
            sqlite3_bind_text(cat, 1, it->valuestring, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(cat, 2, id, -1, SQLITE_TRANSIENT);
            r = sqlite3_step(cat);
            sqlite3_reset(cat);
            if (r != SQLITE_DONE) {
                buf_free(&body);
                err_set(c->e, ERR_IO, "catalog: %s", sqlite3_errmsg(db));
                goto out;
            }
        }
        buf_adds(&body, country ? country : "");
        sqlite3_bind_text(fts, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(fts, 2, body.data ? body.data : "", -1, SQLITE_TRANSIENT);
        r = sqlite3_step(fts);
        sqlite3_reset(fts);
        buf_free(&body);
        if (r != SQLITE_DONE) {
            err_set(c->e, ERR_IO, "catalog: index: %s", sqlite3_errmsg(db));
            goto out;
        }
        c->count++;
    }
    rc = 0;
out:
    sqlite3_finalize(ins);
    sqlite3_finalize(cat);
    sqlite3_finalize(fts);
    return rc;
}

int catalog_import_text(struct store *s, const char *text, size_t len, int json, int *count,
                        struct err *e)
{
    cJSON *list = NULL;
    if ((json ? json_to_json(text, len, &list, e) : csv_to_json(text, len, &list, e)) < 0)
        return -1;
    struct import_ctx c = {list, 0, e};
    struct err txe = {0};
    int rc = store_tx(s, do_import, &c, &txe);
    if (rc < 0 && e && !e->msg[0])
        *e = txe;
    cJSON_Delete(list);
    if (rc == 0 && count)
        *count = c.count;
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
    sqlite3_stmt *st;
    int n = -1;
    if (sqlite3_prepare_v2(store_db(s), "SELECT count(*) FROM catalog_suppliers", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* ---- reading ------------------------------------------------------------ */

#define SUPPLIER_COLS "s.id, s.names, s.descriptions, s.categories, s.country, s.url"

static cJSON *supplier_json(sqlite3_stmt *st, const char *lang)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *names = cJSON_Parse((const char *)sqlite3_column_text(st, 1));
    cJSON *descs = cJSON_Parse((const char *)sqlite3_column_text(st, 2));
    cJSON *cats = cJSON_Parse((const char *)sqlite3_column_text(st, 3));
    cJSON_AddStringToObject(o, "id", (const char *)sqlite3_column_text(st, 0));
    cJSON_AddStringToObject(o, "name", pick_lang(names, lang));
    cJSON_AddStringToObject(o, "description", pick_lang(descs, lang));
    cJSON_AddStringToObject(o, "country", (const char *)sqlite3_column_text(st, 4));
    cJSON_AddStringToObject(o, "url", (const char *)sqlite3_column_text(st, 5));
    cJSON_AddItemToObject(o, "categories", cats ? cats : cJSON_CreateArray());
    cJSON_Delete(names);
    cJSON_Delete(descs);
    return o;
}

static int rows_to_array(sqlite3 *db, sqlite3_stmt *st, const char *lang, cJSON **out,
                         struct err *e)
{
    cJSON *arr = cJSON_CreateArray();
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        cJSON_AddItemToArray(arr, supplier_json(st, lang));
    if (r != SQLITE_DONE) {
        cJSON_Delete(arr);
        return err_set(e, ERR_IO, "catalog: %s", sqlite3_errmsg(db));
    }
    *out = arr;
    return 0;
}

int catalog_match(struct store *s, const struct strv *categories, const char *lang, int limit,
                  long long seed, cJSON **out, struct err *e)
{
    sqlite3 *db = store_db(s);
    sqlite3_stmt *st;
    /* The categories travel as one JSON array, so the statement is fixed. */
    cJSON *cats = cJSON_CreateArray();
    for (size_t i = 0; i < categories->n; i++)
        cJSON_AddItemToArray(cats, cJSON_CreateString(categories->v[i]));
    char *cj = cJSON_PrintUnformatted(cats);
    cJSON_Delete(cats);
    if (sqlite3_prepare_v2(db,
                           "SELECT " SUPPLIER_COLS ", count(*) AS hits FROM catalog_categories c "
                           "JOIN catalog_suppliers s ON s.id = c.supplier_id "
                           "WHERE c.category IN (SELECT lower(value) FROM json_each(?1)) "
                           "GROUP BY s.id ORDER BY hits DESC, "
                           "(s.rowid * 2654435761 + ?3) % 1000003 LIMIT ?2",
                           -1, &st, NULL) != SQLITE_OK) {
        free(cj);
        return err_set(e, ERR_IO, "catalog match: %s", sqlite3_errmsg(db));
    }
    sqlite3_bind_text(st, 1, cj ? cj : "[]", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, limit);
    sqlite3_bind_int64(st, 3, seed);
    free(cj);
    int rc = rows_to_array(db, st, lang, out, e);
    sqlite3_finalize(st);
    return rc;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

int catalog_search(struct store *s, const char *query, const char *lang, int limit, cJSON **out,
                   struct err *e)
{
    sqlite3 *db = store_db(s);
    struct strv words = {0};
    struct buf norm = {0}, match = {0}, sql = {0};
    struct strv likes = {0};
    int rc = -1;
    buf_adds(&norm, query ? query : "");
    for (size_t i = 0; i < norm.len; i++)
        if (norm.data[i] == '\t' || norm.data[i] == '\n' || norm.data[i] == '\r')
            norm.data[i] = ' ';
    strv_split(&words, norm.data ? norm.data : "", ' ');
    /* Trigram FTS needs three characters; shorter words (two Han characters
     * are a whole word in Chinese) fall back to LIKE over the same table. */
    for (size_t i = 0; i < words.n && i < MAX_TERMS; i++) {
        const char *w = words.v[i];
        if (utf8_chars(w) >= 3) {
            if (match.len)
                buf_adds(&match, " AND ");
            buf_addc(&match, '"');
            for (const char *p = w; *p; p++) {
                if (*p == '"')
                    buf_addc(&match, '"');
                buf_addc(&match, *p);
            }
            buf_addc(&match, '"');
        } else {
            struct buf l = {0};
            buf_addc(&l, '%');
            for (const char *p = w; *p; p++)
                if (*p != '%' && *p != '_')
                    buf_addc(&l, *p);
            buf_addc(&l, '%');
            if (l.len > 2) /* a word of only % and _ is no word */
                strv_push(&likes, l.data);
            buf_free(&l);
        }
    }
    if (!match.len && !likes.n) {
        *out = cJSON_CreateArray();
        rc = 0;
        goto out;
    }
    buf_adds(&sql, "SELECT " SUPPLIER_COLS " FROM catalog_fts f JOIN catalog_suppliers s ON "
                   "s.id = f.supplier_id WHERE 1");
    int idx = 1;
    if (match.len)
        buf_printf(&sql, " AND catalog_fts MATCH ?%d", idx++);
    for (size_t i = 0; i < likes.n; i++)
        /* "|| ''" keeps the LIKE out of FTS5: the trigram index answers a
         * pattern under three characters with no rows at all (3.40). */
        buf_printf(&sql, " AND (f.body || '') LIKE ?%d", idx++);
    buf_printf(&sql, " ORDER BY s.sort_name LIMIT ?%d", idx);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql.data, -1, &st, NULL) != SQLITE_OK) {
        err_set(e, ERR_IO, "catalog search: %s", sqlite3_errmsg(db));
        goto out;
    }
    idx = 1;
    if (match.len)
        sqlite3_bind_text(st, idx++, match.data, -1, SQLITE_TRANSIENT);
    for (size_t i = 0; i < likes.n; i++)
        sqlite3_bind_text(st, idx++, likes.v[i], -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, idx, limit);
    rc = rows_to_array(db, st, lang, out, e);
    sqlite3_finalize(st);
out:
    strv_free(&words);
    strv_free(&likes);
    buf_free(&norm);
    buf_free(&match);
    buf_free(&sql);
    return rc;
}

int catalog_get(struct store *s, const char *id, const char *lang, cJSON **out, struct err *e)
{
    sqlite3 *db = store_db(s);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT " SUPPLIER_COLS " FROM catalog_suppliers s WHERE s.id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return err_set(e, ERR_IO, "catalog: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    int r = sqlite3_step(st), rc = 0;
    if (r == SQLITE_ROW)
        *out = supplier_json(st, lang);
    else if (r == SQLITE_DONE)
        rc = err_set(e, ERR_NOTFOUND, "no supplier '%.64s'", id);
    else
        rc = err_set(e, ERR_IO, "catalog: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}
