// SPDX-License-Identifier: Apache-2.0
/*
 * store_catalog — the supplier catalog's SQL (see store_catalog.h). Every
 * statement is fixed text, prepared once through store_db: the categories
 * of a match travel as one JSON array, and a search has one FTS5 MATCH
 * expression plus up to STORE_CATALOG_WORDS LIKE patterns, unused ones
 * bound to NULL.
 */
#include "firmware/store/store_catalog.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "firmware/base/buf.h"
#include "firmware/base/strv.h"
#include "firmware/store/store.h"
#include "firmware/store/store_db.h"

#define SUPPLIER_COLS "s.id, s.names, s.descriptions, s.categories, s.country, s.url"

static const char SQL_CLEAR_CATEGORIES[] = "DELETE FROM catalog_categories";
static const char SQL_CLEAR_SUPPLIERS[] = "DELETE FROM catalog_suppliers";
static const char SQL_CLEAR_FTS[] = "DELETE FROM catalog_fts";
static const char SQL_INSERT[] = "INSERT INTO catalog_suppliers (id, names, descriptions, "
                                 "categories, country, url, sort_name) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_INSERT_CATEGORY[] = "INSERT OR IGNORE INTO catalog_categories "
                                          "(category, supplier_id) VALUES (lower(?1), ?2)";
static const char SQL_INSERT_FTS[] = "INSERT INTO catalog_fts (supplier_id, body) VALUES (?1, ?2)";
static const char SQL_COUNT[] = "SELECT count(*) FROM catalog_suppliers";
static const char SQL_GET[] = "SELECT " SUPPLIER_COLS " FROM catalog_suppliers s WHERE s.id = ?1";
static const char SQL_MATCH[] =
    "SELECT " SUPPLIER_COLS ", count(*) AS hits FROM catalog_categories c "
    "JOIN catalog_suppliers s ON s.id = c.supplier_id "
    "WHERE c.category IN (SELECT lower(value) FROM json_each(?1)) "
    "GROUP BY s.id ORDER BY hits DESC, (s.rowid * 2654435761 + ?3) % 1000003 LIMIT ?2";

/* A search: the trigram words as one FTS5 expression (?1), the shorter
 * words as LIKE patterns ?2..?9 (NULL when unused), the limit ?10.
 * "|| ''" keeps the LIKEs out of FTS5: the trigram index answers a pattern
 * under three characters with no rows at all (SQLite 3.40). */
// clang-format off
#define SEARCH_FROM                                                        \
    "SELECT " SUPPLIER_COLS " FROM catalog_fts f "                         \
    "JOIN catalog_suppliers s ON s.id = f.supplier_id "
#define SEARCH_LIKES                                                       \
    " AND (?2 IS NULL OR (f.body || '') LIKE ?2)"                          \
    " AND (?3 IS NULL OR (f.body || '') LIKE ?3)"                          \
    " AND (?4 IS NULL OR (f.body || '') LIKE ?4)"                          \
    " AND (?5 IS NULL OR (f.body || '') LIKE ?5)"                          \
    " AND (?6 IS NULL OR (f.body || '') LIKE ?6)"                          \
    " AND (?7 IS NULL OR (f.body || '') LIKE ?7)"                          \
    " AND (?8 IS NULL OR (f.body || '') LIKE ?8)"                          \
    " AND (?9 IS NULL OR (f.body || '') LIKE ?9)"                          \
    " ORDER BY s.sort_name LIMIT ?10"
// clang-format on
static const char SQL_SEARCH_FTS[] = SEARCH_FROM "WHERE catalog_fts MATCH ?1" SEARCH_LIKES;
static const char SQL_SEARCH_LIKE[] = SEARCH_FROM "WHERE 1" SEARCH_LIKES; /* short words only */
#define FIRST_LIKE 2
#define LIMIT_ARG  10
_Static_assert(STORE_CATALOG_WORDS == 8, "one LIKE slot (?2..?9) per search word");

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

/* ---- replacing ---------------------------------------------------------- */

struct replace_ctx {
    const cJSON *list;
    int count;
    struct err *e;
};

static const char *str_of(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* Steps one of the cached statements, or fails with "catalog: what". */
static int step(struct store_db *d, sqlite3_stmt *st, struct err *e, const char *what)
{
    return st ? store_db_step_done(d, st, e, what) : -1;
}

/* Checks one supplier before it is written; line names it. */
static int supplier_check(const cJSON *o, int line, struct err *e)
{
    const char *id = str_of(o, "id"), *url = str_of(o, "url");
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(o, "names");
    if (!id || !*id)
        return err_set(e, ERR_INVALID, "catalog: supplier %d has no id", line);
    if (!names || !names->child)
        return err_set(e, ERR_INVALID, "catalog: supplier %d (%.64s) has no name", line, id);
    if (!url || (strncasecmp(url, "https://", 8) && strncasecmp(url, "http://", 7)))
        return err_set(e, ERR_INVALID, "catalog: supplier %d (%.64s) needs an http(s) url", line,
                       id);
    return 0;
}

/* The supplier's row in catalog_suppliers. */
static int supplier_insert(struct store_db *d, const cJSON *o, int line, struct err *e)
{
    sqlite3_stmt *st = store_db_stmt(d, SQL_INSERT, e);
    if (!st)
        return -1;
    const char *id = str_of(o, "id"), *country = str_of(o, "country");
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(o, "names");
    const cJSON *cats = cJSON_GetObjectItemCaseSensitive(o, "categories");
    char *nj = cJSON_PrintUnformatted(names);
    char *dj = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(o, "descriptions"));
    char *cj = cats ? cJSON_PrintUnformatted(cats) : NULL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, nj ? nj : "{}", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, dj ? dj : "{}", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, cj ? cj : "[]", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, country ? country : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, str_of(o, "url"), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, pick_lang(names, "en"), -1, SQLITE_STATIC);
    int r = sqlite3_step(st), rc = 0;
    if (r != SQLITE_DONE)
        rc = err_set(e, ERR_INVALID, "catalog: supplier %d (%.64s): %s", line, id,
                     r == SQLITE_CONSTRAINT ? "duplicate id" : sqlite3_errmsg(store_db_handle(d)));
    sqlite3_reset(st);
    free(nj);
    free(dj);
    free(cj);
    return rc;
}

/* Its categories, and one searchable text: every name, description and
 * category and the country, whatever the language. */
static int supplier_index(struct store_db *d, const cJSON *o, struct err *e)
{
    const char *id = str_of(o, "id"), *country = str_of(o, "country");
    struct buf body = {0};
    const cJSON *it;
    int rc = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "names"))
    {
        if (cJSON_IsString(it))
            buf_printf(&body, "%s\n", it->valuestring);
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "descriptions"))
    {
        if (cJSON_IsString(it))
            buf_printf(&body, "%s\n", it->valuestring);
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "categories"))
    {
        if (!cJSON_IsString(it))
            continue;
        buf_printf(&body, "%s\n", it->valuestring);
        sqlite3_stmt *st = store_db_stmt(d, SQL_INSERT_CATEGORY, e);
        if (st) {
            sqlite3_bind_text(st, 1, it->valuestring, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
        }
        if ((rc = step(d, st, e, "catalog")) < 0)
            goto out;
    }
    buf_adds(&body, country ? country : "");
    sqlite3_stmt *st = store_db_stmt(d, SQL_INSERT_FTS, e);
    if (st) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, body.data ? body.data : "", -1, SQLITE_STATIC);
    }
    rc = step(d, st, e, "catalog: index");
out:
    buf_free(&body);
    return rc;
}

static int do_replace(struct store *s, void *ud)
{
    struct replace_ctx *c = ud;
    struct store_db *d = store_conn(s);
    if (step(d, store_db_stmt(d, SQL_CLEAR_CATEGORIES, c->e), c->e, "catalog") < 0 ||
        step(d, store_db_stmt(d, SQL_CLEAR_SUPPLIERS, c->e), c->e, "catalog") < 0 ||
        step(d, store_db_stmt(d, SQL_CLEAR_FTS, c->e), c->e, "catalog") < 0)
        return -1;
    const cJSON *o;
    int n = 0;
    cJSON_ArrayForEach(o, c->list)
    {
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(o, "line");
        int line = cJSON_IsNumber(l) ? l->valueint : n + 1;
        n++;
        if (supplier_check(o, line, c->e) < 0 || supplier_insert(d, o, line, c->e) < 0 ||
            supplier_index(d, o, c->e) < 0)
            return -1;
        c->count++;
    }
    return 0;
}

int store_catalog_replace(struct store *s, const cJSON *suppliers, int *count, struct err *e)
{
    struct replace_ctx c = {suppliers, 0, e};
    struct err txe = {0};
    int rc = store_tx(s, do_replace, &c, &txe);
    /* The supplier's own error wins over the transaction's. */
    if (rc < 0 && e && !e->msg[0])
        *e = txe;
    if (rc == 0 && count)
        *count = c.count;
    return rc;
}

/* ---- reading ------------------------------------------------------------ */

int store_catalog_count(struct store *s)
{
    struct store_db *d = store_conn(s);
    sqlite3_stmt *st = store_db_stmt(d, SQL_COUNT, NULL);
    int n = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    if (st)
        sqlite3_reset(st);
    return n;
}

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

/* Every row of st (bound, unstepped) as suppliers; resets st. */
static int rows_to_array(struct store_db *d, sqlite3_stmt *st, const char *lang, cJSON **out,
                         struct err *e, const char *what)
{
    cJSON *arr = cJSON_CreateArray();
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        cJSON_AddItemToArray(arr, supplier_json(st, lang));
    if (r != SQLITE_DONE) {
        store_db_fail(d, e, what);
        sqlite3_reset(st);
        cJSON_Delete(arr);
        return -1;
    }
    sqlite3_reset(st);
    *out = arr;
    return 0;
}

int store_catalog_match(struct store *s, const struct strv *categories, const char *lang, int limit,
                        long long seed, cJSON **out, struct err *e)
{
    struct store_db *d = store_conn(s);
    sqlite3_stmt *st = store_db_stmt(d, SQL_MATCH, e);
    if (!st)
        return -1;
    cJSON *cats = cJSON_CreateArray();
    for (size_t i = 0; i < categories->n; i++)
        cJSON_AddItemToArray(cats, cJSON_CreateString(categories->v[i]));
    char *cj = cJSON_PrintUnformatted(cats);
    cJSON_Delete(cats);
    sqlite3_bind_text(st, 1, cj ? cj : "[]", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, limit);
    sqlite3_bind_int64(st, 3, seed);
    int rc = rows_to_array(d, st, lang, out, e, "catalog match");
    free(cj);
    return rc;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Splits words into one FTS5 expression (each word of three characters or
 * more as a quoted string, ANDed: no FTS syntax is interpreted) and LIKE
 * patterns for the shorter ones. */
static void search_terms(const struct strv *words, struct buf *match, struct strv *likes)
{
    for (size_t i = 0; i < words->n && i < STORE_CATALOG_WORDS; i++) {
        const char *w = words->v[i];
        if (utf8_chars(w) >= 3) {
            if (match->len)
                buf_adds(match, " AND ");
            buf_addc(match, '"');
            for (const char *p = w; *p; p++) {
                if (*p == '"')
                    buf_addc(match, '"');
                buf_addc(match, *p);
            }
            buf_addc(match, '"');
        } else {
            struct buf l = {0};
            buf_addc(&l, '%');
            for (const char *p = w; *p; p++)
                if (*p != '%' && *p != '_')
                    buf_addc(&l, *p);
            buf_addc(&l, '%');
            if (l.len > 2) /* a word of only % and _ is no word */
                strv_push(likes, l.data);
            buf_free(&l);
        }
    }
}

int store_catalog_search(struct store *s, const struct strv *words, const char *lang, int limit,
                         cJSON **out, struct err *e)
{
    struct store_db *d = store_conn(s);
    struct buf match = {0};
    struct strv likes = {0};
    int rc = 0;
    search_terms(words, &match, &likes);
    if (!match.len && !likes.n) {
        *out = cJSON_CreateArray();
        goto out;
    }
    sqlite3_stmt *st = store_db_stmt(d, match.len ? SQL_SEARCH_FTS : SQL_SEARCH_LIKE, e);
    if (!st) {
        rc = -1;
        goto out;
    }
    if (match.len)
        sqlite3_bind_text(st, 1, match.data, -1, SQLITE_STATIC);
    for (size_t i = 0; i < likes.n; i++)
        sqlite3_bind_text(st, FIRST_LIKE + (int)i, likes.v[i], -1, SQLITE_STATIC);
    sqlite3_bind_int(st, LIMIT_ARG, limit);
    rc = rows_to_array(d, st, lang, out, e, "catalog search");
out:
    buf_free(&match);
    strv_free(&likes);
    return rc;
}

int store_catalog_get(struct store *s, const char *id, const char *lang, cJSON **out, struct err *e)
{
    struct store_db *d = store_conn(s);
    sqlite3_stmt *st = store_db_stmt(d, SQL_GET, e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int r = sqlite3_step(st), rc = 0;
    if (r == SQLITE_ROW)
        *out = supplier_json(st, lang);
    else if (r == SQLITE_DONE)
        rc = err_set(e, ERR_NOTFOUND, "no supplier '%.64s'", id);
    else
        rc = store_db_fail(d, e, "catalog");
    sqlite3_reset(st);
    return rc;
}
