// SPDX-License-Identifier: Apache-2.0
/*
 * card_fields — the rule tables and the scorer (see card_fields.h).
 *
 * To teach it a new language or a new kind of card, add rows to the tables;
 * the code between them only walks them.
 */
#include "firmware/card/card_fields.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "firmware/base/buf.h"
#include "firmware/decode/phone.h"

/* ---- tables ------------------------------------------------------------- */

enum label_kind { LBL_PHONE, LBL_FAX, LBL_EMAIL, LBL_URL, LBL_ADDRESS, LBL_NAME, LBL_COMPANY };

/* A label opens a line and says what follows; it is removed from the text.
 * One-letter labels count only with a colon after them ("T: …"). */
static const struct label {
    const char *text;
    enum label_kind kind;
} labels[] = {
    {"telephone", LBL_PHONE}, {"phone", LBL_PHONE},     {"tel", LBL_PHONE},
    {"mobile", LBL_PHONE},    {"mob", LBL_PHONE},       {"cell", LBL_PHONE},
    {"direct", LBL_PHONE},    {"office", LBL_PHONE},    {"handy", LBL_PHONE},
    {"telefon", LBL_PHONE},   {"t", LBL_PHONE},         {"m", LBL_PHONE},
    {"p", LBL_PHONE},         {"d", LBL_PHONE},         {"電話", LBL_PHONE},
    {"电话", LBL_PHONE},      {"手機", LBL_PHONE},      {"手机", LBL_PHONE},
    {"फ़ोन", LBL_PHONE},       {"फोन", LBL_PHONE},       {"मोबाइल", LBL_PHONE},
    {"fax", LBL_FAX},         {"f", LBL_FAX},           {"傳真", LBL_FAX},
    {"传真", LBL_FAX},        {"फैक्स", LBL_FAX},         {"e-mail", LBL_EMAIL},
    {"email", LBL_EMAIL},     {"mail", LBL_EMAIL},      {"e", LBL_EMAIL},
    {"電郵", LBL_EMAIL},      {"電子郵件", LBL_EMAIL},  {"邮箱", LBL_EMAIL},
    {"电子邮件", LBL_EMAIL},  {"郵箱", LBL_EMAIL},      {"ईमेल", LBL_EMAIL},
    {"website", LBL_URL},     {"web", LBL_URL},         {"url", LBL_URL},
    {"internet", LBL_URL},    {"w", LBL_URL},           {"網址", LBL_URL},
    {"网址", LBL_URL},        {"网站", LBL_URL},        {"網站", LBL_URL},
    {"वेब", LBL_URL},          {"वेबसाइट", LBL_URL},      {"address", LBL_ADDRESS},
    {"addr", LBL_ADDRESS},    {"adresse", LBL_ADDRESS}, {"anschrift", LBL_ADDRESS},
    {"地址", LBL_ADDRESS},    {"पता", LBL_ADDRESS},     {"a", LBL_ADDRESS},
    {"name", LBL_NAME},       {"姓名", LBL_NAME},       {"company", LBL_COMPANY},
    {"公司", LBL_COMPANY},
};

/* Keywords give a line weight towards a field. Latin keywords match whole
 * words, case-insensitively, unless SUB (inside compounds: "Königstraße",
 * "Vertriebsleiterin"); keywords in other scripts match anywhere. */
enum { KW_WORD = 0, KW_SUB = 1 };
static const struct keyword {
    const char *text;
    enum card_field field;
    float weight;
    int mode;
} keywords[] = {
    /* titles, English */
    {"manager", CARD_TITLE, 3, KW_WORD},
    {"director", CARD_TITLE, 3, KW_WORD},
    {"engineer", CARD_TITLE, 3, KW_WORD},
    {"ceo", CARD_TITLE, 3, KW_WORD},
    {"cto", CARD_TITLE, 3, KW_WORD},
    {"cfo", CARD_TITLE, 3, KW_WORD},
    {"coo", CARD_TITLE, 3, KW_WORD},
    {"founder", CARD_TITLE, 3, KW_WORD},
    {"co-founder", CARD_TITLE, 3, KW_WORD},
    {"president", CARD_TITLE, 3, KW_WORD},
    {"vp", CARD_TITLE, 2, KW_WORD},
    {"vice", CARD_TITLE, 1, KW_WORD},
    {"head", CARD_TITLE, 2, KW_WORD},
    {"officer", CARD_TITLE, 2, KW_WORD},
    {"chief", CARD_TITLE, 2, KW_WORD},
    {"lead", CARD_TITLE, 2, KW_WORD},
    {"specialist", CARD_TITLE, 3, KW_WORD},
    {"consultant", CARD_TITLE, 3, KW_WORD},
    {"executive", CARD_TITLE, 2, KW_WORD},
    {"analyst", CARD_TITLE, 3, KW_WORD},
    {"designer", CARD_TITLE, 3, KW_WORD},
    {"developer", CARD_TITLE, 3, KW_WORD},
    {"architect", CARD_TITLE, 3, KW_WORD},
    {"partner", CARD_TITLE, 2, KW_WORD},
    {"owner", CARD_TITLE, 2, KW_WORD},
    {"representative", CARD_TITLE, 3, KW_WORD},
    {"coordinator", CARD_TITLE, 3, KW_WORD},
    {"associate", CARD_TITLE, 2, KW_WORD},
    {"administrator", CARD_TITLE, 3, KW_WORD},
    {"assistant", CARD_TITLE, 3, KW_WORD},
    {"senior", CARD_TITLE, 1, KW_WORD},
    {"principal", CARD_TITLE, 1, KW_WORD},
    {"sales", CARD_TITLE, 1, KW_WORD},
    {"marketing", CARD_TITLE, 1, KW_WORD},
    {"account", CARD_TITLE, 1, KW_WORD},
    {"buyer", CARD_TITLE, 3, KW_WORD},
    {"professor", CARD_TITLE, 3, KW_WORD},
    {"dr.", CARD_TITLE, 0.5f, KW_WORD},
    /* titles, German */
    {"geschäftsführer", CARD_TITLE, 3, KW_SUB},
    {"leiter", CARD_TITLE, 3, KW_SUB},
    {"vertrieb", CARD_TITLE, 1, KW_SUB},
    {"einkauf", CARD_TITLE, 1, KW_SUB},
    {"ingenieur", CARD_TITLE, 3, KW_SUB},
    {"berater", CARD_TITLE, 3, KW_SUB},
    {"vorstand", CARD_TITLE, 3, KW_SUB},
    {"prokurist", CARD_TITLE, 3, KW_SUB},
    {"referent", CARD_TITLE, 3, KW_SUB},
    /* titles, Chinese (Traditional and Simplified) */
    {"經理", CARD_TITLE, 3, KW_SUB},
    {"经理", CARD_TITLE, 3, KW_SUB},
    {"總監", CARD_TITLE, 3, KW_SUB},
    {"总监", CARD_TITLE, 3, KW_SUB},
    {"工程師", CARD_TITLE, 3, KW_SUB},
    {"工程师", CARD_TITLE, 3, KW_SUB},
    {"主任", CARD_TITLE, 3, KW_SUB},
    {"主管", CARD_TITLE, 3, KW_SUB},
    {"總裁", CARD_TITLE, 3, KW_SUB},
    {"总裁", CARD_TITLE, 3, KW_SUB},
    {"董事", CARD_TITLE, 3, KW_SUB},
    {"顧問", CARD_TITLE, 3, KW_SUB},
    {"顾问", CARD_TITLE, 3, KW_SUB},
    {"專員", CARD_TITLE, 3, KW_SUB},
    {"专员", CARD_TITLE, 3, KW_SUB},
    {"助理", CARD_TITLE, 3, KW_SUB},
    {"秘書", CARD_TITLE, 3, KW_SUB},
    {"秘书", CARD_TITLE, 3, KW_SUB},
    {"代表", CARD_TITLE, 2, KW_SUB},
    {"創辦人", CARD_TITLE, 3, KW_SUB},
    {"创始人", CARD_TITLE, 3, KW_SUB},
    /* titles, Hindi */
    {"प्रबंधक", CARD_TITLE, 3, KW_SUB},
    {"निदेशक", CARD_TITLE, 3, KW_SUB},
    {"अभियंता", CARD_TITLE, 3, KW_SUB},
    {"अधिकारी", CARD_TITLE, 3, KW_SUB},
    {"सलाहकार", CARD_TITLE, 3, KW_SUB},
    {"अध्यक्ष", CARD_TITLE, 3, KW_SUB},
    {"इंजीनियर", CARD_TITLE, 3, KW_SUB},
    {"मैनेजर", CARD_TITLE, 3, KW_SUB},
    /* company forms and words */
    {"inc", CARD_COMPANY, 4, KW_WORD},
    {"inc.", CARD_COMPANY, 4, KW_WORD},
    {"ltd", CARD_COMPANY, 4, KW_WORD},
    {"ltd.", CARD_COMPANY, 4, KW_WORD},
    {"limited", CARD_COMPANY, 4, KW_WORD},
    {"llc", CARD_COMPANY, 4, KW_WORD},
    {"llp", CARD_COMPANY, 4, KW_WORD},
    {"corp", CARD_COMPANY, 4, KW_WORD},
    {"corp.", CARD_COMPANY, 4, KW_WORD},
    {"corporation", CARD_COMPANY, 4, KW_WORD},
    {"co.", CARD_COMPANY, 2, KW_WORD},
    {"company", CARD_COMPANY, 3, KW_WORD},
    {"plc", CARD_COMPANY, 4, KW_WORD},
    {"pvt", CARD_COMPANY, 4, KW_WORD},
    {"pte", CARD_COMPANY, 4, KW_WORD},
    {"gmbh", CARD_COMPANY, 4, KW_WORD},
    {"ag", CARD_COMPANY, 4, KW_WORD},
    {"kg", CARD_COMPANY, 3, KW_WORD},
    {"se", CARD_COMPANY, 2, KW_WORD},
    {"s.a.", CARD_COMPANY, 3, KW_WORD},
    {"b.v.", CARD_COMPANY, 3, KW_WORD},
    {"group", CARD_COMPANY, 3, KW_WORD},
    {"holdings", CARD_COMPANY, 3, KW_WORD},
    {"technologies", CARD_COMPANY, 3, KW_WORD},
    {"technology", CARD_COMPANY, 1.5f, KW_WORD},
    {"solutions", CARD_COMPANY, 3, KW_WORD},
    {"systems", CARD_COMPANY, 3, KW_WORD},
    {"software", CARD_COMPANY, 2, KW_WORD},
    {"studio", CARD_COMPANY, 2, KW_WORD},
    {"labs", CARD_COMPANY, 3, KW_WORD},
    {"logistics", CARD_COMPANY, 3, KW_WORD},
    {"manufacturing", CARD_COMPANY, 3, KW_WORD},
    {"trading", CARD_COMPANY, 3, KW_WORD},
    {"industries", CARD_COMPANY, 3, KW_WORD},
    {"services", CARD_COMPANY, 2, KW_WORD},
    {"consulting", CARD_COMPANY, 3, KW_WORD},
    {"international", CARD_COMPANY, 2, KW_WORD},
    {"analytics", CARD_COMPANY, 2, KW_WORD},
    {"robotics", CARD_COMPANY, 2, KW_WORD},
    {"pharma", CARD_COMPANY, 2, KW_WORD},
    {"energy", CARD_COMPANY, 2, KW_WORD},
    {"foods", CARD_COMPANY, 2, KW_WORD},
    {"security", CARD_COMPANY, 1, KW_WORD},
    {"maschinenbau", CARD_COMPANY, 2, KW_SUB},
    {"elektronik", CARD_COMPANY, 2, KW_SUB},
    {"werk", CARD_COMPANY, 1, KW_SUB},
    {"有限公司", CARD_COMPANY, 5, KW_SUB},
    {"公司", CARD_COMPANY, 3, KW_SUB},
    {"集團", CARD_COMPANY, 4, KW_SUB},
    {"集团", CARD_COMPANY, 4, KW_SUB},
    {"股份", CARD_COMPANY, 3, KW_SUB},
    {"企業", CARD_COMPANY, 3, KW_SUB},
    {"企业", CARD_COMPANY, 3, KW_SUB},
    {"科技", CARD_COMPANY, 2, KW_SUB},
    {"लिमिटेड", CARD_COMPANY, 4, KW_SUB},
    {"प्राइवेट", CARD_COMPANY, 3, KW_SUB},
    {"कंपनी", CARD_COMPANY, 3, KW_SUB},
    {"सॉल्यूशंस", CARD_COMPANY, 3, KW_SUB},
    {"टेक्नोलॉजीज़", CARD_COMPANY, 3, KW_SUB},
    {"सॉफ्टवेयर", CARD_COMPANY, 2, KW_SUB},
    {"इंडस्ट्रीज़", CARD_COMPANY, 3, KW_SUB},
    {"एक्सपोर्ट्स", CARD_COMPANY, 2, KW_SUB},
    {"एनर्जी", CARD_COMPANY, 2, KW_SUB},
    /* address words */
    {"street", CARD_ADDRESS, 3, KW_WORD},
    {"st", CARD_ADDRESS, 1.5f, KW_WORD},
    {"st.", CARD_ADDRESS, 1.5f, KW_WORD},
    {"road", CARD_ADDRESS, 3, KW_WORD},
    {"rd", CARD_ADDRESS, 2, KW_WORD},
    {"rd.", CARD_ADDRESS, 2, KW_WORD},
    {"avenue", CARD_ADDRESS, 3, KW_WORD},
    {"ave", CARD_ADDRESS, 2, KW_WORD},
    {"drive", CARD_ADDRESS, 2, KW_WORD},
    {"lane", CARD_ADDRESS, 2, KW_WORD},
    {"boulevard", CARD_ADDRESS, 3, KW_WORD},
    {"blvd", CARD_ADDRESS, 3, KW_WORD},
    {"broadway", CARD_ADDRESS, 2, KW_WORD},
    {"square", CARD_ADDRESS, 2, KW_WORD},
    {"place", CARD_ADDRESS, 1.5f, KW_WORD},
    {"plaza", CARD_ADDRESS, 2, KW_WORD},
    {"suite", CARD_ADDRESS, 3, KW_WORD},
    {"floor", CARD_ADDRESS, 3, KW_WORD},
    {"unit", CARD_ADDRESS, 2, KW_WORD},
    {"tower", CARD_ADDRESS, 2, KW_WORD},
    {"building", CARD_ADDRESS, 2, KW_WORD},
    {"centre", CARD_ADDRESS, 1, KW_WORD},
    {"center", CARD_ADDRESS, 1, KW_WORD},
    {"sector", CARD_ADDRESS, 2, KW_WORD},
    {"nagar", CARD_ADDRESS, 2, KW_WORD},
    {"marg", CARD_ADDRESS, 2, KW_WORD},
    {"p.o.", CARD_ADDRESS, 2, KW_WORD},
    {"box", CARD_ADDRESS, 1, KW_WORD},
    {"hong kong", CARD_ADDRESS, 1.5f, KW_WORD},
    {"kowloon", CARD_ADDRESS, 2, KW_WORD},
    {"/f", CARD_ADDRESS, 3, KW_SUB},
    {"strasse", CARD_ADDRESS, 3, KW_SUB},
    {"straße", CARD_ADDRESS, 3, KW_SUB},
    {"str.", CARD_ADDRESS, 3, KW_SUB},
    {"platz", CARD_ADDRESS, 2, KW_SUB},
    {"allee", CARD_ADDRESS, 2, KW_SUB},
    {"gasse", CARD_ADDRESS, 2, KW_SUB},
    {"weg", CARD_ADDRESS, 1, KW_WORD},
    {"路", CARD_ADDRESS, 2, KW_SUB},
    {"街", CARD_ADDRESS, 2, KW_SUB},
    {"道", CARD_ADDRESS, 1.5f, KW_SUB},
    {"號", CARD_ADDRESS, 2, KW_SUB},
    {"号", CARD_ADDRESS, 2, KW_SUB},
    {"樓", CARD_ADDRESS, 2, KW_SUB},
    {"楼", CARD_ADDRESS, 2, KW_SUB},
    {"室", CARD_ADDRESS, 1, KW_SUB},
    {"區", CARD_ADDRESS, 1.5f, KW_SUB},
    {"区", CARD_ADDRESS, 1.5f, KW_SUB},
    {"市", CARD_ADDRESS, 0.5f, KW_SUB},
    {"省", CARD_ADDRESS, 1, KW_SUB},
    {"大廈", CARD_ADDRESS, 2, KW_SUB},
    {"大厦", CARD_ADDRESS, 2, KW_SUB},
    {"中心", CARD_ADDRESS, 1, KW_SUB},
    {"香港", CARD_ADDRESS, 1, KW_SUB},
    {"九龍", CARD_ADDRESS, 2, KW_SUB},
    {"新界", CARD_ADDRESS, 2, KW_SUB},
    {"台北", CARD_ADDRESS, 1, KW_SUB},
    {"मार्ग", CARD_ADDRESS, 2, KW_SUB},
    {"नगर", CARD_ADDRESS, 2, KW_SUB},
};

/* Line features, computed once per line, each scaled 0..1 (keyword scores
 * are the sum of the weights of the keywords found, capped at 6). */
enum feature {
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
static const struct weight {
    enum feature ft;
    enum card_field field;
    float w;
} weights[] = {
    {FT_KW_TITLE, CARD_TITLE, 1.0f},     {FT_KW_TITLE, CARD_NAME, -1.0f},
    {FT_KW_TITLE, CARD_COMPANY, -0.3f},  {FT_KW_COMPANY, CARD_COMPANY, 1.0f},
    {FT_KW_COMPANY, CARD_NAME, -1.0f},   {FT_KW_COMPANY, CARD_TITLE, -0.5f},
    {FT_KW_ADDRESS, CARD_ADDRESS, 1.0f}, {FT_KW_ADDRESS, CARD_NAME, -1.0f},
    {FT_NAME_SHAPE, CARD_NAME, 3.0f},    {FT_DIGITS, CARD_ADDRESS, 1.5f},
    {FT_DIGITS, CARD_NAME, -4.0f},       {FT_DIGITS, CARD_TITLE, -2.0f},
    {FT_DIGITS, CARD_COMPANY, -0.5f},    {FT_POSTCODE, CARD_ADDRESS, 2.0f},
    {FT_COMMA, CARD_ADDRESS, 1.0f},      {FT_COMMA, CARD_NAME, -1.0f},
    {FT_TALLEST, CARD_NAME, 1.5f},       {FT_TALLEST, CARD_COMPANY, 0.5f},
    {FT_TOP, CARD_NAME, 0.5f},           {FT_LONG, CARD_ADDRESS, 0.5f},
    {FT_LONG, CARD_NAME, -1.0f},         {FT_LABEL_ADDRESS, CARD_ADDRESS, 6.0f},
    {FT_LABEL_NAME, CARD_NAME, 6.0f},    {FT_LABEL_COMPANY, CARD_COMPANY, 6.0f},
};

/* The score a line needs to fill a field; below it the field stays empty
 * for the visitor to type. A name needs more than size and position (the
 * largest text on a card of noise is no name). The score giving confidence
 * 1 is FULL_SCORE. */
static const float min_score[4] = {
    [CARD_NAME] = 2.5f, [CARD_TITLE] = 1.5f, [CARD_COMPANY] = 1.5f, [CARD_ADDRESS] = 2.0f};
#define FULL_SCORE 5.0f

/* A line next to the address joins it with this address score. */
#define ADDRESS_JOIN_SCORE 2.0f

#define NLABELS   (sizeof labels / sizeof labels[0])
#define NKEYWORDS (sizeof keywords / sizeof keywords[0])
#define NWEIGHTS  (sizeof weights / sizeof weights[0])

/* ---- text helpers ---------------------------------------------------------- */

static size_t u8_next(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80)
        return *cp = u[0], 1;
    if ((u[0] & 0xe0) == 0xc0 && u[1])
        return *cp = ((uint32_t)(u[0] & 0x1f) << 6) | (u[1] & 0x3f), 2;
    if ((u[0] & 0xf0) == 0xe0 && u[1] && u[2])
        return *cp =
                   ((uint32_t)(u[0] & 0x0f) << 12) | ((uint32_t)(u[1] & 0x3f) << 6) | (u[2] & 0x3f),
               3;
    if ((u[0] & 0xf8) == 0xf0 && u[1] && u[2] && u[3])
        return *cp = ((uint32_t)(u[0] & 0x07) << 18) | ((uint32_t)(u[1] & 0x3f) << 12) |
                     ((uint32_t)(u[2] & 0x3f) << 6) | (u[3] & 0x3f),
               4;
    return *cp = 0xfffd, 1;
}

static bool is_han(uint32_t c)
{
    return (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
           (c >= 0xf900 && c <= 0xfaff) || (c >= 0x20000 && c <= 0x2ffff);
}

static bool is_deva(uint32_t c)
{
    return c >= 0x0900 && c <= 0x097f;
}

static bool is_word_char(unsigned char c)
{
    return isalnum(c) || c >= 0x80;
}

/* Case-insensitive (ASCII) search for kw in s; whole word unless sub. */
static bool contains_kw(const char *s, const char *kw, bool sub)
{
    size_t kl = strlen(kw);
    for (const char *p = s; *p; p++) {
        if (strncasecmp(p, kw, kl) != 0)
            continue;
        if (sub || (unsigned char)kw[0] >= 0x80)
            return true;
        bool left = p == s || !is_word_char((unsigned char)p[-1]);
        /* A keyword ending in "." may be followed by anything. */
        bool right = kw[kl - 1] == '.' || !isalnum((unsigned char)p[kl]);
        if (left && right)
            return true;
    }
    return false;
}

/* Replaces s[from..to) by spaces (the text around keeps its positions). */
static void blank(char *s, size_t from, size_t to)
{
    memset(s + from, ' ', to - from);
}

static void collapse_spaces(char *s)
{
    char *w = s;
    bool sp = true; /* drop leading spaces */
    for (char *r = s; *r; r++) {
        bool isspc = *r == ' ' || *r == '\t';
        if (isspc && sp)
            continue;
        *w++ = isspc ? ' ' : *r;
        sp = isspc;
    }
    while (w > s && w[-1] == ' ')
        w--;
    *w = '\0';
}

/* Removes separators left around the text: ":", "|", "•", "-" … */
static void trim_punct(char *s)
{
    static const char *const seps[] = {":", "|", "-", "–", "—", "•", "·", "：", "/", ",", ";"};
    bool again = true;
    while (again) {
        again = false;
        collapse_spaces(s);
        for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++) {
            size_t l = strlen(seps[i]), n = strlen(s);
            if (n >= l && !strncmp(s, seps[i], l)) {
                memmove(s, s + l, n - l + 1);
                again = true;
            } else if (n >= l && !strcmp(s + n - l, seps[i])) {
                s[n - l] = '\0';
                again = true;
            }
        }
    }
}

/* ---- labels --------------------------------------------------------------- */

/* If s opens with a label, removes it and returns its kind, else -1. */
static int take_label(char *s)
{
    for (size_t i = 0; i < NLABELS; i++) {
        const char *t = labels[i].text;
        size_t l = strlen(t);
        if (strncasecmp(s, t, l) != 0)
            continue;
        const char *p = s + l;
        if ((unsigned char)t[0] < 0x80 && isalpha((unsigned char)p[0]))
            continue; /* "Tel" must not match "Telescope" */
        if (p[0] == '.' && (unsigned char)t[0] < 0x80)
            p++; /* "Tel." */
        while (*p == ' ')
            p++;
        bool colon = *p == ':' || !strncmp(p, "：", 3) || *p == '|';
        if (l == 1 && !colon)
            continue;
        /* A label must be followed by a separator or by the value itself. */
        if (!colon && (unsigned char)t[0] < 0x80 && *p && isalpha((unsigned char)*p) &&
            labels[i].kind != LBL_ADDRESS)
            continue;
        if (colon)
            p += *p == ':' || *p == '|' ? 1 : 3;
        memmove(s, p, strlen(p) + 1);
        trim_punct(s);
        return (int)labels[i].kind;
    }
    return -1;
}

/* ---- contact patterns -------------------------------------------------------- */

static bool email_local(unsigned char c)
{
    return isalnum(c) || strchr("._%+-", c);
}

static bool domain_char(unsigned char c)
{
    return isalnum(c) || c == '.' || c == '-';
}

/* Finds emails in s, adds them lower-cased and blanks them out. */
static int take_emails(char *s, struct lead_fields *out)
{
    /* Tesseract often splits "a. b@c" around dots and the at sign. */
    for (char *p = s; *p; p++) {
        if (*p != ' ' || p == s)
            continue;
        char prev = p[-1], next = p[1];
        if (prev == '.' || prev == '@' || next == '@' || (next == '.' && p[2] != ' '))
            if (strchr(s, '@')) {
                memmove(p, p + 1, strlen(p));
                p--;
            }
    }
    int found = 0;
    for (char *at = strchr(s, '@'); at; at = strchr(at + 1, '@')) {
        size_t a = (size_t)(at - s), b = a + 1;
        while (a > 0 && email_local((unsigned char)s[a - 1]))
            a--;
        while (s[b] && domain_char((unsigned char)s[b]))
            b++;
        while (b > a && (s[b - 1] == '.' || s[b - 1] == '-'))
            b--;
        while (s[a] == '.')
            a++;
        const char *dot = memchr(at, '.', (size_t)(s + b - at));
        if (a >= (size_t)(at - s) || !dot)
            continue;
        size_t tld = 0;
        for (const char *q = s + b; q > dot && isalpha((unsigned char)q[-1]); q--)
            tld++;
        if (tld < 2 || s[b - tld - 1] != '.')
            continue;
        char em[256];
        size_t n = b - a < sizeof em - 1 ? b - a : sizeof em - 1;
        for (size_t i = 0; i < n; i++)
            em[i] = (char)tolower((unsigned char)s[a + i]);
        em[n] = '\0';
        if (strv_push_unique(&out->emails, em) < 0)
            return -1;
        blank(s, a, b);
        at = s + b - 1;
        found++;
    }
    return found;
}

/* Top-level domains a bare "name.tld" must end with to count as a website
 * (with "www." or a scheme any ending goes). */
static const char *const tlds[] = {"com",  "net",    "org",  "io",   "ai", "dev", "co",  "uk",
                                   "hk",   "cn",     "tw",   "in",   "de", "jp",  "sg",  "au",
                                   "eu",   "us",     "ch",   "at",   "fr", "nl",  "app", "biz",
                                   "info", "studio", "tech", "asia", "kr", "my",  "edu", "gov"};

static bool url_token(const char *t, size_t n)
{
    bool prefixed = (n > 4 && !strncasecmp(t, "www.", 4)) ||
                    (n > 7 && !strncasecmp(t, "http://", 7)) ||
                    (n > 8 && !strncasecmp(t, "https://", 8));
    const char *host = t;
    size_t hn = n;
    if (!strncasecmp(t, "http", 4)) {
        const char *ss = memchr(t, '/', n);
        if (!ss || ss + 2 > t + n)
            return false;
        host = ss + 2;
        hn = n - (size_t)(host - t);
    }
    const char *slash = memchr(host, '/', hn);
    if (slash)
        hn = (size_t)(slash - host);
    if (memchr(t, '@', n) || hn < 4)
        return false;
    for (size_t i = 0; i < hn; i++)
        if (!domain_char((unsigned char)host[i]))
            return false;
    const char *dot = NULL;
    for (size_t i = 0; i < hn; i++)
        if (host[i] == '.')
            dot = host + i;
    if (!dot || dot == host || dot + 1 >= host + hn)
        return false;
    size_t tl = (size_t)(host + hn - dot - 1);
    for (size_t i = 0; i < tl; i++)
        if (!isalpha((unsigned char)dot[1 + i]))
            return false;
    if (prefixed)
        return tl >= 2;
    for (size_t i = 0; i < sizeof tlds / sizeof tlds[0]; i++)
        if (strlen(tlds[i]) == tl && !strncasecmp(dot + 1, tlds[i], tl))
            return true;
    return false;
}

static int take_urls(char *s, bool labelled, struct lead_fields *out)
{
    int found = 0;
    size_t i = 0;
    while (s[i]) {
        while (s[i] == ' ')
            i++;
        size_t a = i;
        while (s[i] && s[i] != ' ')
            i++;
        size_t b = i;
        if (b == a)
            break;
        /* "www. example.com": OCR saw a space after the dot. */
        if ((b - a == 4 && !strncasecmp(s + a, "www", 3) && strchr(".,", s[a + 3])) && s[b]) {
            memmove(s + b, s + b + 1, strlen(s + b));
            s[a + 3] = '.';
            i = a;
            continue;
        }
        char t[256];
        size_t n = b - a < sizeof t - 2 ? b - a : sizeof t - 2;
        memcpy(t, s + a, n);
        t[n] = '\0';
        /* "wwwexample.com": the dot after www lost. */
        if (n > 4 && !strncasecmp(t, "www", 3) && isalnum((unsigned char)t[3]) &&
            strchr(t + 3, '.')) {
            memmove(t + 4, t + 3, n - 2);
            t[3] = '.';
            n++;
        }
        /* OCR reads the dots of a web address as commas now and then. */
        if (labelled || !strncasecmp(t, "www", 3) || !strncasecmp(t, "http", 4))
            for (char *c = t; *c; c++)
                if (*c == ',')
                    *c = '.';
        while (n && strchr(".,;:)", t[n - 1]))
            t[--n] = '\0';
        if (!url_token(t, n))
            continue;
        for (char *c = t; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        if (strv_push_unique(&out->urls, t) < 0)
            return -1;
        blank(s, a, b);
        found++;
    }
    return found;
}

static bool phone_char(unsigned char c)
{
    return isdigit(c) || c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/';
}

/* Finds phone numbers (7+ digits), adds them as E.164 and blanks them out.
 * strict: only numbers with a "+" or a bracket (lines that look like an
 * address, where house numbers and postcodes are digits too). */
static int take_phones(char *s, const char *country, bool strict, struct lead_fields *out)
{
    int found = 0;
    size_t i = 0, len = strlen(s);
    while (i < len) {
        if (!(isdigit((unsigned char)s[i]) || s[i] == '+' || s[i] == '(')) {
            i++;
            continue;
        }
        size_t a = i, b = i + 1, digits = isdigit((unsigned char)s[i]) != 0;
        while (b < len && phone_char((unsigned char)s[b])) {
            digits += isdigit((unsigned char)s[b]) != 0;
            b++;
        }
        while (b > a && !isdigit((unsigned char)s[b - 1]) && s[b - 1] != ')')
            b--;
        if (digits < 7 || digits > 17 || (strict && s[a] != '+' && s[a] != '(')) {
            i = b > i ? b : i + 1;
            continue;
        }
        char raw[64];
        size_t n = b - a < sizeof raw - 1 ? b - a : sizeof raw - 1;
        memcpy(raw, s + a, n);
        raw[n] = '\0';
        /* The same normaliser as the badge decoders: E.164 when the number
         * fits the country's plan, else kept as printed. */
        char *num = phone_normalize(raw, country);
        if (!num || strv_push_unique(&out->phones, num) < 0) {
            free(num);
            return -1;
        }
        free(num);
        blank(s, a, b);
        found++;
        i = b;
    }
    return found;
}

/* ---- features ------------------------------------------------------------------ */

static bool name_shape(const char *s)
{
    size_t han = 0, deva_words = 0, latin_words = 0, other = 0, bytes = strlen(s);
    bool in_word = false, word_ok = true, bad = false;
    uint32_t c;
    for (const char *p = s; *p;) {
        size_t k = u8_next(p, &c);
        if (c == ' ') {
            in_word = false;
        } else if (is_han(c)) {
            han++;
        } else if (is_deva(c)) {
            if (!in_word)
                deva_words++;
            in_word = true;
        } else if ((c < 0x80 && isalpha((int)c)) ||
                   (c >= 0xc0 && c <= 0x24f && c != 0xd7 && c != 0xf7)) {
            /* Latin, with the accented letters of European names (Müller). */
            if (!in_word) {
                latin_words++;
                word_ok = word_ok && (c < 0x80 ? isupper((int)c) != 0 : c <= 0xde);
            }
            in_word = true;
        } else if (c == '\'' || c == '-' || c == '.' || c == 0x2019) {
            /* O'Neill, Jean-Luc, J. Smith */
        } else if (c < 0x80 && isdigit((int)c)) {
            bad = true;
        } else {
            other++;
        }
        p += k;
    }
    if (bad || other)
        return false;
    if (han && !latin_words && !deva_words)
        return han >= 2 && han <= 4;
    if (deva_words && !han && !latin_words)
        return deva_words >= 2 && deva_words <= 3;
    if (latin_words && !han && !deva_words)
        return word_ok && latin_words >= 2 && latin_words <= 4 && bytes <= 40;
    return false;
}

static bool has_postcode(const char *s)
{
    size_t run = 0;
    for (const char *p = s;; p++) {
        if (isdigit((unsigned char)*p)) {
            run++;
            continue;
        }
        if (run >= 4 && run <= 6)
            return true;
        run = 0;
        if (!*p)
            break;
    }
    /* UK: "W1U 3BW", "M3 1RH", "BS1 4JQ": an outward code of 2-4 letters and
     * digits starting with a letter, a space, a digit and two letters. */
    for (const char *p = s; *p; p++) {
        const unsigned char *u = (const unsigned char *)p;
        if (!(u[0] == ' ' && isdigit(u[1]) && isupper(u[2]) && isupper(u[3]) && !isalnum(u[4])))
            continue;
        const char *q = p;
        bool digit = false;
        while (q > s && (isupper((unsigned char)q[-1]) || isdigit((unsigned char)q[-1]))) {
            digit = digit || isdigit((unsigned char)q[-1]);
            q--;
        }
        size_t len = (size_t)(p - q);
        if (len >= 2 && len <= 4 && digit && isupper((unsigned char)*q) &&
            (q == s || !isalnum((unsigned char)q[-1])))
            return true;
    }
    return false;
}

static float kw_score(const char *s, enum card_field f)
{
    float sc = 0;
    for (size_t i = 0; i < NKEYWORDS; i++)
        if (keywords[i].field == f && contains_kw(s, keywords[i].text, keywords[i].mode == KW_SUB))
            sc += keywords[i].weight;
    return sc > 6 ? 1.0f : sc / 6.0f;
}

/* ---- extraction --------------------------------------------------------------------- */

const char *card_field_name(enum card_field f)
{
    static const char *const names[CARD_NFIELDS] = {"full_name", "title",  "company", "address",
                                                    "emails",    "phones", "urls"};
    return (unsigned)f < CARD_NFIELDS ? names[f] : "?";
}

struct cand {
    char *text;
    float conf; /* 0..1 */
    int h, label;
    size_t idx; /* the line it came from */
    float ft[FT_N];
    float score[CARD_NFIELDS];
    bool used;
};

/* Splits a Latin name into given and family name, a Chinese one into
 * surname (first character) and given name. */
static int split_name(struct lead_fields *out)
{
    const char *n = out->full_name;
    uint32_t c;
    size_t k = u8_next(n, &c);
    if (is_han(c) && !strchr(n, ' ')) {
        char fam[8] = {0};
        memcpy(fam, n, k);
        if (lead_set(&out->family_name, fam) < 0 || lead_set(&out->given_name, n + k) < 0)
            return -1;
        return 0;
    }
    const char *sp = strrchr(n, ' ');
    if (!sp || is_deva(c))
        return 0;
    char *given = strndup(n, (size_t)(strchr(n, ' ') - n));
    if (!given)
        return -1;
    int rc = lead_set(&out->given_name, given) < 0 || lead_set(&out->family_name, sp + 1) < 0;
    free(given);
    return rc ? -1 : 0;
}

/* Separators between a name and a title printed on one line. */
static const char *const name_title_seps[] = {" | ", " · ", " • ", " – ", " — ", " - ", ", ", "｜"};

/*
 * "Alice Johnson | CEO", "陳大文｜市場總監": when the last candidate is a
 * name and a title joined by a separator, makes it two candidates. 0, or -1
 * on ENOMEM.
 */
static int split_name_title(struct cand *cs, size_t *nc)
{
    struct cand *k = &cs[*nc - 1];
    for (size_t i = 0; i < sizeof name_title_seps / sizeof name_title_seps[0]; i++) {
        const char *sep = strstr(k->text, name_title_seps[i]);
        if (!sep)
            continue;
        char *left = strndup(k->text, (size_t)(sep - k->text));
        char *right = strdup(sep + strlen(name_title_seps[i]));
        if (!left || !right) {
            free(left);
            free(right);
            return -1;
        }
        collapse_spaces(left);
        collapse_spaces(right);
        char *name = NULL, *title = NULL;
        if (name_shape(left) && kw_score(right, CARD_TITLE) > 0) {
            name = left;
            title = right;
        } else if (name_shape(right) && kw_score(left, CARD_TITLE) > 0) {
            name = right;
            title = left;
        }
        if (!name) {
            free(left);
            free(right);
            continue;
        }
        free(k->text);
        k->text = name;
        cs[*nc] = *k;
        cs[*nc].text = title;
        (*nc)++;
        return 0;
    }
    return 0;
}

/* Appends (or prepends) to the address the lines right after (before) it
 * that read as address too: addresses often take two lines. */
static int join_address(struct cand *cs, size_t nc, size_t ai, struct lead_fields *out)
{
    struct buf b = {0};
    size_t first = ai, last = ai;
    for (bool grew = true; grew;) {
        grew = false;
        for (size_t i = 0; i < nc; i++) {
            if (cs[i].used || cs[i].score[CARD_ADDRESS] < ADDRESS_JOIN_SCORE)
                continue;
            if (cs[i].idx + 1 == cs[first].idx) {
                first = i;
                cs[i].used = grew = true;
            } else if (cs[i].idx == cs[last].idx + 1) {
                last = i;
                cs[i].used = grew = true;
            }
        }
    }
    if (first == ai && last == ai)
        return 0;
    for (size_t idx = cs[first].idx; idx <= cs[last].idx; idx++)
        for (size_t i = 0; i < nc; i++)
            if (cs[i].idx == idx && (cs[i].used || i == ai)) {
                if ((b.len && buf_adds(&b, ", ") < 0) || buf_adds(&b, cs[i].text) < 0) {
                    buf_free(&b);
                    return -1;
                }
                break;
            }
    int rc = buf_addc(&b, '\0') < 0 ? -1 : lead_set(&out->address, b.data);
    buf_free(&b);
    return rc;
}

int card_fields_extract(const struct card_line *lines, size_t n, const char *country,
                        struct lead_fields *out, float conf[CARD_NFIELDS])
{
    /* Twice the lines: "Name | Title" lines are split in two. */
    struct cand *cs = calloc(n ? 2 * n : 1, sizeof *cs);
    size_t nc = 0;
    int maxh = 0;
    for (int f = 0; f < CARD_NFIELDS; f++)
        conf[f] = 0;
    if (!cs || lead_set(&out->format, "ocr") < 0)
        goto nomem;
    float cconf[3] = {0}; /* best line confidence per contact field */
    for (size_t i = 0; i < n; i++) {
        char *t = strdup(lines[i].text ? lines[i].text : "");
        if (!t)
            goto nomem;
        collapse_spaces(t);
        int label = take_label(t);
        float lc = lines[i].conf / 100.0f;
        if (label == LBL_FAX) {
            free(t);
            continue;
        }
        int r;
        if ((r = take_emails(t, out)) < 0)
            goto nomem_t;
        if (r > 0 && lc > cconf[0])
            cconf[0] = lc;
        if ((r = take_urls(t, label == LBL_URL, out)) < 0)
            goto nomem_t;
        if (r > 0 && lc > cconf[2])
            cconf[2] = lc;
        bool strict = label != LBL_PHONE && kw_score(t, CARD_ADDRESS) > 0;
        if (label != LBL_EMAIL && label != LBL_URL && label != LBL_ADDRESS &&
            (r = take_phones(t, country, strict, out)) != 0) {
            if (r < 0)
                goto nomem_t;
            if (lc > cconf[1])
                cconf[1] = lc;
        }
        trim_punct(t);
        /* What is left must have two letters to be a name, title … */
        size_t letters = 0;
        uint32_t c;
        for (const char *p = t; *p;) {
            p += u8_next(p, &c);
            letters += c >= 0x80 || isalpha((int)c);
        }
        if (letters < 2 || label == LBL_EMAIL || label == LBL_URL || label == LBL_PHONE) {
            free(t);
            continue;
        }
        cs[nc] = (struct cand){.text = t, .conf = lc, .h = lines[i].h, .label = label, .idx = i};
        if (lines[i].h > maxh)
            maxh = lines[i].h;
        nc++;
        if (split_name_title(cs, &nc) < 0)
            goto nomem;
        continue;
    nomem_t:
        free(t);
        goto nomem;
    }
    conf[CARD_EMAILS] = out->emails.n ? cconf[0] : 0;
    conf[CARD_PHONES] = out->phones.n ? cconf[1] : 0;
    conf[CARD_URLS] = out->urls.n ? cconf[2] : 0;

    for (size_t i = 0; i < nc; i++) {
        struct cand *k = &cs[i];
        k->ft[FT_KW_TITLE] = kw_score(k->text, CARD_TITLE);
        k->ft[FT_KW_COMPANY] = kw_score(k->text, CARD_COMPANY);
        k->ft[FT_KW_ADDRESS] = kw_score(k->text, CARD_ADDRESS);
        k->ft[FT_NAME_SHAPE] = name_shape(k->text);
        k->ft[FT_DIGITS] = strpbrk(k->text, "0123456789") != NULL;
        k->ft[FT_POSTCODE] = has_postcode(k->text);
        k->ft[FT_COMMA] = strchr(k->text, ',') || strstr(k->text, "，");
        k->ft[FT_TALLEST] = maxh > 0 && k->h * 100 >= maxh * 92;
        k->ft[FT_TOP] = i == 0;
        k->ft[FT_LONG] = strlen(k->text) > 30;
        k->ft[FT_LABEL_ADDRESS] = k->label == LBL_ADDRESS;
        k->ft[FT_LABEL_NAME] = k->label == LBL_NAME;
        k->ft[FT_LABEL_COMPANY] = k->label == LBL_COMPANY;
        /* Keyword scores are 0..1 of a capped sum: bring them back to
         * points so that one strong keyword outweighs shape alone. */
        for (int f = 0; f < FT_KW_ADDRESS + 1; f++)
            k->ft[f] *= 6.0f;
        for (size_t w = 0; w < NWEIGHTS; w++)
            k->score[weights[w].field] += weights[w].w * k->ft[weights[w].ft];
    }

    /* Greedy assignment: the best (line, field) pair first, one field per
     * line, one line per field. */
    char **slot[4] = {&out->full_name, &out->title, &out->company, &out->address};
    bool filled[4] = {false};
    size_t address_at = SIZE_MAX;
    for (;;) {
        float best = 0;
        size_t bi = 0;
        int bf = -1;
        for (size_t i = 0; i < nc; i++)
            for (int f = 0; f < 4; f++)
                if (!cs[i].used && !filled[f] && cs[i].score[f] >= min_score[f] &&
                    cs[i].score[f] > best) {
                    best = cs[i].score[f];
                    bi = i;
                    bf = f;
                }
        if (bf < 0)
            break;
        cs[bi].used = true;
        filled[bf] = true;
        if (lead_set(slot[bf], cs[bi].text) < 0)
            goto nomem;
        if (bf == CARD_ADDRESS)
            address_at = bi;
        float certainty = best >= FULL_SCORE ? 1.0f : best / FULL_SCORE;
        conf[bf] = certainty * cs[bi].conf;
    }
    /* Only lines no other field took may continue the address. */
    if (address_at != SIZE_MAX && join_address(cs, nc, address_at, out) < 0)
        goto nomem;
    if (out->full_name && split_name(out) < 0)
        goto nomem;
    for (size_t i = 0; i < nc; i++)
        free(cs[i].text);
    free(cs);
    return 0;
nomem:
    for (size_t i = 0; cs && i < nc; i++)
        free(cs[i].text);
    free(cs);
    lead_fields_free(out);
    return -1;
}

int card_fields_conf_to_json(const float conf[CARD_NFIELDS], cJSON *obj)
{
    for (int f = 0; f < CARD_NFIELDS; f++)
        if (conf[f] > 0 &&
            !cJSON_AddNumberToObject(obj, card_field_name(f), (double)((int)(conf[f] * 100)) / 100))
            return -1;
    return 0;
}
