// SPDX-License-Identifier: Apache-2.0
/*
 * store_sync_state — the sync_state table (see store_sync_state.h).
 */
#include "firmware/store/store_sync_state.h"

#include <stdio.h>
#include <string.h>

#include "firmware/store/store.h"
#include "firmware/store/store_db.h"

static const char SQL_GET[] = "SELECT attempts, retry_ms, last_status, last_error, "
                              "last_attempt_ms, last_ok_ms, sent FROM sync_state WHERE sink = ?1";
static const char SQL_PUT[] =
    "INSERT INTO sync_state(sink, attempts, retry_ms, last_status, last_error, "
    "last_attempt_ms, last_ok_ms, sent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
    "ON CONFLICT(sink) DO UPDATE SET attempts = ?2, retry_ms = ?3, last_status = ?4, "
    "last_error = ?5, last_attempt_ms = ?6, last_ok_ms = ?7, sent = ?8";

int store_sync_state_get(struct store *s, const char *sink, struct store_sync_state *out,
                         struct err *e)
{
    struct store_db *d = store_conn(s);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = store_db_stmt(d, SQL_GET, e);
    if (!st)
        return err_wrap(e, "sync state of %s", sink);
    sqlite3_bind_text(st, 1, sink, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *le = sqlite3_column_text(st, 3);
        out->attempts = sqlite3_column_int(st, 0);
        out->retry_ms = sqlite3_column_int64(st, 1);
        out->last_status = (long)sqlite3_column_int64(st, 2);
        snprintf(out->last_error, sizeof out->last_error, "%s", le ? (const char *)le : "");
        out->last_attempt_ms = sqlite3_column_int64(st, 4);
        out->last_ok_ms = sqlite3_column_int64(st, 5);
        out->sent = sqlite3_column_int64(st, 6);
    } else if (rc != SQLITE_DONE) {
        store_db_fail(d, e, "read");
        sqlite3_reset(st);
        return err_wrap(e, "sync state of %s", sink);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : 1;
}

int store_sync_state_put(struct store *s, const char *sink, const struct store_sync_state *in,
                         struct err *e)
{
    struct store_db *d = store_conn(s);
    sqlite3_stmt *st = store_db_stmt(d, SQL_PUT, e);
    if (!st)
        return err_wrap(e, "sync state of %s", sink);
    sqlite3_bind_text(st, 1, sink, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, in->attempts);
    sqlite3_bind_int64(st, 3, in->retry_ms);
    sqlite3_bind_int64(st, 4, in->last_status);
    if (in->last_error[0])
        sqlite3_bind_text(st, 5, in->last_error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, in->last_attempt_ms);
    sqlite3_bind_int64(st, 7, in->last_ok_ms);
    sqlite3_bind_int64(st, 8, in->sent);
    if (store_db_step_done(d, st, e, "save") < 0)
        return err_wrap(e, "sync state of %s", sink);
    return 0;
}
