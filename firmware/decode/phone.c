// SPDX-License-Identifier: Apache-2.0
/*
 * phone — E.164 normalisation of written telephone numbers (see phone.h).
 *
 * libphonenumber would know every plan, but it is C++ with ICU and protobuf
 * behind it; badges need the few rules in country.c (calling code, trunk
 * prefix, number length), and anything outside them is kept as written.
 */
#include "firmware/decode/phone.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "firmware/decode/country.h"

#define MAX_DIGITS 24

static char *as_written(const char *text)
{
    const char *s = text;
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return strndup(s, n);
}

static char *e164(const char *cc, const char *nsn)
{
    char *out = malloc(strlen(cc) + strlen(nsn) + 2);
    if (out)
        sprintf(out, "+%s%s", cc, nsn);
    return out;
}

static int fits(const struct country *c, size_t len)
{
    return (int)len >= c->nsn_min && (int)len <= c->nsn_max;
}

/* digits are international (after + or 00): calling code then number. */
static char *international(const char *text, const char *d)
{
    size_t n = strlen(d), cclen = 0;
    if (n < 7 || n > 15)
        return as_written(text);
    const struct country *c = country_by_calling_code(d, &cclen);
    if (!c)
        return e164("", d); /* a plan we do not know: + and the digits is still E.164 */
    const char *nsn = d + cclen;
    /* "+44 0 20 …" or "+49 (0)30 …" written without the parentheses: the
     * trunk prefix does not belong in the international form. */
    if (c->trunk[0] == '0' && nsn[0] == '0' && fits(c, strlen(nsn) - 1))
        nsn++;
    if (!fits(c, strlen(nsn)) && strcmp(c->cc, "1") != 0) {
        /* Outside the plan we know, but written internationally by the
         * owner: keep the digits they wrote. */
        return e164("", d);
    }
    if (!strcmp(c->cc, "1") && strlen(nsn) != 10)
        return as_written(text);
    return e164(c->cc, nsn);
}

char *phone_normalize(const char *text, const char *country)
{
    if (!text)
        return NULL;
    char d[MAX_DIGITS + 1];
    size_t nd = 0;
    int plus = 0, seen = 0;
    const char *s = text;
    while (*s && isspace((unsigned char)*s))
        s++;
    if (!strncasecmp(s, "tel:", 4))
        s += 4;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isdigit(ch)) {
            if (nd == MAX_DIGITS)
                return as_written(text);
            d[nd++] = (char)ch;
            seen = 1;
        } else if (ch == '+' && !seen && !plus) {
            plus = 1;
        } else if (ch == '(' && s[1] == '0' && s[2] == ')' && (plus || nd > 0)) {
            s += 2; /* "+49 (0)30": the optional trunk zero */
        } else if (ch == ' ' || ch == '-' || ch == '.' || ch == '(' || ch == ')' || ch == '/' ||
                   ch == '\t') {
            continue;
        } else if (ch == 0xC2 && (unsigned char)s[1] == 0xA0) {
            s++; /* no-break space */
        } else {
            return as_written(text); /* letters, extensions, anything else */
        }
    }
    d[nd] = 0;
    if (nd == 0)
        return as_written(text);
    if (plus)
        return international(text, d);
    const struct country *c = country_by_code(country);
    if (nd > 2 && d[0] == '0' && d[1] == '0')
        return international(text, d + 2);
    if (c && !strcmp(c->cc, "1") && nd > 3 && !strncmp(d, "011", 3))
        return international(text, d + 3);
    if (!c)
        return as_written(text);
    size_t tl = strlen(c->trunk);
    if (tl && !strncmp(d, c->trunk, tl) && fits(c, nd - tl))
        return e164(c->cc, d + tl);
    if (fits(c, nd) && !(tl && !strncmp(d, c->trunk, tl) && c->trunk[0] != '0'))
        return e164(c->cc, d);
    size_t cl = strlen(c->cc);
    if (!strncmp(d, c->cc, cl) && fits(c, nd - cl))
        return e164(c->cc, d + cl);
    return as_written(text);
}
