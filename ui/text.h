// SPDX-License-Identifier: Apache-2.0
/*
 * text — what the page sends is untrusted: string members of its JSON,
 * copies cut to a limit with control characters dropped, and the kiosk's
 * language of a request.
 */
#ifndef MB_UI_TEXT_H
#define MB_UI_TEXT_H

#include <stddef.h>

struct cJSON;

#define TEXT_FIELD_MAX 256  /* a name, company, e-mail, phone … */
#define TEXT_LONG_MAX  2000 /* a free-text answer, a note */

/* The string member k of o, or NULL (o NULL, no such member, not a
 * string). Borrowed from o. */
const char *text_member(const struct cJSON *o, const char *k);

/* A copy of s (malloc'd, the caller frees) of at most max bytes, without
 * the control characters below 0x20 (a newline stays); NULL only when s is
 * NULL. A cut may split a UTF-8 sequence. */
char *text_clean(const char *s, size_t max);

/* lang when it is one of the kiosk's languages (en, zh-Hant, zh-Hans, de,
 * fr, es, hi), else "en". Never NULL; a static string. */
const char *text_lang(const char *lang);

#endif
