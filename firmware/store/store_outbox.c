// SPDX-License-Identifier: Apache-2.0
/*
 * store_outbox — the outbox table (see store_outbox.h).
 *
 * The queries follow the table's indexes: outbox_queue (sink, state, id)
 * serves a sink's batch, its counts and its rejected list; outbox_lead
 * (lead_id, sink) serves the raise of a pending row on every change. Counts
 * over every sink scan the table: they serve status and heartbeat, not the
 * capture path.
 */
#include "firmware/store/store_outbox.h"

#include <stdbool.h>
#include <stdio.h>

#include "firmware/base/strv.h"
#include "firmware/store/store.h"
#include "firmware/store/store_db.h"

static const char SQL_RAISE[] = "UPDATE outbox SET lead_version = ?3 WHERE sink = ?1 AND "
                                "lead_id = ?2 AND state = 'pending'";
static const char SQL_INSERT[] = "INSERT INTO outbox(sink, lead_id, lead_version, created_ms) "
                                 "VALUES (?1, ?2, ?3, ?4)";
static const char SQL_PENDING[] = "SELECT id, lead_id, lead_version, created_ms FROM outbox "
                                  "WHERE sink = ?1 AND state = 'pending' ORDER BY id LIMIT ?2";
static const char SQL_DELIVERED[] =
    "UPDATE outbox SET state = 'sent', sent_ms = ?3, attempts = attempts + 1, "
    "last_error = NULL WHERE id = ?1 AND lead_version = ?2 AND state = 'pending'";
static const char SQL_REFUSED[] =
    "UPDATE outbox SET state = 'rejected', attempts = attempts + 1, last_error = ?3 "
    "WHERE id = ?1 AND lead_version = ?2 AND state = 'pending'";
static const char SQL_FAILED[] = "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 "
                                 "WHERE id = ?1 AND state = 'pending'";
static const char SQL_COUNT_ALL[] = "SELECT count(*) FROM outbox WHERE state = ?1";
static const char SQL_COUNT_SINK[] = "SELECT count(*) FROM outbox WHERE sink = ?2 AND state = ?1";
static const char SQL_REQUEUE[] =
    "UPDATE outbox SET state = 'pending', attempts = 0, last_error = NULL "
    "WHERE state = 'rejected' AND (?1 IS NULL OR sink = ?1) AND (?2 IS NULL OR lead_id = ?2)";
static const char SQL_REJECTED[] = "SELECT lead_id, lead_version, attempts, last_error FROM outbox "
                                   "WHERE sink = ?1 AND state = 'rejected' ORDER BY id LIMIT ?2";

static const char *const state_names[] = {
    [STORE_OUTBOX_PENDING] = "pending",
    [STORE_OUTBOX_SENT] = "sent",
    [STORE_OUTBOX_REJECTED] = "rejected",
};

int store_outbox_queue(struct store *s, const struct strv *sinks, const char *lead_id,
                       int64_t version, int64_t now_ms, struct err *e)
{
    struct store_db *d = store_conn(s);
    for (size_t i = 0; sinks && i < sinks->n; i++) {
        sqlite3_stmt *st = store_db_stmt(d, SQL_RAISE, e);
        if (!st)
            return -1;
        sqlite3_bind_text(st, 1, sinks->v[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, lead_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, version);
        if (store_db_step_done(d, st, e, "queue lead for sync") < 0)
            return -1;
        if (sqlite3_changes(store_db_handle(d)) > 0)
            continue;
        if (!(st = store_db_stmt(d, SQL_INSERT, e)))
            return -1;
        sqlite3_bind_text(st, 1, sinks->v[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, lead_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, version);
        sqlite3_bind_int64(st, 4, now_ms);
        if (store_db_step_done(d, st, e, "queue lead for sync") < 0)
            return -1;
    }
    return 0;
}

int store_outbox_pending(struct store *s, const char *sink, int max, struct store_outbox_row *rows,
                         struct err *e)
{
    struct store_db *d = store_conn(s);
    sqlite3_stmt *st = store_db_stmt(d, SQL_PENDING, e);
    if (!st)
        return err_wrap(e, "outbox query");
    sqlite3_bind_text(st, 1, sink, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, max);
    int n = 0, rc = SQLITE_DONE;
    while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_outbox_row *r = &rows[n++];
        const unsigned char *id = sqlite3_column_text(st, 1);
        r->id = sqlite3_column_int64(st, 0);
        snprintf(r->lead_id, sizeof r->lead_id, "%s", id ? (const char *)id : "");
        r->version = sqlite3_column_int64(st, 2);
        r->created_ms = sqlite3_column_int64(st, 3);
    }
    if (n < max && rc != SQLITE_DONE) {
        store_db_fail(d, e, "outbox query");
        n = -1;
    }
    sqlite3_reset(st); /* ends the statement's read of the WAL */
    return n;
}

int store_outbox_mark(struct store *s, int64_t id, int64_t version, enum store_outbox_result r,
                      const char *reason, int64_t now_ms, struct err *e)
{
    struct store_db *d = store_conn(s);
    sqlite3_stmt *st = store_db_stmt(d,
                                     r == STORE_OUTBOX_DELIVERED ? SQL_DELIVERED
                                     : r == STORE_OUTBOX_REFUSED ? SQL_REFUSED
                                                                 : SQL_FAILED,
                                     e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    if (r == STORE_OUTBOX_FAILED) {
        sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_int64(st, 2, version);
        if (r == STORE_OUTBOX_DELIVERED)
            sqlite3_bind_int64(st, 3, now_ms);
        else
            sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
    }
    if (store_db_step_done(d, st, e, "mark outbox row") < 0)
        return -1;
    return sqlite3_changes(store_db_handle(d)) > 0;
}

int64_t store_outbox_count(struct store *s, const char *sink, enum store_outbox_state state,
                           struct err *e)
{
    struct store_db *d = store_conn(s);
    sqlite3_stmt *st = store_db_stmt(d, sink ? SQL_COUNT_SINK : SQL_COUNT_ALL, e);
    if (!st)
        return err_wrap(e, "count outbox");
    sqlite3_bind_text(st, 1, state_names[state], -1, SQLITE_STATIC);
    if (sink)
        sqlite3_bind_text(st, 2, sink, -1, SQLITE_STATIC);
    int64_t n = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    else
        store_db_fail(d, e, "count outbox");
    sqlite3_reset(st);
    return n;
}

int64_t store_outbox_requeue(struct store *s, const char *sink, const char *lead_id, struct err *e)
{
    struct store_db *d = store_conn(s);
    sqlite3_stmt *st = store_db_stmt(d, SQL_REQUEUE, e);
    if (!st)
        return err_wrap(e, "retry");
    if (sink)
        sqlite3_bind_text(st, 1, sink, -1, SQLITE_STATIC);
    if (lead_id)
        sqlite3_bind_text(st, 2, lead_id, -1, SQLITE_STATIC);
    if (store_db_step_done(d, st, e, "retry") < 0)
        return -1;
    return sqlite3_changes(store_db_handle(d));
}

int store_outbox_rejected(struct store *s, const char *sink, int max,
                          void (*fn)(const struct store_outbox_refusal *r, void *ud), void *ud,
                          struct err *e)
{
    struct store_db *d = store_conn(s);
    sqlite3_stmt *st = store_db_stmt(d, SQL_REJECTED, e);
    if (!st)
        return err_wrap(e, "rejected rows");
    sqlite3_bind_text(st, 1, sink, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, max);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *lead = sqlite3_column_text(st, 0), *why = sqlite3_column_text(st, 3);
        struct store_outbox_refusal r = {
            .lead_id = lead ? (const char *)lead : "",
            .version = sqlite3_column_int64(st, 1),
            .attempts = sqlite3_column_int(st, 2),
            .reason = why ? (const char *)why : "",
        };
        fn(&r, ud);
    }
    int ret = rc == SQLITE_DONE ? 0 : store_db_fail(d, e, "rejected rows");
    sqlite3_reset(st);
    return ret;
}

int store_outbox_snapshot(struct store *s, int (*fn)(struct store *s, void *ud), void *ud)
{
    struct store_db *d = store_conn(s);
    bool tx = store_db_exec(d, "BEGIN", NULL) == 0;
    int rc = fn(s, ud);
    if (tx)
        store_db_exec(d, "COMMIT", NULL);
    return rc;
}
