// SPDX-License-Identifier: Apache-2.0
/*
 * decode_util — what the decoders share: turning untrusted bytes into clean
 * UTF-8 fields, the show profile's decoder keys and their defaults, and the
 * list of decoder objects that decode.c puts in decoder_table.
 *
 * Only decode*.c and the config schema include this header.
 */
#ifndef MB_DECODE_UTIL_H
#define MB_DECODE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/decode/decode.h"
#include "firmware/base/lead.h"

/* Defaults of the [show.*] decoder keys (also the config schema's defaults). */
#define DECODE_DEFAULT_DECODERS   "vcard,mecard,json,url,delimited,roster"
#define DECODE_DEFAULT_SEPARATORS "^|\\t;"
#define DECODE_DEFAULT_URL_PARAM  ""
#define DECODE_DEFAULT_ID_PATTERN ""

/* Each format's decoder (one per decode_<id>.c). */
extern const struct decoder decode_vcard;
extern const struct decoder decode_mecard;
extern const struct decoder decode_json;
extern const struct decoder decode_url;
extern const struct decoder decode_delimited;
extern const struct decoder decode_roster;

/*
 * The value of profile key (a [show.*] key) for ctx's show: the config's
 * value (or its schema default) when ctx has a config and a show, else the
 * built-in default. Never NULL ("" when unset). Belongs to the config or is
 * static.
 */
const char *decode_util_profile(const struct decode_ctx *ctx, const char *key);

/*
 * The charset guessed for the payload being decoded (charset_detect()), or
 * NULL: set by decode_payload() around its decoder calls, for this thread
 * only (the card reader's thread decodes QR codes too), so that text which
 * declares no charset is read in it when the profile has no
 * fallback_charset. s must outlive the decoder calls.
 */
void decode_util_guess_set(const char *s);

/*
 * Turns n untrusted bytes written in charset (NULL or "" means UTF-8 with the
 * profile's fallback_charset, then the guessed charset, for invalid text) into a malloc'd string of
 * valid UTF-8: NULs dropped, other control characters except \n and \t become spaces, leading and
 * trailing white space trimmed. Bytes that are not valid in the charset become U+FFFD and a warning
 * (naming what, never the text) is appended to warnings (which may be NULL). Returns NULL only on
 * ENOMEM.
 */
char *decode_util_text(const struct decode_ctx *ctx, const char *p, size_t n, const char *charset,
                       const char *what, struct strv *warnings);

/*
 * Sets *slot from p[0..n) (converted as decode_util_text does) when *slot is
 * still NULL and the text is not empty; otherwise leaves it. 0 or -1 (ENOMEM).
 */
int decode_util_set(const struct decode_ctx *ctx, char **slot, const char *p, size_t n,
                    const char *charset, const char *what, struct strv *warnings);

/* Same for a list: appends the text unless empty or already present. */
int decode_util_push(const struct decode_ctx *ctx, struct strv *sv, const char *p, size_t n,
                     const char *charset, const char *what, struct strv *warnings);

/*
 * Matches s against the POSIX ERE in profile key (id_pattern, url_pattern).
 * Returns 1 on a match (when group1 is not NULL, *group1 gets a malloc'd copy
 * of the first parenthesised subexpression, or of the whole match when there
 * is none), 0 when it does not match or the pattern is empty, -1 on ENOMEM,
 * -2 when the pattern does not compile (msg, if not NULL, gets regerror's).
 */
int decode_util_regex(const struct decode_ctx *ctx, const char *key, const char *s, char **group1);

/* Checks that the pattern in key compiles: 0, or -1 with msg (size 200) set. */
int decode_util_regex_check(const struct decode_ctx *ctx, const char *key, char msg[200]);

/* The lead fields a map or a column header can name. */
enum decode_field {
    DF_NONE = -1,
    DF_BADGE_ID,
    DF_FULL_NAME,
    DF_GIVEN_NAME,
    DF_FAMILY_NAME,
    DF_COMPANY,
    DF_TITLE,
    DF_EMAIL,
    DF_PHONE,
    DF_URL,
    DF_ADDRESS,
    DF_COUNTRY,
    DF_LANG, /* the visitor's language (lead_fields.lang) */
    DF_SKIP,
    DF_COUNT
};

/*
 * The field a name denotes: a lead field name ("given_name", "emails") or a
 * usual column or key name ("First Name", "E-mail", "PersonID", "Company
 * Name"), compared ignoring case, spaces, '_', '-' and '.'. "skip"/"ignore"
 * give DF_SKIP. DF_NONE for anything else.
 */
int decode_util_field_id(const char *name, size_t n);

/* The lead field name of id ("badge_id", "emails" …). */
const char *decode_util_field_name(int id);

/*
 * Puts p[0..n) (converted as decode_util_text does) into field id of f:
 * scalars only when still empty, lists appended. 0 or -1 (ENOMEM).
 */
int decode_util_field_put(const struct decode_ctx *ctx, struct lead_fields *f, int id,
                          const char *p, size_t n, const char *what);

/*
 * Sets f->lang from text (clean UTF-8, as decode_util_text makes it) when
 * f->lang is still NULL: a BCP 47 language tag ("zh-Hant", "hi_IN", "EN")
 * becomes its canonical case ("zh-Hant", "hi-IN", "en"); anything else is
 * left out with a warning naming what (never the text). 0 or -1 (ENOMEM).
 */
int decode_util_lang_put(struct lead_fields *f, const char *text, const char *what);

/* Checks the profile's delimited_map: 0, or -1 with msg saying what is wrong. */
int decode_delimited_check(const struct decode_ctx *ctx, char *msg, size_t msgsz);

/*
 * For formats read as a whole (MeCard, delimited): when p[0..n) is not valid
 * UTF-8 and the profile's fallback_charset (else the guessed charset)
 * converts it without error, *conv
 * gets the converted copy (the caller frees it) and *p, *n point at it, so
 * separators and escapes are found in characters rather than in bytes (0x5C
 * is a trail byte in Shift_JIS). Otherwise nothing changes. 0 or -1 (ENOMEM).
 */
int decode_util_whole(const struct decode_ctx *ctx, const char **p, size_t *n, char **conv);

/* Appends a printf-formatted warning. 0 or -1 (ENOMEM). */
int decode_util_warn(struct strv *warnings, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Splits a full name into given and family name, for formats whose name
 * field is "Family, Given" (comma) only; sets them if still NULL. Names
 * without a comma are not split (the format does not say which part is
 * which). 0 or -1.
 */
int decode_util_split_comma_name(struct lead_fields *f, const char *name);

/*
 * Finishes a decoded record: fills full_name from given/family names when it
 * is missing (family first without a space for CJK names), normalises every
 * phone to E.164 with the written country or the profile's, lower-cases
 * nothing and invents nothing. 0 or -1 (ENOMEM).
 */
int decode_util_finish(const struct decode_ctx *ctx, struct lead_fields *f);

/* Case-insensitive prefix test on raw bytes. */
bool decode_util_prefix(const uint8_t *p, size_t n, const char *prefix);

/* True when p[0..n) is valid UTF-8. */
bool decode_util_utf8_valid(const uint8_t *p, size_t n);

/* Lower-case ASCII copy of the field name used for config lookups, etc. */
bool decode_util_ieq(const char *a, size_t an, const char *b);

#endif
