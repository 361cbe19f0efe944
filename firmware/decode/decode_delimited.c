// SPDX-License-Identifier: Apache-2.0
/*
 * decode_delimited — fields joined by separators, as PDF417 badges carry them
 * ("Jane Doe_Acme GmbH^2427").
 *
 * With the show's delimited_map (a template: field names joined by the
 * separators the badge uses, e.g. "Name_Company^PersonID"; "\t" is a tab,
 * "Skip" ignores a field), the payload must contain the template's
 * separators in order; the last field takes the rest.
 *
 * Without a map, the first of delimited_separators present splits the
 * payload, and fields are recognised by their look: an e-mail address, a
 * phone number, a link, an id matching id_pattern, else text (name, then
 * company, then title). Such a guess is only accepted when it found an e-mail
 * address or a badge id; anything less is left to the unknown fallback.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/decode/decode_util.h"

#define TMPL_MAX 32

struct tmpl {
    int field[TMPL_MAX];
    char sep[TMPL_MAX]; /* separator after field i; 0 after the last */
    int n;
};

/* Parses a template. Returns 0, -1 with msg set when it names an unknown
 * field, has too many fields or no separator. */
static int tmpl_parse(const char *map, struct tmpl *t, char *msg, size_t msgsz)
{
    memset(t, 0, sizeof *t);
    const char *s = map;
    for (;;) {
        const char *b = s;
        while (isalnum((unsigned char)*s))
            s++;
        if (t->n == TMPL_MAX) {
            snprintf(msg, msgsz, "more than %d fields", TMPL_MAX);
            return -1;
        }
        int id = s == b ? DF_SKIP : decode_util_field_id(b, (size_t)(s - b));
        if (id == DF_NONE) {
            snprintf(msg, msgsz, "unknown field '%.*s'", (int)(s - b > 40 ? 40 : s - b), b);
            return -1;
        }
        t->field[t->n] = id;
        if (!*s) {
            t->n++;
            break;
        }
        char sep = *s++;
        if (sep == '\\' && *s == 't')
            sep = '\t', s++;
        t->sep[t->n++] = sep;
    }
    if (t->n < 2) {
        snprintf(msg, msgsz, "no separator");
        return -1;
    }
    return 0;
}

int decode_delimited_check(const struct decode_ctx *ctx, char *msg, size_t msgsz)
{
    const char *map = decode_util_profile(ctx, "delimited_map");
    struct tmpl t;
    return *map ? tmpl_parse(map, &t, msg, msgsz) : 0;
}

static int is_email(const char *p, size_t n)
{
    const char *at = memchr(p, '@', n);
    if (!at || at == p)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (isspace((unsigned char)p[i]))
            return 0;
    return memchr(at, '.', (size_t)(p + n - at)) != NULL;
}

static int is_phone(const char *p, size_t n)
{
    int digits = 0;
    for (size_t i = 0; i < n; i++) {
        if (isdigit((unsigned char)p[i]))
            digits++;
        else if (!strchr("+ -()./", p[i]))
            return 0;
    }
    return digits >= 7;
}

static int guess(const struct decode_ctx *ctx, const char *p, size_t n, struct lead_fields *out)
{
    const char *seps = decode_util_profile(ctx, "delimited_separators");
    char sep = 0;
    for (const char *s = seps; *s && !sep; s++) {
        char c = *s;
        if (c == '\\' && s[1] == 't')
            c = '\t', s++;
        if (memchr(p, c, n))
            sep = c;
    }
    if (!sep)
        return 0;
    /* First pass: classify without touching out, so a refusal leaves it
     * untouched. */
    enum { MAXF = 64 };
    size_t fs[MAXF], fl[MAXF];
    int kind[MAXF], nf = 0, strong = 0;
    size_t i = 0;
    while (i <= n && nf < MAXF) {
        size_t j = i;
        while (j < n && p[j] != sep)
            j++;
        size_t a = i, b = j;
        while (a < b && isspace((unsigned char)p[a]))
            a++;
        while (b > a && isspace((unsigned char)p[b - 1]))
            b--;
        fs[nf] = a;
        fl[nf] = b - a;
        int k = DF_SKIP;
        if (b > a) {
            char *t = strndup(p + a, b - a);
            if (!t)
                return -1;
            int idm = strlen(t) == b - a ? decode_util_regex(ctx, "id_pattern", t, NULL) : 0;
            free(t);
            if (idm < 0 && idm != -2)
                return -1;
            if (is_email(p + a, b - a))
                k = DF_EMAIL, strong = 1;
            else if (idm == 1)
                k = DF_BADGE_ID, strong = 1;
            else if (decode_util_prefix((const uint8_t *)p + a, b - a, "http://") ||
                     decode_util_prefix((const uint8_t *)p + a, b - a, "https://"))
                k = DF_URL;
            else if (is_phone(p + a, b - a))
                k = DF_PHONE;
            else
                k = DF_NONE; /* text */
        }
        kind[nf++] = k;
        i = j + 1;
    }
    if (nf < 2 || !strong)
        return 0;
    if (lead_set(&out->format, "delimited") < 0)
        return -1;
    static const int text_order[] = {DF_FULL_NAME, DF_COMPANY, DF_TITLE};
    size_t texts = 0;
    for (int f = 0; f < nf; f++) {
        int k = kind[f];
        if (k == DF_NONE) {
            if (texts >= sizeof text_order / sizeof text_order[0])
                continue;
            k = text_order[texts++];
        }
        if (k != DF_SKIP && decode_util_field_put(ctx, out, k, p + fs[f], fl[f], "delimited") < 0)
            return -1;
    }
    return 1;
}

static int delimited_body(const struct decode_ctx *ctx, const char *p, size_t n,
                          struct lead_fields *out);

static int delimited_decode(const struct decode_ctx *ctx, const uint8_t *u, size_t n,
                            struct lead_fields *out)
{
    const char *p = (const char *)u;
    char *conv = NULL;
    if (decode_util_whole(ctx, &p, &n, &conv) < 0)
        return -1;
    int r = delimited_body(ctx, p, n, out);
    free(conv);
    return r;
}

/*
 * A delimited badge is one short line of text. Binary data (control bytes)
 * or anything longer than the largest 2D barcode is never taken for one,
 * however many separators and '@' signs it happens to contain.
 */
static bool plausible_text(const char *p, size_t n)
{
    if (n > 4096)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
            return false;
    }
    return true;
}

static int delimited_body(const struct decode_ctx *ctx, const char *p, size_t n,
                          struct lead_fields *out)
{
    while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
        n--;
    if (n == 0 || !plausible_text(p, n))
        return 0;
    const char *map = decode_util_profile(ctx, "delimited_map");
    if (!*map)
        return guess(ctx, p, n, out);
    struct tmpl t;
    char msg[100];
    if (tmpl_parse(map, &t, msg, sizeof msg) < 0)
        return 0; /* reported by decode_payload's profile check */
    size_t fs[TMPL_MAX], fl[TMPL_MAX], i = 0;
    for (int f = 0; f < t.n; f++) {
        size_t j = i;
        if (f < t.n - 1) {
            while (j < n && p[j] != t.sep[f])
                j++;
            if (j >= n)
                return 0; /* the badge does not have this show's layout */
        } else {
            j = n;
        }
        fs[f] = i;
        fl[f] = j - i;
        i = j + 1;
    }
    if (lead_set(&out->format, "delimited") < 0)
        return -1;
    for (int f = 0; f < t.n; f++)
        if (t.field[f] != DF_SKIP &&
            decode_util_field_put(ctx, out, t.field[f], p + fs[f], fl[f], "delimited") < 0)
            return -1;
    return 1;
}

const struct decoder decode_delimited = {"delimited", delimited_decode};
