// SPDX-License-Identifier: Apache-2.0
/*
 * test_phone — E.164 normalisation: per country (national numbers with and
 * without trunk prefix), international forms (+, 00, 011), and the cases
 * that must stay as written (unknown country, extensions, wrong lengths).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/decode/country.h"
#include "firmware/decode/phone.h"
#include "tests/tap.h"

static void check(const char *in, const char *country, const char *want)
{
    char *got = phone_normalize(in, country);
    char name[200];
    snprintf(name, sizeof name, "'%s' in %s", in, country ? country : "(none)");
    is_str(got, want, name);
    free(got);
}

int main(void)
{
    /* national numbers, per country */
    check("9123 4567", "HK", "+85291234567");
    check("2345-6789", "hk", "+85223456789");
    check("138 1234 5678", "CN", "+8613812345678");
    check("010 6552 9988", "CN", "+861065529988");
    check("02 2345 6789", "TW", "+886223456789");
    check("0912 345 678", "TW", "+886912345678");
    check("098765 43210", "IN", "+919876543210");
    check("98765 43210", "IN", "+919876543210");
    check("030 1234567", "DE", "+49301234567");
    check("0151 23456789", "DE", "+4915123456789");
    check("01 23 45 67 89", "FR", "+33123456789");
    check("06 12 34 56 78", "FR", "+33612345678");
    check("912 345 678", "ES", "+34912345678");
    check("020 7946 0958", "GB", "+442079460958");
    check("07700 900123", "GB", "+447700900123");
    check("(415) 555-0100", "US", "+14155550100");
    check("1-415-555-0100", "US", "+14155550100");
    check("604.555.0199", "CA", "+16045550199");
    check("6123 4567", "SG", "+6561234567");
    check("03-1234-5678", "JP", "+81312345678");
    check("090-1234-5678", "JP", "+819012345678");
    check("06 1234 5678", "IT", "+390612345678");
    check("02 9123 4567", "AU", "+61291234567");
    /* international forms, whatever the country */
    check("+852 9123 4567", NULL, "+85291234567");
    check("+49 (0)30 1234567", "US", "+49301234567");
    check("+44 0 20 7946 0958", NULL, "+442079460958");
    check("0033 6 12 34 56 78", NULL, "+33612345678");
    check("00852 2123 4567", "HK", "+85221234567");
    check("011 44 20 7946 0958", "US", "+442079460958");
    check("tel:+1-212-555-0101", NULL, "+12125550101");
    check("+1 (604) 555-0199", NULL, "+16045550199");
    check("\xc2\xa0+65\xc2\xa0"
          "6123\xc2\xa0"
          "4567",
          NULL, "+6561234567");
    check("(852) 2123-4567", "HK", "+85221234567");
    check("+7 495 123-45-67", NULL, "+74951234567");
    check("+999 1234 5678", NULL, "+99912345678"); /* plan unknown: digits kept */
    /* kept as written */
    check("01 23 45 67 89", NULL, "01 23 45 67 89");
    check("  2345 6789  ", "ZZ", "2345 6789");
    check("+1 212 555 1212 ext. 33", NULL, "+1 212 555 1212 ext. 33");
    check("123", "HK", "123");
    check("+852 21", NULL, "+852 21");
    check("call me", "HK", "call me");
    check("9123 45678", "HK", "9123 45678");
    check("", "HK", "");
    check("12345678901234567890123456789", "HK", "12345678901234567890123456789");
    ok(phone_normalize(NULL, "HK") == NULL, "NULL in, NULL out");

    /* country names as cards write them */
    static const struct {
        const char *name, *code;
    } names[] = {{"Hong Kong", "HK"}, {"香港", "HK"},    {"Deutschland", "DE"}, {"USA", "US"},
                 {"u.s.a.", "US"},    {" india ", "IN"}, {"台灣", "TW"},        {"中国", "CN"},
                 {"España", "ES"},    {"UK", "GB"},      {"jp", "JP"},          {"日本", "JP"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const struct country *c = country_by_name(names[i].name, strlen(names[i].name));
        is_str(c ? c->alpha2 : NULL, names[i].code, names[i].name);
    }
    ok(!country_by_name("Narnia", 6), "unknown country name");
    return done_testing();
}
