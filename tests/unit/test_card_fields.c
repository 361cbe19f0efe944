// SPDX-License-Identifier: Apache-2.0
/*
 * test_card_fields — the field rules on recognised lines (no OCR here):
 * labels, emails, websites, phones in E.164 with the show's country, name /
 * title / company / address in English, German, Chinese and Hindi, fax
 * numbers ignored, empty input, CJK space stripping, E.164 edge cases.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/card/card_fields.h"
#include "firmware/card/ocr.h"
#include "tests/tap.h"

#define L(t, h)                                                                                    \
    {                                                                                              \
        t, 92.0f, 0, h                                                                             \
    }

static void extract(const struct card_line *lines, size_t n, const char *country,
                    struct lead_fields *f, float conf[CARD_NFIELDS])
{
    memset(f, 0, sizeof *f);
    ok(card_fields_extract(lines, n, country, f, conf) == 0, "extract %zu lines", n);
}

static const char *first(const struct strv *v)
{
    return v->n ? v->v[0] : "(none)";
}

int main(void)
{
    struct lead_fields f;
    float conf[CARD_NFIELDS];

    /* An English card in the usual order, with labels. */
    const struct card_line en[] = {
        L("Alice Johnson", 48),
        L("Senior Product Manager", 33),
        L("Brightwave Technologies Inc.", 38),
        L("T: +1 (415) 555-0134", 27),
        L("F: +1 (415) 555-0199", 27),
        L("E: alice.johnson@Brightwave.com", 30),
        L("W: www.brightwave.com", 30),
        L("500 Howard Street, San Francisco, CA 94105", 26),
    };
    extract(en, 8, "US", &f, conf);
    is_str(f.format, "ocr", "format ocr");
    is_str(f.full_name, "Alice Johnson", "name");
    is_str(f.given_name, "Alice", "given name");
    is_str(f.family_name, "Johnson", "family name");
    is_str(f.title, "Senior Product Manager", "title");
    is_str(f.company, "Brightwave Technologies Inc.", "company");
    is_str(first(&f.emails), "alice.johnson@brightwave.com", "email, lower-cased");
    is_str(first(&f.phones), "+14155550134", "phone in E.164");
    is_int((long long)f.phones.n, 1, "the fax number is not a phone");
    is_str(first(&f.urls), "www.brightwave.com", "website");
    is_str(f.address, "500 Howard Street, San Francisco, CA 94105", "address");
    for (int i = 0; i < CARD_NFIELDS; i++)
        ok(conf[i] > 0.5f && conf[i] <= 1.0f, "%s confidence %.2f", card_field_name(i),
           (double)conf[i]);
    lead_fields_free(&f);

    /* Order does not matter; a local number takes the show's country. */
    const struct card_line hk[] = {
        L("Unit 1203, 9 Canton Road, Tsim Sha Tsui, Kowloon", 26),
        L("grace.lee@pacificrim.com.hk", 30),
        L("Operations Manager", 33),
        L("9123 4567", 27),
        L("Grace Lee", 48),
        L("Pacific Rim Trading Co. Ltd.", 38),
        L("www. pacificrim.com.hk", 30),
    };
    extract(hk, 7, "HK", &f, conf);
    is_str(f.full_name, "Grace Lee", "name found below the address");
    is_str(f.title, "Operations Manager", "title");
    is_str(f.company, "Pacific Rim Trading Co. Ltd.", "company");
    is_str(first(&f.phones), "+85291234567", "HK local number in E.164");
    is_str(first(&f.urls), "www.pacificrim.com.hk", "website with OCR space after www.");
    is_str(f.address, "Unit 1203, 9 Canton Road, Tsim Sha Tsui, Kowloon",
           "address numbers are not a phone");
    lead_fields_free(&f);

    /* Traditional Chinese with full-width labels. */
    const struct card_line zh[] = {
        L("陳大文", 48),
        L("市場總監", 31),
        L("香港貿易有限公司", 36),
        L("電話：+852 2123 4567", 30),
        L("電郵 :chan.taiman@hktrade.com.hk", 32),
        L("網址：www.hktrade.com,hk", 30),
        L("香港中環皇后大道中88號12樓", 29),
    };
    extract(zh, 7, "HK", &f, conf);
    is_str(f.full_name, "陳大文", "Chinese name");
    is_str(f.family_name, "陳", "Chinese surname");
    is_str(f.given_name, "大文", "Chinese given name");
    is_str(f.title, "市場總監", "Chinese title");
    is_str(f.company, "香港貿易有限公司", "Chinese company (not the address)");
    is_str(f.address, "香港中環皇后大道中88號12樓", "Chinese address");
    is_str(first(&f.phones), "+85221234567", "phone after a full-width colon");
    is_str(first(&f.emails), "chan.taiman@hktrade.com.hk", "email after a CJK label");
    is_str(first(&f.urls), "www.hktrade.com.hk", "comma read for a dot in a web address");
    lead_fields_free(&f);

    /* Hindi name and title, Latin contact lines. */
    const struct card_line hi[] = {
        L("राजेश कुमार", 59),
        L("बिक्री प्रबंधक", 30),
        L("भारत टेक्नोलॉजीज़ प्राइवेट लिमिटेड", 40),
        L("फ़ोन: +91 98100 12345", 22),
        L("rajesh.kumar@bharattech.in", 30),
        L("Sector 62, Noida 201301", 26),
    };
    extract(hi, 6, "IN", &f, conf);
    is_str(f.full_name, "राजेश कुमार", "Hindi name");
    is_str(f.title, "बिक्री प्रबंधक", "Hindi title");
    is_str(f.company, "भारत टेक्नोलॉजीज़ प्राइवेट लिमिटेड", "Hindi company");
    is_str(first(&f.phones), "+919810012345", "Indian mobile");
    is_str(f.address, "Sector 62, Noida 201301", "Indian address");
    lead_fields_free(&f);

    /* German: compounds, trunk zero, Straße. */
    const struct card_line de[] = {
        L("Jürgen Müller-Lüdenscheidt", 48),
        L("Vertriebsleiterin", 31),
        L("Nordlicht Software AG", 36),
        L("Tel.: 030 9876 5432", 27),
        L("E-Mail: julia.fischer@nordlicht.de", 30),
        L("Friedrichstraße 68, 10117 Berlin", 26),
    };
    extract(de, 6, "DE", &f, conf);
    is_str(f.full_name, "Jürgen Müller-Lüdenscheidt", "German name with umlauts");
    is_str(f.title, "Vertriebsleiterin", "German title (compound)");
    is_str(f.company, "Nordlicht Software AG", "German company");
    is_str(first(&f.phones), "+493098765432", "German trunk zero dropped");
    is_str(f.address, "Friedrichstraße 68, 10117 Berlin", "German address");
    lead_fields_free(&f);

    /* Name and title on one line; an address on two. */
    const struct card_line two[] = {
        L("Kevin Brown | Technical Consultant", 40),
        L("Ironclad Security Solutions", 36),
        L("12/F, 88 Queen's Road", 26),
        L("Central, Hong Kong", 26),
        L("kbrown@ironcladsec.com", 30),
    };
    extract(two, 5, "HK", &f, conf);
    is_str(f.full_name, "Kevin Brown", "name split from 'Name | Title'");
    is_str(f.title, "Technical Consultant", "title split from 'Name | Title'");
    is_str(f.company, "Ironclad Security Solutions", "company");
    is_str(f.address, "12/F, 88 Queen's Road, Central, Hong Kong", "two address lines joined");
    lead_fields_free(&f);
    const struct card_line zh2[] = {
        L("陳大文｜市場總監", 40),
        L("香港貿易有限公司", 36),
    };
    extract(zh2, 2, "HK", &f, conf);
    is_str(f.full_name, "陳大文", "Chinese name split from a full-width bar");
    is_str(f.title, "市場總監", "Chinese title split from a full-width bar");
    is_str(f.company, "香港貿易有限公司", "company after a split line");
    lead_fields_free(&f);

    const struct card_line uk[] = {
        L("Michael Chen", 48),
        L("14 Baker Street", 26),
        L("London W1U 3BW", 26),
    };
    extract(uk, 3, "GB", &f, conf);
    is_str(f.address, "14 Baker Street, London W1U 3BW", "a UK postcode line joins the address");
    lead_fields_free(&f);

    /* Nothing readable: empty fields, no error. */
    extract(NULL, 0, "HK", &f, conf);
    ok(lead_fields_empty(&f), "no lines: empty fields");
    ok(conf[CARD_NAME] == 0 && conf[CARD_PHONES] == 0, "no lines: no confidence");
    lead_fields_free(&f);
    const struct card_line junk[] = {L("~~ ,. |", 30), L("ii", 10), L("", 5)};
    extract(junk, 3, NULL, &f, conf);
    ok(!f.full_name && !f.company && !f.emails.n && !f.phones.n, "noise gives no fields (%s %s %s)",
       f.full_name, f.company, f.address);
    lead_fields_free(&f);

    /* CJK spaces. */
    char s1[] = "陳 大 文", s2[] = "Chan Tai Man 陳 大 文", s3[] = "九 龍 觀 塘 道 388 號",
         s4[] = "Tel 2345 6789";
    ocr_strip_cjk_spaces(s1);
    ocr_strip_cjk_spaces(s2);
    ocr_strip_cjk_spaces(s3);
    ocr_strip_cjk_spaces(s4);
    is_str(s1, "陳大文", "spaces between Han characters removed");
    is_str(s2, "Chan Tai Man 陳大文", "Latin spaces kept, Han ones removed");
    is_str(s3, "九龍觀塘道388號", "spaces between Han and digits removed");
    is_str(s4, "Tel 2345 6789", "Latin text untouched");

    /* Phone numbers in other forms (phone.c does E.164; the rules find them). */
    const struct card_line ph[] = {
        L("Tel +44 (0)20 7946 0321", 27),
        L("Mobile 0044 7700 900123", 27),
        L("Direct: 1 (212) 555-0187", 27),
    };
    extract(ph, 3, "US", &f, conf);
    is_int((long long)f.phones.n, 3, "three numbers found");
    ok(f.phones.n == 3 && !strcmp(f.phones.v[0], "+442079460321"), "(0) trunk zero dropped");
    ok(f.phones.n == 3 && !strcmp(f.phones.v[1], "+447700900123"), "00 prefix read as +");
    ok(f.phones.n == 3 && !strcmp(f.phones.v[2], "+12125550187"), "NANP leading 1");
    lead_fields_free(&f);
    return done_testing();
}
