// SPDX-License-Identifier: Apache-2.0
/*
 * test_store_roster — the roster table through its store module, on a real
 * store file: rows put in one transaction, a repeated badge id replacing
 * its row, an aborted import leaving the old roster, shows kept apart, the
 * lookup merging without overwriting, NULL columns, the count, many lookups
 * on one connection (statements reused), and a store opened read-only
 * without a roster table (an old schema) answering "no roster".
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/base/lead.h"
#include "firmware/store/store.h"
#include "firmware/store/store_roster.h"
#include "tests/tap.h"

static char tmp[] = "/tmp/mb-test-store-roster-XXXXXX";

/* A row from C strings (NULL: no value). */
static void row(struct store_roster_value v[ROSTER_COLS], const char *badge, const char *full,
                const char *company, const char *email)
{
    for (int c = 0; c < ROSTER_COLS; c++)
        v[c] = (struct store_roster_value){NULL, 0};
    const char *text[] = {badge, full, company, email};
    const int cols[] = {ROSTER_BADGE_ID, ROSTER_FULL_NAME, ROSTER_COMPANY, ROSTER_EMAIL};
    for (int i = 0; i < 4; i++)
        if (text[i])
            v[cols[i]] = (struct store_roster_value){text[i], strlen(text[i])};
}

static int put(struct store_roster *r, const char *badge, const char *full, const char *company,
               const char *email)
{
    struct store_roster_value v[ROSTER_COLS];
    struct err e = {0};
    row(v, badge, full, company, email);
    int n = store_roster_put(r, v, &e);
    if (n < 0)
        diag("put %s: %s", badge, e.msg);
    return n;
}

static void test_import(struct store *s)
{
    struct err e = {0};
    struct store_roster *r = store_roster_begin(s, "fair", &e);
    ok(r != NULL, "an import begins (%s)", e.msg);
    if (!r)
        return;
    is_int(put(r, "A1", "Jane Doe", "Acme", "jane@acme.example"), 1, "a new row");
    is_int(put(r, "A2", "Li Wei", NULL, NULL), 1, "a second row");
    is_int(put(r, "A1", "Jane Q. Doe", "Acme Ltd", NULL), 0, "the same id again: replaced");
    /* Only part of a value is stored: the length counts, not the NUL. */
    struct store_roster_value v[ROSTER_COLS];
    row(v, "A3", "Tai Man Chan, trailing", NULL, NULL);
    v[ROSTER_FULL_NAME].len = strlen("Tai Man Chan");
    is_int(store_roster_put(r, v, &e), 1, "a row with a value given by length");
    ok(store_roster_commit(r, &e) == 0, "commit (%s)", e.msg);
    is_int(store_roster_count(s, "fair", &e), 3, "3 rows in the show's roster");
    is_int(store_roster_count(s, "other", &e), 0, "none in another show");

    struct lead_fields f = {0};
    is_int(store_roster_lookup(s, "fair", "A1", &f, &e), 1, "A1 found");
    is_str(f.full_name, "Jane Q. Doe", "the later row won");
    is_str(f.company, "Acme Ltd", "its company");
    is_int((long long)f.emails.n, 0, "its email is NULL: the later row has none");
    lead_fields_free(&f);
    f = (struct lead_fields){0};
    is_int(store_roster_lookup(s, "fair", "A3", &f, &e), 1, "A3 found");
    is_str(f.full_name, "Tai Man Chan", "only len bytes were stored");
    lead_fields_free(&f);
    f = (struct lead_fields){0};
    lead_set(&f.full_name, "From The Badge");
    is_int(store_roster_lookup(s, "fair", "A2", &f, &e), 1, "A2 found");
    is_str(f.full_name, "From The Badge", "the lookup keeps what the scan had");
    lead_fields_free(&f);
    f = (struct lead_fields){0};
    is_int(store_roster_lookup(s, "fair", "Z9", &f, &e), 0, "an unknown id: 0");
    ok(f.full_name == NULL && f.company == NULL, "…and nothing merged");
    is_int(store_roster_lookup(s, "other", "A1", &f, &e), 0, "another show's roster is its own");
    lead_fields_free(&f);
}

static void test_replace_and_abort(struct store *s)
{
    struct err e = {0};
    /* A second show's roster is not touched by replacing the first's. */
    struct store_roster *r = store_roster_begin(s, "other", &e);
    ok(r && put(r, "B1", "Bo", NULL, NULL) == 1 && store_roster_commit(r, &e) == 0,
       "another show's roster (%s)", e.msg);
    r = store_roster_begin(s, "fair", &e);
    ok(r && put(r, "N1", "New", NULL, NULL) == 1, "a new import of the first show");
    store_roster_abort(r);
    is_int(store_roster_count(s, "fair", &e), 3, "aborted: the old roster is whole");
    struct lead_fields f = {0};
    is_int(store_roster_lookup(s, "fair", "N1", &f, &e), 0, "aborted: its row is gone");
    lead_fields_free(&f);
    r = store_roster_begin(s, "fair", &e);
    ok(r && put(r, "N1", "New", NULL, NULL) == 1 && store_roster_commit(r, &e) == 0,
       "a new import commits (%s)", e.msg);
    is_int(store_roster_count(s, "fair", &e), 1, "it replaced the show's roster");
    is_int(store_roster_count(s, "other", &e), 1, "the other show's roster stays");
    store_roster_abort(NULL); /* NULL-safe */

    /* A row without a badge id is refused, and the import can be
     * aborted. */
    r = store_roster_begin(s, "fair", &e);
    struct store_roster_value v[ROSTER_COLS];
    row(v, NULL, "No Id", NULL, NULL);
    e = (struct err){0};
    ok(r && store_roster_put(r, v, &e) < 0 && e.code == ERR_INVALID,
       "a row without a badge id fails: %s", e.msg);
    store_roster_abort(r);
    is_int(store_roster_count(s, "fair", &e), 1, "…and the roster is unchanged");
}

static void test_many_lookups(struct store *s)
{
    /* Every lookup reuses the connection's statement: 20,000 of them take
     * no time and no memory worth measuring (ASan would see a leak). */
    struct err e = {0};
    int found = 0;
    for (int i = 0; i < 20000; i++) {
        struct lead_fields f = {0};
        found += store_roster_lookup(s, "fair", i % 2 ? "N1" : "nope", &f, &e);
        lead_fields_free(&f);
    }
    is_int(found, 10000, "20,000 lookups, half found");
}

static void test_readonly_old_store(void)
{
    /* A store at schema version 4 has no roster table. */
    char path[600];
    snprintf(path, sizeof path, "%s/old.db", tmp);
    sqlite3 *db = NULL;
    struct err e = {0};
    sqlite3_open(path, &db);
    ok(store_schema_migrate(db, 4, &e) == 0, "a store at version 4 (%s)", e.msg);
    sqlite3_close(db);
    struct store *s = store_open_readonly(path, &e);
    ok(s != NULL, "opens read-only (%s)", e.msg);
    struct lead_fields f = {0};
    if (s)
        is_int(store_roster_lookup(s, "fair", "A1", &f, &e), 0, "no roster table: not found");
    lead_fields_free(&f);
    store_close(s);
    sqlite3_open(path, &db);
    sqlite3_stmt *st = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    is_int(version, 4, "read-only: the old store was not migrated");
    snprintf(path, sizeof path, "%s/none.db", tmp);
    e = (struct err){0};
    ok(store_open_readonly(path, &e) == NULL && e.code == ERR_IO && access(path, F_OK) != 0,
       "read-only of a missing file fails and creates nothing: %s", e.msg);
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
    test_import(s);
    test_replace_and_abort(s);
    test_many_lookups(s);
    store_close(s);
    test_readonly_old_store();
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    if (system(cmd) != 0)
        diag("could not remove %s", tmp);
    return done_testing();
}
