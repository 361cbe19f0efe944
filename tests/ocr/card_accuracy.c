// SPDX-License-Identifier: Apache-2.0
/*
 * card_accuracy — reads every card of tests/cards (expected.json, made by
 * gen-cards.py) through the real pipeline (zbar, Leptonica, Tesseract, the
 * field rules, the badge decoders for QR cards) and compares the fields
 * with what is printed on the card.
 *
 * A field is right when it equals the expected text ignoring white space
 * and ASCII case (names, titles, companies, addresses), or when the
 * expected value is among those read (emails; phones in E.164; websites
 * without scheme or trailing slash). TAP: one point per card read without
 * error, one for the QR path, one that fails below 90% of the fields right,
 * one per country that fails below 90% of that country's fields, one for
 * at least 12 countries. The accuracy per field, language, condition and
 * country, and the time per card by script (CPU and wall), go to stderr, so
 * that `make check` shows them.
 *
 * Usage: card_accuracy [CARDS_DIR]   (default tests/cards)
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <leptonica/allheaders.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "firmware/card/card.h"
#include "firmware/decode/decode.h"
#include "firmware/card/ocr.h"
#include "tests/tap.h"

#define MAX_READERS 16
#define MAX_KEYS    24

static const char *const fields[] = {"full_name", "title",  "company", "address",
                                     "emails",    "phones", "urls"};
#define NF (sizeof fields / sizeof fields[0])

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = 0;
    fclose(f);
    return s;
}

/* White space removed, ASCII lower-cased, typographic apostrophe as ASCII;
 * for websites also the scheme and a trailing slash. */
static void norm(const char *in, char *out, size_t outsz, bool url)
{
    size_t n = 0;
    if (url) {
        if (!strncasecmp(in, "https://", 8))
            in += 8;
        else if (!strncasecmp(in, "http://", 7))
            in += 7;
    }
    for (const char *p = in; *p && n + 4 < outsz; p++) {
        if (isspace((unsigned char)*p))
            continue;
        if (!strncmp(p, "\xe2\x80\x99", 3)) {
            out[n++] = '\'';
            p += 2;
            continue;
        }
        out[n++] = (char)tolower((unsigned char)*p);
    }
    if (url && n && out[n - 1] == '/')
        n--;
    out[n] = 0;
}

static bool field_right(const cJSON *want, const cJSON *got, bool url, char *gotbuf, size_t gsz)
{
    char w[512], g[512];
    gotbuf[0] = 0;
    if (cJSON_IsArray(want)) {
        const cJSON *wv = cJSON_GetArrayItem(want, 0), *gv;
        char *p = cJSON_PrintUnformatted(got);
        snprintf(gotbuf, gsz, "%s", p ? p : "?");
        free(p);
        norm(wv->valuestring, w, sizeof w, url);
        cJSON_ArrayForEach(gv, got)
        {
            if (!cJSON_IsString(gv))
                continue;
            norm(gv->valuestring, g, sizeof g, url);
            if (!strcmp(w, g))
                return true;
        }
        return false;
    }
    if (!cJSON_IsString(got))
        return false;
    snprintf(gotbuf, gsz, "%s", got->valuestring);
    norm(want->valuestring, w, sizeof w, false);
    norm(got->valuestring, g, sizeof g, false);
    return !strcmp(w, g);
}

/* Time spent reading cards of one script, against the speed target. */
struct speed {
    const char *script;
    double budget_ms;
    int cards;
    double wall_ms, cpu_ms;
};

static double cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Cards read with a Chinese, Japanese or Korean model have a 1 s budget. */
static int is_cjk_langs(const char *langs)
{
    return strstr(langs, "chi_") || strstr(langs, "jpn") || strstr(langs, "kor");
}

struct tally {
    char key[32];
    int right, total;
};

static void count(struct tally *t, size_t cap, const char *key, bool right)
{
    for (size_t i = 0; i < cap; i++) {
        if (!t[i].key[0])
            snprintf(t[i].key, sizeof t[i].key, "%s", key);
        if (!strcmp(t[i].key, key)) {
            t[i].right += right;
            t[i].total++;
            return;
        }
    }
}

static void print_tally(const char *title, const struct tally *t, size_t cap)
{
    fprintf(stderr, "  %s:", title);
    for (size_t i = 0; i < cap && t[i].key[0]; i++)
        fprintf(stderr, " %s %d/%d (%.0f%%)", t[i].key, t[i].right, t[i].total,
                100.0 * t[i].right / t[i].total);
    fputc('\n', stderr);
}

/* Everything one run counts. */
struct run {
    struct {
        char langs[64];
        struct card_reader *r;
    } readers[MAX_READERS];
    struct tally by_field[NF + 1], by_lang[MAX_KEYS], by_degrade[8], by_country[MAX_KEYS];
    int right, total, ncards, nlisted, qr_right, qr_total;
    double ms_total;
    /* Time per card by script, in CPU time of this thread as well as wall
     * time: on a machine shared with other work, CPU time is what the card
     * costs (wall time includes waiting for a core). */
    struct speed speeds[2];
};

/* The reader for langs, loaded on first use (NULL with e when it fails). */
static struct card_reader *reader_for(struct run *run, const char *langs, struct err *e)
{
    for (int i = 0; i < MAX_READERS; i++) {
        if (!run->readers[i].r) {
            snprintf(run->readers[i].langs, sizeof run->readers[i].langs, "%s", langs);
            run->readers[i].r = card_reader_new(langs, e);
            if (!run->readers[i].r)
                return NULL;
        }
        if (!strcmp(run->readers[i].langs, langs))
            return run->readers[i].r;
    }
    return NULL;
}

/* Compares the fields read from one card with the expected ones. */
static void score_card(struct run *run, const cJSON *card, const struct lead_fields *f, bool qr)
{
    const char *file = cJSON_GetObjectItem(card, "file")->valuestring;
    const char *langs = cJSON_GetObjectItem(card, "langs")->valuestring;
    const char *country = cJSON_GetObjectItem(card, "country")->valuestring;
    const char *degrade = cJSON_GetObjectItem(card, "degrade")->valuestring;
    const cJSON *want = cJSON_GetObjectItem(card, "fields");
    cJSON *got = cJSON_CreateObject();
    lead_fields_to_json(f, got);
    for (size_t i = 0; i < NF; i++) {
        const cJSON *w = cJSON_GetObjectItem(want, fields[i]);
        if (!w)
            continue;
        char gotbuf[512];
        bool right1 = field_right(w, cJSON_GetObjectItem(got, fields[i]),
                                  !strcmp(fields[i], "urls"), gotbuf, sizeof gotbuf);
        if (!right1) {
            char *ws = cJSON_PrintUnformatted(w);
            diag("%s %s: expected %s, got '%s'", file, fields[i], ws, gotbuf);
            free(ws);
        }
        run->right += right1;
        run->total++;
        count(run->by_field, NF + 1, fields[i], right1);
        count(run->by_lang, MAX_KEYS, *langs ? langs : "(default)", right1);
        count(run->by_country, MAX_KEYS, country, right1);
        count(run->by_degrade, 8, qr ? "qr" : degrade, right1);
    }
    cJSON_Delete(got);
}

/* Reads one card of expected.json and scores it. */
static void check_card(struct run *run, const char *dir, const cJSON *card)
{
    const char *file = cJSON_GetObjectItem(card, "file")->valuestring;
    const char *langs = cJSON_GetObjectItem(card, "langs")->valuestring;
    const char *country = cJSON_GetObjectItem(card, "country")->valuestring;
    bool qr = cJSON_IsTrue(cJSON_GetObjectItem(card, "qr"));
    struct err e = {0};
    struct card_reader *r = reader_for(run, langs, &e);
    run->nlisted++;
    if (!r) {
        diag("%s: no reader for %s: %s", file, langs, e.msg);
        return;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    PIX *pix = pixRead(path);
    struct card_read rd = {0};
    struct lead_fields decoded = {0};
    double cpu0 = cpu_ms();
    bool read = pix && card_reader_read(r, pix, country, &rd, &e) == 0;
    double cpu1 = cpu_ms();
    pixDestroy(&pix);
    if (!read) {
        diag("%s: not read: %s", file, e.msg);
        return;
    }
    run->ncards++;
    run->ms_total += rd.ms;
    const struct lead_fields *f = &rd.fields;
    if (qr) {
        run->qr_total++;
        if (rd.coded &&
            decode_payload(&(struct decode_ctx){0}, rd.payload, rd.len, &decoded, &e) == 0 &&
            decoded.format && strcmp(decoded.format, "unknown") != 0 && !rd.ocr.n)
            run->qr_right++;
        f = &decoded;
    } else {
        struct speed *sp = &run->speeds[is_cjk_langs(langs)];
        sp->cards++;
        sp->wall_ms += rd.ms;
        sp->cpu_ms += cpu1 - cpu0;
    }
    score_card(run, card, f, qr);
    lead_fields_free(&decoded);
    card_read_free(&rd);
}

/* The tallies to stderr, and the checks on them. */
static void report(struct run *run)
{
    double acc = run->total ? (double)run->right / run->total : 0;
    fprintf(stderr, "card OCR: %d cards, %d/%d fields right (%.1f%%), %.0f ms per card\n",
            run->ncards, run->right, run->total, 100 * acc,
            run->ncards ? run->ms_total / run->ncards : 0);
    print_tally("per field", run->by_field, NF + 1);
    print_tally("per language", run->by_lang, MAX_KEYS);
    print_tally("per condition", run->by_degrade, 8);
    print_tally("per country", run->by_country, MAX_KEYS);
    for (int i = 0; i < 2; i++) {
        const struct speed *sp = &run->speeds[i];
        if (sp->cards)
            fprintf(stderr,
                    "  %s cards: %d, %.0f ms CPU and %.0f ms wall per card (budget %.0f ms)\n",
                    sp->script, sp->cards, sp->cpu_ms / sp->cards, sp->wall_ms / sp->cards,
                    sp->budget_ms);
    }
    /* One check for the reading itself (it was one point per card, which
     * only a crash could fail); the accuracy checks are what is measured. */
    ok(run->ncards == run->nlisted && run->ncards >= 40,
       "all %d cards of expected.json read without error (%d)", run->nlisted, run->ncards);
    int countries = 0;
    for (int i = 0; i < MAX_KEYS && run->by_country[i].key[0]; i++) {
        const struct tally *t = &run->by_country[i];
        countries++;
        ok(t->right * 10 >= t->total * 9, "%s: at least 90%% of the fields right (%d/%d)", t->key,
           t->right, t->total);
    }
    ok(countries >= 12, "cards from at least 12 countries (%d)", countries);
    ok(run->qr_total > 0 && run->qr_right == run->qr_total,
       "cards with a QR code go to the decoders, OCR skipped (%d/%d)", run->qr_right,
       run->qr_total);
    ok(acc >= 0.90, "at least 90%% of the fields right (%.1f%%)", 100 * acc);
}

int main(int argc, char **argv)
{
    ocr_env_ensure(argv);
    const char *dir = argc > 1 ? argv[1] : "tests/cards";
    char path[4096];
    snprintf(path, sizeof path, "%s/expected.json", dir);
    char *text = slurp(path);
    cJSON *cards = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (!ok(cJSON_IsArray(cards), "read %s", path))
        return done_testing();
    static struct run run = {
        .speeds = {{.script = "Latin", .budget_ms = 500}, {.script = "CJK", .budget_ms = 1000}}};
    const cJSON *card;
    cJSON_ArrayForEach(card, cards) check_card(&run, dir, card);
    report(&run);
    for (int i = 0; i < MAX_READERS; i++)
        card_reader_free(run.readers[i].r);
    cJSON_Delete(cards);
    return done_testing();
}
