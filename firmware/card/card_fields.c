// SPDX-License-Identifier: Apache-2.0
/*
 * card_fields — the scorer (see card_fields.h); its tables are data in
 * card_rules.c, company legal forms come from legal_form.c.
 */
#include "firmware/card/card_fields.h"

#include <cjson/cJSON.h>
#include <libpsl.h>
#include <pthread.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "firmware/base/buf.h"
#include "firmware/card/card_rules.h"
#include "firmware/card/legal_form.h"
#include "firmware/decode/phone.h"

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
    for (size_t i = 0; i < card_labels_n; i++) {
        const char *t = card_labels[i].text;
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
            card_labels[i].kind != LBL_ADDRESS)
            continue;
        if (colon)
            p += *p == ':' || *p == '|' ? 1 : 3;
        memmove(s, p, strlen(p) + 1);
        trim_punct(s);
        return (int)card_labels[i].kind;
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

/* OCR reads the dot of "t.yamada@" as ':' or ',' now and then: inside the
 * word before an '@', between two letters or digits, they are dots. */
static void repair_local_dots(char *s)
{
    for (char *at = strchr(s, '@'); at; at = strchr(at + 1, '@'))
        for (char *p = at - 1; p > s && p[-1] != ' '; p--)
            if ((*p == ':' || *p == ',' || *p == ';') && isalnum((unsigned char)p[-1]) &&
                isalnum((unsigned char)p[1]))
                *p = '.';
}

/*
 * The e-mail address at s[a..b) (at: its '@'), lower-cased, into em (size
 * 256). A domain whose last dot OCR lost ("severveterru") gets it back
 * before the card's country's own top-level domain ("ru" on a Russian
 * card). false when it is no address.
 */
static bool email_at(const char *s, size_t a, size_t b, const char *at, const char *country,
                     char em[256])
{
    size_t n = b - a < 254 ? b - a : 254;
    for (size_t i = 0; i < n; i++)
        em[i] = (char)tolower((unsigned char)s[a + i]);
    em[n] = '\0';
    const char *dot = memchr(at, '.', (size_t)(s + b - at));
    if (!dot) {
        size_t dl = (size_t)(s + b - at - 1);
        if (!country || strlen(country) != 2 || dl < 5 || strcasecmp(em + n - 2, country) != 0)
            return false;
        memmove(em + n - 1, em + n - 2, 3);
        em[n - 2] = '.';
        return true;
    }
    size_t tld = 0;
    for (const char *q = s + b; q > dot && isalpha((unsigned char)q[-1]); q--)
        tld++;
    return tld >= 2 && s[b - tld - 1] == '.';
}

/* Finds emails in s, adds them lower-cased and blanks them out. */
static int take_emails(char *s, const char *country, struct lead_fields *out)
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
    repair_local_dots(s);
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
        char em[256];
        if (a >= (size_t)(at - s) || !email_at(s, a, b, at, country, em))
            continue;
        if (strv_push_unique(&out->emails, em) < 0)
            return -1;
        blank(s, a, b);
        at = s + b - 1;
        found++;
    }
    return found;
}

/* The Public Suffix List (libpsl): the one compiled into the library, else
 * the newest on the system; loaded once for every thread. */
static const psl_ctx_t *psl;
static psl_ctx_t *psl_loaded;
static pthread_once_t psl_once = PTHREAD_ONCE_INIT;

static void psl_init(void)
{
    psl = psl_builtin();
    if (!psl)
        psl = psl_loaded = psl_latest(NULL);
}

/* host equals domain d or is a subdomain of it, or the other way round
 * ("acme.com" and "mail.acme.com"), ignoring case. */
static bool same_site(const char *host, size_t hn, const char *d)
{
    size_t dn = strlen(d);
    if (hn == dn)
        return !strncasecmp(host, d, hn);
    if (hn > dn)
        return host[hn - dn - 1] == '.' && !strncasecmp(host + hn - dn, d, dn);
    return d[dn - hn - 1] == '.' && !strncasecmp(d + dn - hn, host, hn);
}

/*
 * A bare "name.example" (no www. or scheme) is a web address when it agrees
 * with an e-mail address's domain on the card, or when, in small letters
 * (capitals are more often a name or "Co.Ltd"), the Public Suffix List
 * says it ends in a real public suffix and is itself registrable.
 */
static bool bare_domain(const char *host, size_t hn, const struct strv *emails)
{
    for (size_t i = 0; i < emails->n; i++) {
        const char *at = strrchr(emails->v[i], '@');
        if (at && same_site(host, hn, at + 1))
            return true;
    }
    char h[256];
    if (hn >= sizeof h)
        return false;
    for (size_t i = 0; i < hn; i++)
        if (isupper((unsigned char)host[i]))
            return false;
    memcpy(h, host, hn);
    h[hn] = '\0';
    pthread_once(&psl_once, psl_init);
    if (!psl)
        return false;
    const char *tld = strrchr(h, '.') + 1;
    const char *reg = psl_registrable_domain(psl, h);
    return psl_is_public_suffix2(psl, tld, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) && reg &&
           strchr(reg, '.') - reg >= 2;
}

static bool url_token(const char *t, size_t n, const struct strv *emails)
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
    return bare_domain(host, hn, emails);
}

/* emails: the card's addresses (all lines), for bare domains. */
static int take_urls(char *s, bool labelled, const struct strv *emails, struct lead_fields *out)
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
        /* "example. com": a space after the last dot, before a short ending
         * in small letters. */
        if (b - a > 3 && s[b - 1] == '.' && s[b] == ' ' && islower((unsigned char)s[b + 1])) {
            size_t e = b + 1;
            while (islower((unsigned char)s[e]))
                e++;
            char j[256];
            int jn =
                snprintf(j, sizeof j, "%.*s%.*s", (int)(b - a), s + a, (int)(e - b - 1), s + b + 1);
            if (e - b - 1 >= 2 && e - b - 1 <= 6 && (!s[e] || s[e] == ' ') && jn > 0 &&
                (size_t)jn < sizeof j && url_token(j, (size_t)jn, emails)) {
                memmove(s + b, s + b + 1, strlen(s + b));
                i = a;
                continue;
            }
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
        if (!url_token(t, n, emails))
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

/* Capital letters of the scripts whose names are capitalised words: Latin
 * (with Latin-1 and Extended-A: Müller, Łukasz, Šimek), Greek, Cyrillic. */
static bool is_upper_cp(uint32_t c)
{
    if (c < 0x80)
        return isupper((int)c) != 0;
    if (c >= 0xc0 && c <= 0xde)
        return c != 0xd7;
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14a && c <= 0x177))
        return c % 2 == 0;
    if (c >= 0x139 && c <= 0x148)
        return c % 2 == 1;
    if (c == 0x178 || c == 0x179 || c == 0x17b || c == 0x17d)
        return true;
    return c == 0x386 || (c >= 0x388 && c <= 0x38f) || (c >= 0x391 && c <= 0x3ab) ||
           (c >= 0x400 && c <= 0x42f);
}

/* Letters of those scripts. */
static bool is_alpha_cp(uint32_t c)
{
    return (c < 0x80 && isalpha((int)c)) || (c >= 0xc0 && c <= 0x24f && c != 0xd7 && c != 0xf7) ||
           (c >= 0x386 && c <= 0x3ff) || (c >= 0x400 && c <= 0x4ff);
}

static bool is_hangul(uint32_t c)
{
    return c >= 0xac00 && c <= 0xd7af;
}

/* Small words inside family names: "Sanne de Vries", "Ludwig van
 * Beethoven", "João dos Santos". Written in small letters, they do not
 * count against a name's capitals. */
static const char *const particles[] = {"de",  "van", "der", "den", "von", "zu", "da", "di",
                                        "do",  "dos", "das", "du",  "del", "la", "le", "ten",
                                        "ter", "y",   "e",   "bin", "al",  "el"};

/* Bytes of the particle word at p (followed by a space), or 0. */
static size_t particle_at(const char *p)
{
    for (size_t i = 0; i < sizeof particles / sizeof particles[0]; i++) {
        size_t l = strlen(particles[i]);
        if (!strncmp(p, particles[i], l) && p[l] == ' ')
            return l;
    }
    return 0;
}

/* 2-4 capitalised words (Latin, Greek, Cyrillic; particles aside), 2-4 Han
 * characters or Hangul syllables, 2-3 Devanagari words. */
static bool name_shape(const char *s)
{
    size_t han = 0, hangul = 0, deva_words = 0, words = 0, other = 0, bytes = strlen(s);
    bool in_word = false, word_ok = true, bad = false;
    uint32_t c;
    for (const char *p = s; *p;) {
        size_t k = u8_next(p, &c);
        size_t part = !in_word && p != s ? particle_at(p) : 0;
        if (part) {
            p += part;
            continue;
        }
        if (c == ' ') {
            in_word = false;
        } else if (is_han(c)) {
            han++;
        } else if (is_hangul(c)) {
            hangul++;
        } else if (is_deva(c)) {
            if (!in_word)
                deva_words++;
            in_word = true;
        } else if (is_alpha_cp(c)) {
            if (!in_word) {
                words++;
                word_ok = word_ok && is_upper_cp(c);
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
    size_t scripts = (han > 0) + (hangul > 0) + (deva_words > 0) + (words > 0);
    if (scripts != 1)
        return false;
    if (han)
        return han >= 2 && han <= 4;
    if (hangul)
        return hangul >= 2 && hangul <= 4;
    if (deva_words)
        return deva_words >= 2 && deva_words <= 3;
    return word_ok && words >= 2 && words <= 4 && bytes <= 48;
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
    if (f == CARD_COMPANY) {
        const char *form = legal_form_find(s);
        if (form)
            sc += strlen(form) <= 2 ? CARD_LEGAL_FORM_SHORT_POINTS : CARD_LEGAL_FORM_POINTS;
    }
    for (size_t i = 0; i < card_keywords_n; i++)
        if (card_keywords[i].field == f &&
            contains_kw(s, card_keywords[i].text, card_keywords[i].mode == KW_SUB))
            sc += card_keywords[i].weight;
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
    if ((is_han(c) || is_hangul(c)) && !strchr(n, ' ')) {
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
            if (cs[i].used || cs[i].score[CARD_ADDRESS] < CARD_ADDRESS_JOIN_SCORE)
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

/* Where the reading of one card stands. */
struct extract {
    struct cand *cs; /* room for twice the lines: "Name | Title" splits */
    size_t nc;
    int maxh;
    float cconf[3];          /* best line confidence: emails, phones, urls */
    struct strv card_emails; /* every e-mail address on the card */
    const char *country;
};

/* The e-mail addresses of every line, before the lines are read in order:
 * a bare domain printed above the address agrees with it too. */
static int collect_emails(const struct card_line *lines, size_t n, const char *country,
                          struct strv *emails)
{
    struct lead_fields tmp = {0};
    for (size_t i = 0; i < n; i++) {
        char *t = strdup(lines[i].text ? lines[i].text : "");
        if (!t || take_emails(t, country, &tmp) < 0) {
            free(t);
            lead_fields_free(&tmp);
            return -1;
        }
        free(t);
    }
    *emails = tmp.emails;
    tmp.emails = (struct strv){0};
    lead_fields_free(&tmp);
    return 0;
}

/*
 * A logo or a bullet read as a letter before the text ("O Étienne Lefèvre",
 * "i) Etienne"): a first token of one ASCII letter, or of one or two ASCII
 * characters that are not all letters and digits, is dropped when two words
 * follow. Initials keep their dot ("J. Smith"), titles their letters ("Dr").
 */
static void drop_stray_mark(char *t)
{
    size_t k = strcspn(t, " ");
    if (k == 0 || k > 2 || !t[k] || t[k - 1] == '.')
        return;
    bool ascii = true, alnum = true;
    for (size_t i = 0; i < k; i++) {
        ascii = ascii && (unsigned char)t[i] < 0x80;
        alnum = alnum && isalnum((unsigned char)t[i]);
    }
    bool stray = ascii && ((k == 1 && isalpha((unsigned char)t[0])) || !alnum);
    if (!stray || isdigit((unsigned char)t[0]) || !strchr(t + k + 1, ' '))
        return;
    memmove(t, t + k + 1, strlen(t + k + 1) + 1);
}

/* Line i: contact fields by pattern into out, the rest becomes a candidate
 * for name, title, company or address. 0, or -1 on ENOMEM. */
static int take_line(struct extract *x, const struct card_line *ln, size_t i,
                     struct lead_fields *out)
{
    char *t = strdup(ln->text ? ln->text : "");
    if (!t)
        return -1;
    collapse_spaces(t);
    int label = take_label(t);
    float lc = ln->conf / 100.0f;
    int r;
    if (label == LBL_FAX)
        goto drop;
    if ((r = take_emails(t, x->country, out)) < 0)
        goto nomem;
    if (r > 0 && lc > x->cconf[0])
        x->cconf[0] = lc;
    if ((r = take_urls(t, label == LBL_URL, &x->card_emails, out)) < 0)
        goto nomem;
    if (r > 0 && lc > x->cconf[2])
        x->cconf[2] = lc;
    bool strict = label != LBL_PHONE && kw_score(t, CARD_ADDRESS) > 0;
    if (label != LBL_EMAIL && label != LBL_URL && label != LBL_ADDRESS &&
        (r = take_phones(t, x->country, strict, out)) != 0) {
        if (r < 0)
            goto nomem;
        if (lc > x->cconf[1])
            x->cconf[1] = lc;
    }
    trim_punct(t);
    drop_stray_mark(t);
    /* What is left must have two letters to be a name, title … */
    size_t letters = 0;
    uint32_t c;
    for (const char *p = t; *p;) {
        p += u8_next(p, &c);
        letters += c >= 0x80 || isalpha((int)c);
    }
    if (letters < 2 || label == LBL_EMAIL || label == LBL_URL || label == LBL_PHONE)
        goto drop;
    x->cs[x->nc] = (struct cand){.text = t, .conf = lc, .h = ln->h, .label = label, .idx = i};
    if (ln->h > x->maxh)
        x->maxh = ln->h;
    x->nc++;
    return split_name_title(x->cs, &x->nc);
drop:
    free(t);
    return 0;
nomem:
    free(t);
    return -1;
}

/* Features and field scores of every candidate. */
static void score(struct cand *cs, size_t nc, int maxh)
{
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
        for (size_t w = 0; w < card_weights_n; w++)
            k->score[card_weights[w].field] += card_weights[w].w * k->ft[card_weights[w].ft];
    }
}

/* Greedy assignment: the best (line, field) pair first, one field per
 * line, one line per field; then the address's neighbours and the name's
 * parts. 0, or -1 on ENOMEM. */
static int assign(struct cand *cs, size_t nc, struct lead_fields *out, float conf[CARD_NFIELDS])
{
    char **slot[4] = {&out->full_name, &out->title, &out->company, &out->address};
    bool filled[4] = {false};
    size_t address_at = SIZE_MAX;
    for (;;) {
        float best = 0;
        size_t bi = 0;
        int bf = -1;
        for (size_t i = 0; i < nc; i++)
            for (int f = 0; f < 4; f++)
                if (!cs[i].used && !filled[f] && cs[i].score[f] >= card_min_score[f] &&
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
            return -1;
        if (bf == CARD_ADDRESS)
            address_at = bi;
        float certainty = best >= CARD_FULL_SCORE ? 1.0f : best / CARD_FULL_SCORE;
        conf[bf] = certainty * cs[bi].conf;
    }
    /* Only lines no other field took may continue the address. */
    if (address_at != SIZE_MAX && join_address(cs, nc, address_at, out) < 0)
        return -1;
    if (out->company)
        legal_form_repair(out->company);
    return out->full_name ? split_name(out) : 0;
}

int card_fields_extract(const struct card_line *lines, size_t n, const char *country,
                        struct lead_fields *out, float conf[CARD_NFIELDS])
{
    struct extract x = {.cs = calloc(n ? 2 * n : 1, sizeof(struct cand)), .country = country};
    int rc = -1;
    for (int f = 0; f < CARD_NFIELDS; f++)
        conf[f] = 0;
    if (!x.cs || lead_set(&out->format, "ocr") < 0 ||
        collect_emails(lines, n, country, &x.card_emails) < 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (take_line(&x, &lines[i], i, out) < 0)
            goto out;
    conf[CARD_EMAILS] = out->emails.n ? x.cconf[0] : 0;
    conf[CARD_PHONES] = out->phones.n ? x.cconf[1] : 0;
    conf[CARD_URLS] = out->urls.n ? x.cconf[2] : 0;
    score(x.cs, x.nc, x.maxh);
    rc = assign(x.cs, x.nc, out, conf);
out:
    for (size_t i = 0; x.cs && i < x.nc; i++)
        free(x.cs[i].text);
    free(x.cs);
    strv_free(&x.card_emails);
    if (rc < 0)
        lead_fields_free(out);
    return rc;
}

int card_fields_conf_to_json(const float conf[CARD_NFIELDS], cJSON *obj)
{
    for (int f = 0; f < CARD_NFIELDS; f++)
        if (conf[f] > 0 &&
            !cJSON_AddNumberToObject(obj, card_field_name(f), (double)((int)(conf[f] * 100)) / 100))
            return -1;
    return 0;
}
