// SPDX-License-Identifier: Apache-2.0
/*
 * test_store_outbox — the store modules of the sync worker on a real SQLite
 * file: store_outbox (queueing per sink with pending rows raised in place,
 * batches oldest first, marks guarded by the lead version, counts, the
 * rejected list and its requeue, the read snapshot, marks rolled back with
 * their transaction) and store_sync_state (absent, round trip, NULL error,
 * long error cut), and both reporting SQLite's message when their table is
 * missing.
 */
#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/base/lead.h"
#include "firmware/base/strv.h"
#include "firmware/store/store.h"
#include "firmware/store/store_outbox.h"
#include "firmware/store/store_sync_state.h"
#include "tests/tap.h"

static char dir[256];

static const char *path_in(const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

/* A store at path with sinks "a" and "b" and show "hk". */
static struct store *open_store(const char *name)
{
    struct err e = {0};
    struct store *s = store_open(path_in(name), &e);
    if (!s) {
        diag("store_open: %s", e.msg);
        return NULL;
    }
    struct strv sinks = {0};
    strv_push(&sinks, "a");
    strv_push(&sinks, "b");
    store_set_sinks(s, &sinks);
    strv_free(&sinks);
    store_show_ensure(s, "hk", "Hong Kong", "Asia/Hong_Kong", &e);
    return s;
}

/* Captures a visitor with email addr; returns 0 and the lead id. */
static int capture(struct store *s, const char *addr, char id[UUID_STR_LEN])
{
    struct lead_fields f = {0};
    lead_set(&f.format, "mecard");
    lead_set(&f.full_name, addr);
    strv_push(&f.emails, addr);
    struct store_scan sc = {.show_id = "hk",
                            .source = LEAD_SRC_SCANNER,
                            .payload = (const uint8_t *)addr,
                            .len = strlen(addr),
                            .fields = &f};
    clock_now(&sc.when);
    struct store_scan_result r;
    struct err e = {0};
    int rc = store_scan_add(s, &sc, &r, &e);
    lead_fields_free(&f);
    if (rc == 0)
        memcpy(id, r.lead_id, UUID_STR_LEN);
    else
        diag("capture: %s", e.msg);
    return rc;
}

static int64_t count(struct store *s, const char *sink, enum store_outbox_state st)
{
    struct err e = {0};
    return store_outbox_count(s, sink, st, &e);
}

struct seen {
    int n;
    char lead[UUID_STR_LEN];
    int64_t version;
    int attempts;
    char reason[128];
};

static void on_refusal(const struct store_outbox_refusal *r, void *ud)
{
    struct seen *sn = ud;
    if (sn->n++ == 0) {
        snprintf(sn->lead, sizeof sn->lead, "%s", r->lead_id);
        sn->version = r->version;
        sn->attempts = r->attempts;
        snprintf(sn->reason, sizeof sn->reason, "%s", r->reason);
    }
}

struct mark_then_fail {
    int64_t id, version;
};

static int mark_then_fail(struct store *s, void *ud)
{
    struct mark_then_fail *m = ud;
    struct err e = {0};
    int rc = store_outbox_mark(s, m->id, m->version, STORE_OUTBOX_DELIVERED, NULL, 1, &e);
    return rc == 1 ? -1 : 0; /* marked: now abort, so it must roll back */
}

static int read_lead(struct store *s, void *ud)
{
    cJSON *j = NULL;
    struct err e = {0};
    int rc = store_lead_json(s, ud, false, &j, &e);
    cJSON_Delete(j);
    return rc == 0 ? 42 : -1;
}

static void test_queue_and_batch(struct store *s, char l1[UUID_STR_LEN], char l2[UUID_STR_LEN])
{
    struct err e = {0};
    ok(capture(s, "one@a.example", l1) == 0 && capture(s, "two@a.example", l2) == 0,
       "two leads captured");
    is_int(count(s, NULL, STORE_OUTBOX_PENDING), 4, "one pending row per sink and lead");
    is_int(count(s, "a", STORE_OUTBOX_PENDING), 2, "two pending for sink a");
    is_int(count(s, "c", STORE_OUTBOX_PENDING), 0, "none for a sink not configured");
    is_int(count(s, NULL, STORE_OUTBOX_SENT), 0, "none sent");

    struct store_outbox_row rows[3];
    memset(rows, 0, sizeof rows);
    is_int(store_outbox_pending(s, "a", 3, rows, &e), 2, "batch of sink a: both rows");
    ok(!strcmp(rows[0].lead_id, l1) && !strcmp(rows[1].lead_id, l2), "oldest first");
    ok(rows[0].id < rows[1].id, "in queue order");
    is_int(rows[0].version, 1, "a new lead's row is version 1");
    ok(rows[0].created_ms > 0 && rows[1].created_ms >= rows[0].created_ms, "queue times");
    is_int(store_outbox_pending(s, "a", 1, rows, &e), 1, "max is honoured");
    is_int(store_outbox_pending(s, "nosuch", 3, rows, &e), 0, "an unknown sink has nothing");

    /* A change while pending raises the row: no new row. */
    ok(store_note_set(s, l1, "op", "call back", 4, NULL, &e) == 0, "note: %s", e.msg);
    is_int(count(s, "a", STORE_OUTBOX_PENDING), 2, "a change raises the pending row");
    store_outbox_pending(s, "a", 3, rows, &e);
    is_int(rows[0].version, 2, "to the new version");

    /* store_outbox_queue itself: no sinks, then an explicit one. */
    struct strv only = {0};
    ok(store_outbox_queue(s, NULL, l1, 3, 1, &e) == 0, "queue for no sinks is a no-op");
    strv_push(&only, "c");
    ok(store_outbox_queue(s, &only, l1, 3, 1, &e) == 0, "queue for sink c: %s", e.msg);
    strv_free(&only);
    is_int(count(s, "c", STORE_OUTBOX_PENDING), 1, "sink c has its row");
    is_int(count(s, "a", STORE_OUTBOX_PENDING), 2, "other sinks untouched");
}

static void test_marks(struct store *s, const char *l1, const char *l2)
{
    struct err e = {0};
    struct store_outbox_row rows[2];
    store_outbox_pending(s, "a", 2, rows, &e);
    /* l1's row is at version 2; a mark for version 1 is stale. */
    is_int(store_outbox_mark(s, rows[0].id, 1, STORE_OUTBOX_DELIVERED, NULL, 10, &e), 0,
           "a stale version is not marked sent");
    is_int(count(s, "a", STORE_OUTBOX_PENDING), 2, "the row stays pending");
    is_int(store_outbox_mark(s, rows[0].id, 2, STORE_OUTBOX_DELIVERED, NULL, 10, &e), 1,
           "the current version is marked sent");
    is_int(count(s, "a", STORE_OUTBOX_SENT), 1, "one sent");
    is_int(store_outbox_mark(s, rows[0].id, 2, STORE_OUTBOX_DELIVERED, NULL, 10, &e), 0,
           "a sent row is not marked again");
    /* A change after delivery queues a new row. */
    store_note_set(s, l1, "op", "again", 5, NULL, &e);
    is_int(count(s, "a", STORE_OUTBOX_PENDING), 2, "a change after delivery queues a new row");

    /* l2: one failure, then refused. */
    is_int(store_outbox_mark(s, rows[1].id, 1, STORE_OUTBOX_FAILED, "HTTP 503", 11, &e), 1,
           "a failure counts an attempt");
    is_int(count(s, "a", STORE_OUTBOX_PENDING), 2, "and leaves the row pending");
    is_int(store_outbox_mark(s, rows[1].id, 1, STORE_OUTBOX_REFUSED, "HTTP 400: bad email", 12, &e),
           1, "refused");
    is_int(count(s, "a", STORE_OUTBOX_REJECTED), 1, "one rejected");
    is_int(count(s, NULL, STORE_OUTBOX_REJECTED), 1, "one rejected in all");
    is_int(store_outbox_mark(s, rows[1].id, 1, STORE_OUTBOX_FAILED, "late", 13, &e), 0,
           "a failure does not touch a rejected row");

    struct seen sn = {0};
    ok(store_outbox_rejected(s, "a", 50, on_refusal, &sn, &e) == 0, "rejected list: %s", e.msg);
    is_int(sn.n, 1, "one rejected row listed");
    is_str(sn.lead, l2, "the refused lead");
    is_int(sn.version, 1, "at its version");
    is_int(sn.attempts, 2, "after two attempts");
    is_str(sn.reason, "HTTP 400: bad email", "with the server's reason");
    sn.n = 0;
    store_outbox_rejected(s, "b", 50, on_refusal, &sn, &e);
    is_int(sn.n, 0, "sink b has none");

    /* Requeue: only what matches. */
    is_int(store_outbox_requeue(s, "b", NULL, &e), 0, "requeue of sink b: nothing");
    is_int(store_outbox_requeue(s, NULL, l1, &e), 0, "requeue of another lead: nothing");
    is_int(store_outbox_requeue(s, "a", l2, &e), 1, "requeue of the refused row");
    is_int(count(s, NULL, STORE_OUTBOX_REJECTED), 0, "no rejected rows left");
    sn.n = 0;
    store_outbox_mark(s, rows[1].id, 1, STORE_OUTBOX_REFUSED, "no", 14, &e);
    store_outbox_rejected(s, "a", 50, on_refusal, &sn, &e);
    is_int(sn.attempts, 1, "requeue cleared the attempts");
    is_int(store_outbox_requeue(s, NULL, NULL, &e), 1, "requeue of everything");

    /* A mark inside a transaction that aborts is rolled back. */
    store_outbox_pending(s, "b", 1, rows, &e);
    struct mark_then_fail m = {rows[0].id, rows[0].version};
    int64_t pending = count(s, "b", STORE_OUTBOX_PENDING);
    ok(store_tx(s, mark_then_fail, &m, &e) < 0, "the transaction aborts");
    is_int(count(s, "b", STORE_OUTBOX_PENDING), pending, "and its mark is rolled back");

    /* The snapshot runs fn and returns its result; writes work after it. */
    is_int(store_outbox_snapshot(s, read_lead, (void *)l1), 42, "snapshot returns fn's result");
    ok(store_note_set(s, l2, "op", "after", 1, NULL, &e) == 0, "a write after the snapshot: %s",
       e.msg);
}

static void test_sync_state(struct store *s)
{
    struct err e = {0};
    struct store_sync_state st, got;
    memset(&got, 0x55, sizeof got);
    is_int(store_sync_state_get(s, "a", &got, &e), 1, "no state yet");
    ok(got.attempts == 0 && got.sent == 0 && !got.last_error[0], "and *out is zeroed");

    st = (struct store_sync_state){.attempts = 3,
                                   .retry_ms = 1700000000123,
                                   .last_status = 503,
                                   .last_attempt_ms = 1700000000000,
                                   .last_ok_ms = 1690000000000,
                                   .sent = 12345};
    snprintf(st.last_error, sizeof st.last_error, "HTTP 503: busy");
    ok(store_sync_state_put(s, "a", &st, &e) == 0, "state saved: %s", e.msg);
    is_int(store_sync_state_get(s, "a", &got, &e), 0, "and found");
    ok(got.attempts == 3 && got.retry_ms == st.retry_ms && got.last_status == 503 &&
           got.last_attempt_ms == st.last_attempt_ms && got.last_ok_ms == st.last_ok_ms &&
           got.sent == 12345,
       "every field round-trips");
    is_str(got.last_error, "HTTP 503: busy", "the last error too");
    is_int(store_sync_state_get(s, "b", &got, &e), 1, "another sink has its own state");

    st.attempts = 0;
    st.last_error[0] = '\0';
    st.sent = 12346;
    ok(store_sync_state_put(s, "a", &st, &e) == 0, "state replaced");
    store_sync_state_get(s, "a", &got, &e);
    ok(got.attempts == 0 && got.sent == 12346 && !got.last_error[0], "the new values are read");

    /* A longer error than the struct holds is cut, not overrun. */
    char long_err[2000];
    memset(long_err, 'x', sizeof long_err - 1);
    long_err[sizeof long_err - 1] = '\0';
    sqlite3 *db;
    sqlite3_open(path_in("outbox.db"), &db);
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db, "UPDATE sync_state SET last_error = ?1 WHERE sink = 'a'", -1, &q, NULL);
    sqlite3_bind_text(q, 1, long_err, -1, SQLITE_STATIC);
    is_int(sqlite3_step(q), SQLITE_DONE, "a long error written by another connection");
    sqlite3_finalize(q);
    sqlite3_close(db);
    is_int(store_sync_state_get(s, "a", &got, &e), 0, "read back");
    is_int((long long)strlen(got.last_error), (long long)sizeof got.last_error - 1,
           "cut to the buffer");
}

/* Without its tables, every function fails with SQLite's message. */
static void test_missing_tables(void)
{
    struct store *s = open_store("broken.db");
    sqlite3 *db;
    sqlite3_open(path_in("broken.db"), &db);
    sqlite3_exec(db, "DROP TABLE sync_state; DROP TABLE outbox;", NULL, NULL, NULL);
    sqlite3_close(db);
    struct err e = {0};
    struct store_sync_state st = {0};
    ok(store_sync_state_get(s, "a", &st, &e) < 0 && strstr(e.msg, "sync_state"),
       "get without the table: %s", e.msg);
    err_clear(&e);
    ok(store_sync_state_put(s, "a", &st, &e) < 0 && strstr(e.msg, "sync_state"),
       "put without the table: %s", e.msg);
    err_clear(&e);
    ok(store_outbox_count(s, NULL, STORE_OUTBOX_PENDING, &e) < 0 && strstr(e.msg, "outbox"),
       "count without the table: %s", e.msg);
    err_clear(&e);
    struct store_outbox_row row;
    ok(store_outbox_pending(s, "a", 1, &row, &e) < 0 && strstr(e.msg, "outbox"),
       "batch without the table: %s", e.msg);
    err_clear(&e);
    ok(store_outbox_requeue(s, NULL, NULL, &e) < 0 && e.msg[0], "requeue without the table: %s",
       e.msg);
    store_close(s);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/mb-test-store-outbox-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    struct store *s = open_store("outbox.db");
    ok(s != NULL, "store opened");
    if (s) {
        char l1[UUID_STR_LEN] = "", l2[UUID_STR_LEN] = "";
        test_queue_and_batch(s, l1, l2);
        test_marks(s, l1, l2);
        test_sync_state(s);
        store_close(s);
    }
    test_missing_tables();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        diag("could not remove %s", dir);
    return done_testing();
}
