// SPDX-License-Identifier: Apache-2.0
/*
 * test_decode — the decoder corpus (tests/decode/<show>/<case>.in with the
 * expected fields in <case>.json, shows configured in tests/decode/decode.conf,
 * roster.csv as the roster of show "ids"), plus the properties every decoder
 * must keep: a decoder that declines leaves the record untouched, every
 * prefix of every payload decodes to something, bad profiles are reported
 * with the key's name.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/base/buf.h"
#include "firmware/config/config.h"
#include "firmware/decode/decode.h"
#include "firmware/base/lead.h"
#include "firmware/decode/roster.h"
#include "firmware/store/store.h"
#include "tests/tap.h"

static const char *corpus_dir(void)
{
    const char *d = getenv("MB_DECODE_CORPUS");
    return d && *d ? d : "tests/decode";
}

static int read_file(const char *path, struct buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(b, chunk, n);
    fclose(f);
    return 0;
}

static bool fields_zero(const struct lead_fields *f)
{
    static const struct lead_fields zero;
    return !memcmp(f, &zero, sizeof zero);
}

struct counts {
    int cases, passed;
    int formats[8];
    int prefixes;      /* prefixes of payloads decoded */
    int prefix_failed; /* …that failed or gave no known format */
};

static const char *const formats[] = {"vcard",     "mecard", "json",   "url",
                                      "delimited", "roster", "unknown"};

static void run_case(const struct config *cfg, struct store *db, const char *show, const char *dir,
                     const char *name, struct counts *c)
{
    char path[1024], section[300];
    struct buf in = {0}, want_text = {0};
    snprintf(path, sizeof path, "%s/%s.in", dir, name);
    if (read_file(path, &in) < 0) {
        ok(0, "%s/%s: read payload", show, name);
        return;
    }
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    if (read_file(path, &want_text) < 0) {
        ok(0, "%s/%s: no expected JSON", show, name);
        buf_free(&in);
        return;
    }
    snprintf(section, sizeof section, "show.%s", show);
    bool dflt = !strcmp(show, "default");
    struct decode_ctx ctx = {dflt ? NULL : cfg, dflt ? NULL : section, db};
    struct lead_fields f = {0};
    struct err e = {0};
    const uint8_t *p = in.data ? (const uint8_t *)in.data : (const uint8_t *)"";
    int r = decode_payload(&ctx, p, in.len, &f, &e);
    cJSON *got = cJSON_CreateObject();
    lead_fields_to_json(&f, got);
    cJSON *want = cJSON_Parse(want_text.data ? want_text.data : "");
    bool same = r == 0 && want && cJSON_Compare(got, want, 1);
    c->cases++;
    if (ok(same, "%s/%s", show, name)) {
        c->passed++;
    } else {
        char *g = cJSON_PrintUnformatted(got), *w = want ? cJSON_PrintUnformatted(want) : NULL;
        diag("rc %d %s", r, e.msg);
        diag("got  %s", g);
        diag("want %s", w ? w : "(unparsable)");
        free(g);
        free(w);
    }
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (f.format && !strcmp(f.format, formats[i]))
            c->formats[i]++;

    /* Every decoder that declines must leave the record as it found it. */
    bool untouched = true;
    for (size_t i = 0; decoder_table[i]; i++) {
        struct lead_fields z = {0};
        int dr = decoder_table[i]->decode(&ctx, p, in.len, &z);
        if (dr == 0 && !fields_zero(&z)) {
            untouched = false;
            diag("%s declined %s/%s but wrote to the record", decoder_table[i]->id, show, name);
        }
        lead_fields_free(&z);
    }
    ok(untouched, "%s/%s: declining decoders leave the record alone", show, name);

    /* Every prefix (a scan cut short) decodes without error to a known
     * format. Each prefix is copied to a buffer of exactly its length, so
     * that under ASan a decoder reading past the end of a short scan fails. */
    size_t step = in.len > 400 ? in.len / 200 : 1;
    for (size_t n = 0; n < in.len; n += step) {
        struct lead_fields t = {0};
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, p, n);
        bool good = decode_payload(&ctx, cut, n, &t, &e) == 0 && t.format;
        bool known = false;
        for (size_t i = 0; good && i < sizeof formats / sizeof formats[0]; i++)
            known |= !strcmp(t.format, formats[i]);
        c->prefixes++;
        if (!good || !known) {
            if (c->prefix_failed++ < 5)
                diag("%s/%s: the first %zu bytes: %s", show, name, n, good ? t.format : e.msg);
        }
        free(cut);
        lead_fields_free(&t);
    }

    cJSON_Delete(got);
    cJSON_Delete(want);
    lead_fields_free(&f);
    buf_free(&in);
    buf_free(&want_text);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static void run_corpus(const struct config *cfg, struct store *db)
{
    struct counts c = {0};
    struct dirent **shows;
    int ns = scandir(corpus_dir(), &shows, NULL, by_name);
    ok(ns > 0, "corpus directory %s", corpus_dir());
    for (int i = 0; i < ns; i++) {
        char dir[512];
        snprintf(dir, sizeof dir, "%s/%s", corpus_dir(), shows[i]->d_name);
        struct dirent **files;
        int nf = shows[i]->d_name[0] == '.' ? -1 : scandir(dir, &files, NULL, by_name);
        for (int j = 0; j < nf; j++) {
            char *dot = strrchr(files[j]->d_name, '.');
            if (dot && !strcmp(dot, ".in")) {
                *dot = 0;
                run_case(cfg, db, shows[i]->d_name, dir, files[j]->d_name, &c);
            }
            free(files[j]);
        }
        if (nf >= 0)
            free(files);
        free(shows[i]);
    }
    if (ns > 0)
        free(shows);
    ok(c.cases >= 80, "corpus has %d payloads (>= 80)", c.cases);
    is_int(c.passed, c.cases, "every corpus payload decodes as expected");
    ok(c.prefixes > c.cases && !c.prefix_failed,
       "%d prefixes of the payloads (scans cut short) all decode to a known format (%d did not)",
       c.prefixes, c.prefix_failed);
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        ok(c.formats[i] > 0, "corpus covers format %s (%d)", formats[i], c.formats[i]);
}

static struct config *conf_from(const char *dir, const char *text, struct err *e)
{
    char path[512];
    snprintf(path, sizeof path, "%s/t.conf", dir);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return config_load(path, e);
}

static void test_profiles(const char *tmp)
{
    struct err e = {0};
    ok(decode_find("vcard") && decode_find("roster") && !decode_find("nope"), "decode_find");
    static const struct {
        const char *conf, *want;
    } bad[] = {
        {"[show.x]\ndecoders = vcard, nope\n", "[show.x] decoders: unknown decoder 'nope'"},
        {"[show.x]\nid_pattern = ([a-\n", "[show.x] id_pattern: "},
        {"[show.x]\nurl_pattern = *(\n", "[show.x] url_pattern: "},
        {"[show.x]\ndelimited_map = Name^Bogus\n", "[show.x] delimited_map: unknown field 'Bogus'"},
        {"[show.x]\ndelimited_map = Name\n", "[show.x] delimited_map: no separator"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct config *cfg = conf_from(tmp, bad[i].conf, &e);
        ok(cfg != NULL, "bad profile %zu loads as a config", i);
        if (!cfg)
            continue;
        err_clear(&e);
        int r = decode_check_profile(cfg, "show.x", &e);
        ok(r < 0 && !strncmp(e.msg, bad[i].want, strlen(bad[i].want)), "profile check: %s", e.msg);
        struct decode_ctx ctx = {cfg, "show.x", NULL};
        struct lead_fields f = {0};
        err_clear(&e);
        r = decode_payload(&ctx, (const uint8_t *)"MECARD:N:A,B;;", 14, &f, &e);
        ok(r < 0 && f.format && !strcmp(f.format, "unknown") && f.warnings.n == 1,
           "a bad profile still yields an unknown record to keep");
        lead_fields_free(&f);
        config_free(cfg);
    }
    struct config *cfg = conf_from(tmp, "[show.x]\ndecoders = roster,vcard\n", &e);
    ok(cfg && decode_check_profile(cfg, "show.x", &e) == 0, "good profile passes");
    /* roster first but no id_pattern: falls through to vcard */
    struct decode_ctx ctx = {cfg, "show.x", NULL};
    struct lead_fields f = {0};
    const char *v = "BEGIN:VCARD\nFN:X Y\nEND:VCARD\n";
    ok(decode_payload(&ctx, (const uint8_t *)v, strlen(v), &f, &e) == 0 && f.format &&
           !strcmp(f.format, "vcard"),
       "decoders run in the profile's order");
    lead_fields_free(&f);
    /* A profile without mecard: the MeCard is unknown. */
    config_free(cfg);
    cfg = conf_from(tmp, "[show.x]\ndecoders = vcard\n", &e);
    ctx.cfg = cfg;
    ok(decode_payload(&ctx, (const uint8_t *)"MECARD:N:A,B;;", 14, &f, &e) == 0 &&
           !strcmp(f.format, "unknown"),
       "a decoder left out of the profile is not run");
    lead_fields_free(&f);
    config_free(cfg);
    /* NULL ctx and NULL payload are fine. */
    ok(decode_payload(NULL, NULL, 0, &f, &e) == 0 && !strcmp(f.format, "unknown"),
       "NULL ctx and payload decode to unknown");
    lead_fields_free(&f);
}

int main(void)
{
    char tmp[] = "/tmp/mb-test-decode-XXXXXX";
    if (!mkdtemp(tmp))
        return 1;
    char path[600], conf[600];
    snprintf(path, sizeof path, "%s/leads.db", tmp);
    snprintf(conf, sizeof conf, "%s/decode.conf", corpus_dir());
    struct err e = {0};
    struct store *st = store_open(path, &e);
    ok(st != NULL, "store opens (%s)", e.msg);
    struct config *cfg = config_load(conf, &e);
    ok(cfg != NULL, "corpus config loads (%s)", e.msg);
    if (!st || !cfg)
        return done_testing();
    struct roster_stats rs;
    snprintf(conf, sizeof conf, "%s/roster.csv", corpus_dir());
    ok(roster_import(st, "ids", conf, NULL, &rs, &e) == 0, "roster imports (%s)", e.msg);
    is_int(rs.rows, 3, "roster rows");
    is_int(rs.skipped, 1, "roster row without id skipped");
    is_int(rs.delimiter, ';', "roster delimiter detected");

    run_corpus(cfg, st);
    test_profiles(tmp);

    config_free(cfg);
    store_close(st);
    unlink(path);
    char wal[700];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s/t.conf", tmp);
    unlink(wal);
    rmdir(tmp);
    return done_testing();
}
