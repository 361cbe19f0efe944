// SPDX-License-Identifier: Apache-2.0
/*
 * decode_url — a badge that carries a link (https://…/t/at/<token>/,
 * https://reg.example/b?id=123). The show's url_pattern (POSIX ERE) says which
 * links are badges: its first subexpression, or the query parameter named by
 * url_param, is the badge id. Any other http(s) link is kept as a url.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/buf.h"
#include "firmware/decode/decode_util.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Value of query parameter name in url (percent- and '+'-decoded), into b.
 * Returns 1 if present, 0 if not, -1 on ENOMEM. */
static int query_param(const char *url, const char *name, struct buf *b)
{
    const char *q = strchr(url, '?');
    if (!q)
        return 0;
    size_t nl = strlen(name);
    const char *s = q + 1;
    while (*s && *s != '#') {
        size_t len = strcspn(s, "&;#");
        const char *eq = memchr(s, '=', len);
        size_t kl = eq ? (size_t)(eq - s) : len;
        if (kl == nl && !strncmp(s, name, nl)) {
            const char *v = eq ? eq + 1 : s + len;
            size_t vl = (size_t)(s + len - v);
            for (size_t i = 0; i < vl; i++) {
                char c = v[i];
                if (c == '%' && i + 2 < vl && hexval(v[i + 1]) >= 0 && hexval(v[i + 2]) >= 0) {
                    c = (char)(hexval(v[i + 1]) * 16 + hexval(v[i + 2]));
                    i += 2;
                } else if (c == '+') {
                    c = ' ';
                }
                if (buf_addc(b, c) < 0)
                    return -1;
            }
            if (buf_reserve(b, 1) < 0)
                return -1;
            return 1;
        }
        s += len;
        if (*s == '&' || *s == ';')
            s++;
    }
    return 0;
}

static int url_decode(const struct decode_ctx *ctx, const uint8_t *u, size_t n,
                      struct lead_fields *out)
{
    const char *p = (const char *)u;
    while (n && isspace((unsigned char)*p))
        p++, n--;
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    if (!decode_util_prefix((const uint8_t *)p, n, "http://") &&
        !decode_util_prefix((const uint8_t *)p, n, "https://"))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] <= ' ' || p[i] == 0x7F)
            return 0; /* a link has no spaces or controls: this is text */

    char *url = decode_util_text(ctx, p, n, NULL, "url", &out->warnings);
    if (!url)
        return -1;
    int rc = -1;
    char *id = NULL;
    struct buf b = {0};
    if (lead_set(&out->format, "url") < 0 || strv_push_unique(&out->urls, url) < 0)
        goto out;
    const char *param = decode_util_profile(ctx, "url_param");
    const char *pattern = decode_util_profile(ctx, "url_pattern");
    int m = *pattern ? decode_util_regex(ctx, "url_pattern", url, *param ? NULL : &id) : 1;
    if (m < 0 && m != -2)
        goto out;
    if (m == 1 && *param) {
        int q = query_param(url, param, &b);
        if (q < 0)
            goto out;
        if (q == 1 && b.len &&
            decode_util_set(ctx, &out->badge_id, b.data, b.len, NULL, "url", &out->warnings) < 0)
            goto out;
    } else if (m == 1 && id && *id) {
        out->badge_id = id;
        id = NULL;
    }
    rc = 1;
out:
    free(id);
    free(url);
    buf_free(&b);
    return rc;
}

const struct decoder decode_url = {"url", url_decode};
