// SPDX-License-Identifier: Apache-2.0
/*
 * bench_roster — imports a generated roster of 1,000,000 rows (semicolon CSV
 * with a BOM and quoted fields, some holding newlines, as Excel writes them)
 * into a real store file, then times 10,000 lookups of random ids (found and
 * not found). Baselines in the same run: reading the file with fread, and a
 * prepared "SELECT ?" round trip per lookup. Targets: import under 30 s,
 * lookup under 1 ms.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "firmware/base/lead.h"
#include "firmware/decode/roster.h"
#include "firmware/store/store.h"
#include "firmware/store/store_roster.h"

#define ROWS    1000000
#define LOOKUPS 10000

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long rows = argc > 1 ? atol(argv[1]) : ROWS;
    char tmp[] = "/tmp/mb-bench-roster-XXXXXX";
    if (!mkdtemp(tmp))
        return 1;
    char csv[600], db[600];
    snprintf(csv, sizeof csv, "%s/roster.csv", tmp);
    snprintf(db, sizeof db, "%s/leads.db", tmp);
    FILE *f = fopen(csv, "wb");
    if (!f)
        return 1;
    fputs("\xEF\xBB\xBFRegistration No;First Name;Last Name;Company;Job Title;E-mail;Mobile;"
          "Country;Address\r\n",
          f);
    /* Ids in a shuffled order (a multiplicative walk), as exports are
     * sorted by name, not by id. */
    for (long i = 0; i < rows; i++) {
        long id = (i * 7919L) % rows;
        fprintf(f,
                "SB%07ld;Given%ld;Family%ld;\"Company %ld; Ltd\";Manager;person%ld@example.com;"
                "+852 9%03ld %04ld;Hong Kong;%s\r\n",
                id, id, id, id % 5000, id, id % 1000, id % 10000,
                id % 10 ? "" : "\"Room 1\r\nTower 2\"");
    }
    fclose(f);

    /* Baseline: read the file. */
    double t0 = now();
    f = fopen(csv, "rb");
    static char chunk[1 << 16];
    size_t total = 0, k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        total += k;
    fclose(f);
    double t_read = now() - t0;

    struct err e = {0};
    struct store *st = store_open(db, &e);
    if (!st) {
        fprintf(stderr, "bench_roster: %s\n", e.msg);
        return 1;
    }
    struct roster_stats rs;
    t0 = now();
    if (roster_import(st, "bench", csv, NULL, &rs, &e) < 0) {
        fprintf(stderr, "bench_roster: %s\n", e.msg);
        return 1;
    }
    double t_import = now() - t0;

    srand(42);
    int found = 0;
    char id[32];
    t0 = now();
    for (int i = 0; i < LOOKUPS; i++) {
        /* One in four ids is not in the roster. */
        long x = rand() % (rows + rows / 3);
        snprintf(id, sizeof id, "SB%07ld", x);
        struct lead_fields lf = {0};
        int r = store_roster_lookup(st, "bench", id, &lf, &e);
        if (r < 0) {
            fprintf(stderr, "bench_roster: %s\n", e.msg);
            return 1;
        }
        found += r;
        lead_fields_free(&lf);
    }
    double t_lookup = (now() - t0) / LOOKUPS;

    /* Baseline: prepare and step a trivial statement, on a connection of
     * its own to the same file (the store's is the store's). */
    sqlite3 *raw = NULL;
    if (sqlite3_open(db, &raw) != SQLITE_OK) {
        fprintf(stderr, "bench_roster: %s\n", sqlite3_errmsg(raw));
        return 1;
    }
    t0 = now();
    for (int i = 0; i < LOOKUPS; i++) {
        sqlite3_stmt *q;
        sqlite3_prepare_v2(raw, "SELECT ?", -1, &q, NULL);
        sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
        sqlite3_step(q);
        sqlite3_finalize(q);
    }
    double t_select = (now() - t0) / LOOKUPS;
    sqlite3_close(raw);

    printf("roster import: %lld rows (%.0f MB) in %.2f s = %.0f rows/s (target < 30 s)\n",
           (long long)rs.rows, (double)total / 1e6, t_import, (double)rs.rows / t_import);
    printf("baseline fread of the file: %.3f s; import/read = %.0fx\n", t_read,
           t_read > 0 ? t_import / t_read : 0);
    printf("roster lookup: %.1f us each over %d (%d found) (target < 1000 us)\n", t_lookup * 1e6,
           LOOKUPS, found);
    printf("baseline prepared SELECT ?: %.1f us; lookup/baseline = %.1fx\n", t_select * 1e6,
           t_select > 0 ? t_lookup / t_select : 0);
    int pass = rs.rows == rows && t_import < 30 && t_lookup < 1e-3;
    printf("%s\n", pass ? "PASS" : "FAIL");
    store_close(st);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        return 1;
    return pass ? 0 : 1;
}
