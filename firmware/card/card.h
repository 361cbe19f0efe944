// SPDX-License-Identifier: Apache-2.0
/*
 * card — reads one business-card image, whatever it came from (camera frame,
 * file, bytes over the control socket): a QR code or barcode on it wins
 * (zbar; its payload goes to the badge decoders and OCR is skipped),
 * otherwise OCR (ocr.h) and the field rules (card_fields.h).
 *
 * A struct card_reader holds the warm Tesseract engine for one set of
 * languages and a zbar scanner; one thread at a time. Nothing here touches
 * the store: card_service.c decides whether a read is shown for review or
 * stored.
 */
#ifndef MB_CARD_H
#define MB_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/card/card_fields.h"
#include "firmware/base/err.h"
#include "firmware/base/lead.h"
#include "firmware/card/ocr.h"

struct Pix;
struct cJSON;
struct card_reader;

struct card_read {
    /* A barcode was found: its bytes (the caller decodes them). */
    bool coded;
    char *symbology; /* "qr", "code128" … (lower case), or NULL */
    uint8_t *payload;
    size_t len;
    /* No barcode: what OCR recognised (format "ocr"; may be all empty). */
    struct lead_fields fields;
    float conf[CARD_NFIELDS];
    struct ocr_result ocr;
    double ms; /* time spent reading, milliseconds */
};

/* Tesseract's model for every Latin-script language (accents included). */
#define CARD_LATIN_MODEL "Latin"

/*
 * Show languages "eng,chi_tra" or "eng+chi_tra" (English is always added;
 * with no other language, CARD_LATIN_MODEL is loaded instead of English
 * alone, or English when that model is not installed). Loads the models
 * once. NULL with e when a model is missing.
 */
struct card_reader *card_reader_new(const char *languages, struct err *e);
void card_reader_free(struct card_reader *r); /* NULL-safe */

/* The Tesseract language string in use ("chi_tra+eng"). */
const char *card_reader_langs(const struct card_reader *r);

/*
 * Reads an image (borrowed). country (ISO alpha-2 or NULL) is the default
 * for phone numbers. out must be zeroed; free it with card_read_free().
 * A card nobody can read gives empty fields and returns 0. Returns -1 with
 * e only on ENOMEM or a library failure.
 */
int card_reader_read(struct card_reader *r, struct Pix *image, const char *country,
                     struct card_read *out, struct err *e);

/* Same, from an encoded image (PNG, JPEG, PNM, TIFF …) in memory.
 * ERR_INVALID when the bytes are not an image Leptonica can decode. */
int card_reader_read_mem(struct card_reader *r, const uint8_t *img, size_t n, const char *country,
                         struct card_read *out, struct err *e);

void card_read_free(struct card_read *rd);

/*
 * Adds what was read to obj: "barcode": {"symbology", "payload"} when coded,
 * else "recognised": {lead fields}, "confidence": {field: 0..1},
 * "lines": [{"text", "conf"}], and "ms". 0 or -1 on ENOMEM.
 */
int card_read_to_json(const struct card_read *rd, struct cJSON *obj);

/*
 * The OCR text of a read, one line per recognised line (what is kept as the
 * scan's raw bytes). malloc'd; NULL on ENOMEM.
 */
char *card_read_text(const struct card_read *rd);

#endif
