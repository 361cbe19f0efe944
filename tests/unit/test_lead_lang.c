// SPDX-License-Identifier: Apache-2.0
/*
 * test_lead_lang — the visitor's language (lead_fields.lang) as badges and
 * rosters carry it: vCard LANG (the preferred one), JSON "lang"/"language"
 * keys and json_map, a delimited_map column, a roster column read through a
 * real store file (migration 9) and a bare-id badge; tags canonicalised
 * (zh-hant → zh-Hant, hi_in → hi-IN), names of languages and junk refused
 * with a warning that does not repeat the text; the JSON of the fields
 * carries "lang" only when there is one; a merge leaves it alone (it is not
 * stored, so it must not count as a change of a stored lead).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/base/lead.h"
#include "firmware/config/config.h"
#include "firmware/decode/decode.h"
#include "firmware/decode/roster.h"
#include "firmware/store/store.h"
#include "tests/tap.h"

static char tmp[] = "/tmp/mb-test-lang-XXXXXX";

static void write_file(const char *name, const char *text, char *path, size_t pathsz)
{
    snprintf(path, pathsz, "%s/%s", tmp, name);
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

/* Decodes payload with ctx; returns the fields (the caller frees them). */
static struct lead_fields dec(const struct decode_ctx *ctx, const char *payload)
{
    struct lead_fields f = {0};
    struct err e = {0};
    if (decode_payload(ctx, (const uint8_t *)payload, strlen(payload), &f, &e) < 0)
        diag("decode: %s", e.msg);
    return f;
}

/* True when the only warning is exactly want (so it repeats no badge text). */
static bool warned(const struct lead_fields *f, const char *want)
{
    return f->warnings.n == 1 && !strcmp(f->warnings.v[0], want);
}

static void test_tags(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"en", "en"},
        {"EN", "en"},
        {"zh-hant", "zh-Hant"},
        {"ZH-HANT-hk", "zh-Hant-HK"},
        {"hi_in", "hi-IN"},
        {"es-419", "es-419"},
        {"de-CH-1996", "de-CH-1996"},
        {"English", NULL}, /* names of languages are not guessed */
        {"Deutsch", NULL},
        {"中文", NULL},
        {"e", NULL},
        {"en--us", NULL},
        {"en-", NULL},
        {"123", NULL},
        {"en us", NULL},
        {"toolonglanguage", NULL},
        {"en-abcdefghi", NULL},
        {"zh-Hant-HK-u-ca-chinese-x-private12345", NULL}, /* over 35 characters */
    };
    struct decode_ctx ctx = {NULL, NULL, NULL};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[200];
        snprintf(json, sizeof json, "{\"name\":\"Ada Lovelace\",\"lang\":\"%s\"}", cases[i].in);
        struct lead_fields f = dec(&ctx, json);
        is_str(f.lang, cases[i].want, cases[i].in);
        if (!cases[i].want)
            ok(warned(&f, "json: language is not a BCP 47 tag"),
               "'%s' refused with a warning that does not repeat it", cases[i].in);
        lead_fields_free(&f);
    }
}

static void test_badges(void)
{
    struct decode_ctx ctx = {NULL, NULL, NULL};
    struct lead_fields f =
        dec(&ctx, "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Chan Tai Man\r\nLANG;PREF=2:en\r\n"
                  "LANG;PREF=1:zh-Hant\r\nEND:VCARD\r\n");
    is_str(f.format, "vcard", "vCard 4.0 decodes");
    is_str(f.lang, "zh-Hant", "vCard LANG: the PREF=1 one wins");
    lead_fields_free(&f);
    f = dec(&ctx, "BEGIN:VCARD\nVERSION:3.0\nFN:Priya Sharma\nLANG:hi_IN\nLANG:en\nEND:VCARD\n");
    is_str(f.lang, "hi-IN", "vCard 3.0 LANG: the first when none is preferred");
    lead_fields_free(&f);
    f = dec(&ctx, "BEGIN:VCARD\nVERSION:3.0\nFN:No Lang\nEND:VCARD\n");
    ok(f.lang == NULL, "a vCard without LANG has no language");
    lead_fields_free(&f);
    f = dec(&ctx, "{\"attendee\":{\"name\":\"Jonas Becker\",\"language\":\"de\"}}");
    is_str(f.lang, "de", "JSON: \"language\" inside the attendee object");
    lead_fields_free(&f);
    f = dec(&ctx, "{\"name\":\"Lucía García\",\"languages\":[\"es\",\"en\"]}");
    is_str(f.lang, "es", "JSON: the first of a \"languages\" list");
    lead_fields_free(&f);
    f = dec(&ctx, "MECARD:N:Doe,Jane;ORG:Acme;;");
    ok(f.lang == NULL, "a MeCard has no language");
    lead_fields_free(&f);
}

static void test_profile_maps(struct store *st)
{
    char conf[600];
    write_file("t.conf",
               "[show.x]\n"
               "delimited_map = Name^Company^Lang\n"
               "json_map = full_name=p.n,lang=p.l\n"
               "id_pattern = ^(SB[0-9]{5})$\n",
               conf, sizeof conf);
    struct err e = {0};
    struct config *cfg = config_load(conf, &e);
    ok(cfg != NULL, "profile config loads (%s)", e.msg);
    if (!cfg)
        return;
    struct decode_ctx ctx = {cfg, "show.x", st};
    struct lead_fields f = dec(&ctx, "Wang Fang^Shenzhen Audio^zh-Hans");
    is_str(f.company, "Shenzhen Audio", "delimited_map: the company");
    is_str(f.lang, "zh-Hans", "delimited_map: the Lang column");
    lead_fields_free(&f);
    f = dec(&ctx, "{\"p\":{\"n\":\"Jean Dupont\",\"l\":\"fr-ca\"}}");
    is_str(f.lang, "fr-CA", "json_map lang=p.l");
    lead_fields_free(&f);

    /* A roster with a language column; a bare id badge looks it up. */
    char csv[600];
    write_file("roster.csv",
               "Badge ID;Name;Company;Preferred Language\n"
               "SB00001;Priya Sharma;Lotus Retail;hi\n"
               "SB00002;Chan Tai Man;Kowloon Audio;zh_hant_hk\n"
               "SB00003;Jonas Becker;Rheinland Audio;Deutsch (German)\n"
               "SB00004;No Language;Quiet Co;\n",
               csv, sizeof csv);
    struct roster_stats rs;
    ok(roster_import(st, "x", csv, NULL, &rs, &e) == 0, "roster with a language imports (%s)",
       e.msg);
    is_int(rs.rows, 4, "4 roster rows");
    f = dec(&ctx, "SB00001");
    is_str(f.full_name, "Priya Sharma", "bare id: the name from the roster");
    is_str(f.lang, "hi", "bare id: the language from the roster");
    lead_fields_free(&f);
    f = dec(&ctx, "SB00002");
    is_str(f.lang, "zh-Hant-HK", "roster language canonicalised");
    lead_fields_free(&f);
    f = dec(&ctx, "SB00003");
    ok(f.lang == NULL && warned(&f, "roster lang: language is not a BCP 47 tag"),
       "a roster language that is not a tag is left out, with a warning");
    lead_fields_free(&f);
    f = dec(&ctx, "SB00004");
    ok(f.lang == NULL && f.warnings.n == 0, "an empty language column: no language, no warning");
    lead_fields_free(&f);
    /* The badge's own language (where json_map says it is) wins over the
     * roster's. */
    f = dec(&ctx, "{\"id\":\"SB00001\",\"p\":{\"l\":\"en\"}}");
    is_str(f.lang, "en", "a badge's language wins over the roster's");
    is_str(f.company, "Lotus Retail", "… while the roster fills what the badge lacks");
    lead_fields_free(&f);
    config_free(cfg);
}

static void test_json_and_merge(void)
{
    struct lead_fields f = {0};
    lead_set(&f.full_name, "Ada");
    cJSON *o = cJSON_CreateObject();
    ok(lead_fields_to_json(&f, o) == 0 && !cJSON_GetObjectItem(o, "lang"),
       "no \"lang\" member without a language (stored leads and exports unchanged)");
    cJSON_Delete(o);
    lead_set(&f.lang, "zh-Hant");
    o = cJSON_CreateObject();
    ok(lead_fields_to_json(&f, o) == 0 &&
           !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "lang")), "zh-Hant"),
       "\"lang\" member with one");
    struct lead_fields back = {0};
    ok(lead_fields_from_json(&back, o) == 0, "read back");
    is_str(back.lang, "zh-Hant", "lang survives a JSON round trip");
    cJSON_Delete(o);

    struct lead_fields stored = {0};
    lead_set(&stored.full_name, "Ada");
    is_int(lead_fields_merge(&stored, &f), 0,
           "a merge that brings only a language changes nothing");
    ok(stored.lang == NULL, "… and leaves the language out");
    lead_fields_free(&stored);
    lead_fields_free(&back);
    lead_fields_free(&f);
}

int main(void)
{
    if (!mkdtemp(tmp))
        return 1;
    char db[700];
    snprintf(db, sizeof db, "%s/leads.db", tmp);
    struct err e = {0};
    struct store *st = store_open(db, &e);
    ok(st != NULL, "store opens (%s)", e.msg);
    if (!st)
        return done_testing();
    test_tags();
    test_badges();
    test_profile_maps(st);
    test_json_and_merge();
    store_close(st);
    static const char *const files[] = {"leads.db", "leads.db-wal", "leads.db-shm", "t.conf",
                                        "roster.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char p[700];
        snprintf(p, sizeof p, "%s/%s", tmp, files[i]);
        unlink(p);
    }
    rmdir(tmp);
    return done_testing();
}
