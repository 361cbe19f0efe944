// SPDX-License-Identifier: Apache-2.0
/*
 * decode_util — shared helpers of the decoders (see decode_util.h): charset
 * conversion through iconv, clean UTF-8 fields, profile keys, the final
 * touches every decoded record gets (full name, E.164 phones).
 */
#include "firmware/decode/decode_util.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "firmware/base/buf.h"
#include "firmware/config/config.h"
#include "firmware/decode/charset.h"
#include "firmware/decode/country.h"
#include "firmware/decode/phone.h"

static const struct {
    const char *key, *def;
} profile_defaults[] = {
    {"decoders", DECODE_DEFAULT_DECODERS},
    {"delimited_separators", DECODE_DEFAULT_SEPARATORS},
    {"url_param", DECODE_DEFAULT_URL_PARAM},
    {"id_pattern", DECODE_DEFAULT_ID_PATTERN},
};

/* See decode_util_guess_set(): per thread, since decoding happens in the
 * loop thread and in the card reader's thread. */
static _Thread_local const char *guessed;

void decode_util_guess_set(const char *s)
{
    guessed = s;
}

const char *decode_util_profile(const struct decode_ctx *ctx, const char *key)
{
    if (ctx && ctx->cfg && ctx->show_section) {
        const char *v = config_str(ctx->cfg, ctx->show_section, key);
        return v ? v : "";
    }
    for (size_t i = 0; i < sizeof profile_defaults / sizeof profile_defaults[0]; i++)
        if (!strcmp(profile_defaults[i].key, key))
            return profile_defaults[i].def;
    return "";
}

int decode_util_warn(struct strv *warnings, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!warnings)
        return 0;
    /* Warnings may quote bits of the badge (a charset name, a key): keep
     * them printable ASCII, whatever the badge held. */
    for (char *q = msg; *q; q++)
        if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7E)
            *q = '?';
    return strv_push_unique(warnings, msg);
}

bool decode_util_prefix(const uint8_t *p, size_t n, const char *prefix)
{
    size_t l = strlen(prefix);
    if (n < l)
        return false;
    for (size_t i = 0; i < l; i++)
        if (tolower(p[i]) != tolower((unsigned char)prefix[i]))
            return false;
    return true;
}

bool decode_util_ieq(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b);
    return an == bn && strncasecmp(a, b, an) == 0;
}

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0 if invalid.
 * Rejects overlong forms, surrogates and code points above U+10FFFF. */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0)
        len = 2, cp = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0)
        len = 3, cp = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0)
        len = 4, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

bool decode_util_utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t l = utf8_seq(p + i, n - i);
        if (!l)
            return false;
        i += l;
    }
    return true;
}

/* Charset names as cards write them, mapped to the iconv name of their
 * superset that real cards need (GB2312 cards carry GBK characters, Big5
 * cards from Hong Kong carry HKSCS ones, Shift_JIS ones carry CP932's). */
static const char *iconv_name(const char *cs)
{
    static const struct {
        const char *from, *to;
    } map[] = {
        {"GB2312", "GB18030"},       {"GBK", "GB18030"},     {"CP936", "GB18030"},
        {"EUC-CN", "GB18030"},       {"BIG5", "BIG5-HKSCS"}, {"BIG-5", "BIG5-HKSCS"},
        {"BIG5HKSCS", "BIG5-HKSCS"}, {"SHIFT_JIS", "CP932"}, {"SHIFT-JIS", "CP932"},
        {"SJIS", "CP932"},           {"MS_KANJI", "CP932"},  {"X-SJIS", "CP932"},
        {"ISO-8859-1", "CP1252"},    {"LATIN1", "CP1252"},   {"US-ASCII", "UTF-8"},
        {"ASCII", "UTF-8"},          {"UTF8", "UTF-8"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcasecmp(cs, map[i].from))
            return map[i].to;
    return cs;
}

static const char REPLACEMENT[] = "\xEF\xBF\xBD";

/* Appends p[0..n) as UTF-8, invalid sequences replaced. Returns the number of
 * replacements, or -1 on ENOMEM. */
static long add_utf8(struct buf *b, const uint8_t *p, size_t n)
{
    long bad = 0;
    size_t i = 0;
    while (i < n) {
        size_t l = utf8_seq(p + i, n - i);
        if (l) {
            if (buf_add(b, p + i, l) < 0)
                return -1;
            i += l;
        } else {
            if (buf_adds(b, REPLACEMENT) < 0)
                return -1;
            bad++;
            i++;
        }
    }
    return bad;
}

/* Converts through iconv. Returns replacements made, -1 on ENOMEM, -2 when
 * iconv does not know the charset. */
static long add_iconv(struct buf *b, const char *cs, const uint8_t *p, size_t n)
{
    return charset_convert(b, iconv_name(cs), p, n, 1);
}

static int is_utf8_name(const char *cs)
{
    return !cs || !*cs || !strcasecmp(iconv_name(cs), "UTF-8");
}

char *decode_util_text(const struct decode_ctx *ctx, const char *p, size_t n, const char *charset,
                       const char *what, struct strv *warnings)
{
    struct buf raw = {0};
    long bad = 0;
    const uint8_t *u = (const uint8_t *)p;
    if (!is_utf8_name(charset)) {
        bad = add_iconv(&raw, charset, u, n);
        if (bad == -2) {
            if (decode_util_warn(warnings, "%s: unknown charset %.40s, read as UTF-8", what,
                                 charset) < 0)
                goto nomem;
            buf_reset(&raw);
            bad = add_utf8(&raw, u, n);
        }
    } else if (decode_util_utf8_valid(u, n)) {
        if (buf_add(&raw, p, n) < 0)
            goto nomem;
    } else {
        /* The show's fallback_charset first (the organiser knows), then the
         * charset guessed from the whole payload. */
        const char *fbs[2] = {decode_util_profile(ctx, "fallback_charset"), guessed ? guessed : ""};
        bad = -2;
        for (int k = 0; k < 2 && bad == -2; k++) {
            if (!*fbs[k])
                continue;
            buf_reset(&raw);
            bad = add_iconv(&raw, fbs[k], u, n);
            if (bad != 0 && bad != -1)
                bad = -2; /* not that charset either */
        }
        if (bad == -2) {
            buf_reset(&raw);
            bad = add_utf8(&raw, u, n);
        }
    }
    if (bad < 0)
        goto nomem;
    if (bad > 0 && decode_util_warn(warnings, "%s: invalid bytes replaced", what) < 0)
        goto nomem;

    /* Clean: drop NULs, control characters to spaces, trim. */
    struct buf out = {0};
    if (buf_reserve(&out, raw.len) < 0)
        goto nomem;
    for (size_t i = 0; i < raw.len; i++) {
        unsigned char c = (unsigned char)raw.data[i];
        if (c == 0)
            continue;
        if (c == '\r') { /* CRLF and lone CR are line ends too */
            if (i + 1 < raw.len && raw.data[i + 1] == '\n')
                continue;
            c = '\n';
        }
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F)
            c = ' ';
        buf_addc(&out, (char)c);
    }
    buf_free(&raw);
    size_t s = 0, e = out.len;
    while (s < e && isspace((unsigned char)out.data[s]))
        s++;
    while (e > s && isspace((unsigned char)out.data[e - 1]))
        e--;
    char *res = strndup(out.data ? out.data + s : "", e - s);
    buf_free(&out);
    return res;
nomem:
    buf_free(&raw);
    return NULL;
}

int decode_util_set(const struct decode_ctx *ctx, char **slot, const char *p, size_t n,
                    const char *charset, const char *what, struct strv *warnings)
{
    if (*slot)
        return 0;
    char *t = decode_util_text(ctx, p, n, charset, what, warnings);
    if (!t)
        return -1;
    if (*t)
        *slot = t;
    else
        free(t);
    return 0;
}

int decode_util_push(const struct decode_ctx *ctx, struct strv *sv, const char *p, size_t n,
                     const char *charset, const char *what, struct strv *warnings)
{
    char *t = decode_util_text(ctx, p, n, charset, what, warnings);
    if (!t)
        return -1;
    int r = *t ? strv_push_unique(sv, t) : 0;
    free(t);
    return r;
}

int decode_util_split_comma_name(struct lead_fields *f, const char *name)
{
    const char *comma = strchr(name, ',');
    if (!comma)
        return 0;
    const char *g = comma + 1;
    while (*g == ' ')
        g++;
    size_t fl = (size_t)(comma - name);
    while (fl && name[fl - 1] == ' ')
        fl--;
    if (!f->family_name && fl) {
        f->family_name = strndup(name, fl);
        if (!f->family_name)
            return -1;
    }
    if (!f->given_name && *g) {
        if (!(f->given_name = strdup(g)))
            return -1;
    }
    return 0;
}

/* True if s starts with a CJK ideograph, Hangul or kana: such names are
 * written family name first, without a space. */
static bool starts_cjk(const char *s)
{
    const uint8_t *u = (const uint8_t *)s;
    if (!utf8_seq(u, strlen(s)) || u[0] < 0xE0)
        return false;
    uint32_t cp;
    if ((u[0] & 0xF0) == 0xE0)
        cp = ((uint32_t)(u[0] & 0x0F) << 12) | ((uint32_t)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
    else
        cp = 0x20000; /* plane 2 ideographs */
    return (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x9FFF) ||
           (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF) || cp >= 0x20000;
}

int decode_util_finish(const struct decode_ctx *ctx, struct lead_fields *f)
{
    if (!f->full_name && (f->given_name || f->family_name)) {
        const char *g = f->given_name ? f->given_name : "";
        const char *fa = f->family_name ? f->family_name : "";
        size_t len = strlen(g) + strlen(fa) + 2;
        char *full = malloc(len);
        if (!full)
            return -1;
        if (!*g || !*fa)
            snprintf(full, len, "%s%s", fa, g);
        else if (starts_cjk(fa))
            snprintf(full, len, "%s%s", fa, g);
        else
            snprintf(full, len, "%s %s", g, fa);
        f->full_name = full;
    }
    /* The written country becomes a code when we know its name. */
    const char *country = NULL;
    if (f->country) {
        const struct country *c = country_by_name(f->country, strlen(f->country));
        if (c) {
            if (strcmp(f->country, c->alpha2) && lead_set(&f->country, c->alpha2) < 0)
                return -1;
            country = c->alpha2;
        }
    }
    if (!country) {
        const char *pc = decode_util_profile(ctx, "country");
        if (*pc)
            country = pc;
    }
    struct strv phones = {0};
    for (size_t i = 0; i < f->phones.n; i++) {
        char *p = phone_normalize(f->phones.v[i], country);
        if (!p || strv_push_unique(&phones, p) < 0) {
            free(p);
            strv_free(&phones);
            return -1;
        }
        free(p);
    }
    strv_free(&f->phones);
    f->phones = phones;
    return 0;
}

static int regex_compile(const struct decode_ctx *ctx, const char *key, regex_t *re, char msg[200])
{
    const char *pat = decode_util_profile(ctx, key);
    if (!*pat)
        return 0;
    int r = regcomp(re, pat, REG_EXTENDED);
    if (r) {
        if (msg)
            regerror(r, re, msg, 200);
        regfree(re);
        return -2;
    }
    return 1;
}

int decode_util_regex_check(const struct decode_ctx *ctx, const char *key, char msg[200])
{
    regex_t re;
    int r = regex_compile(ctx, key, &re, msg);
    if (r == 1)
        regfree(&re);
    return r == -2 ? -1 : 0;
}

int decode_util_regex(const struct decode_ctx *ctx, const char *key, const char *s, char **group1)
{
    regex_t re;
    int r = regex_compile(ctx, key, &re, NULL);
    if (r <= 0)
        return r;
    regmatch_t m[2];
    int rc = 0;
    if (regexec(&re, s, 2, m, 0) == 0) {
        rc = 1;
        if (group1) {
            int g = m[1].rm_so >= 0 ? 1 : 0;
            *group1 = strndup(s + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
            if (!*group1)
                rc = -1;
        }
    }
    regfree(&re);
    return rc;
}

/* Names as written in CSV headers, JSON keys and maps, normalised (lower
 * case, no spaces, '_', '-' or '.'), per field. */
static const char *const field_synonyms[DF_COUNT] = {
    [DF_BADGE_ID] = "badgeid|id|personid|attendeeid|uid|registrationid|regid|regno|"
                    "registrationno|registrationnumber|ticketid|ticketno|ticketnumber|"
                    "barcode|visitorid|participantid|badge|badgeno|badgenumber|scanid",
    [DF_FULL_NAME] = "fullname|name|displayname|attendeename|visitorname|contactname",
    [DF_GIVEN_NAME] = "givenname|firstname|first|forename|vorname|prenom|prénom",
    [DF_FAMILY_NAME] = "familyname|lastname|last|surname|nachname|nom",
    [DF_COMPANY] = "company|companyname|organization|organisation|org|organizationname|"
                   "organisationname|employer|firma|societe|société|account",
    [DF_TITLE] = "title|jobtitle|position|role|designation|function",
    [DF_EMAIL] = "emails|email|mail|emailaddress|emailadresse",
    [DF_PHONE] = "phones|phone|telephone|tel|mobile|mobilephone|phonenumber|cell|cellphone|"
                 "handphone|telefon|mobil",
    [DF_URL] = "urls|url|website|web|homepage",
    [DF_ADDRESS] = "address|streetaddress|street|postaladdress|adresse",
    [DF_COUNTRY] = "country|countrycode|countryname|land|pays",
    [DF_LANG] = "lang|language|languages|preferredlanguage|languagecode|locale|sprache|langue|"
                "idioma",
    [DF_SKIP] = "skip|ignore",
};

static const char *const field_names[DF_COUNT] = {
    "badge_id", "full_name", "given_name", "family_name", "company", "title", "emails",
    "phones",   "urls",      "address",    "country",     "lang",    "skip",
};

const char *decode_util_field_name(int id)
{
    return id >= 0 && id < DF_COUNT ? field_names[id] : "";
}

int decode_util_field_id(const char *name, size_t n)
{
    char norm[64];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == ' ' || c == '_' || c == '-' || c == '.' || c == '\t')
            continue;
        if (k + 1 >= sizeof norm)
            return DF_NONE;
        norm[k++] = (char)tolower(c);
    }
    norm[k] = 0;
    if (!k)
        return DF_NONE;
    for (int f = 0; f < DF_COUNT; f++) {
        const char *s = field_synonyms[f];
        while (*s) {
            const char *bar = strchr(s, '|');
            size_t len = bar ? (size_t)(bar - s) : strlen(s);
            if (len == k && !memcmp(s, norm, k))
                return f;
            s += len + (bar ? 1 : 0);
        }
    }
    return DF_NONE;
}

int decode_util_field_put(const struct decode_ctx *ctx, struct lead_fields *f, int id,
                          const char *p, size_t n, const char *what)
{
    char **slot = NULL;
    struct strv *list = NULL;
    switch (id) {
    case DF_BADGE_ID:
        slot = &f->badge_id;
        break;
    case DF_FULL_NAME:
        slot = &f->full_name;
        break;
    case DF_GIVEN_NAME:
        slot = &f->given_name;
        break;
    case DF_FAMILY_NAME:
        slot = &f->family_name;
        break;
    case DF_COMPANY:
        slot = &f->company;
        break;
    case DF_TITLE:
        slot = &f->title;
        break;
    case DF_ADDRESS:
        slot = &f->address;
        break;
    case DF_COUNTRY:
        slot = &f->country;
        break;
    case DF_EMAIL:
        list = &f->emails;
        break;
    case DF_PHONE:
        list = &f->phones;
        break;
    case DF_URL:
        list = &f->urls;
        break;
    case DF_LANG: {
        if (f->lang)
            return 0;
        char *t = decode_util_text(ctx, p, n, NULL, what, &f->warnings);
        int rc = t ? decode_util_lang_put(f, t, what) : -1;
        free(t);
        return rc;
    }
    default:
        return 0;
    }
    if (slot)
        return decode_util_set(ctx, slot, p, n, NULL, what, &f->warnings);
    return decode_util_push(ctx, list, p, n, NULL, what, &f->warnings);
}

/* RFC 5646 in outline: a 2–3 letter language (ISO 639: the 4–8 letter
 * forms are reserved or unused, and refusing them refuses "English" and
 * "Deutsch", since names of languages are not guessed), then subtags of
 * 1–8 ASCII letters or digits; '_' (as in locales) counts as '-'. At most 35
 * characters, the longest tag needed in practice (RFC 5646 4.4.1). Case is
 * canonicalised: language lower, a script (4 letters, first subtag) title
 * case, a region (2 letters) upper. */
int decode_util_lang_put(struct lead_fields *f, const char *text, const char *what)
{
    char tag[36];
    size_t n = strlen(text);
    if (f->lang || n == 0)
        return 0;
    if (n >= sizeof tag)
        goto bad;
    memcpy(tag, text, n + 1);
    char *s = tag;
    for (int sub = 0;; sub++) {
        size_t len = strcspn(s, "-_");
        bool alpha = true, alnum = true;
        for (size_t j = 0; j < len; j++) {
            alpha = alpha && isalpha((unsigned char)s[j]);
            alnum = alnum && isalnum((unsigned char)s[j]);
        }
        if (len < (sub ? 1u : 2u) || len > (sub ? 8u : 3u) || !alnum || (sub == 0 && !alpha))
            goto bad;
        for (size_t j = 0; j < len; j++) {
            bool up = (sub == 1 && alpha && len == 4 && j == 0) || (sub > 0 && alpha && len == 2);
            s[j] = (char)(up ? toupper((unsigned char)s[j]) : tolower((unsigned char)s[j]));
        }
        if (!s[len])
            break;
        s[len] = '-';
        s += len + 1;
    }
    return lead_set(&f->lang, tag);
bad:
    return decode_util_warn(&f->warnings, "%s: language is not a BCP 47 tag", what);
}

int decode_util_whole(const struct decode_ctx *ctx, const char **p, size_t *n, char **conv)
{
    *conv = NULL;
    if (decode_util_utf8_valid((const uint8_t *)*p, *n))
        return 0;
    const char *fb = decode_util_profile(ctx, "fallback_charset");
    if (!*fb && guessed)
        fb = guessed;
    if (!*fb)
        return 0;
    struct buf b = {0};
    long bad = add_iconv(&b, fb, (const uint8_t *)*p, *n);
    if (bad == -1)
        return -1;
    if (bad != 0) { /* not in that charset either: per-field replacement */
        buf_free(&b);
        return 0;
    }
    *n = b.len;
    *conv = buf_steal(&b);
    *p = *conv;
    return 0;
}
