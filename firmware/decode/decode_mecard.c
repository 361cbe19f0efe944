// SPDX-License-Identifier: Apache-2.0
/*
 * decode_mecard — the short contact formats phones understand: MECARD: (NTT
 * docomo's, with Eventmaker's UID for the badge id), BIZCARD:, and the
 * MATMSG:, mailto: and tel: forms a badge or card may carry instead.
 *
 * MECARD/BIZCARD/MATMSG are "KEY:value;" lists ending in ";;" with "\" as the
 * escape for ; : , and \. A list without its ";;" is read anyway (warning).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/buf.h"
#include "firmware/decode/decode_util.h"

struct kv_field {
    const char *key;
    size_t keylen;
    struct buf val; /* unescaped */
    long comma;     /* offset of the first unescaped comma in val, or -1 */
};

/* Reads the next KEY:value; from p[*i..n). Returns 1 with fld filled, 0 at
 * the end (*ended set when ";;" or the end of the list was seen), -1 ENOMEM. */
static int next_field(const char *p, size_t n, size_t *i, struct kv_field *fld, int *ended)
{
    size_t j = *i;
    while (j < n && (p[j] == '\r' || p[j] == '\n' || p[j] == ' '))
        j++;
    if (j >= n)
        return 0;
    if (p[j] == ';') { /* ";;" : the empty field that ends the list */
        *ended = 1;
        *i = n;
        return 0;
    }
    size_t k = j;
    while (k < n && p[k] != ':' && p[k] != ';')
        k++;
    fld->key = p + j;
    fld->keylen = k - j;
    fld->comma = -1;
    buf_reset(&fld->val);
    if (k >= n || p[k] == ';') { /* a key without value */
        *i = k < n ? k + 1 : n;
        return 1;
    }
    k++;
    while (k < n && p[k] != ';') {
        char c = p[k];
        if (c == '\\' && k + 1 < n) {
            c = p[++k];
        } else if (c == ',' && fld->comma < 0) {
            fld->comma = (long)fld->val.len;
        }
        if (buf_addc(&fld->val, c) < 0)
            return -1;
        k++;
    }
    *i = k < n ? k + 1 : n;
    if (fld->val.data == NULL && buf_reserve(&fld->val, 1) < 0)
        return -1;
    return 1;
}

static int key_is(const struct kv_field *f, const char *k)
{
    return decode_util_ieq(f->key, f->keylen, k);
}

#define SET(slot)                                                                                  \
    decode_util_set(ctx, &out->slot, fld.val.data, fld.val.len, NULL, what, &out->warnings)
#define PUSH(list)                                                                                 \
    decode_util_push(ctx, &out->list, fld.val.data, fld.val.len, NULL, what, &out->warnings)

static int read_list(const struct decode_ctx *ctx, const char *p, size_t n, const char *kind,
                     struct lead_fields *out)
{
    struct kv_field fld = {0};
    size_t i = 0;
    int ended = 0, r, rc = -1;
    char what[32];
    while ((r = next_field(p, n, &i, &fld, &ended)) > 0) {
        snprintf(what, sizeof what, "%s %.*s", kind, (int)(fld.keylen > 12 ? 12 : fld.keylen),
                 fld.key);
        int s = 0;
        if (!strcmp(kind, "mecard")) {
            if (key_is(&fld, "N")) {
                if (fld.comma >= 0) {
                    /* "Family,Given": the format says which part is which. */
                    s = decode_util_set(ctx, &out->family_name, fld.val.data, (size_t)fld.comma,
                                        NULL, what, &out->warnings);
                    if (!s)
                        s = decode_util_set(ctx, &out->given_name, fld.val.data + fld.comma + 1,
                                            fld.val.len - (size_t)fld.comma - 1, NULL, what,
                                            &out->warnings);
                } else {
                    s = SET(full_name);
                }
            } else if (key_is(&fld, "UID") || key_is(&fld, "ID"))
                s = SET(badge_id);
            else if (key_is(&fld, "ORG"))
                s = SET(company);
            else if (key_is(&fld, "TITLE"))
                s = SET(title);
            else if (key_is(&fld, "EMAIL"))
                s = PUSH(emails);
            else if (key_is(&fld, "TEL") || key_is(&fld, "TEL-AV"))
                s = PUSH(phones);
            else if (key_is(&fld, "URL"))
                s = PUSH(urls);
            else if (key_is(&fld, "ADR"))
                s = SET(address);
        } else if (!strcmp(kind, "bizcard")) {
            if (key_is(&fld, "N"))
                s = SET(given_name);
            else if (key_is(&fld, "X"))
                s = SET(family_name);
            else if (key_is(&fld, "T"))
                s = SET(title);
            else if (key_is(&fld, "C"))
                s = SET(company);
            else if (key_is(&fld, "A"))
                s = SET(address);
            else if (key_is(&fld, "B") || key_is(&fld, "M"))
                s = PUSH(phones);
            else if (key_is(&fld, "E"))
                s = PUSH(emails);
        } else { /* matmsg */
            if (key_is(&fld, "TO"))
                s = PUSH(emails);
        }
        if (s < 0)
            goto out;
    }
    if (r < 0)
        goto out;
    if (!ended && decode_util_warn(&out->warnings, "%s: no ';;' at the end (truncated?)", kind) < 0)
        goto out;
    rc = 0;
out:
    buf_free(&fld.val);
    return rc;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes p[0..n) into b. */
static int pct_decode(struct buf *b, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '%' && i + 2 < n && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
            if (buf_addc(b, (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]))) < 0)
                return -1;
            i += 2;
        } else if (buf_addc(b, p[i]) < 0) {
            return -1;
        }
    }
    return 0;
}

static int mecard_body(const struct decode_ctx *ctx, const char *fmt, const char *p, size_t n,
                       struct lead_fields *out);

static int mecard_decode(const struct decode_ctx *ctx, const uint8_t *u, size_t n,
                         struct lead_fields *out)
{
    const char *p = (const char *)u;
    /* A UTF-8 BOM or white space before the keyword happens with some generators. */
    while (n && (*p == ' ' || *p == '\r' || *p == '\n' || *p == '\t'))
        p++, n--;
    if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3, n -= 3;
    const uint8_t *q = (const uint8_t *)p;
    const char *fmt;
    size_t skip;
    if (decode_util_prefix(q, n, "MECARD:"))
        fmt = "mecard", skip = 7;
    else if (decode_util_prefix(q, n, "BIZCARD:"))
        fmt = "bizcard", skip = 8;
    else if (decode_util_prefix(q, n, "MATMSG:"))
        fmt = "matmsg", skip = 7;
    else if (decode_util_prefix(q, n, "mailto:"))
        fmt = "mailto", skip = 7;
    else if (decode_util_prefix(q, n, "tel:"))
        fmt = "tel", skip = 4;
    else
        return 0;
    if (lead_set(&out->format, "mecard") < 0)
        return -1;
    p += skip;
    n -= skip;
    char *conv = NULL;
    if (decode_util_whole(ctx, &p, &n, &conv) < 0)
        return -1;
    int r = mecard_body(ctx, fmt, p, n, out);
    free(conv);
    return r;
}

static int mecard_body(const struct decode_ctx *ctx, const char *fmt, const char *p, size_t n,
                       struct lead_fields *out)
{
    if (!strcmp(fmt, "mailto") || !strcmp(fmt, "tel")) {
        size_t end = 0;
        while (end < n && p[end] != '?' && p[end] != ';' && p[end] != '\n' && p[end] != '\r')
            end++;
        struct buf b = {0};
        int r = pct_decode(&b, p, end);
        if (!r) {
            if (!strcmp(fmt, "mailto")) {
                /* mailto:a@x,b@y */
                size_t s = 0;
                if (buf_reserve(&b, 0) < 0)
                    r = -1;
                for (size_t i = 0; !r && i <= b.len; i++) {
                    if (i == b.len || b.data[i] == ',') {
                        r = decode_util_push(ctx, &out->emails, b.data + s, i - s, NULL, "mailto",
                                             &out->warnings);
                        s = i + 1;
                    }
                }
            } else {
                r = decode_util_push(ctx, &out->phones, b.data ? b.data : "", b.len, NULL, "tel",
                                     &out->warnings);
            }
        }
        buf_free(&b);
        return r < 0 ? -1 : 1;
    }
    return read_list(ctx, p, n, fmt, out) < 0 ? -1 : 1;
}

const struct decoder decode_mecard = {"mecard", mecard_decode};
