// SPDX-License-Identifier: Apache-2.0
/*
 * slip — ESC/POS rendering of the visitor slip (see slip.h).
 */
#include "drivers/slip.h"

#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define ESC 0x1b
#define GS  0x1d

static const char *json_str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int slip_from_json(const cJSON *j, struct slip *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    if (!cJSON_IsObject(j))
        return err_set(e, ERR_INVALID, "slip: not a JSON object");
    out->show = json_str(j, "show");
    out->greeting = json_str(j, "greeting");
    out->footer = json_str(j, "footer");
    const cJSON *job = cJSON_GetObjectItemCaseSensitive(j, "job");
    out->job = cJSON_IsNumber(job) && job->valuedouble > 0 ? (int64_t)job->valuedouble : 0;
    const cJSON *sup = cJSON_GetObjectItemCaseSensitive(j, "suppliers");
    if (sup && !cJSON_IsArray(sup))
        return err_set(e, ERR_INVALID, "slip: suppliers is not an array");
    int n = sup ? cJSON_GetArraySize(sup) : 0;
    if (n > 0) {
        out->suppliers = calloc((size_t)n, sizeof(*out->suppliers));
        if (!out->suppliers)
            return err_set(e, ERR_INTERNAL, "slip: out of memory");
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, sup)
    {
        if (!cJSON_IsObject(it)) {
            slip_free(out);
            return err_set(e, ERR_INVALID, "slip: supplier %zu is not an object", out->n);
        }
        out->suppliers[out->n].name = json_str(it, "name");
        out->suppliers[out->n].url = json_str(it, "url");
        out->n++;
    }
    return 0;
}

void slip_free(struct slip *s)
{
    free(s->suppliers);
    s->suppliers = NULL;
    s->n = 0;
}

/* Unicode code point to code page 1252, or '?' (0 for what is dropped). */
static uint8_t to_cp1252(uint32_t c)
{
    static const struct {
        uint16_t u;
        uint8_t b;
    } extra[] = {{0x20ac, 0x80}, {0x201a, 0x82}, {0x0192, 0x83}, {0x201e, 0x84}, {0x2026, 0x85},
                 {0x2020, 0x86}, {0x2021, 0x87}, {0x02c6, 0x88}, {0x2030, 0x89}, {0x0160, 0x8a},
                 {0x2039, 0x8b}, {0x0152, 0x8c}, {0x017d, 0x8e}, {0x2018, 0x91}, {0x2019, 0x92},
                 {0x201c, 0x93}, {0x201d, 0x94}, {0x2022, 0x95}, {0x2013, 0x96}, {0x2014, 0x97},
                 {0x02dc, 0x98}, {0x2122, 0x99}, {0x0161, 0x9a}, {0x203a, 0x9b}, {0x0153, 0x9c},
                 {0x017e, 0x9e}, {0x0178, 0x9f}};
    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
        return 0;
    if (c < 0x100)
        return (uint8_t)c;
    for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
        if (extra[i].u == c)
            return extra[i].b;
    return '?';
}

int slip_text_cp1252(struct buf *out, const char *utf8, size_t maxbytes)
{
    const uint8_t *p = (const uint8_t *)utf8;
    size_t n = strnlen(utf8, maxbytes);
    size_t i = 0;
    while (i < n) {
        uint32_t c = p[i];
        size_t len = 1;
        if (c >= 0xf0 && c < 0xf8)
            len = 4, c &= 0x07;
        else if (c >= 0xe0)
            len = c < 0xf0 ? 3 : 1, c &= 0x0f;
        else if (c >= 0xc2 && c < 0xe0)
            len = 2, c &= 0x1f;
        else if (c >= 0x80)
            len = 1, c = 0xfffd; /* stray byte */
        if (len > 1) {
            if (i + len > n) {
                c = 0xfffd;
                len = n - i;
            } else {
                for (size_t k = 1; k < len; k++) {
                    if ((p[i + k] & 0xc0) != 0x80) {
                        c = 0xfffd;
                        len = k;
                        break;
                    }
                    c = (c << 6) | (p[i + k] & 0x3f);
                }
            }
        }
        i += len;
        uint8_t b = to_cp1252(c);
        if (b && buf_addc(out, (char)b) < 0)
            return -1;
    }
    return 0;
}

static int add(struct buf *b, const uint8_t *p, size_t n)
{
    return buf_add(b, p, n);
}

#define ADD(...)                                                                                   \
    do {                                                                                           \
        static const uint8_t seq_[] = {__VA_ARGS__};                                               \
        if (add(out, seq_, sizeof(seq_)) < 0)                                                      \
            goto nomem;                                                                            \
    } while (0)

static int line(struct buf *out, const char *text)
{
    if (slip_text_cp1252(out, text, SLIP_TEXT_MAX) < 0 || buf_addc(out, '\n') < 0)
        return -1;
    return 0;
}

static int qr_native(struct buf *out, const char *url, size_t n, int module)
{
    size_t store = n + 3;
    uint8_t hdr[] = {GS,
                     '(',
                     'k',
                     4,
                     0,
                     49,
                     65,
                     50,
                     0, /* model 2 */
                     GS,
                     '(',
                     'k',
                     3,
                     0,
                     49,
                     67,
                     (uint8_t)module, /* module size */
                     GS,
                     '(',
                     'k',
                     3,
                     0,
                     49,
                     69,
                     49, /* error correction M */
                     GS,
                     '(',
                     'k',
                     (uint8_t)(store & 0xff),
                     (uint8_t)(store >> 8),
                     49,
                     80,
                     48};
    static const uint8_t print[] = {GS, '(', 'k', 3, 0, 49, 81, 48};
    if (add(out, hdr, sizeof(hdr)) < 0 || add(out, (const uint8_t *)url, n) < 0 ||
        add(out, print, sizeof(print)) < 0)
        return -1;
    return 0;
}

/* GS v 0: the QR code drawn as a 1-bit image, 4 modules of quiet zone. */
static int qr_raster(struct buf *out, const char *url, const struct slip_opts *o, struct err *e)
{
    QRcode *q = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q)
        return err_set(e, ERR_INVALID, "slip: QR code: cannot encode the URL");
    int modules = q->width + 8;
    int scale = o->qr_module;
    while (scale > 1 && modules * scale > o->dots)
        scale--;
    if (modules * scale > o->dots) {
        QRcode_free(q);
        return err_set(e, ERR_INVALID, "slip: QR code of %d modules is wider than %d dots", modules,
                       o->dots);
    }
    int px = modules * scale;
    int bpr = (px + 7) / 8;
    uint8_t hdr[] = {GS,
                     'v',
                     '0',
                     0,
                     (uint8_t)(bpr & 0xff),
                     (uint8_t)(bpr >> 8),
                     (uint8_t)(px & 0xff),
                     (uint8_t)(px >> 8)};
    if (add(out, hdr, sizeof(hdr)) < 0 || buf_reserve(out, (size_t)bpr * (size_t)px) < 0) {
        QRcode_free(q);
        return err_set(e, ERR_INTERNAL, "slip: out of memory");
    }
    for (int y = 0; y < px; y++) {
        uint8_t *row = (uint8_t *)out->data + out->len;
        memset(row, 0, (size_t)bpr);
        int my = y / scale - 4;
        for (int x = 0; x < px; x++) {
            int mx = x / scale - 4;
            if (mx < 0 || my < 0 || mx >= q->width || my >= q->width)
                continue;
            if (q->data[my * q->width + mx] & 1)
                row[x / 8] |= (uint8_t)(0x80 >> (x % 8));
        }
        out->len += (size_t)bpr;
    }
    out->data[out->len] = 0;
    QRcode_free(q);
    return 0;
}

int slip_escpos(const struct slip *s, const struct slip_opts *o, struct buf *out, struct err *e)
{
    ADD(ESC, '@');     /* initialise */
    ADD(ESC, 't', 16); /* code page WPC1252 */
    ADD(ESC, 'a', 1);  /* centre */
    if (s->show) {
        ADD(GS, '!', 0x11); /* double width and height */
        if (line(out, s->show) < 0)
            goto nomem;
        ADD(GS, '!', 0);
    }
    if (s->greeting) {
        ADD('\n');
        if (line(out, s->greeting) < 0)
            goto nomem;
    }
    size_t n = s->n < (size_t)o->max_suppliers
                   ? s->n
                   : (size_t)(o->max_suppliers > 0 ? o->max_suppliers : 0);
    for (size_t i = 0; i < n; i++) {
        const struct slip_supplier *sp = &s->suppliers[i];
        ADD('\n');
        if (sp->name) {
            ADD(ESC, 'E', 1); /* bold */
            if (line(out, sp->name) < 0)
                goto nomem;
            ADD(ESC, 'E', 0);
        }
        if (sp->url && *sp->url) {
            size_t ulen = strlen(sp->url);
            if (ulen > SLIP_URL_MAX)
                return err_set(e, ERR_INVALID, "slip: supplier %zu: URL longer than %d bytes",
                               i + 1, SLIP_URL_MAX);
            int r = o->qr == QR_NATIVE ? qr_native(out, sp->url, ulen, o->qr_module)
                                       : qr_raster(out, sp->url, o, e);
            if (r < 0)
                return o->qr == QR_NATIVE ? err_set(e, ERR_INTERNAL, "slip: out of memory") : -1;
            ADD('\n');
        }
    }
    if (s->footer) {
        ADD('\n');
        if (line(out, s->footer) < 0)
            goto nomem;
    }
    ADD(ESC, 'a', 0);
    ADD(GS, 'V', 66, 3); /* feed to the cutter (+3 lines) and cut */
    return 0;
nomem:
    return err_set(e, ERR_INTERNAL, "slip: out of memory");
}
