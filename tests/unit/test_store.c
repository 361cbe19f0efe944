// SPDX-License-Identifier: Apache-2.0
/*
 * test_store — the lead store on a real SQLite file: WAL mode and the
 * fdatasync of every acknowledged write as the file system sees them,
 * migrations (from an empty file and from the stores earlier versions wrote,
 * tests/fixtures/store, with their data kept), capture and
 * re-scan merge, unknown scans, per-operator notes, answers and consents,
 * the outbox, clock correction, integrity checks and refusal of foreign or
 * newer files.
 */
#include <cjson/cJSON.h>
#include <dlfcn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include "firmware/store/store.h"
#include "tests/tap.h"

static char dir[256];

static char *path_in(const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

static struct store_scan scan_of(const char *show, const struct lead_fields *f, const char *raw)
{
    struct store_scan sc = {.show_id = show,
                            .source = LEAD_SRC_SCANNER,
                            .device = "test",
                            .payload = (const uint8_t *)raw,
                            .len = strlen(raw),
                            .fields = f};
    clock_now(&sc.when);
    return sc;
}

static int64_t count(struct store *s, const char *sql)
{
    sqlite3_stmt *st;
    int64_t n = -1;
    if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* --- observing the file system ------------------------------------------------
 * fsync/fdatasync are interposed here (the test program's definitions come
 * before libc's in symbol lookup, for libsqlite3 too), so a test sees the
 * flushes SQLite really asks the kernel for, per file, instead of trusting
 * the pragmas it was given. */
static int syncs_wal, syncs_other;
static char sync_watch[600]; /* count syncs of this path as syncs_wal */

static void count_sync(int fd)
{
    char link[64], target[512];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    target[n > 0 ? n : 0] = '\0';
    if (sync_watch[0] && !strcmp(target, sync_watch))
        syncs_wal++;
    else
        syncs_other++;
}

/* Counts the call, then makes it: libc's function, found past ours. */
static int sync_through(const char *name, int fd)
{
    int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, name);
    count_sync(fd);
    return real ? real(fd) : -1;
}

int fsync(int fd)
{
    return sync_through("fsync", fd);
}

int fdatasync(int fd)
{
    return sync_through("fdatasync", fd);
}

/* The journal mode as another connection sees it: persistent for WAL. */
static char *journal_mode_seen_by_another(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char *mode = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        mode = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return mode;
}

/* Bytes 18 and 19 of the database header: the file format write and read
 * versions, 2 for WAL, 1 for a rollback journal. -1 when unreadable. */
static int header_version(const char *path)
{
    unsigned char h[100];
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(h, 1, sizeof h, f) : 0;
    if (f)
        fclose(f);
    return n == sizeof h && h[18] == h[19] ? h[18] : -1;
}

static void test_durability(void)
{
    struct err e = {0};
    char db[512], wal[520];
    snprintf(db, sizeof db, "%s", path_in("durable.db"));
    snprintf(wal, sizeof wal, "%s-wal", db);
    struct store *s = store_open(db, &e);
    ok(s != NULL, "open creates a new store: %s", e.msg);
    if (!s)
        return;
    is_int(count(s, "PRAGMA user_version"), store_schema_latest(),
           "new store is at the latest version");
    char *mode = journal_mode_seen_by_another(db);
    is_str(mode, "wal", "another connection finds the store in WAL mode");
    free(mode);
    ok(access(wal, F_OK) == 0, "the store writes through a WAL file (%s)", wal);
    is_int(count(s, "PRAGMA foreign_keys"), 1, "foreign keys on");

    /* Each acknowledged write is flushed before the call returns. */
    store_show_ensure(s, "hk", "HK", "UTC", &e);
    snprintf(sync_watch, sizeof sync_watch, "%s", wal);
    int acked = 0, synced = 0;
    struct lead_fields f = {0};
    lead_set(&f.format, "mecard");
    for (int i = 0; i < 5; i++) {
        char id[32];
        snprintf(id, sizeof id, "D-%d", i);
        lead_set(&f.badge_id, id);
        struct store_scan sc = scan_of("hk", &f, id);
        struct store_scan_result r;
        int before = syncs_wal;
        if (store_scan_add(s, &sc, &r, &e) == 0) {
            acked++;
            synced += syncs_wal > before;
        }
    }
    is_int(acked, 5, "5 captures acknowledged");
    is_int(synced, 5, "each acknowledged capture fdatasync'ed the WAL before returning");
    int before = syncs_wal;
    ok(store_note_set(s, "no-such-lead", "x", "y", 1, NULL, &e) < 0 && syncs_wal == before,
       "a refused write flushes nothing");
    sync_watch[0] = '\0';
    lead_fields_free(&f);
    store_close(s);
    is_int(header_version(db), 2, "the database header says WAL (bytes 18-19 = 2) after close");
}

/* Every schema object (type, name, SQL), sorted: what a migration made. */
static char *schema_text(sqlite3 *db)
{
    sqlite3_stmt *st;
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    if (m && sqlite3_prepare_v2(db,
                                "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema "
                                "ORDER BY type, name",
                                -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW)
            fprintf(m, "%s %s on %s: %s\n", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
                    sqlite3_column_text(st, 2), sqlite3_column_text(st, 3));
        sqlite3_finalize(st);
    }
    if (m)
        fclose(m);
    return out;
}

/* The schema today's migrations 1..version make in an empty file. */
static char *schema_made_today(int version)
{
    char name[32];
    snprintf(name, sizeof name, "today-v%d.db", version);
    sqlite3 *db;
    struct err e = {0};
    char *text = NULL;
    if (sqlite3_open(path_in(name), &db) == SQLITE_OK && store_schema_migrate(db, version, &e) == 0)
        text = schema_text(db);
    sqlite3_close(db);
    return text;
}

static bool same_text(const char *a, const char *b, const char *what)
{
    bool same = a && b && !strcmp(a, b);
    if (!same) {
        /* Show the first line that differs. */
        const char *pa = a ? a : "", *pb = b ? b : "";
        while (*pa && *pa == *pb)
            pa++, pb++;
        while (pa > (a ? a : "") && pa[-1] != '\n')
            pa--, pb--;
        diag("%s differs at: %.*s", what, (int)strcspn(pa, "\n"), pa);
        diag("%*s     versus: %.*s", (int)strlen(what), "", (int)strcspn(pb, "\n"), pb);
    }
    return same;
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    char buf[65536];
    size_t n;
    int rc = in && out ? 0 : -1;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        rc = -1;
    return rc;
}

static const char *LEAD1 = "01900000-0000-7000-8000-000000000001";

/* The data of tests/fixtures/store/data/1..v.sql, read back through today's
 * store after the migration (README.md there says what each piece holds). */
static void check_fixture_data(struct store *s, int v)
{
    char nm[128];
#define NM(text) (snprintf(nm, sizeof nm, "v%d: %s", v, text), nm)
    is_int(count(s, "SELECT count(*) FROM leads"), v >= 6 ? 4 : 3, NM("every lead is there"));
    cJSON *j = NULL;
    struct err e = {0};
    ok(store_lead_json(s, LEAD1, true, &j, &e) == 0, "v%d: lead 1 readable: %s", v, e.msg);
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "full_name")), "Jane Doe", NM("its name"));
    is_str(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "phones"), 0)),
           "+85291234567", NM("its phone list"));
    is_int((long long)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "captured_at_ms")),
           1790000001000LL, NM("its first capture time"));
    is_int((long long)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "scan_count")), 2,
           NM("its scan count"));
    is_int((long long)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "version")), v >= 2 ? 3 : 1,
           NM("its version (1: the default migration 2 gives old leads)"));
    is_int(cJSON_GetArraySize(cJSON_GetObjectItem(j, "scans")), 2, NM("both of its scans"));
    is_int(cJSON_GetArraySize(cJSON_GetObjectItem(j, "notes")), v >= 2 ? 2 : 0, NM("its notes"));
    is_int(cJSON_GetArraySize(cJSON_GetObjectItem(j, "consents")), v >= 2 ? 2 : 0,
           NM("its consents"));
    cJSON_Delete(j);
    j = NULL;
    store_lead_json(s, "01900000-0000-7000-8000-000000000002", false, &j, &e);
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "company")), "九龍音響",
           NM("UTF-8 text kept"));
    ok(cJSON_IsFalse(cJSON_GetObjectItem(j, "clock_trusted")),
       "v%d: an untrusted clock stays flagged", v);
    cJSON_Delete(j);
    is_int(count(s, "SELECT count(*) FROM scans WHERE lead_id IS NULL AND "
                    "payload = x'00ff6e6f74206120626164676500'"),
           1, NM("the unknown scan's bytes, exactly"));
    is_int(count(s, "SELECT count(*) FROM outbox"), v >= 3 ? 3 : 0, NM("the outbox rows"));
    is_int(count(s, "SELECT count(*) FROM outbox WHERE state = 'pending' AND lead_version = 3"),
           v >= 3 ? 1 : 0, NM("the pending row with its version"));
    is_int(count(s, "SELECT count(*) FROM catalog_fts WHERE catalog_fts MATCH '\"九龍音\"'"),
           v >= 4 ? 1 : 0, NM("the catalog's full-text index answers"));
    is_int(count(s, "SELECT count(*) FROM roster WHERE badge_id = 'B-0042'"), v >= 5 ? 1 : 0,
           NM("the roster"));
    is_int(count(s, "SELECT count(*) FROM leads WHERE import_id IS NOT NULL"), v >= 6 ? 1 : 0,
           NM("the imported lead keeps its import"));
    is_int(count(s, "SELECT count(*) FROM card_reads WHERE corrected LIKE '%Jörg%'"),
           v >= 7 ? 1 : 0, NM("the card read"));
    is_int(count(s, "SELECT count(*) FROM sync_state WHERE sink = 'crm' AND sent = 41"),
           v >= 8 ? 1 : 0, NM("the sink's sync state"));
    is_int(count(s, "SELECT count(*) FROM roster WHERE lang = 'zh-HK'"), v >= 9 ? 1 : 0,
           NM("the roster's language"));

    /* Today's code writes to it: a re-scan of lead 1 merges. */
    struct lead_fields f = {0};
    lead_set(&f.format, "mecard");
    strv_push(&f.emails, "JANE@acme.example");
    lead_set(&f.title, "Head of Buying");
    struct store_scan sc = scan_of("hk26", &f, "MECARD:N:Doe,Jane;EMAIL:JANE@acme.example;;");
    struct store_scan_result r;
    ok(store_scan_add(s, &sc, &r, &e) == 0 && !r.created && !strcmp(r.lead_id, LEAD1) &&
           r.scan_count == 3,
       "v%d: a new scan of lead 1 merges into it: %s", v, e.msg);
    lead_fields_free(&f);
    struct strv probs = {0};
    is_int(store_check(s, &probs, &e), 0, NM("the migrated store passes db check"));
    for (size_t i = 0; i < probs.n; i++)
        diag("  %s", probs.v[i]);
    strv_free(&probs);
#undef NM
}

static void test_migrations(void)
{
    struct err e = {0};
    int latest = store_schema_latest();
    ok(latest >= 3, "schema has at least 3 versions (%d)", latest);
    char *today_latest = schema_made_today(latest);

    /* From the store each earlier version wrote (tests/fixtures/store). */
    for (int v = 1; v < latest; v++) {
        char fixture[64], name[32];
        snprintf(fixture, sizeof fixture, "tests/fixtures/store/v%d.db", v);
        snprintf(name, sizeof name, "fixture-v%d.db", v);
        if (!ok(copy_file(fixture, path_in(name)) == 0,
                "%s: a store written at schema %d (make-fixtures.sh makes one)", fixture, v))
            continue;
        sqlite3 *db;
        sqlite3_open(path_in(name), &db);
        char *old = schema_text(db), *today = schema_made_today(v);
        sqlite3_close(db);
        ok(same_text(old, today, "schema"),
           "today's migrations 1..%d make exactly the schema of %s (released migrations are "
           "never edited)",
           v, fixture);
        free(old);
        free(today);
        struct store *s = store_open(path_in(name), &e);
        if (!ok(s != NULL, "%s migrates with today's code: %s", fixture, e.msg))
            continue;
        ok(count(s, "PRAGMA user_version") == latest, "v%d: migrated to the latest version", v);
        char *migrated = schema_text(store_db(s));
        ok(same_text(migrated, today_latest, "schema"),
           "v%d: its schema is now the same as a new store's", v);
        free(migrated);
        check_fixture_data(s, v);
        store_close(s);
    }
    free(today_latest);

    /* A newer file and a foreign file are refused, and left untouched. */
    sqlite3 *db;
    sqlite3_open(path_in("newer.db"), &db);
    store_schema_migrate(db, latest, &e);
    sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL);
    sqlite3_close(db);
    struct store *s = store_open(path_in("newer.db"), &e);
    ok(s == NULL && strstr(e.msg, "newer"), "a store from a newer version is refused: %s", e.msg);
    sqlite3_open(path_in("foreign.db"), &db);
    sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL);
    sqlite3_close(db);
    s = store_open(path_in("foreign.db"), &e);
    ok(s == NULL && strstr(e.msg, "not a matchbooth store"), "a foreign SQLite file is refused: %s",
       e.msg);
}

static void test_capture_and_merge(void)
{
    struct err e = {0};
    struct store *s = store_open(path_in("leads.db"), &e);
    struct strv sinks = {0};
    strv_push(&sinks, "crm");
    strv_push(&sinks, "usb");
    store_set_sinks(s, &sinks);
    strv_free(&sinks);
    ok(store_show_ensure(s, "hk", "HK Fair", "Asia/Hong_Kong", &e) == 0, "show saved");

    struct lead_fields f1 = {0};
    lead_set(&f1.format, "mecard");
    lead_set(&f1.full_name, "Jane Doe");
    lead_set(&f1.company, "Acme");
    strv_push(&f1.emails, "Jane@Acme.example");
    struct store_scan sc = scan_of("hk", &f1, "MECARD:N:Doe,Jane;ORG:Acme;;");
    struct store_scan_result r1, r2;
    ok(store_scan_add(s, &sc, &r1, &e) == 0, "first scan stored: %s", e.msg);
    ok(r1.created && !r1.unknown && uuid_valid(r1.lead_id), "a new lead with a UUID");
    ok(r1.lead_id[14] == '7', "the id is a UUIDv7 (%s)", r1.lead_id);
    int64_t first_ms = sc.when.real_ms;

    /* Same visitor again, later, with a phone and a title: merged. */
    struct lead_fields f2 = {0};
    lead_set(&f2.format, "vcard");
    lead_set(&f2.full_name, "J. Doe");
    lead_set(&f2.title, "Buyer");
    strv_push(&f2.emails, "jane@acme.example");
    strv_push(&f2.phones, "+85291234567");
    usleep(5000);
    struct store_scan sc2 = scan_of("hk", &f2, "BEGIN:VCARD…");
    ok(store_scan_add(s, &sc2, &r2, &e) == 0, "second scan stored: %s", e.msg);
    ok(!r2.created && !strcmp(r1.lead_id, r2.lead_id), "re-scan finds the same lead");
    is_int(r2.scan_count, 2, "scan count bumped");
    is_int(count(s, "SELECT count(*) FROM leads"), 1, "still one lead");
    is_int(count(s, "SELECT count(*) FROM scans"), 2, "both raw scans kept");

    cJSON *j = NULL;
    store_lead_json(s, r1.lead_id, true, &j, &e);
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "full_name")), "Jane Doe",
           "existing name kept");
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "title")), "Buyer", "new title merged");
    is_int(cJSON_GetArraySize(cJSON_GetObjectItem(j, "phones")), 1, "new phone merged");
    is_int((long long)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "captured_at_ms")), first_ms,
           "first capture time unchanged");
    ok(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "last_seen_at_ms")) >= (double)sc2.when.real_ms,
       "last seen moved on");
    is_int(cJSON_GetArraySize(cJSON_GetObjectItem(j, "scans")), 2, "with_raw lists both scans");
    is_int((long long)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "version")), 2,
           "merge with new fields bumped the version");
    cJSON_Delete(j);
    is_int(count(s, "SELECT count(*) FROM outbox"), 2, "one outbox row per sink, not per change");
    is_int(count(s, "SELECT min(lead_version) FROM outbox"), 2,
           "pending rows carry the newest version");

    /* Same visitor at another show: a separate lead. */
    store_show_ensure(s, "de", "Berlin", "Europe/Berlin", &e);
    struct store_scan sc3 = scan_of("de", &f1, "MECARD:N:Doe,Jane;ORG:Acme;;");
    struct store_scan_result r3;
    store_scan_add(s, &sc3, &r3, &e);
    ok(r3.created && strcmp(r3.lead_id, r1.lead_id), "another show makes another lead");

    /* Unknown payload: a scan, no lead, bytes exact (NUL inside). */
    struct lead_fields unk = {0};
    lead_set(&unk.format, "unknown");
    struct store_scan sc4 = {.show_id = "hk",
                             .source = LEAD_SRC_SCANNER,
                             .payload = (const uint8_t *)"a\0b\xff",
                             .len = 4,
                             .fields = &unk};
    clock_now(&sc4.when);
    struct store_scan_result r4;
    ok(store_scan_add(s, &sc4, &r4, &e) == 0 && r4.unknown && !r4.lead_id[0],
       "unknown payload kept as a scan without a lead");
    is_int(count(s, "SELECT count(*) FROM scans WHERE lead_id IS NULL AND payload = x'610062ff'"),
           1, "unknown payload bytes stored exactly");

    /* Notes: one per operator. */
    struct strv tags = {0};
    strv_push(&tags, "hot");
    ok(store_note_set(s, r1.lead_id, "alice", "wants 5k units", 5, &tags, &e) == 0, "alice's note");
    ok(store_note_set(s, r1.lead_id, "bob", "met at dinner", 3, NULL, &e) == 0, "bob's note");
    ok(store_note_set(s, r1.lead_id, "alice", NULL, 4, NULL, &e) == 0, "alice changes her rating");
    store_lead_json(s, r1.lead_id, false, &j, &e);
    cJSON *notes = cJSON_GetObjectItem(j, "notes");
    is_int(cJSON_GetArraySize(notes), 2, "two notes, one per operator");
    cJSON *a = cJSON_GetArrayItem(notes, 0), *b = cJSON_GetArrayItem(notes, 1);
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(a, "note")), "wants 5k units",
           "alice's text kept when only the rating changed");
    is_int(cJSON_GetObjectItem(a, "rating")->valueint, 4, "alice's new rating");
    is_str(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(a, "tags"), 0)), "hot",
           "alice's tags kept");
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(b, "note")), "met at dinner",
           "bob's note untouched by alice");
    cJSON_Delete(j);
    strv_free(&tags);
    ok(store_note_set(s, r1.lead_id, "carol", "x", 9, NULL, &e) < 0 && e.code == ERR_INVALID,
       "rating 9 refused: %s", e.msg);
    ok(store_note_set(s, "no-such-lead", "carol", "x", 1, NULL, &e) < 0,
       "note on a missing lead refused: %s", e.msg);
    is_int(count(s, "SELECT count(*) FROM notes WHERE operator = 'carol'"), 0,
           "a refused note leaves nothing behind");

    /* Answers and consents. */
    ok(store_answer_set(s, r1.lead_id, "interest", "[\"audio\",\"power\"]", &e) == 0, "answer");
    ok(store_answer_set(s, r1.lead_id, "volume", "not json", &e) < 0, "a non-JSON answer refused");
    ok(store_consent_set(s, r1.lead_id, "contact", true, "2026-09-01", "zh-Hant", &e) == 0,
       "consent");
    store_lead_json(s, r1.lead_id, false, &j, &e);
    is_int(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "answers"), "interest")),
           2, "answer stored as JSON");
    cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "consents"), 0);
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(c, "text_version")), "2026-09-01",
           "consent text version stored");
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(c, "language")), "zh-Hant",
           "consent language stored");
    cJSON_Delete(j);

    /* Corrections on screen. */
    struct lead_fields fix = {0};
    lead_set(&fix.company, "Acme Trading Ltd");
    strv_push(&fix.emails, "jane.doe@acme.example");
    ok(store_lead_update(s, r1.lead_id, &fix, &e) == 0, "fields corrected");
    store_lead_json(s, r1.lead_id, false, &j, &e);
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "company")), "Acme Trading Ltd",
           "corrected company");
    is_str(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "emails"), 0)),
           "jane.doe@acme.example", "corrected email list");
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(j, "full_name")), "Jane Doe",
           "fields not corrected stay");
    cJSON_Delete(j);
    lead_fields_free(&fix);

    struct strv probs = {0};
    is_int(store_check(s, &probs, &e), 0, "store passes integrity and foreign-key checks");
    strv_free(&probs);
    cJSON *stats = NULL;
    store_stats(s, &stats, &e);
    is_int(cJSON_GetObjectItem(stats, "leads")->valueint, 2, "stats: 2 leads");
    is_int(cJSON_GetObjectItem(stats, "unknown_scans")->valueint, 1, "stats: 1 unknown scan");
    cJSON_Delete(stats);
    lead_fields_free(&f1);
    lead_fields_free(&f2);
    lead_fields_free(&unk);
    store_close(s);

    /* A broken foreign key is reported by the check. */
    sqlite3 *db;
    sqlite3_open(path_in("leads.db"), &db);
    sqlite3_exec(db,
                 "PRAGMA foreign_keys = OFF; INSERT INTO notes(lead_id, operator, updated_ms) "
                 "VALUES ('ghost', 'x', 1);",
                 NULL, NULL, NULL);
    sqlite3_close(db);
    s = store_open(path_in("leads.db"), &e);
    is_int(store_check(s, &probs, &e), 1, "a dangling note is found by db check");
    ok(probs.n == 1 && strstr(probs.v[0], "notes"), "the problem names the table");
    strv_free(&probs);
    store_close(s);
}

static void test_clock_correction(void)
{
    struct err e = {0};
    struct store *s = store_open(path_in("clock.db"), &e);
    store_show_ensure(s, "hk", "HK", "UTC", &e);
    struct lead_fields f = {0};
    lead_set(&f.format, "mecard");
    lead_set(&f.badge_id, "A1");
    /* Captured with a clock a day behind, 10 s of boot time ago. */
    struct store_scan sc = scan_of("hk", &f, "x");
    int64_t real_now = sc.when.real_ms, mono_now = sc.when.mono_ms;
    sc.when.real_ms = real_now - 86400000 - 10000;
    sc.when.mono_ms = mono_now - 10000;
    sc.when.trusted = false;
    struct store_scan_result r;
    store_scan_add(s, &sc, &r, &e);
    /* A lead of an earlier boot that cannot be corrected. */
    struct lead_fields g = {0};
    lead_set(&g.format, "mecard");
    lead_set(&g.badge_id, "B2");
    struct store_scan old = scan_of("hk", &g, "y");
    old.when.trusted = false;
    old.when.real_ms = 5000;
    snprintf(old.when.boot_id, sizeof old.when.boot_id, "another-boot");
    struct store_scan_result ro;
    store_scan_add(s, &old, &ro, &e);

    struct clock_stamp now = {.real_ms = real_now, .mono_ms = mono_now, .trusted = true};
    snprintf(now.boot_id, sizeof now.boot_id, "%s", sc.when.boot_id);
    int n = store_correct_clock(s, &now, &e);
    is_int(n, 2, "one lead and one scan of this boot corrected");
    cJSON *j = NULL;
    store_lead_json(s, r.lead_id, true, &j, &e);
    is_int((long long)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "captured_at_ms")),
           real_now - 10000, "capture time corrected from the monotonic offset");
    ok(cJSON_IsTrue(cJSON_GetObjectItem(j, "clock_trusted")), "and marked trusted");
    cJSON *scan0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "scans"), 0);
    is_int((long long)cJSON_GetNumberValue(cJSON_GetObjectItem(scan0, "scanned_at_ms")),
           real_now - 10000, "scan time corrected too");
    cJSON_Delete(j);
    store_lead_json(s, ro.lead_id, false, &j, &e);
    is_int((long long)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "captured_at_ms")), 5000,
           "a lead of another boot is left as it was");
    ok(cJSON_IsFalse(cJSON_GetObjectItem(j, "clock_trusted")), "and still flagged untrusted");
    cJSON_Delete(j);
    store_lead_json(s, r.lead_id, false, &j, &e);
    is_int((long long)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "version")), 2,
           "the corrected lead has a new version, so sinks get the right time");
    cJSON_Delete(j);
    is_int(store_correct_clock(s, &now, &e), 0, "a second correction finds nothing");
    lead_fields_free(&f);
    lead_fields_free(&g);
    store_close(s);
}

/* A full disk (write() failing: here through RLIMIT_FSIZE, EFBIG) makes a
 * capture fail with an error instead of an acknowledgement, and loses
 * nothing that was committed before. */
static void test_disk_full(void)
{
    struct err e = {0};
    struct store *s = store_open(path_in("full.db"), &e);
    store_show_ensure(s, "hk", "HK", "UTC", &e);
    char raw[64];
    struct lead_fields f = {0};
    lead_set(&f.format, "mecard");
    int stored = 0;
    for (int i = 0; i < 20; i++) {
        snprintf(raw, sizeof raw, "id-%d", i);
        lead_set(&f.badge_id, raw);
        struct store_scan sc = scan_of("hk", &f, raw);
        struct store_scan_result r;
        stored += store_scan_add(s, &sc, &r, &e) == 0;
    }
    is_int(stored, 20, "20 leads before the disk fills");
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 4096; /* smaller than the WAL already is: the next write fails */
    setrlimit(RLIMIT_FSIZE, &lim);
    char big[20000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    lead_set(&f.badge_id, "too-late");
    lead_set(&f.address, big);
    struct store_scan sc = scan_of("hk", &f, big);
    struct store_scan_result r;
    int rc = store_scan_add(s, &sc, &r, &e);
    setrlimit(RLIMIT_FSIZE, &old);
    ok(rc < 0 && (e.code == ERR_IO || e.code == ERR_FULL) && strstr(e.msg, "save"),
       "a write failure is an error, not an acknowledgement: %s", e.msg);
    ok(!r.lead_id[0], "no lead id handed out for the failed capture");
    is_int(count(s, "SELECT count(*) FROM leads"), 20, "the 20 committed leads are all there");
    lead_set(&f.address, NULL);
    lead_set(&f.badge_id, "after");
    sc = scan_of("hk", &f, "after");
    ok(store_scan_add(s, &sc, &r, &e) == 0 && r.created,
       "capture works again once there is room: %s", e.msg);
    store_close(s);
    s = store_open(path_in("full.db"), &e);
    is_int(count(s, "SELECT count(*) FROM leads"), 21, "21 leads after reopening");
    struct strv probs = {0};
    is_int(store_check(s, &probs, &e), 0, "the store is sound after the failed write");
    strv_free(&probs);
    lead_fields_free(&f);
    store_close(s);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/mb-test-store-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    test_durability();
    test_migrations();
    test_capture_and_merge();
    test_clock_correction();
    test_disk_full();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        diag("could not remove %s", dir);
    return done_testing();
}
