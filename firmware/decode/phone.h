// SPDX-License-Identifier: Apache-2.0
/*
 * phone — turns a telephone number as written on a badge or card into E.164
 * ("+85291234567") when its country is written in it (+852, 00852) or known
 * (the address's country, the show's default), and keeps it as written
 * otherwise, so no number is ever mangled by a guess.
 */
#ifndef MB_PHONE_H
#define MB_PHONE_H

/*
 * Normalises text (UTF-8, untrusted). country is an ISO 3166-1 alpha-2 code
 * used for national numbers, or NULL/"" when unknown. Returns a malloc'd
 * string: the E.164 form when the digits fit the country's numbering plan,
 * else text trimmed of white space (a number with an extension, letters or a
 * length that does not fit is kept as written). NULL only on ENOMEM.
 */
char *phone_normalize(const char *text, const char *country);

#endif
