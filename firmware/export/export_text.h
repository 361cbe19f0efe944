// SPDX-License-Identifier: Apache-2.0
/*
 * export_text — the text checks every export format needs: UTF-8
 * validation and repair (badge bytes are untrusted: invalid UTF-8 never
 * reaches a file), and a decoder of the JSON arrays of strings the store
 * keeps emails, phones, urls and tags in.
 */
#ifndef MB_EXPORT_TEXT_H
#define MB_EXPORT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "firmware/base/buf.h"

/* True if s (n bytes) is valid UTF-8 (no overlongs, surrogates or code
 * points past U+10FFFF). */
bool export_utf8_valid(const char *s, size_t n);

/* Appends s (n bytes) to b with each invalid byte replaced by U+FFFD.
 * Returns 0, or -1 when out of memory. */
int export_utf8_clean(struct buf *b, const char *s, size_t n);

/*
 * Calls fn for each string of a JSON array text (emails, phones …); the
 * string is only borrowed for the call. Returns fn's first non-zero result,
 * 0 after a whole array of strings, or -1 when json is NULL or not such an
 * array (fn has then seen the strings before the problem).
 */
int export_json_strings(const char *json, int (*fn)(const char *s, void *ud), void *ud);

#endif
