// SPDX-License-Identifier: Apache-2.0
/*
 * export_text — UTF-8 checks and the JSON string-array decoder of the
 * exports (see export_text.h).
 */
#include "firmware/export/export_text.h"

#include <stdint.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t min, cp;
    if ((c & 0xe0) == 0xc0)
        len = 2, min = 0x80, cp = c & 0x1f;
    else if ((c & 0xf0) == 0xe0)
        len = 3, min = 0x800, cp = c & 0x0f;
    else if ((c & 0xf8) == 0xf0)
        len = 4, min = 0x10000, cp = c & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

bool export_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t l = utf8_seq(p + i, n - i);
        if (!l)
            return false;
        i += l;
    }
    return true;
}

int export_utf8_clean(struct buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t start = 0, i = 0;
    while (i < n) {
        size_t l = p[i] < 0x80 ? 1 : utf8_seq(p + i, n - i);
        if (l) {
            i += l;
            continue;
        }
        if (buf_add(b, s + start, i - start) < 0 || buf_add(b, "\xef\xbf\xbd", 3) < 0)
            return -1;
        start = ++i;
    }
    return buf_add(b, s + start, n - start);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int put_utf8(struct buf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80)
        u[0] = (char)cp, n = 1;
    else if (cp < 0x800)
        u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
    else if (cp < 0x10000)
        u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f)),
        u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
    else
        u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3f)),
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
    return buf_add(b, u, n);
}

/*
 * The store keeps emails, phones, urls and tags as JSON arrays of strings; a
 * small decoder of exactly that is much cheaper per lead than a JSON tree.
 */
int export_json_strings(const char *json, int (*fn)(const char *s, void *ud), void *ud)
{
    if (!json)
        return -1;
    const char *p = json;
    while (*p == ' ')
        p++;
    if (*p++ != '[')
        return -1;
    char small[512];
    struct buf b = {0};
    int r = -1;
    for (;;) {
        while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
            p++;
        if (*p == ']') {
            r = 0;
            break;
        }
        if (*p != '"')
            break;
        p++;
        /* The common case: no escapes, short — no copy into b needed. */
        const char *q = p;
        while (*q && *q != '"' && *q != '\\')
            q++;
        const char *item;
        if (*q == '"' && (size_t)(q - p) < sizeof small) {
            memcpy(small, p, (size_t)(q - p));
            small[q - p] = 0;
            item = small;
            p = q + 1;
        } else {
            buf_reset(&b);
            for (; *p && *p != '"'; p++) {
                const char *run = p;
                while (*p && *p != '"' && *p != '\\')
                    p++;
                buf_add(&b, run, (size_t)(p - run));
                if (*p != '\\')
                    break;
                p++;
                char c = *p;
                if (c == 'u') {
                    uint32_t cp = 0;
                    for (int k = 1; k <= 4; k++) {
                        int h = hexval(p[k]);
                        if (h < 0)
                            goto done;
                        cp = cp << 4 | (uint32_t)h;
                    }
                    p += 4;
                    if (cp >= 0xd800 && cp < 0xdc00 && p[1] == '\\' && p[2] == 'u') {
                        uint32_t lo = 0;
                        for (int k = 3; k <= 6; k++) {
                            int h = hexval(p[k]);
                            if (h < 0)
                                goto done;
                            lo = lo << 4 | (uint32_t)h;
                        }
                        if (lo >= 0xdc00 && lo < 0xe000) {
                            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                            p += 6;
                        }
                    }
                    put_utf8(&b, cp >= 0xd800 && cp < 0xe000 ? 0xfffd : cp);
                } else if (c) {
                    buf_addc(&b, c == 'n'   ? '\n'
                                 : c == 't' ? '\t'
                                 : c == 'r' ? '\r'
                                 : c == 'b' ? '\b'
                                 : c == 'f' ? '\f'
                                            : c);
                } else {
                    goto done;
                }
            }
            if (*p != '"')
                break;
            p++;
            item = b.data ? b.data : "";
        }
        int fr = fn(item, ud);
        if (fr) {
            r = fr;
            break;
        }
        while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
            p++;
        if (*p == ',')
            p++;
        else if (*p != ']')
            break;
    }
done:
    buf_free(&b);
    return r;
}
