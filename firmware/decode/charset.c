// SPDX-License-Identifier: Apache-2.0
/*
 * charset — byte-order marks through iconv and charset guesses through
 * uchardet (see charset.h).
 */
#include "firmware/decode/charset.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uchardet.h>

#include "firmware/base/buf.h"

/* uchardet's answer for a big badge is no better than for its first 64 KiB,
 * and the time spent grows with the input. */
#define DETECT_MAX (64u * 1024)

static const struct bom {
    const char *bytes;
    size_t len;
    const char *charset; /* the iconv name without the mark's own handling */
} boms[] = {
    /* UTF-32LE first: its mark starts with UTF-16LE's. */
    {"\xFF\xFE\x00\x00", 4, "UTF-32LE"},
    {"\x00\x00\xFE\xFF", 4, "UTF-32BE"},
    {"\xFF\xFE", 2, "UTF-16LE"},
    {"\xFE\xFF", 2, "UTF-16BE"},
};

long charset_convert(struct buf *b, const char *cs, const uint8_t *p, size_t n, size_t unit)
{
    iconv_t cd = iconv_open("UTF-8", cs);
    if (cd == (iconv_t)-1)
        return -2;
    long bad = 0;
    char *in = (char *)p;
    size_t inleft = n;
    while (inleft > 0) {
        if (buf_reserve(b, inleft * 4 + 16) < 0) {
            bad = -1;
            break;
        }
        char *o = b->data + b->len;
        size_t outleft = b->cap - b->len - 1, before = outleft;
        size_t r = iconv(cd, &in, &inleft, &o, &outleft);
        b->len += before - outleft;
        b->data[b->len] = 0;
        if (r != (size_t)-1)
            break;
        if (errno == E2BIG)
            continue;
        /* EILSEQ, or EINVAL (a sequence cut off at the end): one
         * replacement character per unit, then go on, so one bad byte does
         * not lose the rest. */
        if (buf_adds(b, "\xEF\xBF\xBD") < 0) {
            bad = -1;
            break;
        }
        bad++;
        size_t skip = inleft < unit ? inleft : unit;
        in += skip;
        inleft -= skip;
    }
    iconv_close(cd);
    return bad;
}

int charset_unbom(const uint8_t *p, size_t n, uint8_t **out, size_t *outn)
{
    for (size_t i = 0; i < sizeof boms / sizeof boms[0]; i++) {
        const struct bom *m = &boms[i];
        if (n < m->len || memcmp(p, m->bytes, m->len) != 0)
            continue;
        struct buf b = {0};
        size_t unit = m->charset[4] == '3' ? 4 : 2;
        if (charset_convert(&b, m->charset, p + m->len, n - m->len, unit) < 0 ||
            buf_reserve(&b, 1) < 0) {
            buf_free(&b);
            return -1;
        }
        b.data[b.len] = 0;
        *outn = b.len;
        *out = (uint8_t *)buf_steal(&b);
        return *out ? 1 : -1;
    }
    return 0;
}

/* Windows-1252's letters among the bytes 0x80-0xFF. */
static bool cp1252_letter(uint8_t c)
{
    if (c >= 0xC0)
        return c != 0xD7 && c != 0xF7;
    return c == 0x83 || c == 0x8A || c == 0x8C || c == 0x8E || c == 0x9A || c == 0x9C ||
           c == 0x9E || c == 0x9F || c == 0xAA || c == 0xB5 || c == 0xBA;
}

/*
 * uchardet falls back to Latin-1 for anything it cannot place (a short
 * Shift_JIS name, binary noise), and every byte is valid Latin-1. Such a
 * guess is taken only when the text reads like a Latin-script language:
 * every byte above 0x7F is a letter, and a run of them touches an ASCII
 * letter unless it is a single one ("Müller", "à", not "ÿþ" alone).
 */
static bool plausible_latin(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x80)
            continue;
        size_t j = i;
        while (j < n && p[j] >= 0x80) {
            if (!cp1252_letter(p[j]))
                return false;
            j++;
        }
        bool touches = (i > 0 && isalpha(p[i - 1])) || (j < n && isalpha(p[j]));
        if (!touches && j - i > 1)
            return false;
        i = j;
    }
    return true;
}

const char *charset_detect(const uint8_t *p, size_t n, char *buf, size_t bufsz)
{
    uchardet_t u = uchardet_new();
    if (!u)
        return NULL;
    const char *res = NULL;
    if (uchardet_handle_data(u, (const char *)p, n > DETECT_MAX ? DETECT_MAX : n) == 0) {
        uchardet_data_end(u);
        const char *cs = uchardet_get_charset(u);
        if (cs && *cs && strcasecmp(cs, "ASCII") && strcasecmp(cs, "UTF-8")) {
            if (!strcasecmp(cs, "ISO-8859-1") || !strcasecmp(cs, "WINDOWS-1252") ||
                !strcasecmp(cs, "ISO-8859-15"))
                cs = plausible_latin(p, n) ? "WINDOWS-1252" : "";
            size_t l = strlen(cs);
            if (l && l < bufsz) {
                memcpy(buf, cs, l + 1);
                res = buf;
            }
        }
    }
    uchardet_delete(u);
    return res;
}
