// SPDX-License-Identifier: Apache-2.0
/*
 * store_card — the card_reads table: for each business card stored through
 * OCR, the fields as recognised, their confidences, the fields as the
 * visitor corrected them, and (only when the show says so) the card image.
 * Rows go with their lead (ON DELETE CASCADE), so the image never outlives
 * the lead. Same thread rules as the store; statements prepared once per
 * connection (store_db.h).
 */
#ifndef MB_STORE_CARD_H
#define MB_STORE_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/base/err.h"

struct store;
struct cJSON;

/* One card read; every pointer is only borrowed for store_card_save(). */
struct store_card_rec {
    int64_t scan_id;
    const char *lead_id;            /* NULL or "": a card kept as an unknown scan */
    const char *languages;          /* "chi_tra+eng"; NULL: "" */
    const struct cJSON *recognised; /* lead fields as JSON; not NULL */
    const struct cJSON *confidence; /* {field: 0..1}; not NULL */
    const struct cJSON *corrected;  /* lead fields after review, or NULL */
    const uint8_t *image;           /* NULL: not kept */
    size_t image_len;
    const char *image_type; /* "image/jpeg", "image/png"; NULL: from the magic bytes */
};

/*
 * Adds one row, durably. Returns its id, or -1 with e set (ERR_FULL for a
 * full disk, ERR_IO for another SQLite error, with SQLite's message;
 * ERR_INTERNAL when out of memory).
 */
int64_t store_card_save(struct store *st, const struct store_card_rec *rec, struct err *e);

/*
 * The card reads of a lead, newest first, as a JSON array of {"id",
 * "languages", "recognised", "confidence", "corrected", "changed": [field
 * names the visitor corrected], "image_type", "image_bytes", "read_ms"}
 * (the image itself: store_card_image). *out is the caller's (an empty
 * array for a lead without card reads). Returns 0, or -1 with e set and
 * *out NULL.
 */
int store_card_get(struct store *st, const char *lead_id, struct cJSON **out, struct err *e);

/*
 * The image of read id: *img (malloc'd, the caller's) with *len bytes and
 * *type (malloc'd), or all three NULL/0 when the image was not kept.
 * Returns 0, or -1 with e set (ERR_NOTFOUND if no such read).
 */
int store_card_image(struct store *st, int64_t id, uint8_t **img, size_t *len, char **type,
                     struct err *e);

/* "image/png", "image/jpeg" or "application/octet-stream" from magic bytes
 * (a static string). */
const char *store_card_image_type(const uint8_t *p, size_t n);

#endif
