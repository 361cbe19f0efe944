// SPDX-License-Identifier: Apache-2.0
/*
 * charset — what a payload is written in when it does not say: UTF-16 and
 * UTF-32 byte-order marks, and a statistical guess (uchardet) for 8-bit text
 * that is not UTF-8 (a vCard in Windows-1251 with no CHARSET parameter).
 *
 * Used by decode_payload() before any decoder runs; the decoders see UTF-8
 * (after a BOM) or get the guess through struct decode_ctx.
 */
#ifndef MB_CHARSET_H
#define MB_CHARSET_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/base/buf.h"

/*
 * Appends p[0..n), written in charset cs (an iconv name), to b as UTF-8.
 * A sequence that is not valid in cs (or cut off at the end) becomes
 * U+FFFD and its next unit bytes (1 for 8-bit charsets, 2 for UTF-16 …) are
 * skipped. Returns the number of replacements, -1 on ENOMEM, -2 when iconv
 * does not know cs (b unchanged).
 */
long charset_convert(struct buf *b, const char *cs, const uint8_t *p, size_t n, size_t unit);

/*
 * When p[0..n) opens with a UTF-32 or UTF-16 byte-order mark (LE or BE),
 * converts the rest to UTF-8: *out gets a malloc'd, NUL-terminated copy
 * (*outn bytes, the caller frees it) and 1 is returned. Sequences that are
 * not valid in that encoding become U+FFFD. Returns 0 (nothing changed) when
 * there is no such mark, -1 on ENOMEM.
 */
int charset_unbom(const uint8_t *p, size_t n, uint8_t **out, size_t *outn);

/*
 * Guesses the 8-bit charset of p[0..n), text that is not valid UTF-8, and
 * writes its iconv name into buf (size bufsz, at least 32): "WINDOWS-1251",
 * "ISO-8859-7", "SHIFT_JIS" … ISO-8859-1 is reported as WINDOWS-1252, its
 * superset, as browsers do, and only when the text reads as Latin script
 * (uchardet's answer for what it cannot place). Returns buf, or NULL when
 * there is no usable answer, or it is ASCII/UTF-8 (nothing better than the
 * caller's default).
 * Only the first 64 KiB are looked at.
 */
const char *charset_detect(const uint8_t *p, size_t n, char *buf, size_t bufsz);

#endif
