// SPDX-License-Identifier: Apache-2.0
/*
 * country — the countries the decoders know: ISO 3166-1 alpha-2 code, the
 * names a badge or business card may write (English and native), and the
 * telephone numbering facts phone.c needs (calling code, trunk prefix, length
 * of a national significant number).
 */
#ifndef MB_COUNTRY_H
#define MB_COUNTRY_H

#include <stddef.h>

struct country {
    const char *alpha2;   /* "HK" */
    const char *cc;       /* calling code digits, "852" */
    const char *trunk;    /* national trunk prefix dropped for E.164: "0", "1", "8" or "" */
    int nsn_min, nsn_max; /* digits of a national significant number */
    const char *names;    /* '|'-separated names, matched case-insensitively */
};

/* The country with alpha-2 code (case-insensitive), or NULL. */
const struct country *country_by_code(const char *alpha2);

/*
 * The country a written name (n bytes, UTF-8) or alpha-2/alpha-3-ish code
 * denotes ("Hong Kong", "香港", "Deutschland", "USA", "hk"), or NULL.
 * Surrounding white space and a trailing dot are ignored.
 */
const struct country *country_by_name(const char *name, size_t n);

/* The country whose calling code starts the digit string d and is
 * longest (NANP "1" gives "US"), or NULL. *cclen gets its length. */
const struct country *country_by_calling_code(const char *d, size_t *cclen);

#endif
