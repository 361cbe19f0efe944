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
 * With three text fields or more, two single words first are the given and
 * family name ("Jane^Doe^Acme", "DOE^Jane^Acme": a word in capitals where
 * the other is not is the family name).
 *
 * Names some registration systems write without spaces ("AieshaAaronson",
 * Aptify's PDF417 badges) are cut before the first capital that follows a
 * small letter: given "Aiesha", family "Aaronson" ("RonaldMcDonald" keeps
 * "McDonald"). Company names are left as written (PayPal, HubSpot).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/decode/decode_util.h"

#define TMPL_MAX 32
#define MAXF     64 /* fields looked at in a guessed layout */
#define MAXTEXT  MAXF

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

/* One word of a name: letters (any script), apostrophes and hyphens. */
static bool name_word(const char *p, size_t n)
{
    if (n == 0 || n > 40)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!(isalpha(c) || c >= 0x80 || c == '\'' || c == '-'))
            return false;
    }
    return true;
}

static bool all_caps(const char *p, size_t n)
{
    bool upper = false;
    for (size_t i = 0; i < n; i++) {
        if (islower((unsigned char)p[i]))
            return false;
        upper = upper || isupper((unsigned char)p[i]);
    }
    return upper;
}

/*
 * A full name written without spaces: returns the offset of the capital
 * that starts the family name ("AieshaAaronson" → 6), or 0 when the name
 * has a space, is not letters, or has no small letter before a capital.
 */
static size_t glued_name_cut(const char *p, size_t n)
{
    if (!name_word(p, n))
        return 0;
    for (size_t i = 1; i + 1 < n; i++)
        if (islower((unsigned char)p[i - 1]) && isupper((unsigned char)p[i]) &&
            islower((unsigned char)p[i + 1]))
            return i;
    return 0;
}

/* Puts a full name, cutting a glued one into given and family name. */
static int put_name(const struct decode_ctx *ctx, struct lead_fields *out, const char *p, size_t n)
{
    size_t cut = glued_name_cut(p, n);
    if (!cut)
        return decode_util_field_put(ctx, out, DF_FULL_NAME, p, n, "delimited");
    char full[96];
    snprintf(full, sizeof full, "%.*s %.*s", (int)cut, p, (int)(n - cut), p + cut);
    if (decode_util_field_put(ctx, out, DF_GIVEN_NAME, p, cut, "delimited") < 0 ||
        decode_util_field_put(ctx, out, DF_FAMILY_NAME, p + cut, n - cut, "delimited") < 0)
        return -1;
    return decode_util_field_put(ctx, out, DF_FULL_NAME, full, strlen(full), "delimited");
}

/* Puts one field of a delimited badge. */
static int put_field(const struct decode_ctx *ctx, struct lead_fields *out, int id, const char *p,
                     size_t n)
{
    if (id == DF_SKIP)
        return 0;
    if (id == DF_FULL_NAME)
        return put_name(ctx, out, p, n);
    return decode_util_field_put(ctx, out, id, p, n, "delimited");
}

/*
 * Text fields in a guessed layout: the first two are a given and family
 * name when they are single words and a third text follows; else name,
 * company, title in turn. kind[] is rewritten with the field each gets.
 */
static void assign_texts(const char *p, const size_t *fs, const size_t *fl, int *kind, int nf)
{
    int t[MAXTEXT], nt = 0;
    for (int f = 0; f < nf && nt < MAXTEXT; f++)
        if (kind[f] == DF_NONE)
            t[nt++] = f;
    static const int text_order[] = {DF_FULL_NAME, DF_COMPANY, DF_TITLE};
    int next = 0, from = 0;
    if (nt >= 3 && name_word(p + fs[t[0]], fl[t[0]]) && name_word(p + fs[t[1]], fl[t[1]])) {
        bool caps0 = all_caps(p + fs[t[0]], fl[t[0]]), caps1 = all_caps(p + fs[t[1]], fl[t[1]]);
        bool family_first = caps0 && !caps1;
        kind[t[0]] = family_first ? DF_FAMILY_NAME : DF_GIVEN_NAME;
        kind[t[1]] = family_first ? DF_GIVEN_NAME : DF_FAMILY_NAME;
        from = 2;
        next = 1; /* the name is taken: company, then title */
    }
    for (int k = from; k < nt; k++)
        kind[t[k]] = next < 3 ? text_order[next++] : DF_SKIP;
    for (int f = 0; f < nf; f++)
        if (kind[f] == DF_NONE)
            kind[f] = DF_SKIP; /* more texts than fields */
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
    assign_texts(p, fs, fl, kind, nf);
    for (int f = 0; f < nf; f++)
        if (put_field(ctx, out, kind[f], p + fs[f], fl[f]) < 0)
            return -1;
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
        if (put_field(ctx, out, t.field[f], p + fs[f], fl[f]) < 0)
            return -1;
    return 1;
}

const struct decoder decode_delimited = {"delimited", delimited_decode};
