// SPDX-License-Identifier: Apache-2.0
/*
 * card_fields — turns the recognised lines of a business card into a lead's
 * fields: name, title, company, emails, phones (E.164 with the show's
 * country), website and address, each with a confidence from 0 to 1.
 *
 * The rules are data, in tables in card_fields.c: line labels ("Tel:",
 * "電郵：", "ईमेल:" …), keywords with a weight per field (titles, company
 * forms, address words in English, German, Chinese and Hindi), and a matrix
 * of weights from line features (keyword score, name shape, digits, size,
 * position …) to fields. Contact fields are found by pattern; each remaining
 * line is scored for name/title/company/address and the best scores win,
 * one field per line.
 */
#ifndef MB_CARD_FIELDS_H
#define MB_CARD_FIELDS_H

#include <stddef.h>

#include "firmware/base/lead.h"

struct cJSON;

/* One recognised line (what ocr.h's struct ocr_line carries). */
struct card_line {
    const char *text; /* UTF-8 */
    float conf;       /* 0..100 */
    int y, h;         /* top and height in pixels (h: the text size) */
};

enum card_field {
    CARD_NAME,
    CARD_TITLE,
    CARD_COMPANY,
    CARD_ADDRESS,
    CARD_EMAILS,
    CARD_PHONES,
    CARD_URLS,
    CARD_NFIELDS
};

/* "full_name", "title", "company", "address", "emails", "phones", "urls":
 * the lead_fields JSON member each field fills. */
const char *card_field_name(enum card_field f);

/*
 * Fills out (zeroed by the caller; format "ocr") from lines[0..n) and conf[]
 * with each field's confidence (0 when the field was not found). country
 * (ISO alpha-2 or NULL) is used for phone numbers printed without a country
 * code. Nothing found is not an error. Returns 0, or -1 on ENOMEM (out
 * freed).
 */
int card_fields_extract(const struct card_line *lines, size_t n, const char *country,
                        struct lead_fields *out, float conf[CARD_NFIELDS]);

/* Adds {"full_name": 0.93, …} for the fields found. 0 or -1 on ENOMEM. */
int card_fields_conf_to_json(const float conf[CARD_NFIELDS], struct cJSON *obj);

#endif
