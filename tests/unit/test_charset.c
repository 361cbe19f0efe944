// SPDX-License-Identifier: Apache-2.0
/*
 * test_charset — firmware/decode/charset.c on its own: UTF-16/32 byte-order
 * marks (both byte orders, an odd byte at the end, a lone surrogate), no
 * mark, and uchardet's guesses: Windows-1251 and ISO-8859-7 names, Latin-1
 * only when it reads as Latin script.
 */
#include <stdlib.h>
#include <string.h>

#include "firmware/decode/charset.h"
#include "tests/tap.h"

static void unbom(const char *name, const char *in, size_t n, const char *want)
{
    uint8_t *out = NULL;
    size_t on = 0;
    int r = charset_unbom((const uint8_t *)in, n, &out, &on);
    ok(r == 1, "%s: converted", name);
    is_str(out ? (const char *)out : "(null)", want, name);
    ok(out && strlen((const char *)out) == on, "%s: length", name);
    free(out);
}

static void guess(const char *name, const char *in, const char *want)
{
    char buf[48];
    const char *g = charset_detect((const uint8_t *)in, strlen(in), buf, sizeof buf);
    is_str(g ? g : "(none)", want, name);
}

int main(void)
{
    unbom("UTF-16LE", "\xff\xfeJ\0\xfc\0r\0g\0", 10, "J\xc3\xbcrg");
    unbom("UTF-16BE", "\xfe\xff\0J\0\xfc\0r", 8, "J\xc3\xbcr");
    unbom("UTF-32LE", "\xff\xfe\0\0J\0\0\0\xe9\0\0\0", 12, "J\xc3\xa9");
    unbom("UTF-32BE", "\0\0\xfe\xff\0\0\0J", 8, "J");
    unbom("UTF-16LE odd byte at the end", "\xff\xfeO\0K\0!", 7, "OK\xef\xbf\xbd");
    unbom("UTF-16LE lone surrogate", "\xff\xfe\x00\xd8X\0", 6, "\xef\xbf\xbdX");
    uint8_t *out = NULL;
    size_t on = 0;
    ok(charset_unbom((const uint8_t *)"BEGIN:VCARD", 11, &out, &on) == 0 && !out,
       "no byte-order mark: nothing done");
    ok(charset_unbom((const uint8_t *)"\xef\xbb\xbf{}", 5, &out, &on) == 0,
       "a UTF-8 BOM is left to the decoders");

    guess("Windows-1251",
          "BEGIN:VCARD\r\nFN:\xc0\xed\xed\xe0 \xd1\xec\xe8\xf0\xed\xee\xe2\xe0\r\n"
          "ORG:\xce\xce\xce \xd1\xe5\xe2\xe5\xf0\xed\xfb\xe9 \xe2\xe5\xf2\xe5\xf0\r\n",
          "WINDOWS-1251");
    guess("ISO-8859-7 / Windows-1253",
          "FN:\xc3\xe9\xfe\xf1\xe3\xef\xf2 \xd0\xe1\xf0\xe1\xe4\xfc\xf0\xef\xf5\xeb\xef\xf2\r\n",
          "ISO-8859-7");
    guess("Latin-1 that reads as Latin", "J\xfcrgen M\xfcller_M\xfcller AG^9001", "WINDOWS-1252");
    guess("Latin-1 answer for noise is refused", "Bad \xff\xfe Bytes", "(none)");
    guess("Shift_JIS too short to place is not taken for Latin-1",
          "MECARD:N:\x93\x63\x92\x86,\x89\xd4\x8e\x71;;", "(none)");
    guess("ASCII: nothing to guess", "plain text", "(none)");
    return done_testing();
}
