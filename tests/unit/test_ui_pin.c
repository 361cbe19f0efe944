// SPDX-License-Identifier: Apache-2.0
/*
 * test_ui_pin — the admin PIN hash (PBKDF2), the campaign links and opaque
 * lead references in supplier QR codes, and the QR SVG.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/base/buf.h"
#include "firmware/store/store.h"
#include "tests/tap.h"
#include "firmware/match/campaign.h"
#include "ui/pin.h"
#include "ui/qr.h"

int main(void)
{
    char h1[PIN_HASH_MAX], h2[PIN_HASH_MAX];
    struct err e = {0};
    ok(pin_hash("2468", h1, sizeof h1, &e) == 0, "hash a PIN");
    ok(!strncmp(h1, "pbkdf2-sha256$", 14), "format names the algorithm (%s)", h1);
    /* The PIN is not in the hash: the stored form is only the algorithm,
     * the iterations, and hex of a random salt and a digest. Looking for
     * "2468" in the hex text failed at random (0.14% of runs: 96 random hex
     * digits); in the decoded bytes it would take a 1 in 10^8 chance. */
    unsigned iter = 0;
    char salt[40] = "", dig[72] = "";
    int nf = sscanf(h1, "pbkdf2-sha256$%u$%39[0-9a-f]$%71[0-9a-f]", &iter, salt, dig);
    unsigned char raw[48];
    size_t nraw = 0;
    for (const char *x = salt; nf == 3 && *x && x[1] && nraw < sizeof raw; x += 2)
        sscanf(x, "%2hhx", &raw[nraw++]);
    for (const char *x = dig; nf == 3 && *x && x[1] && nraw < sizeof raw; x += 2)
        sscanf(x, "%2hhx", &raw[nraw++]);
    ok(nf == 3 && strlen(salt) == 32 && strlen(dig) == 64 &&
           strlen(h1) == strlen("pbkdf2-sha256$$$") + (size_t)snprintf(NULL, 0, "%u", iter) + 96 &&
           nraw == 48 && !memmem(raw, nraw, "2468", 4),
       "the PIN is not in the hash (only iterations, salt and digest)");
    ok(pin_hash("2468", h2, sizeof h2, &e) == 0 && strcmp(h1, h2) != 0,
       "salted: two hashes differ");
    is_int(pin_verify("2468", h1), 1, "right PIN");
    is_int(pin_verify("2469", h1), 0, "wrong PIN");
    is_int(pin_verify("", h1), 0, "empty PIN");
    is_int(pin_verify("2468", "plain-2468"), -1, "malformed hash");
    is_int(pin_verify("2468", "pbkdf2-sha256$10$aa$bb"), -1, "too few iterations refused");
    ok(pin_hash("123", h2, sizeof h2, &e) < 0, "a 3-digit PIN is refused");

    char path[] = "/tmp/mb-test-pin-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    struct store *s = store_open(path, &e);
    ok(s != NULL, "store opens");
    ok(pin_load(s) == NULL, "no PIN stored yet");
    ok(pin_save(s, h1, &e) == 0, "save");
    char *back = pin_load(s);
    is_str(back, h1, "load gives it back");
    free(back);

    const char *lead = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    char r1[CAMPAIGN_REF_LEN], r2[CAMPAIGN_REF_LEN], r3[CAMPAIGN_REF_LEN];
    ok(campaign_ref(s, lead, r1, &e) == 0, "ref");
    is_int((long long)strlen(r1), 24, "24 hex digits");
    ok(campaign_ref(s, lead, r2, &e) == 0 && !strcmp(r1, r2), "same lead, same ref");
    ok(campaign_ref(s, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c", r3, &e) == 0 && strcmp(r1, r3),
       "another lead, another ref");
    ok(strstr(lead, r1) == NULL, "the ref is not part of the lead id");

    struct buf b = {0};
    ok(campaign_url("https://s.example/p", "hkef 2026", "kiosk-1", r1, &b, &e) == 0, "url");
    char want[256];
    snprintf(want, sizeof want,
             "https://s.example/p?utm_source=matchbooth&utm_medium=kiosk&utm_campaign=hkef%%202026"
             "&mb_kiosk=kiosk-1&mb_ref=%s",
             r1);
    is_str(b.data, want, "params appended and encoded");
    buf_reset(&b);
    ok(campaign_url("https://s.example/p?id=3#top", "x", "k", "r", &b, &e) == 0, "url with query");
    is_str(b.data,
           "https://s.example/p?id=3&utm_source=matchbooth&utm_medium=kiosk&utm_campaign=x"
           "&mb_kiosk=k&mb_ref=r#top",
           "joined with & and kept the fragment last");
    buf_reset(&b);
    ok(campaign_url("javascript:alert(1)", "x", "k", "r", &b, &e) < 0, "javascript: refused");
    ok(campaign_url("https://a.example/\"><x", "x", "k", "r", &b, &e) < 0, "quotes refused");
    buf_reset(&b);

    ok(qr_svg("https://s.example/p?mb_ref=abc", &b, &e) == 0, "QR as SVG");
    ok(b.data && !strncmp(b.data, "<svg ", 5) && strstr(b.data, "<path"), "an SVG with a path");
    buf_reset(&b);
    char *big = malloc(9000);
    memset(big, 'A', 8999);
    big[8999] = '\0';
    ok(qr_svg(big, &b, &e) < 0, "text too long for a QR code: error (%s)", e.msg);
    free(big);
    buf_free(&b);

    store_close(s);
    unlink(path);
    return done_testing();
}
