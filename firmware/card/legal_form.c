// SPDX-License-Identifier: Apache-2.0
/*
 * legal_form — matching the ISO 20275 legal forms on a card's line (see
 * legal_form.h).
 */
#include "firmware/card/legal_form.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

/* Decodes the UTF-8 character before s[i] (i > 0); returns its start. */
static size_t prev_cp(const char *s, size_t i, uint32_t *cp)
{
    size_t j = i - 1;
    while (j > 0 && ((unsigned char)s[j] & 0xc0) == 0x80)
        j--;
    const unsigned char *u = (const unsigned char *)s + j;
    size_t n = i - j;
    if (n == 1)
        *cp = u[0];
    else if (n == 2)
        *cp = ((uint32_t)(u[0] & 0x1f) << 6) | (u[1] & 0x3f);
    else if (n == 3)
        *cp = ((uint32_t)(u[0] & 0x0f) << 12) | ((uint32_t)(u[1] & 0x3f) << 6) | (u[2] & 0x3f);
    else
        *cp = 0x10000;
    return j;
}

/* A letter or digit of any script, roughly: enough to tell a word boundary
 * from one that runs on ("«", "„", spaces, CJK punctuation are not). */
static bool word_cp(uint32_t c)
{
    if (c < 0x80)
        return isalnum((int)c) != 0;
    if (c < 0xc0 || c == 0xd7 || c == 0xf7)
        return false;
    if ((c >= 0x2000 && c <= 0x206f) || (c >= 0x3000 && c <= 0x303f) ||
        (c >= 0xff00 && c <= 0xff0f))
        return false;
    return true;
}

static bool skippable(char c)
{
    return c == '.' || c == ' ';
}

static bool same(char line, char form, bool shortform)
{
    unsigned char l = (unsigned char)line, f = (unsigned char)form;
    if (l >= 0x80 || f >= 0x80)
        return l == f;
    if (shortform && islower(l))
        return false;
    if (l == '0' && tolower(f) == 'o')
        return true;
    return tolower(l) == tolower(f);
}

static bool is_cjk_form(const char *f)
{
    return (unsigned char)f[0] >= 0xe3 || (f[0] == '(' && (unsigned char)f[1] >= 0xe3);
}

/* Letters and digits in f: forms of two or fewer are "short". */
static bool is_short(const char *f)
{
    size_t n = 0;
    for (; *f; f++)
        n += isalnum((unsigned char)*f) || (unsigned char)*f >= 0x80;
    return n <= 2;
}

/* Whether s[0..n) ends with form f as whole words. A short form must show
 * a dot or be in capitals (checked by same()). With fix, OCR's '0' read
 * for the form's 'o' is written back as the letter. */
static bool at_end(const char *s, size_t n, const char *f, bool shortform, char *fix)
{
    size_t i = n, j = strlen(f);
    while (j > 0) {
        if (skippable(f[j - 1])) {
            j--;
            continue;
        }
        while (i > 0 && skippable(s[i - 1]))
            i--;
        if (i == 0 || !same(s[i - 1], f[j - 1], shortform))
            return false;
        if (fix && s[i - 1] == '0')
            fix[i - 1] = f[j - 1];
        i--;
        j--;
    }
    uint32_t cp;
    return i == 0 || (prev_cp(s, i, &cp), !word_cp(cp));
}

static bool at_start(const char *s, size_t n, const char *f, bool shortform, char *fix)
{
    size_t i = 0, fl = strlen(f);
    for (size_t j = 0; j < fl; j++) {
        if (skippable(f[j]))
            continue;
        while (i < n && skippable(s[i]))
            i++;
        if (i == n || !same(s[i], f[j], shortform))
            return false;
        if (fix && s[i] == '0')
            fix[i] = f[j];
        i++;
    }
    while (i < n && s[i] == '.')
        i++;
    if (i == n)
        return true;
    uint32_t cp;
    size_t k = i + 1;
    while (k < n && ((unsigned char)s[k] & 0xc0) == 0x80)
        k++;
    prev_cp(s, k, &cp);
    return !word_cp(cp);
}

/* The longest form s carries; with fix (s itself, writable) the letters
 * OCR read as digits in it are put right. */
static const char *find(const char *s, char *fix)
{
    size_t n = strlen(s);
    /* Trailing punctuation after the form: "Acme Inc.," "(S.A.)" */
    while (n && strchr(" ,;)»\"", s[n - 1]))
        n--;
    const char *best = NULL;
    size_t best_len = 0;
    for (size_t k = 0; k < legal_forms_n; k++) {
        const char *f = legal_forms[k];
        size_t fl = strlen(f);
        if (fl <= best_len || fl > n + 8)
            continue;
        bool hit;
        if (is_cjk_form(f)) {
            hit = strstr(s, f) != NULL;
        } else {
            bool sh = is_short(f);
            hit = at_end(s, n, f, sh, NULL) || at_start(s, n, f, sh, NULL);
        }
        if (hit) {
            best = f;
            best_len = fl;
        }
    }
    if (best && fix && !is_cjk_form(best) && !at_end(s, n, best, is_short(best), fix))
        at_start(s, n, best, is_short(best), fix);
    return best;
}

const char *legal_form_find(const char *s)
{
    return find(s, NULL);
}

const char *legal_form_repair(char *s)
{
    return find(s, s);
}
