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
 * error, one for the QR path, and one that fails below 90% of the fields
 * right. The per-field accuracy goes to stderr, so that `make check` shows
 * it.
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

#include "firmware/card/card.h"
#include "firmware/decode/decode.h"
#include "firmware/card/ocr.h"
#include "tests/tap.h"

#define MAX_READERS 8

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
    struct {
        char langs[64];
        struct card_reader *r;
    } readers[MAX_READERS] = {0};
    struct tally by_field[NF + 1] = {0}, by_lang[8] = {0}, by_degrade[8] = {0};
    int right = 0, total = 0, ncards = 0, nlisted = 0, qr_right = 0, qr_total = 0;
    double ms_total = 0;
    const cJSON *card;
    cJSON_ArrayForEach(card, cards)
    {
        const char *file = cJSON_GetObjectItem(card, "file")->valuestring;
        const char *langs = cJSON_GetObjectItem(card, "langs")->valuestring;
        const char *country = cJSON_GetObjectItem(card, "country")->valuestring;
        const char *degrade = cJSON_GetObjectItem(card, "degrade")->valuestring;
        bool qr = cJSON_IsTrue(cJSON_GetObjectItem(card, "qr"));
        const cJSON *want = cJSON_GetObjectItem(card, "fields");
        struct card_reader *r = NULL;
        struct err e = {0};
        for (int i = 0; i < MAX_READERS && !r; i++) {
            if (!readers[i].r) {
                snprintf(readers[i].langs, sizeof readers[i].langs, "%s", langs);
                readers[i].r = card_reader_new(langs, &e);
                if (!readers[i].r)
                    break;
            }
            if (!strcmp(readers[i].langs, langs))
                r = readers[i].r;
        }
        nlisted++;
        if (!r) {
            diag("%s: no reader for %s: %s", file, langs, e.msg);
            continue;
        }
        snprintf(path, sizeof path, "%s/%s", dir, file);
        PIX *pix = pixRead(path);
        struct card_read rd = {0};
        struct lead_fields decoded = {0};
        bool read = pix && card_reader_read(r, pix, country, &rd, &e) == 0;
        pixDestroy(&pix);
        if (!read) {
            diag("%s: not read: %s", file, e.msg);
            continue;
        }
        ncards++;
        ms_total += rd.ms;
        const struct lead_fields *f = &rd.fields;
        if (qr) {
            qr_total++;
            if (rd.coded &&
                decode_payload(&(struct decode_ctx){0}, rd.payload, rd.len, &decoded, &e) == 0 &&
                decoded.format && strcmp(decoded.format, "unknown") != 0 && !rd.ocr.n)
                qr_right++;
            f = &decoded;
        }
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
            right += right1;
            total++;
            count(by_field, NF + 1, fields[i], right1);
            count(by_lang, 8, langs, right1);
            count(by_degrade, 8, qr ? "qr" : degrade, right1);
        }
        cJSON_Delete(got);
        lead_fields_free(&decoded);
        card_read_free(&rd);
    }
    double acc = total ? (double)right / total : 0;
    fprintf(stderr, "card OCR: %d cards, %d/%d fields right (%.1f%%), %.0f ms per card\n", ncards,
            right, total, 100 * acc, ncards ? ms_total / ncards : 0);
    print_tally("per field", by_field, NF + 1);
    print_tally("per language", by_lang, 8);
    print_tally("per condition", by_degrade, 8);
    /* One check for the reading itself (it was one point per card, which
     * only a crash could fail); the accuracy below is what is measured. */
    ok(ncards == nlisted && ncards >= 40, "all %d cards of expected.json read without error (%d)",
       nlisted, ncards);
    ok(qr_total > 0 && qr_right == qr_total,
       "cards with a QR code go to the decoders, OCR skipped (%d/%d)", qr_right, qr_total);
    ok(acc >= 0.90, "at least 90%% of the fields right (%.1f%%)", 100 * acc);
    for (int i = 0; i < MAX_READERS; i++)
        card_reader_free(readers[i].r);
    cJSON_Delete(cards);
    return done_testing();
}
