// SPDX-License-Identifier: Apache-2.0
/*
 * legal_form — finding a company's legal form on a line of a business card
 * ("Soluciones Ibéricas S.L.", "Technika Polska Sp. z o.o.", "ООО «Северный
 * Ветер»", "大阪精機株式会社", "(주)미래전자"), with the forms of every country
 * from the ISO 20275 Entity Legal Forms list (legal_form_data.c, generated
 * by gen_legal_forms.py), not a hand-made short list.
 *
 * A form counts at the end or the start of the line as whole words;
 * comparisons skip dots and spaces ("S.L." = "SL", "Sp. z o.o." = "Sp.z
 * o.o."), ignore ASCII case, and take an OCR'd '0' for an 'o'. Forms of two
 * letters or fewer ("SA", "AG", "BV") must be printed in capitals or with
 * dots, so that "Visa" or "Ag" in a name are no company. CJK forms count
 * anywhere in the line (no spaces there).
 */
#ifndef MB_LEGAL_FORM_H
#define MB_LEGAL_FORM_H

#include <stdbool.h>
#include <stddef.h>

/* The generated table: every form, sorted. */
extern const char *const legal_forms[];
extern const size_t legal_forms_n;

/*
 * The legal form s (one line, UTF-8) carries, or NULL: the table's string.
 * When several match, the longest ("GmbH & Co. KG" before "KG").
 */
const char *legal_form_find(const char *s);

/*
 * Like legal_form_find(), and writes the form's letters over the digits OCR
 * read for them in s ("Sp. z 0.0." → "Sp. z o.o."). Returns the form or
 * NULL (s unchanged).
 */
const char *legal_form_repair(char *s);

#endif
