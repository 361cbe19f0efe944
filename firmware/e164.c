/*
 * e164 — the country table and the normaliser (see e164.h).
 */
#include "firmware/e164.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct e164_country {
    const char *iso;
    int code;
    bool trunk0;    /* national numbers start with a trunk "0" to drop */
    int nmin, nmax; /* national significant number length, without trunk */
};

/* The countries of the shows this kiosk goes to; add rows as needed. */
static const struct e164_country e164_countries[] = {
    {"US", 1, false, 10, 10}, {"CA", 1, false, 10, 10},  {"GB", 44, true, 9, 10},
    {"IE", 353, true, 7, 9},  {"DE", 49, true, 6, 13},   {"AT", 43, true, 4, 13},
    {"CH", 41, true, 9, 9},   {"FR", 33, true, 9, 9},    {"NL", 31, true, 9, 9},
    {"BE", 32, true, 8, 9},   {"IT", 39, false, 6, 11},  {"ES", 34, false, 9, 9},
    {"SE", 46, true, 7, 13},  {"DK", 45, false, 8, 8},   {"NO", 47, false, 8, 8},
    {"FI", 358, true, 5, 12}, {"PL", 48, false, 9, 9},   {"HK", 852, false, 8, 8},
    {"MO", 853, false, 8, 8}, {"CN", 86, true, 9, 11},   {"TW", 886, true, 8, 9},
    {"JP", 81, true, 9, 10},  {"KR", 82, true, 8, 10},   {"SG", 65, false, 8, 8},
    {"MY", 60, true, 8, 10},  {"TH", 66, true, 8, 9},    {"VN", 84, true, 9, 10},
    {"PH", 63, true, 8, 10},  {"ID", 62, true, 8, 12},   {"IN", 91, true, 10, 10},
    {"AE", 971, true, 8, 9},  {"SA", 966, true, 8, 9},   {"IL", 972, true, 8, 9},
    {"TR", 90, true, 10, 10}, {"AU", 61, true, 9, 9},    {"NZ", 64, true, 8, 10},
    {"BR", 55, true, 10, 11}, {"MX", 52, false, 10, 10}, {"ZA", 27, true, 9, 9},
    {NULL, 0, false, 0, 0},
};

static const struct e164_country *country_find(const char *iso)
{
    for (const struct e164_country *c = e164_countries; iso && c->iso; c++)
        if (!strcasecmp(c->iso, iso))
            return c;
    return NULL;
}

int e164_country_code(const char *country)
{
    const struct e164_country *c = country_find(country);
    return c ? c->code : 0;
}

bool e164_normalise(const char *s, const char *country, char *out, size_t outsz)
{
    char d[32];
    size_t n = 0;
    bool plus = false;
    const char *p = s;
    while (*p && !isdigit((unsigned char)*p) && *p != '+')
        p++;
    if (*p == '+') {
        plus = true;
        p++;
    }
    for (; *p && n < sizeof d - 1; p++) {
        if (isdigit((unsigned char)*p))
            d[n++] = *p;
        else if (isalpha((unsigned char)*p))
            break; /* "ext. 12", "x12": not part of the number */
    }
    d[n] = '\0';
    if (!plus && n > 2 && d[0] == '0' && d[1] == '0') {
        plus = true; /* 00 international prefix */
        memmove(d, d + 2, n - 1);
        n -= 2;
    }
    if (plus) {
        /* "+44 (0)20 …": the bracketed trunk zero is printed but not dialled. */
        const char *lp = strstr(s, "(0)");
        if (lp) {
            size_t before = 0;
            for (const char *q = s; q < lp; q++)
                before += isdigit((unsigned char)*q) != 0;
            if (before < n && d[before] == '0') {
                memmove(d + before, d + before + 1, n - before);
                n--;
            }
        }
        snprintf(out, outsz, "+%s", d);
        return n >= 8 && n <= 15;
    }
    const struct e164_country *c = country_find(country);
    if (!c) {
        snprintf(out, outsz, "%s", d);
        return false;
    }
    const char *nat = d;
    size_t nn = n;
    if (c->code == 1 && nn == 11 && nat[0] == '1') {
        nat++; /* NANP numbers are often written 1 415 555 0134 */
        nn--;
    } else if (c->trunk0 && nn > 1 && nat[0] == '0') {
        nat++;
        nn--;
    }
    if ((int)nn < c->nmin || (int)nn > c->nmax) {
        snprintf(out, outsz, "%s", d);
        return false;
    }
    snprintf(out, outsz, "+%d%s", c->code, nat);
    return true;
}
