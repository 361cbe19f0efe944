// SPDX-License-Identifier: Apache-2.0
/*
 * test_legal_form — company legal forms from the ISO 20275 list
 * (firmware/card/legal_form.c): forms of many countries at the end or the
 * start of a line, dots and spaces skipped, OCR's '0' for 'o' repaired,
 * CJK forms anywhere; and lines that only look like it (a name ending in
 * "Visa", an address, a title) found to carry none.
 */
#include <string.h>

#include "firmware/card/legal_form.h"
#include "tests/tap.h"

static void has(const char *line)
{
    const char *f = legal_form_find(line);
    ok(f != NULL, "a legal form in '%s' (%s)", line, f ? f : "none");
}

static void none(const char *line)
{
    const char *f = legal_form_find(line);
    ok(f == NULL, "no legal form in '%s' (%s)", line, f ? f : "none");
}

int main(void)
{
    ok(legal_forms_n > 2000, "the ISO 20275 table is compiled in (%zu forms)", legal_forms_n);
    has("Soluciones Ibéricas S.L.");
    has("Soluciones Ibéricas SL");
    has("Technika Polska Sp. z o.o.");
    has("Rossi Meccanica S.r.l.");
    has("Officine Lucane S.p.A.");
    has("Soluções Paulistas Ltda.");
    has("Indústrias Açaí S/A");
    has("Polderdata B.V.");
    has("Weber Maschinenbau GmbH");
    has("Weber GmbH & Co. KG");
    has("Brightwave Technologies Inc.");
    has("Indus Cloud Services Pvt Ltd");
    has("Société Lyonnaise de Robotique SAS");
    has("Dubois Électronique SARL");
    has("ООО «Северный Ветер»");
    has("ПАО «Волжский Завод»");
    has("Αιγαίο Λογισμικό Α.Ε.");
    has("Ελληνικές Τεχνολογίες Ε.Π.Ε.");
    has("大阪精機株式会社");
    has("株式会社桜技研");
    has("주식회사 한빛소프트");
    has("(주)미래전자");
    has("香港貿易有限公司");
    has("Northgate Logistics Ltd.,");
    is_str(legal_form_find("Weber GmbH & Co. KG"), "GmbH & Co. KG", "the longest form wins");

    none("Visa");
    none("Alice Johnson");
    none("Sales Manager Asia");
    none("12 rue de la République, 69002 Lyon");
    none("Directeur Général");
    none("Anna Ag");           /* two letters: capitals or dots only */
    none("Acme Solutions sa"); /* idem */
    none("Mistral");

    char s[64] = "Technika Polska Sp. z 0.0.";
    ok(legal_form_repair(s) != NULL, "OCR's Sp. z 0.0. is still a legal form");
    is_str(s, "Technika Polska Sp. z o.o.", "and the digits become the form's letters");
    char t[64] = "Acme 2000 S.A.";
    legal_form_repair(t);
    is_str(t, "Acme 2000 S.A.", "digits outside the form are left alone");
    return done_testing();
}
