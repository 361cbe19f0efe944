// SPDX-License-Identifier: Apache-2.0
/*
 * test_store_card — the card_reads table through its store module, on a
 * real store file: a read saved with and without its image, for a lead and
 * for an unknown scan; the reads of a lead newest first with the fields the
 * visitor changed; the image back byte for byte with its type (given, or
 * sniffed from the magic bytes); a missing read; and the row going away
 * with its lead.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/lead.h"
#include "firmware/store/store.h"
#include "firmware/store/store_card.h"
#include "tests/tap.h"

static char tmp[] = "/tmp/mb-test-store-card-XXXXXX";

/* Stores a card scan; lead_id receives its lead ("" for an unknown one). */
static int64_t card_scan(struct store *s, const char *name, char lead_id[UUID_STR_LEN])
{
    struct lead_fields f = {0};
    lead_set(&f.format, name ? "card" : "unknown");
    if (name)
        lead_set(&f.full_name, name);
    const char *payload = name ? name : "";
    struct store_scan sc = {.show_id = "fair",
                            .source = LEAD_SRC_CARD,
                            .payload = (const uint8_t *)payload,
                            .len = strlen(payload),
                            .fields = &f};
    clock_now(&sc.when);
    struct store_scan_result res;
    struct err e = {0};
    int r = store_scan_add(s, &sc, &res, &e);
    lead_fields_free(&f);
    if (r < 0) {
        diag("scan: %s", e.msg);
        return -1;
    }
    snprintf(lead_id, UUID_STR_LEN, "%s", res.lead_id);
    return res.scan_id;
}

static void test_types(void)
{
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0};
    static const uint8_t jpeg[] = {0xff, 0xd8, 0xff, 0xe0};
    is_str(store_card_image_type(png, sizeof png), "image/png", "PNG by its magic bytes");
    is_str(store_card_image_type(jpeg, sizeof jpeg), "image/jpeg", "JPEG by its magic bytes");
    is_str(store_card_image_type(jpeg, 2), "application/octet-stream", "too short: unknown");
}

static void test_reads(struct store *s)
{
    struct err e = {0};
    char lead[UUID_STR_LEN];
    int64_t scan = card_scan(s, "Alice Johnson", lead);
    ok(scan > 0 && *lead, "a card scan became a lead");
    cJSON *rec = cJSON_Parse("{\"full_name\":\"Alice Jonson\",\"company\":\"Brightwave\","
                             "\"format\":\"card\",\"warnings\":[\"ocr\"]}");
    cJSON *conf = cJSON_Parse("{\"full_name\":0.61,\"company\":0.93}");
    cJSON *cor = cJSON_Parse("{\"full_name\":\"Alice Johnson\",\"company\":\"Brightwave\","
                             "\"format\":\"manual\",\"title\":\"CTO\"}");
    static const uint8_t jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0, 4};
    struct store_card_rec r = {.scan_id = scan,
                               .lead_id = lead,
                               .languages = "eng",
                               .recognised = rec,
                               .confidence = conf,
                               .corrected = NULL,
                               .image = jpeg,
                               .image_len = sizeof jpeg};
    int64_t first = store_card_save(s, &r, &e);
    ok(first > 0, "a read without corrections, with its image (%s)", e.msg);
    r.corrected = cor;
    r.image = NULL;
    r.image_len = 0;
    int64_t second = store_card_save(s, &r, &e);
    ok(second > first, "a corrected read without image (%s)", e.msg);

    cJSON *reads = NULL;
    ok(store_card_get(s, lead, &reads, &e) == 0 && cJSON_GetArraySize(reads) == 2,
       "the lead has two reads (%s)", e.msg);
    const cJSON *newest = cJSON_GetArrayItem(reads, 0), *oldest = cJSON_GetArrayItem(reads, 1);
    is_int((long long)cJSON_GetNumberValue(cJSON_GetObjectItem(newest, "id")), second,
           "newest first");
    char *changed = cJSON_PrintUnformatted(cJSON_GetObjectItem(newest, "changed"));
    is_str(changed, "[\"full_name\",\"title\"]",
           "changed: what the visitor corrected (not format or warnings)");
    free(changed);
    ok(cJSON_IsNull(cJSON_GetObjectItem(newest, "image_type")) &&
           cJSON_GetNumberValue(cJSON_GetObjectItem(newest, "image_bytes")) == 0,
       "no image kept: type null, 0 bytes");
    ok(cJSON_IsNull(cJSON_GetObjectItem(oldest, "corrected")) &&
           cJSON_GetArraySize(cJSON_GetObjectItem(oldest, "changed")) == 0,
       "uncorrected: corrected null, nothing changed");
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(oldest, "image_type")), "image/jpeg",
           "the image type was sniffed");
    is_int((long long)cJSON_GetNumberValue(cJSON_GetObjectItem(oldest, "image_bytes")), sizeof jpeg,
           "image bytes");
    ok(cJSON_Compare(cJSON_GetObjectItem(oldest, "confidence"), conf, 1), "confidences kept");
    cJSON_Delete(reads);

    uint8_t *img = NULL;
    size_t len = 0;
    char *type = NULL;
    ok(store_card_image(s, first, &img, &len, &type, &e) == 0 && len == sizeof jpeg && img &&
           !memcmp(img, jpeg, len),
       "the image comes back byte for byte, NUL included");
    is_str(type, "image/jpeg", "with its type");
    free(img);
    free(type);
    ok(store_card_image(s, second, &img, &len, &type, &e) == 0 && !img && !len && !type,
       "a read without image: nothing, no error");
    e = (struct err){0};
    ok(store_card_image(s, 9999, &img, &len, &type, &e) < 0 && e.code == ERR_NOTFOUND,
       "no such read: %s", e.msg);

    /* An unknown scan's card: no lead. A given type is kept as given. */
    char none[UUID_STR_LEN];
    int64_t uscan = card_scan(s, NULL, none);
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    struct store_card_rec u = {.scan_id = uscan,
                               .lead_id = none,
                               .recognised = rec,
                               .confidence = conf,
                               .image = png,
                               .image_len = sizeof png,
                               .image_type = "image/x-test"};
    int64_t third = store_card_save(s, &u, &e);
    ok(third > second && !*none, "a read of an unknown scan, no lead (%s)", e.msg);
    ok(store_card_image(s, third, &img, &len, &type, &e) == 0 && type &&
           !strcmp(type, "image/x-test"),
       "the given image type is kept");
    free(img);
    free(type);
    ok(store_card_get(s, "no-such-lead", &reads, &e) == 0 && cJSON_GetArraySize(reads) == 0,
       "a lead without reads: an empty array");
    cJSON_Delete(reads);

    /* The foreign keys hold: a read of a scan that does not exist fails. */
    r.scan_id = 424242;
    e = (struct err){0};
    ok(store_card_save(s, &r, &e) < 0 && e.code == ERR_IO && strstr(e.msg, "FOREIGN KEY"),
       "a read of no scan is refused: %s", e.msg);
    cJSON_Delete(rec);
    cJSON_Delete(conf);
    cJSON_Delete(cor);
}

int main(void)
{
    if (!mkdtemp(tmp))
        return 1;
    char path[600];
    snprintf(path, sizeof path, "%s/leads.db", tmp);
    struct err e = {0};
    struct store *s = store_open(path, &e);
    ok(s != NULL, "store opens (%s)", e.msg);
    if (!s)
        return done_testing();
    ok(store_show_ensure(s, "fair", "Fair", "UTC", &e) == 0, "show");
    test_types();
    test_reads(s);
    store_close(s);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    if (system(cmd) != 0)
        diag("could not remove %s", tmp);
    return done_testing();
}
