/*
 * e164 — phone numbers as printed on business cards, normalised to E.164
 * ("+85223456789") with the show's country for numbers printed without a
 * country code. A small table of countries (calling code, trunk prefix,
 * national number lengths) drives it; an unknown country leaves national
 * numbers as written (digits only).
 */
#ifndef MB_E164_H
#define MB_E164_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Normalises the number in s (digits with spaces, dots, dashes, brackets, a
 * leading "+" or "00"; an extension "ext./x 123" is dropped). country is an
 * ISO 3166-1 alpha-2 code or NULL. Writes "+CCNNN…" (or the bare digits when
 * no country applies) to out (at least 20 bytes) and returns true when the
 * result is a plausible E.164 number (8 to 15 digits with a country code),
 * false otherwise (out then holds the digits as read).
 */
bool e164_normalise(const char *s, const char *country, char *out, size_t outsz);

/* The calling code of an ISO country ("HK" -> 852), or 0 if not in the table. */
int e164_country_code(const char *country);

#endif
