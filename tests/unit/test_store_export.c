// SPDX-License-Identifier: Apache-2.0
/*
 * test_store_export — the read snapshot exports iterate, on a real store
 * file written through the store's own functions: leads in id order with
 * their answers, consents, notes, newest sync state per sink and (when
 * asked) raw scans merged in; the show and time filters; the keys of the
 * dynamic columns, exact when other shows are in the store; the show's
 * name and zone and the import record on each lead; one snapshot (a lead
 * captured while it is open is not seen, the next snapshot sees it); a
 * store in memory read on its own connection and left usable; and
 * store_show_timezone().
 */
#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/lead.h"
#include "firmware/store/store.h"
#include "firmware/store/store_export.h"
#include "firmware/store/store_import.h"
#include "tests/tap.h"

static char tmp[] = "/tmp/mb-test-store-export-XXXXXX";

/* Captures a lead in show at when_ms; its id into id. */
static int capture(struct store *s, const char *show, const char *name, int64_t when_ms,
                   char id[UUID_STR_LEN])
{
    struct lead_fields f = {0};
    lead_set(&f.format, "mecard");
    lead_set(&f.full_name, name);
    strv_push(&f.emails, name);
    struct store_scan sc = {.show_id = show,
                            .source = LEAD_SRC_SCANNER,
                            .payload = (const uint8_t *)name,
                            .len = strlen(name),
                            .fields = &f};
    sc.when.real_ms = when_ms;
    sc.when.trusted = true;
    snprintf(sc.when.boot_id, sizeof sc.when.boot_id, "boot");
    struct store_scan_result res;
    struct err e = {0};
    int r = store_scan_add(s, &sc, &res, &e);
    lead_fields_free(&f);
    if (r < 0)
        diag("capture %s: %s", name, e.msg);
    snprintf(id, UUID_STR_LEN, "%s", res.lead_id);
    return r;
}

/* Every lead of a snapshot: ids joined by ",", children counted. */
struct seen {
    char ids[4096];
    int n, answers, consents, notes, sync, scans;
};

static int walk(struct store *s, const struct store_export_filter *f, bool scans, struct seen *out)
{
    struct err e = {0};
    memset(out, 0, sizeof *out);
    struct store_export *x = store_export_open(s, f, scans, &e);
    if (!x) {
        diag("open: %s", e.msg);
        return -1;
    }
    struct store_export_lead l;
    int r;
    while ((r = store_export_next(x, &l, &e)) > 0) {
        size_t len = strlen(out->ids);
        snprintf(out->ids + len, sizeof out->ids - len, "%s%s", out->n ? "," : "", l.text[EX_ID]);
        out->n++;
        out->answers += (int)l.nanswers;
        out->consents += (int)l.nconsents;
        out->notes += (int)l.nnotes;
        out->sync += (int)l.nsync;
        out->scans += (int)l.nscans;
    }
    store_export_close(x);
    return r;
}

static void test_rows(struct store *s, const char *a, const char *b)
{
    struct err e = {0};
    struct store_export_filter f = {"fair", INT64_MIN, INT64_MAX};
    struct store_export *x = store_export_open(s, &f, true, &e);
    ok(x != NULL, "a snapshot opens (%s)", e.msg);
    if (!x)
        return;
    int64_t n = -1;
    ok(store_export_count(x, &n, &e) == 0 && n == 2, "it selects 2 leads of the show");
    struct store_export_lead l;
    ok(store_export_next(x, &l, &e) == 1, "first lead");
    is_str(l.text[EX_ID], a, "in id order: a first");
    is_str(l.text[EX_FULL_NAME], "Ann", "its name");
    is_int((long long)l.len[EX_FULL_NAME], 3, "its length");
    is_str(l.text[EX_EMAILS], "[\"Ann\"]", "lists as JSON text");
    is_str(l.text[EX_SHOW_NAME], "The Fair", "the show's name");
    is_str(l.text[EX_SHOW_TIMEZONE], "Asia/Hong_Kong", "the show's zone");
    ok(l.text[EX_IMPORT_FILE] == NULL && l.num[EX_IMPORTED_MS] == 0, "not imported");
    is_int(l.num[EX_SCAN_COUNT], 2, "scanned twice");
    is_int(l.num[EX_CAPTURED_MS], 1000000, "first capture time");
    is_int(l.num[EX_LAST_SEEN_MS], 1005000, "last seen");
    is_int((long long)l.nanswers, 2, "two answers");
    if (l.nanswers == 2) {
        is_str(l.answers[0].question, "color", "answers by question");
        is_str(l.answers[1].value_json, "[\"x\",\"y\"]", "the answer's JSON text");
    }
    is_int((long long)l.nconsents, 1, "one consent");
    if (l.nconsents == 1)
        ok(l.consents[0].granted && !strcmp(l.consents[0].language, "zh"), "consent granted, zh");
    is_int((long long)l.nnotes, 2, "two operators' notes");
    if (l.nnotes == 2) {
        is_str(l.notes[0].operator_, "amy", "notes by operator");
        is_int(l.notes[0].rating, 4, "amy's rating");
        is_int(l.notes[1].rating, 0, "bob gave none");
    }
    is_int((long long)l.nsync, 2, "one sync state per sink");
    if (l.nsync == 2)
        ok(!strcmp(l.sync[0].sink, "crm") && !strcmp(l.sync[0].state, "pending") &&
               !strcmp(l.sync[1].sink, "hook"),
           "sinks in order, pending");
    is_int((long long)l.nscans, 2, "both raw scans");
    if (l.nscans == 2)
        ok(l.scans[0].len == 3 && !memcmp(l.scans[0].payload, "Ann", 3), "the scan's bytes");
    ok(store_export_next(x, &l, &e) == 1, "second lead");
    is_str(l.text[EX_ID], b, "b second");
    ok(l.nanswers == 0 && l.nconsents == 0 && l.nnotes == 0 && l.nscans == 1,
       "b has only its scan (a's children are not b's)");
    is_int(store_export_next(x, &l, &e), 0, "then the end");
    store_export_close(x);
    store_export_close(NULL); /* NULL-safe */

    struct seen sn;
    ok(walk(s, &f, false, &sn) == 0 && sn.scans == 0 && sn.answers == 2,
       "without scans: children but no scans");
}

static void test_keys(struct store *s)
{
    struct err e = {0};
    struct store_export_filter all = {NULL, INT64_MIN, INT64_MAX},
                               fair = {"fair", INT64_MIN, INT64_MAX};
    struct store_export *x = store_export_open(s, &all, false, &e);
    struct strv q = {0}, ops = {0}, sinks = {0}, purposes = {0};
    ok(x && store_export_keys(x, STORE_EXPORT_QUESTIONS, &q, &e) == 0 &&
           store_export_keys(x, STORE_EXPORT_OPERATORS, &ops, &e) == 0 &&
           store_export_keys(x, STORE_EXPORT_SINKS, &sinks, &e) == 0 &&
           store_export_keys(x, STORE_EXPORT_PURPOSES, &purposes, &e) == 0,
       "keys of every show (%s)", e.msg);
    ok(q.n == 3 && !strcmp(q.v[0], "color") && !strcmp(q.v[1], "size") && !strcmp(q.v[2], "zone"),
       "questions distinct and sorted");
    ok(ops.n == 3 && !strcmp(ops.v[2], "cyd"), "operators of both shows");
    ok(sinks.n == 2 && purposes.n == 1, "sinks and purposes");
    store_export_close(x);
    strv_free(&q);
    strv_free(&ops);
    x = store_export_open(s, &fair, false, &e);
    strv_push(&ops, "zed");
    ok(x && store_export_keys(x, STORE_EXPORT_OPERATORS, &ops, &e) == 0 && ops.n == 3 &&
           !strcmp(ops.v[0], "zed") && !strcmp(ops.v[1], "amy") && !strcmp(ops.v[2], "bob"),
       "one show of two: exact (cyd's note is on the other show), appended after what was there");
    ok(x && store_export_keys(x, STORE_EXPORT_QUESTIONS, &q, &e) == 0 && q.n == 2,
       "one show: its own questions");
    store_export_close(x);
    strv_free(&q);
    strv_free(&ops);
    strv_free(&sinks);
    strv_free(&purposes);
}

static void test_filters(struct store *s, const char *b)
{
    struct seen sn;
    struct store_export_filter f = {NULL, INT64_MIN, INT64_MAX};
    ok(walk(s, &f, false, &sn) == 0 && sn.n == 3, "every show: 3 leads");
    f.since_ms = 2000000;
    ok(walk(s, &f, false, &sn) == 0 && sn.n == 2, "since: 2 leads");
    f.until_ms = 3000000;
    ok(walk(s, &f, false, &sn) == 0 && sn.n == 1 && !strcmp(sn.ids, b),
       "since and until: [since, until) holds only b");
    f = (struct store_export_filter){"nope", INT64_MIN, INT64_MAX};
    ok(walk(s, &f, false, &sn) == 0 && sn.n == 0, "no such show: no leads");
}

static void test_snapshot(struct store *s)
{
    struct err e = {0};
    struct store_export_filter f = {"fair", INT64_MIN, INT64_MAX};
    struct store_export *x = store_export_open(s, &f, false, &e);
    int64_t before = -1, during = -1;
    store_export_count(x, &before, &e);
    char id[UUID_STR_LEN];
    ok(capture(s, "fair", "Late", 9000000, id) == 0, "a capture while the snapshot is open");
    struct store_export_lead l;
    int n = 0;
    while (store_export_next(x, &l, &e) > 0)
        n++;
    store_export_count(x, &during, &e);
    ok(n == before && during == before, "the snapshot does not see it (%d leads)", n);
    store_export_close(x);
    struct seen sn;
    ok(walk(s, &f, false, &sn) == 0 && sn.n == before + 1, "the next snapshot does");
}

/* The sync state of lead id in a new snapshot: "sink=state,…". */
static void sync_states(struct store *s, const char *id, char *out, size_t n)
{
    struct err e = {0};
    struct store_export_filter f = {NULL, INT64_MIN, INT64_MAX};
    struct store_export *x = store_export_open(s, &f, false, &e);
    struct store_export_lead l;
    out[0] = 0;
    while (x && store_export_next(x, &l, &e) > 0) {
        if (strcmp(l.text[EX_ID], id) != 0)
            continue;
        for (size_t i = 0; i < l.nsync; i++)
            snprintf(out + strlen(out), n - strlen(out), "%s%s=%s", i ? "," : "", l.sync[i].sink,
                     l.sync[i].state);
    }
    store_export_close(x);
}

static void test_sync_newest(struct store *s, const char *path, const char *a)
{
    /* What the sync worker does when a sink accepted the lead (the sync
     * module's SQL is not ours to call from here). */
    sqlite3 *db = NULL;
    sqlite3_open(path, &db);
    sqlite3_busy_timeout(db, 5000);
    char sql[200];
    snprintf(sql, sizeof sql, "UPDATE outbox SET state = 'sent' WHERE lead_id = '%s'", a);
    ok(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "the outbox rows of a are sent");
    sqlite3_close(db);
    char states[200];
    sync_states(s, a, states, sizeof states);
    is_str(states, "crm=sent,hook=sent", "sent everywhere");
    struct err e = {0};
    ok(store_note_set(s, a, "amy", "again", 5, NULL, &e) == 0, "a change queues new rows");
    sync_states(s, a, states, sizeof states);
    is_str(states, "crm=pending,hook=pending", "the newest row of each sink wins");
}

static void test_import_record(struct store *s)
{
    struct err e = {0};
    struct store_import *im = store_import_begin(s, "stick.ndjson", NULL, &e);
    cJSON *l = cJSON_Parse("{\"id\":\"01900000-0000-7000-8000-00000000abcd\",\"show\":\"fair\","
                           "\"captured_at_ms\":5,\"full_name\":\"Imp\",\"source\":\"card\"}");
    ok(im && store_import_batch(im, &l, 1, &e) == 0, "a lead imported (%s)", e.msg);
    store_import_end(im);
    cJSON_Delete(l);
    struct store_export_filter f = {"fair", INT64_MIN, 100};
    struct store_export *x = store_export_open(s, &f, false, &e);
    struct store_export_lead lead;
    ok(x && store_export_next(x, &lead, &e) == 1 && lead.text[EX_IMPORT_FILE] &&
           !strcmp(lead.text[EX_IMPORT_FILE], "stick.ndjson") && lead.num[EX_IMPORTED_MS] > 0,
       "an imported lead carries its import's file and time");
    store_export_close(x);
}

static void test_memory(void)
{
    struct err e = {0};
    struct store *m = store_open(":memory:", &e);
    ok(m != NULL, "a store in memory (%s)", e.msg);
    if (!m)
        return;
    char id[UUID_STR_LEN];
    store_show_ensure(m, "fair", "Fair", "UTC", &e);
    capture(m, "fair", "Mem", 1, id);
    struct seen sn;
    struct store_export_filter f = {NULL, INT64_MIN, INT64_MAX};
    ok(walk(m, &f, true, &sn) == 0 && sn.n == 1 && sn.scans == 1,
       "read on the store's own connection");
    ok(walk(m, &f, true, &sn) == 0 && sn.n == 1, "twice (the cached statements are reset)");
    ok(store_note_set(m, id, "amy", "ok", 0, NULL, &e) == 0,
       "the store writes afterwards: the snapshot's transaction ended (%s)", e.msg);
    store_close(m);
}

static void test_show_timezone(struct store *s)
{
    struct err e = {0};
    char *tz = NULL;
    ok(store_show_timezone(s, "fair", &tz, &e) == 0 && tz && !strcmp(tz, "Asia/Hong_Kong"),
       "the recorded zone of a show");
    free(tz);
    ok(store_show_timezone(s, "nope", &tz, &e) == 1 && tz == NULL, "no such show: 1");
}

/* The children of lead a: two answers, a consent, two notes, a re-scan. */
static void children(struct store *s, const char *a)
{
    struct err e = {0};
    char again[UUID_STR_LEN];
    ok(store_answer_set(s, a, "size", "[\"x\",\"y\"]", &e) == 0 &&
           store_answer_set(s, a, "color", "\"red\"", &e) == 0 &&
           store_consent_set(s, a, "contact", true, "v1", "zh", &e) == 0 &&
           store_note_set(s, a, "bob", "hi", 0, NULL, &e) == 0 &&
           store_note_set(s, a, "amy", "call", 4, NULL, &e) == 0 &&
           capture(s, "fair", "Ann", 1005000, again) == 0 && !strcmp(again, a),
       "children of a (%s)", e.msg);
}

int main(void)
{
    if (!mkdtemp(tmp))
        return 1;
    char path[600];
    snprintf(path, sizeof path, "%s/leads.db", tmp);
    struct err e = {0};
    struct store *s = store_open(path, &e);
    ok(s != NULL, "store opens (%s)", e.msg);
    if (!s)
        return done_testing();
    struct strv sinks = {0};
    strv_push(&sinks, "hook");
    strv_push(&sinks, "crm");
    store_set_sinks(s, &sinks);
    strv_free(&sinks);
    store_show_ensure(s, "fair", "The Fair", "Asia/Hong_Kong", &e);
    store_show_ensure(s, "other", "Other", "UTC", &e);
    char a[UUID_STR_LEN], b[UUID_STR_LEN], c[UUID_STR_LEN];
    ok(capture(s, "fair", "Ann", 1000000, a) == 0 && capture(s, "fair", "Bo", 2000000, b) == 0 &&
           capture(s, "other", "Cy", 3000000, c) == 0,
       "three leads, two shows");
    children(s, a);
    ok(store_answer_set(s, c, "zone", "1", &e) == 0 &&
           store_note_set(s, c, "cyd", "x", 0, NULL, &e) == 0,
       "the other show's lead has its own answer and note");
    test_rows(s, a, b);
    test_keys(s);
    test_filters(s, b);
    test_show_timezone(s);
    test_sync_newest(s, path, a);
    test_import_record(s);
    test_snapshot(s);
    store_close(s);
    test_memory();
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    if (system(cmd) != 0)
        diag("could not remove %s", tmp);
    return done_testing();
}
