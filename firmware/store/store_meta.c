// SPDX-License-Identifier: Apache-2.0
/*
 * store_meta — the meta table (see store_meta.h).
 */
#include "firmware/store/store_meta.h"

#include <stdlib.h>

#include "firmware/store/store.h"
#include "firmware/store/store_db.h"

static const char SQL_GET[] = "SELECT value FROM meta WHERE key = ?1";
static const char SQL_SET[] = "INSERT INTO meta(key, value) VALUES (?1, ?2) "
                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value";
static const char SQL_DELETE[] = "DELETE FROM meta WHERE key = ?1";

int store_meta_get(struct store *s, const char *key, char **value, struct err *e)
{
    struct store_db *d = store_conn(s);
    sqlite3_stmt *st = store_db_stmt(d, SQL_GET, e);
    *value = NULL;
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *value = store_db_text(st, 0);
        sqlite3_reset(st);
        if (!*value)
            return err_set(e, ERR_INTERNAL, "meta %s: out of memory or NULL value", key);
        return 0;
    }
    if (rc != SQLITE_DONE) {
        store_db_fail(d, e, "meta: read");
        sqlite3_reset(st);
        return err_wrap(e, "%s", key);
    }
    sqlite3_reset(st);
    return 1;
}

int store_meta_set(struct store *s, const char *key, const char *value, struct err *e)
{
    struct store_db *d = store_conn(s);
    sqlite3_stmt *st = store_db_stmt(d, SQL_SET, e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    return store_db_step_done(d, st, e, "meta: write");
}

int store_meta_delete(struct store *s, const char *key, struct err *e)
{
    struct store_db *d = store_conn(s);
    sqlite3_stmt *st = store_db_stmt(d, SQL_DELETE, e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    return store_db_step_done(d, st, e, "meta: delete");
}
