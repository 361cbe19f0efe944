// SPDX-License-Identifier: Apache-2.0
/*
 * store_roster — the roster table (see store_roster.h). Every statement is
 * prepared once per connection: an import of a million rows steps the same
 * INSERT a million times, and the daemon looks a badge id up on every scan
 * that has one.
 */
#include "firmware/store/store_roster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/store/store.h"
#include "firmware/store/store_db.h"

static const char SQL_CLEAR[] = "DELETE FROM roster WHERE show_id = ?1";
/* INSERT OR IGNORE: a badge id that came before is reported by
 * sqlite3_changes() == 0 and then updated with SQL_REPLACE. */
static const char SQL_INSERT[] =
    "INSERT OR IGNORE INTO roster (show_id, badge_id, full_name, given_name, family_name, "
    "company, title, email, phone, url, address, country, lang) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
static const char SQL_REPLACE[] =
    "UPDATE roster SET full_name = ?3, given_name = ?4, family_name = ?5, company = ?6, "
    "title = ?7, email = ?8, phone = ?9, url = ?10, address = ?11, country = ?12, lang = ?13 "
    "WHERE show_id = ?1 AND badge_id = ?2";
static const char SQL_LOOKUP[] = "SELECT full_name, given_name, family_name, company, title, "
                                 "email, phone, url, address, country, lang FROM roster "
                                 "WHERE show_id = ?1 AND badge_id = ?2";
static const char SQL_COUNT[] = "SELECT count(*) FROM roster WHERE show_id = ?1";
static const char SQL_CACHE_SIZE[] = "PRAGMA cache_size";

/* The page cache of an import: 64 MiB (negative: KiB). */
#define IMPORT_CACHE_KIB 65536

struct store_roster {
    struct store *s;
    char *show;
    long long old_cache; /* PRAGMA cache_size before the import; 0: unknown */
};

/* The connection's page cache size, or 0 when it cannot be read. */
static long long cache_size(struct store_db *d)
{
    struct err ignored = {0};
    sqlite3_stmt *st = store_db_stmt(d, SQL_CACHE_SIZE, &ignored);
    long long v = 0;
    if (st && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    if (st)
        sqlite3_reset(st);
    return v;
}

/* Puts the page cache back as it was and frees r. */
static void roster_free(struct store_roster *r)
{
    if (r->old_cache) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA cache_size = %lld", r->old_cache);
        store_db_exec(store_conn(r->s), sql, NULL);
    }
    free(r->show);
    free(r);
}

struct store_roster *store_roster_begin(struct store *s, const char *show, struct err *e)
{
    struct store_db *d = store_conn(s);
    struct store_roster *r = calloc(1, sizeof *r);
    if (!r || !(r->show = strdup(show))) {
        free(r);
        err_set(e, ERR_INTERNAL, "roster: out of memory");
        return NULL;
    }
    r->s = s;
    r->old_cache = cache_size(d);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", IMPORT_CACHE_KIB);
    store_db_exec(d, sql, NULL); /* only speed depends on it */
    if (store_db_exec(d, "BEGIN IMMEDIATE", NULL) < 0) {
        store_db_fail(d, e, "roster: begin");
        roster_free(r);
        return NULL;
    }
    sqlite3_stmt *st = store_db_stmt(d, SQL_CLEAR, e);
    if (!st) {
        store_roster_abort(r);
        return NULL;
    }
    sqlite3_bind_text(st, 1, r->show, -1, SQLITE_STATIC);
    if (store_db_step_done(d, st, e, "roster: clear") < 0) {
        store_roster_abort(r);
        return NULL;
    }
    return r;
}

/* Binds show and the row to ?1..?13 of SQL_INSERT / SQL_REPLACE. */
static void bind_row(sqlite3_stmt *st, const char *show,
                     const struct store_roster_value v[ROSTER_COLS])
{
    sqlite3_bind_text(st, 1, show, -1, SQLITE_STATIC);
    for (int c = 0; c < ROSTER_COLS; c++)
        if (v[c].text)
            sqlite3_bind_text(st, c + 2, v[c].text, (int)v[c].len, SQLITE_STATIC);
}

/* Steps st once; -1 with e set to SQLite's message alone (see the header). */
static int step_row(struct store_db *d, sqlite3_stmt *st, struct err *e)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        err_set(e, sqlite3_errcode(store_db_handle(d)) == SQLITE_FULL ? ERR_FULL : ERR_INTERNAL,
                "%s", sqlite3_errmsg(store_db_handle(d)));
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    return 0;
}

int store_roster_put(struct store_roster *r, const struct store_roster_value v[ROSTER_COLS],
                     struct err *e)
{
    struct store_db *d = store_conn(r->s);
    /* INSERT OR IGNORE would ignore the NOT NULL of a missing id too. */
    if (!v[ROSTER_BADGE_ID].text || !v[ROSTER_BADGE_ID].len)
        return err_set(e, ERR_INVALID, "no badge id");
    sqlite3_stmt *st = store_db_stmt(d, SQL_INSERT, e);
    if (!st)
        return -1;
    bind_row(st, r->show, v);
    if (step_row(d, st, e) < 0)
        return -1;
    if (sqlite3_changes(store_db_handle(d)) > 0)
        return 1;
    if (!(st = store_db_stmt(d, SQL_REPLACE, e)))
        return -1;
    bind_row(st, r->show, v);
    return step_row(d, st, e) < 0 ? -1 : 0;
}

int store_roster_commit(struct store_roster *r, struct err *e)
{
    struct store_db *d = store_conn(r->s);
    if (store_db_exec(d, "COMMIT", NULL) < 0) {
        store_db_fail(d, e, "roster: commit");
        store_roster_abort(r);
        return -1;
    }
    roster_free(r);
    return 0;
}

void store_roster_abort(struct store_roster *r)
{
    if (!r)
        return;
    sqlite3 *h = store_db_handle(store_conn(r->s));
    if (!sqlite3_get_autocommit(h))
        sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
    roster_free(r);
}

/* Copies the looked-up row (columns of SQL_LOOKUP) into out's empty fields. */
static int merge_row(sqlite3_stmt *st, struct lead_fields *out)
{
    struct lead_fields row = {0};
    char **slots[] = {
        &row.full_name, &row.given_name, &row.family_name, &row.company, &row.title, NULL, NULL,
        NULL,           &row.address,    &row.country};
    struct strv *lists[] = {NULL, NULL, NULL, NULL, NULL, &row.emails, &row.phones, &row.urls};
    int r = 0;
    for (int i = 0; i < 10 && r == 0; i++) {
        const char *t = (const char *)sqlite3_column_text(st, i);
        if (t && (slots[i] ? lead_set(slots[i], t) : strv_push(lists[i], t)) < 0)
            r = -1;
    }
    if (r == 0 && lead_fields_merge(out, &row) < 0)
        r = -1;
    /* lead_fields_merge() leaves lang alone (it is not stored with leads). */
    const char *lang = (const char *)sqlite3_column_text(st, 10);
    if (r == 0 && lang && !out->lang && lead_set(&out->lang, lang) < 0)
        r = -1;
    lead_fields_free(&row);
    return r;
}

int store_roster_lookup(struct store *s, const char *show, const char *badge_id,
                        struct lead_fields *out, struct err *e)
{
    struct store_db *d = store_conn(s);
    struct err pe = {0};
    sqlite3_stmt *st = store_db_stmt(d, SQL_LOOKUP, &pe);
    if (!st) {
        /* A store without the roster table (an old one opened read-only)
         * has no roster: not an error. */
        if (strstr(pe.msg, "no such table"))
            return 0;
        return err_set(e, ERR_INTERNAL, "roster: lookup: %s", sqlite3_errmsg(store_db_handle(d)));
    }
    sqlite3_bind_text(st, 1, show, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, badge_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        if (rc != SQLITE_DONE)
            err_set(e, ERR_INTERNAL, "roster: lookup: %s", sqlite3_errmsg(store_db_handle(d)));
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? 0 : -1;
    }
    int r = merge_row(st, out);
    sqlite3_reset(st);
    return r < 0 ? err_set(e, ERR_INTERNAL, "roster: out of memory") : 1;
}

int64_t store_roster_count(struct store *s, const char *show, struct err *e)
{
    struct store_db *d = store_conn(s);
    sqlite3_stmt *st = store_db_stmt(d, SQL_COUNT, e);
    if (!st)
        return err_wrap(e, "roster: count");
    sqlite3_bind_text(st, 1, show, -1, SQLITE_STATIC);
    int64_t n = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    else
        err_set(e, ERR_INTERNAL, "roster: count: %s", sqlite3_errmsg(store_db_handle(d)));
    sqlite3_reset(st);
    return n;
}
