// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_common — profiles, roster and record checks for the fuzz targets (see
 * fuzz_common.h).
 */
#include "tests/fuzz/fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/config/config.h"
#include "firmware/decode/decode.h"
#include "firmware/decode/decode_util.h"
#include "firmware/base/lead.h"
#include "firmware/store/store.h"
#include "firmware/store/store_roster.h"

static const char profiles[] =
    "[show.a]\n"
    "[show.b]\n"
    "country = HK\n"
    "id_pattern = ^(SB[0-9]{5})$\n"
    "url_pattern = ^https?://([^/]+)/t/([A-Za-z0-9]+)\n"
    "json_map = badge_id=2,full_name=attendee.name,email=contact.emails,url=1\n"
    "delimited_map = Name_Company^PersonID\n"
    "fallback_charset = Shift_JIS\n"
    "roster = r\n"
    "[show.c]\n"
    "country = IN\n"
    "id_pattern = ^0*([0-9]{1,10})$\n"
    "url_param = id\n"
    "delimited_map = PersonID|LastName|FirstName|Company|Email|Phone|Skip|Country\n"
    "delimited_separators = ;,\\t\n"
    "fallback_charset = GB18030\n"
    "roster = r\n";

static const char *const sections[] = {NULL, "show.a", "show.b", "show.c"};

static struct config *cfg;
static struct store *db;

static void setup(void)
{
    char path[] = "/tmp/mb-fuzz-conf-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, profiles, sizeof profiles - 1) != (ssize_t)(sizeof profiles - 1))
        abort();
    close(fd);
    struct err e = {0};
    cfg = config_load(path, &e);
    unlink(path);
    if (!cfg) {
        fprintf(stderr, "fuzz: %s\n", e.msg);
        abort();
    }
    /* A real store in memory, its roster put in through the store's own
     * import path. */
    if (!(db = store_open(":memory:", &e))) {
        fprintf(stderr, "fuzz: %s\n", e.msg);
        abort();
    }
    static const char *const rows[][ROSTER_COLS] = {
        {"SB12345", "Jane Doe", "Jane", "Doe", "Acme", "CTO", "jane@acme.example", "9123 4567",
         NULL, "1 Road", "Hong Kong"},
        {"2427", NULL, "A", "B", NULL, NULL, NULL, "030 1234567", NULL, NULL, "DE"},
    };
    struct store_roster *r = store_roster_begin(db, "r", &e);
    for (size_t i = 0; r && i < sizeof rows / sizeof rows[0]; i++) {
        struct store_roster_value v[ROSTER_COLS];
        for (int c = 0; c < ROSTER_COLS; c++)
            v[c] = (struct store_roster_value){rows[i][c], rows[i][c] ? strlen(rows[i][c]) : 0};
        if (store_roster_put(r, v, &e) != 1)
            abort();
    }
    if (!r || store_roster_commit(r, &e) < 0) {
        fprintf(stderr, "fuzz: roster: %s\n", e.msg);
        abort();
    }
}

static void check_str(const char *s)
{
    if (s && !decode_util_utf8_valid((const uint8_t *)s, strlen(s)))
        abort();
}

static void check_list(const struct strv *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        check_str(sv->v[i]);
}

int fuzz_one(const struct decoder *d, const uint8_t *data, size_t n)
{
    if (!cfg)
        setup();
    if (n == 0)
        return 0;
    const char *sec = sections[data[0] % 4];
    struct decode_ctx ctx = {sec ? cfg : NULL, sec, db};
    /* A copy of exactly n-1 bytes, so ASan sees any read past the end. */
    size_t len = n - 1;
    uint8_t *p = malloc(len ? len : 1);
    if (!p)
        return 0;
    memcpy(p, data + 1, len);
    struct lead_fields f = {0};
    struct err e = {0};
    if (d) {
        int r = d->decode(&ctx, p, len, &f);
        if (r == 1 && decode_util_finish(&ctx, &f) < 0)
            abort();
        if (r == 0) {
            static const struct lead_fields zero;
            if (memcmp(&f, &zero, sizeof f))
                abort(); /* a declining decoder wrote to the record */
        }
    } else if (decode_payload(&ctx, p, len, &f, &e) < 0 || !f.format) {
        abort();
    }
    char *const s[] = {f.format,  f.badge_id, f.full_name, f.given_name, f.family_name,
                       f.company, f.title,    f.address,   f.country};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        check_str(s[i]);
    check_list(&f.emails);
    check_list(&f.phones);
    check_list(&f.urls);
    check_list(&f.warnings);
    lead_fields_free(&f);
    free(p);
    return 0;
}
