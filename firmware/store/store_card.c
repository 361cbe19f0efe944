// SPDX-License-Identifier: Apache-2.0
/*
 * store_card — recognised vs corrected card fields (see store_card.h).
 */
#include "firmware/store/store_card.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/clock.h"
#include "firmware/store/store.h"
#include "firmware/store/store_db.h"

static const char SQL_SAVE[] = "INSERT INTO card_reads (scan_id, lead_id, languages, recognised, "
                               "confidence, corrected, image, image_type, read_ms) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char SQL_OF_LEAD[] =
    "SELECT id, languages, recognised, confidence, corrected, image_type, length(image), read_ms "
    "FROM card_reads WHERE lead_id = ?1 ORDER BY id DESC";
static const char SQL_IMAGE[] = "SELECT image, image_type FROM card_reads WHERE id = ?1";

const char *store_card_image_type(const uint8_t *p, size_t n)
{
    if (n >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
        return "image/png";
    if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
        return "image/jpeg";
    return "application/octet-stream";
}

/* e from the connection's last error: ERR_FULL for a full disk, else
 * ERR_IO, as "card_store: what: SQLite's text". Returns -1. */
static int card_fail(struct store_db *d, struct err *e, const char *what)
{
    sqlite3 *h = store_db_handle(d);
    return err_set(e, sqlite3_errcode(h) == SQLITE_FULL ? ERR_FULL : ERR_IO, "card_store: %s: %s",
                   what, sqlite3_errmsg(h));
}

int64_t store_card_save(struct store *st, const struct store_card_rec *r, struct err *e)
{
    struct store_db *d = store_conn(st);
    char *rec = cJSON_PrintUnformatted(r->recognised);
    char *conf = cJSON_PrintUnformatted(r->confidence);
    char *cor = r->corrected ? cJSON_PrintUnformatted(r->corrected) : NULL;
    int64_t id = -1;
    struct clock_stamp now;
    clock_now(&now);
    if (!rec || !conf || (r->corrected && !cor)) {
        err_set(e, ERR_INTERNAL, "card_store: out of memory");
        goto out;
    }
    sqlite3_stmt *q = store_db_stmt(d, SQL_SAVE, e);
    if (!q)
        goto out;
    sqlite3_bind_int64(q, 1, r->scan_id);
    if (r->lead_id && *r->lead_id)
        sqlite3_bind_text(q, 2, r->lead_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, r->languages ? r->languages : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, rec, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, conf, -1, SQLITE_STATIC);
    if (cor)
        sqlite3_bind_text(q, 6, cor, -1, SQLITE_STATIC);
    if (r->image && r->image_len) {
        sqlite3_bind_blob64(q, 7, r->image, r->image_len, SQLITE_STATIC);
        sqlite3_bind_text(
            q, 8, r->image_type ? r->image_type : store_card_image_type(r->image, r->image_len), -1,
            SQLITE_STATIC);
    }
    sqlite3_bind_int64(q, 9, now.real_ms);
    if (sqlite3_step(q) == SQLITE_DONE)
        id = sqlite3_last_insert_rowid(store_db_handle(d));
    else
        card_fail(d, e, "save");
    /* Unbind too: the statement stays cached, and the image must not. */
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
out:
    free(rec);
    free(conf);
    free(cor);
    return id;
}

/* The members of corrected whose value differs from recognised. */
static cJSON *changed_fields(const cJSON *rec, const cJSON *cor)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *c;
    if (!out || !cor)
        return out;
    cJSON_ArrayForEach(c, cor)
    {
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(rec, c->string);
        if (!strcmp(c->string, "format") || !strcmp(c->string, "warnings"))
            continue;
        if (!r || !cJSON_Compare(r, c, 1))
            cJSON_AddItemToArray(out, cJSON_CreateString(c->string));
    }
    return out;
}

/* One row of SQL_OF_LEAD as the JSON object store_card_get() promises. */
static cJSON *read_json(sqlite3_stmt *q)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "id", (double)sqlite3_column_int64(q, 0));
    cJSON_AddStringToObject(o, "languages", (const char *)sqlite3_column_text(q, 1));
    cJSON *rec = cJSON_Parse((const char *)sqlite3_column_text(q, 2));
    cJSON *conf = cJSON_Parse((const char *)sqlite3_column_text(q, 3));
    cJSON *cor = sqlite3_column_type(q, 4) == SQLITE_NULL
                     ? cJSON_CreateNull()
                     : cJSON_Parse((const char *)sqlite3_column_text(q, 4));
    cJSON_AddItemToObject(o, "changed", changed_fields(rec, cJSON_IsObject(cor) ? cor : NULL));
    cJSON_AddItemToObject(o, "recognised", rec ? rec : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "confidence", conf ? conf : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "corrected", cor ? cor : cJSON_CreateNull());
    if (sqlite3_column_type(q, 5) == SQLITE_NULL)
        cJSON_AddNullToObject(o, "image_type");
    else
        cJSON_AddStringToObject(o, "image_type", (const char *)sqlite3_column_text(q, 5));
    cJSON_AddNumberToObject(o, "image_bytes", (double)sqlite3_column_int64(q, 6));
    cJSON_AddNumberToObject(o, "read_ms", (double)sqlite3_column_int64(q, 7));
    return o;
}

int store_card_get(struct store *st, const char *lead_id, cJSON **out, struct err *e)
{
    struct store_db *d = store_conn(st);
    *out = cJSON_CreateArray();
    if (!*out)
        return err_set(e, ERR_INTERNAL, "card_store: out of memory");
    sqlite3_stmt *q = store_db_stmt(d, SQL_OF_LEAD, e);
    if (!q)
        goto fail;
    sqlite3_bind_text(q, 1, lead_id, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        cJSON *o = read_json(q);
        if (!o)
            break;
        cJSON_AddItemToArray(*out, o);
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        err_set(e, ERR_IO, "card_store: get: %s", sqlite3_errmsg(store_db_handle(d)));
        sqlite3_reset(q);
        goto fail;
    }
    sqlite3_reset(q);
    return 0;
fail:
    cJSON_Delete(*out);
    *out = NULL;
    return -1;
}

int store_card_image(struct store *st, int64_t id, uint8_t **img, size_t *len, char **type,
                     struct err *e)
{
    struct store_db *d = store_conn(st);
    *img = NULL;
    *len = 0;
    *type = NULL;
    sqlite3_stmt *q = store_db_stmt(d, SQL_IMAGE, e);
    if (!q)
        return -1;
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        if (rc == SQLITE_DONE)
            err_set(e, ERR_NOTFOUND, "card_store: no card read %lld", (long long)id);
        else
            err_set(e, ERR_IO, "card_store: image: %s", sqlite3_errmsg(store_db_handle(d)));
        sqlite3_reset(q);
        return -1;
    }
    size_t n = (size_t)sqlite3_column_bytes(q, 0);
    int r = 0;
    if (n) {
        *img = malloc(n);
        *type = strdup(sqlite3_column_type(q, 1) == SQLITE_NULL
                           ? "application/octet-stream"
                           : (const char *)sqlite3_column_text(q, 1));
        if (*img && *type) {
            memcpy(*img, sqlite3_column_blob(q, 0), n);
            *len = n;
        } else {
            free(*img);
            free(*type);
            *img = NULL;
            *type = NULL;
            r = err_set(e, ERR_INTERNAL, "card_store: out of memory");
        }
    }
    sqlite3_reset(q);
    return r;
}
