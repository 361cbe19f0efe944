// SPDX-License-Identifier: Apache-2.0
/*
 * card — barcode first, then OCR (see card.h).
 */
#include "firmware/card/card.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <leptonica/allheaders.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zbar.h>

#include "firmware/base/buf.h"
#include "firmware/base/log.h"

struct card_reader {
    struct ocr *ocr;
    zbar_image_scanner_t *zbar;
};

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Tesseract tries its languages in order. With English first, large CJK
 * names came back as Latin look-alikes ("FR" for 李美玲) and German lost its
 * umlauts, while the CJK and other Latin-script models read English contact
 * lines well: they go first. Models of other scripts misread Latin text
 * (phone numbers and addresses on Indian cards): they go after English. */
static const char *const after_english[] = {"hin", "mar", "nep", "san", "ben", "tam", "tel",
                                            "kan", "mal", "guj", "pan", "ara", "fas", "urd",
                                            "heb", "tha", "rus", "ukr", "ell", NULL};

static bool goes_first(const char *lang, size_t l)
{
    for (int i = 0; after_english[i]; i++)
        if (strlen(after_english[i]) == l && !strncmp(after_english[i], lang, l))
            return false;
    return true;
}

/* Appends the languages of list for which goes_first() == first. */
static void add_langs(struct buf *b, const char *list, bool first)
{
    const char *p = list ? list : "";
    while (*p) {
        size_t l = strcspn(p, ",+ ");
        if (l && !(l == 3 && !strncmp(p, "eng", 3)) && goes_first(p, l) == first) {
            if (b->len)
                buf_addc(b, '+');
            buf_add(b, p, l);
        }
        p += l;
        while (*p == ',' || *p == '+' || *p == ' ')
            p++;
    }
}

/*
 * "eng,hin,chi_tra" -> "chi_tra+eng+hin": English always. With no language
 * but English, Tesseract's script model for all Latin-script languages
 * (CARD_LATIN_MODEL, tesseract-ocr-script-latn) instead of English alone,
 * which reads Lucía, Étienne and Wiśniewski without their accents; it costs
 * about 1.5 times English's time per card (docs/CARDS.md). Shows that name
 * their languages get those models, which know their own accents.
 */
static char *tess_langs(const char *languages, bool latin)
{
    struct buf b = {0};
    add_langs(&b, languages, true);
    size_t others = b.len;
    add_langs(&b, languages, false);
    others += b.len;
    buf_reset(&b);
    add_langs(&b, languages, true);
    if (!others && latin)
        buf_adds(&b, CARD_LATIN_MODEL);
    else
        buf_adds(&b, b.len ? "+eng" : "eng");
    add_langs(&b, languages, false);
    if (buf_addc(&b, '\0') < 0) {
        buf_free(&b);
        return NULL;
    }
    return b.data;
}

struct card_reader *card_reader_new(const char *languages, struct err *e)
{
    struct card_reader *r = calloc(1, sizeof *r);
    char *langs = tess_langs(languages, true);
    if (!r || !langs) {
        free(r);
        free(langs);
        err_set(e, ERR_INTERNAL, "card: out of memory");
        return NULL;
    }
    r->ocr = ocr_new(langs, e);
    if (!r->ocr && strstr(langs, CARD_LATIN_MODEL)) {
        /* Without the Latin script model cards are still read, in English. */
        log_warn("card", "%s; reading Latin-script cards with English only", e->msg);
        err_clear(e);
        free(langs);
        langs = tess_langs(languages, false);
        r->ocr = langs ? ocr_new(langs, e) : NULL;
    }
    free(langs);
    if (!r->ocr || !(r->zbar = zbar_image_scanner_create())) {
        if (r->ocr)
            err_set(e, ERR_INTERNAL, "card: cannot create the zbar scanner");
        card_reader_free(r);
        return NULL;
    }
    zbar_image_scanner_set_config(r->zbar, 0, ZBAR_CFG_ENABLE, 1);
    return r;
}

void card_reader_free(struct card_reader *r)
{
    if (!r)
        return;
    ocr_free(r->ocr);
    if (r->zbar)
        zbar_image_scanner_destroy(r->zbar);
    free(r);
}

const char *card_reader_langs(const struct card_reader *r)
{
    return ocr_langs(r->ocr);
}

/* Looks for a barcode; 1 found (out filled), 0 none, -1 ENOMEM. */
static int scan_barcode(struct card_reader *r, PIX *image, struct card_read *out)
{
    PIX *g = pixConvertTo8(image, 0);
    l_uint8 *data = NULL;
    size_t nbytes = 0;
    int rc = -1;
    if (!g || pixGetRasterData(g, &data, &nbytes) != 0)
        goto out;
    zbar_image_t *zi = zbar_image_create();
    if (!zi)
        goto out;
    zbar_image_set_format(zi, zbar_fourcc('Y', '8', '0', '0'));
    zbar_image_set_size(zi, pixGetWidth(g), pixGetHeight(g));
    zbar_image_set_data(zi, data, nbytes, NULL);
    rc = 0;
    if (zbar_scan_image(r->zbar, zi) > 0) {
        const zbar_symbol_t *s = zbar_image_first_symbol(zi);
        unsigned len = zbar_symbol_get_data_length(s);
        out->payload = malloc(len + 1);
        out->symbology = strdup(zbar_get_symbol_name(zbar_symbol_get_type(s)));
        if (!out->payload || !out->symbology) {
            rc = -1;
        } else {
            memcpy(out->payload, zbar_symbol_get_data(s), len);
            out->payload[len] = 0;
            out->len = len;
            for (char *c = out->symbology; *c; c++)
                *c = (char)tolower((unsigned char)*c);
            /* zbar names QR "QR-Code"; the rest of matchbooth says "qr". */
            if (!strcmp(out->symbology, "qr-code"))
                strcpy(out->symbology, "qr");
            out->coded = true;
            rc = 1;
        }
    }
    zbar_image_destroy(zi);
out:
    free(data);
    pixDestroy(&g);
    return rc;
}

int card_reader_read(struct card_reader *r, PIX *image, const char *country, struct card_read *out,
                     struct err *e)
{
    double t0 = now_ms();
    int z = scan_barcode(r, image, out);
    if (z < 0) {
        card_read_free(out);
        return err_set(e, ERR_INTERNAL, "card: out of memory reading a barcode");
    }
    if (z == 0) {
        if (ocr_read(r->ocr, image, &out->ocr, e) < 0)
            return -1;
        struct card_line *cl = calloc(out->ocr.n ? out->ocr.n : 1, sizeof *cl);
        if (!cl) {
            card_read_free(out);
            return err_set(e, ERR_INTERNAL, "card: out of memory");
        }
        for (size_t i = 0; i < out->ocr.n; i++)
            cl[i] = (struct card_line){out->ocr.lines[i].text, out->ocr.lines[i].conf,
                                       out->ocr.lines[i].y, out->ocr.lines[i].h};
        int rc = card_fields_extract(cl, out->ocr.n, country, &out->fields, out->conf);
        free(cl);
        if (rc < 0) {
            card_read_free(out);
            return err_set(e, ERR_INTERNAL, "card: out of memory");
        }
    }
    out->ms = now_ms() - t0;
    return 0;
}

int card_reader_read_mem(struct card_reader *r, const uint8_t *img, size_t n, const char *country,
                         struct card_read *out, struct err *e)
{
    PIX *pix = n ? pixReadMem(img, n) : NULL;
    if (!pix)
        return err_set(e, ERR_INVALID, "card: not an image (PNG, JPEG, TIFF or PNM expected)");
    int rc = card_reader_read(r, pix, country, out, e);
    pixDestroy(&pix);
    return rc;
}

void card_read_free(struct card_read *rd)
{
    if (!rd)
        return;
    free(rd->symbology);
    free(rd->payload);
    lead_fields_free(&rd->fields);
    ocr_result_free(&rd->ocr);
    memset(rd, 0, sizeof *rd);
}

int card_read_to_json(const struct card_read *rd, cJSON *obj)
{
    if (rd->coded) {
        cJSON *bc = cJSON_AddObjectToObject(obj, "barcode");
        if (!bc || !cJSON_AddStringToObject(bc, "symbology", rd->symbology) ||
            !cJSON_AddStringToObject(bc, "payload", (const char *)rd->payload))
            return -1;
    } else {
        cJSON *rec = cJSON_AddObjectToObject(obj, "recognised");
        cJSON *conf = cJSON_AddObjectToObject(obj, "confidence");
        cJSON *lines = cJSON_AddArrayToObject(obj, "lines");
        if (!rec || !conf || !lines || lead_fields_to_json(&rd->fields, rec) < 0 ||
            card_fields_conf_to_json(rd->conf, conf) < 0)
            return -1;
        for (size_t i = 0; i < rd->ocr.n; i++) {
            cJSON *l = cJSON_CreateObject();
            if (!l || !cJSON_AddStringToObject(l, "text", rd->ocr.lines[i].text) ||
                !cJSON_AddNumberToObject(l, "conf", (int)rd->ocr.lines[i].conf)) {
                cJSON_Delete(l);
                return -1;
            }
            cJSON_AddItemToArray(lines, l);
        }
    }
    return cJSON_AddNumberToObject(obj, "ms", (double)(int)(rd->ms * 10) / 10) ? 0 : -1;
}

char *card_read_text(const struct card_read *rd)
{
    struct buf b = {0};
    for (size_t i = 0; i < rd->ocr.n; i++)
        if (buf_adds(&b, rd->ocr.lines[i].text) < 0 || buf_addc(&b, '\n') < 0) {
            buf_free(&b);
            return NULL;
        }
    if (buf_addc(&b, '\0') < 0) {
        buf_free(&b);
        return NULL;
    }
    return b.data;
}
