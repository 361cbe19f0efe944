// SPDX-License-Identifier: Apache-2.0
/*
 * country — table of the countries the decoders know (see country.h).
 *
 * The numbering data is the part of the ITU-T E.164 national plans needed to
 * turn a national number into an international one: what the trunk prefix is
 * and how many digits a complete number has. It is deliberately small; a
 * number from a country not listed here is kept as written.
 */
#include "firmware/decode/country.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const struct country countries[] = {
    {"HK", "852", "", 8, 8, "hong kong|hongkong|hong kong sar|hksar|香港|中國香港|中国香港|hkg"},
    {"MO", "853", "", 8, 8, "macau|macao|澳門|澳门|mac"},
    {"CN", "86", "0", 9, 11, "china|people's republic of china|prc|p.r. china|中国|中國|chn"},
    {"TW", "886", "0", 8, 9, "taiwan|taiwan roc|republic of china|台灣|台湾|臺灣|twn"},
    {"IN", "91", "0", 10, 10, "india|bharat|भारत|ind"},
    {"DE", "49", "0", 6, 13, "germany|deutschland|federal republic of germany|deu|ger"},
    {"FR", "33", "0", 9, 9, "france|république française|fra"},
    {"ES", "34", "", 9, 9, "spain|españa|espana|esp"},
    {"GB", "44", "0", 9, 10,
     "united kingdom|uk|great britain|england|scotland|wales|northern ireland|gbr"},
    {"US", "1", "1", 10, 10, "united states|united states of america|usa|u.s.a|u.s|america"},
    {"CA", "1", "1", 10, 10, "canada|can"},
    {"SG", "65", "", 8, 8, "singapore|新加坡|sgp"},
    {"JP", "81", "0", 9, 10, "japan|nippon|日本|jpn"},
    {"KR", "82", "0", 8, 10, "south korea|korea|republic of korea|대한민국|韓國|韩国|kor"},
    {"MY", "60", "0", 8, 10, "malaysia|mys"},
    {"TH", "66", "0", 8, 9, "thailand|ประเทศไทย|tha"},
    {"PH", "63", "0", 8, 10, "philippines|phl"},
    {"ID", "62", "0", 8, 12, "indonesia|idn"},
    {"VN", "84", "0", 9, 10, "vietnam|viet nam|việt nam|vnm"},
    {"AU", "61", "0", 9, 9, "australia|aus"},
    {"NZ", "64", "0", 8, 10, "new zealand|nzl"},
    {"AE", "971", "0", 8, 9, "united arab emirates|uae|are"},
    {"IT", "39", "", 6, 11, "italy|italia|ita"},
    {"NL", "31", "0", 9, 9, "netherlands|the netherlands|holland|nederland|nld"},
    {"BE", "32", "0", 8, 9, "belgium|belgique|belgië|belgie|bel"},
    {"CH", "41", "0", 9, 9, "switzerland|schweiz|suisse|svizzera|che"},
    {"AT", "43", "0", 4, 13, "austria|österreich|osterreich|aut"},
    {"SE", "46", "0", 7, 9, "sweden|sverige|swe"},
    {"PL", "48", "", 9, 9, "poland|polska|pol"},
    {"PT", "351", "", 9, 9, "portugal|prt"},
    {"IE", "353", "0", 7, 9, "ireland|éire|eire|irl"},
    {"BR", "55", "0", 10, 11, "brazil|brasil|bra"},
    {"MX", "52", "", 10, 10, "mexico|méxico|mex"},
    {"RU", "7", "8", 10, 10, "russia|russian federation|россия|rus"},
};

#define NCOUNTRIES (sizeof countries / sizeof countries[0])

const struct country *country_by_code(const char *alpha2)
{
    if (!alpha2 || strlen(alpha2) != 2)
        return NULL;
    for (size_t i = 0; i < NCOUNTRIES; i++)
        if (!strcasecmp(countries[i].alpha2, alpha2))
            return &countries[i];
    return NULL;
}

/* Compares the candidate (already trimmed, n bytes) with one listed name:
 * ASCII case-insensitively, other bytes exactly. */
static int name_eq(const char *s, size_t n, const char *name, size_t len)
{
    if (n != len)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)s[i]) != tolower((unsigned char)name[i]))
            return 0;
    return 1;
}

const struct country *country_by_name(const char *name, size_t n)
{
    if (!name)
        return NULL;
    while (n && isspace((unsigned char)*name))
        name++, n--;
    while (n && (isspace((unsigned char)name[n - 1]) || name[n - 1] == '.'))
        n--;
    if (n == 0 || n > 64)
        return NULL;
    for (size_t i = 0; i < NCOUNTRIES; i++) {
        if (name_eq(name, n, countries[i].alpha2, 2))
            return &countries[i];
        const char *s = countries[i].names;
        while (*s) {
            const char *bar = strchr(s, '|');
            size_t len = bar ? (size_t)(bar - s) : strlen(s);
            if (name_eq(name, n, s, len))
                return &countries[i];
            s += len + (bar ? 1 : 0);
        }
    }
    return NULL;
}

const struct country *country_by_calling_code(const char *d, size_t *cclen)
{
    const struct country *best = NULL;
    size_t bestlen = 0;
    for (size_t i = 0; i < NCOUNTRIES; i++) {
        size_t len = strlen(countries[i].cc);
        if (len > bestlen && !strncmp(d, countries[i].cc, len)) {
            best = &countries[i];
            bestlen = len;
        }
    }
    if (cclen)
        *cclen = bestlen;
    return best;
}
