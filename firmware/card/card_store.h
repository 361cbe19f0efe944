// SPDX-License-Identifier: Apache-2.0
/*
 * card_store — the card_reads table: for each business card stored through
 * OCR, the fields as recognised, their confidences, the fields as the
 * visitor corrected them, and (only when the show says so) the card image.
 * Rows go with their lead (ON DELETE CASCADE), so the image never outlives
 * the lead. Same thread rules as the store.
 */
#ifndef MB_CARD_STORE_H
#define MB_CARD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/base/err.h"

struct store;
struct cJSON;

struct card_store_rec {
    int64_t scan_id;
    const char *lead_id;            /* NULL for a card kept as an unknown scan */
    const char *languages;          /* "chi_tra+eng" */
    const struct cJSON *recognised; /* lead fields as JSON */
    const struct cJSON *confidence; /* {field: 0..1} */
    const struct cJSON *corrected;  /* lead fields after review, or NULL */
    const uint8_t *image;           /* NULL: not kept */
    size_t image_len;
    const char *image_type; /* "image/jpeg", "image/png" */
};

/* Adds one row. Returns its id, or -1 with e (sqlite3_errmsg passed on). */
int64_t card_store_save(struct store *st, const struct card_store_rec *rec, struct err *e);

/*
 * The card reads of a lead, newest first, as a JSON array of {"id",
 * "languages", "recognised", "confidence", "corrected", "changed": [field
 * names the visitor corrected], "image_type", "image_bytes", "read_ms"}
 * (the image itself: card_store_image). *out is the caller's.
 */
int card_store_get(struct store *st, const char *lead_id, struct cJSON **out, struct err *e);

/* The image of read id: *img malloc'd (the caller's) or NULL when not kept.
 * ERR_NOTFOUND if no such read. */
int card_store_image(struct store *st, int64_t id, uint8_t **img, size_t *len, char **type,
                     struct err *e);

/* "image/png", "image/jpeg" or "application/octet-stream" from magic bytes. */
const char *card_store_image_type(const uint8_t *p, size_t n);

#endif
