// SPDX-License-Identifier: Apache-2.0
/*
 * store_db — a connection's statement cache (see store_db.h).
 *
 * A linear table keyed by the SQL string's address: a store uses well under
 * two hundred statements, a lookup is a handful of pointer comparisons next
 * to a sqlite3_step that costs microseconds, and the table never shrinks.
 */
#include "firmware/store/store_db.h"

#include <stdlib.h>
#include <string.h>

struct cached {
    const char *sql;
    sqlite3_stmt *st;
};

struct store_db {
    sqlite3 *h;
    struct cached *v;
    size_t n, cap;
};

struct store_db *store_db_new(sqlite3 *h)
{
    struct store_db *d = calloc(1, sizeof *d);
    if (d)
        d->h = h;
    return d;
}

void store_db_free(struct store_db *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        sqlite3_finalize(d->v[i].st);
    free(d->v);
    free(d);
}

sqlite3 *store_db_handle(struct store_db *d)
{
    return d->h;
}

sqlite3_stmt *store_db_stmt(struct store_db *d, const char *sql, struct err *e)
{
    sqlite3_stmt *st = NULL;
    for (size_t i = 0; i < d->n; i++) {
        if (d->v[i].sql == sql) {
            st = d->v[i].st;
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return st;
        }
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 32;
        struct cached *v = realloc(d->v, cap * sizeof *v);
        if (!v) {
            err_set(e, ERR_INTERNAL, "prepare: out of memory");
            return NULL;
        }
        d->v = v;
        d->cap = cap;
    }
    if (sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        err_set(e, ERR_INTERNAL, "prepare: %s", sqlite3_errmsg(d->h));
        sqlite3_finalize(st);
        return NULL;
    }
    d->v[d->n++] = (struct cached){sql, st};
    return st;
}

int store_db_fail(struct store_db *d, struct err *e, const char *what)
{
    int code = sqlite3_errcode(d->h);
    enum err_code ec = code == SQLITE_FULL                            ? ERR_FULL
                       : code == SQLITE_BUSY || code == SQLITE_LOCKED ? ERR_BUSY
                                                                      : ERR_IO;
    return err_set(e, ec, "%s: %s", what, sqlite3_errmsg(d->h));
}

int store_db_step_done(struct store_db *d, sqlite3_stmt *st, struct err *e, const char *what)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        store_db_fail(d, e, what);
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    return 0;
}

int store_db_exec(struct store_db *d, const char *sql, struct err *e)
{
    char *msg = NULL;
    if (sqlite3_exec(d->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(e, sqlite3_errcode(d->h) == SQLITE_FULL ? ERR_FULL : ERR_IO, "%s: %s", sql,
                msg ? msg : sqlite3_errmsg(d->h));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

char *store_db_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? strdup((const char *)t) : NULL;
}
