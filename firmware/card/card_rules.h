// SPDX-License-Identifier: Apache-2.0
/*
 * card_rules — the rule tables of the business-card field reader
 * (card_fields.c walks them): labels that open a line ("Tel:", "電郵：",
 * "Тел."), keywords with a weight per field in each language read, the
 * weights from line features to fields, and the scores a line needs.
 */
#ifndef MB_CARD_RULES_H
#define MB_CARD_RULES_H

#include <stddef.h>

#include "firmware/card/card_fields.h"

enum label_kind { LBL_PHONE, LBL_FAX, LBL_EMAIL, LBL_URL, LBL_ADDRESS, LBL_NAME, LBL_COMPANY };

/* A label opens a line and says what follows; it is removed from the text.
 * One-letter labels count only with a colon after them ("T: …"). */
struct card_label {
    const char *text;
    enum label_kind kind;
};
extern const struct card_label card_labels[];
extern const size_t card_labels_n;

/* Keywords give a line weight towards a field. Latin keywords match whole
 * words, case-insensitively, unless KW_SUB (inside compounds:
 * "Königstraße", "Vertriebsleiterin"); keywords in other scripts match
 * anywhere, as written. */
enum { KW_WORD = 0, KW_SUB = 1 };
struct card_keyword {
    const char *text;
    enum card_field field;
    float weight;
    int mode;
};
extern const struct card_keyword card_keywords[];
extern const size_t card_keywords_n;

/* Line features, computed once per line, each scaled 0..1 (keyword scores
 * are the sum of the weights of the keywords found, capped at 6). */
enum card_feature {
    FT_KW_TITLE,
    FT_KW_COMPANY,
    FT_KW_ADDRESS,
    FT_NAME_SHAPE, /* 2-4 capitalised words, 2-4 Han characters, 2-3 Devanagari words */
    FT_DIGITS,     /* contains a digit */
    FT_POSTCODE,   /* a 4-6 digit group, a UK postcode, "CA 94105" */
    FT_COMMA,
    FT_TALLEST, /* the largest text on the card */
    FT_TOP,     /* the first candidate line from the top */
    FT_LONG,    /* more than 30 characters */
    FT_LABEL_ADDRESS,
    FT_LABEL_NAME,
    FT_LABEL_COMPANY,
    FT_N
};

/* How much each feature speaks for each field (score = sum of weight x value). */
struct card_weight {
    enum card_feature ft;
    enum card_field field;
    float w;
};
extern const struct card_weight card_weights[];
extern const size_t card_weights_n;

/* The score a line needs to fill a field (name, title, company, address);
 * below it the field stays empty for the visitor to type. */
extern const float card_min_score[4];

/* The score giving confidence 1. */
#define CARD_FULL_SCORE 5.0f

/* A line next to the address joins it with this address score. */
#define CARD_ADDRESS_JOIN_SCORE 2.0f

/* Points a company legal form (ISO 20275) gives a line; a form of two
 * letters ("SA", "AG") gives less, being more often something else. */
#define CARD_LEGAL_FORM_POINTS       4.0f
#define CARD_LEGAL_FORM_SHORT_POINTS 2.5f

#endif
