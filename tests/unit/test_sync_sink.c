// SPDX-License-Identifier: Apache-2.0
/*
 * test_sync_sink — the sink table and the helpers sinks share: every type is
 * listed once, field values for CRM mappings, safe names for keys and files,
 * the lake's Hive-style partitions and the grouping of a batch by them, and
 * response headers for the answer ops.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/config/config.h"
#include "sync/sink.h"
#include "tests/tap.h"

static void value_is(const cJSON *lead, const char *field, const char *want)
{
    char *v = sink_lead_value(lead, field);
    if (want)
        is_str(v ? v : "(null)", want, field);
    else
        ok(v == NULL, "%s: absent", field);
    free(v);
}

int main(void)
{
    const char *types[] = {"webhook",         "hubspot", "hubspot_crm", "salesforce",
                           "salesforce_rest", "s3",      "spool",       "smtp"};
    int n = 0;
    for (int i = 0; sink_table[i]; i++)
        n++;
    is_int(n, 8, "eight sink types in the table");
    for (int i = 0; i < 8; i++) {
        const struct sink_type *t = sink_find(types[i]);
        ok(t && !strcmp(t->name, types[i]), "%s found", types[i]);
        ok(t && t->open && ((t->request != NULL) != (t->write != NULL)),
           "%s is either HTTP or local", types[i]);
    }
    ok(!sink_find("ftp"), "unknown type not found");
    /* The config's `type` choices and the table must agree. */
    char path[] = "/tmp/test_sync_sink_XXXXXX";
    int fd = mkstemp(path);
    for (int i = 0; sink_table[i] && fd >= 0; i++) {
        FILE *f = fopen(path, "w");
        fprintf(f, "[sink.x]\ntype = %s\n", sink_table[i]->name);
        fclose(f);
        struct err e = {0};
        struct config *c = config_load(path, &e);
        ok(c != NULL, "config accepts type = %s", sink_table[i]->name);
        config_free(c);
    }
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }
    ok(!sink_find("salesforce")->confirms, "salesforce cannot confirm creation");
    is_int(sink_find("hubspot")->rate_max, 50, "hubspot: 50 requests");
    is_int(sink_find("hubspot")->rate_window_s, 10, "per 10 s");

    cJSON *lead = cJSON_Parse(
        "{\"id\":\"x\",\"given_name\":\"Jane\",\"family_name\":null,\"emails\":[\"a@b.example\","
        "\"c@d.example\"],\"phones\":[],\"captured_at\":\"2026-11-22T10:00:00.000Z\","
        "\"scan_count\":3,\"answers\":{\"interest\":[\"printers\",\"ink\"],\"size\":\"10-50\","
        "\"n\":4}}");
    value_is(lead, "given_name", "Jane");
    value_is(lead, "family_name", NULL);
    value_is(lead, "email", "a@b.example");
    value_is(lead, "phone", NULL);
    value_is(lead, "captured_at", "2026-11-22T10:00:00.000Z");
    value_is(lead, "scan_count", "3");
    value_is(lead, "answer.interest", "printers;ink");
    value_is(lead, "answer.size", "10-50");
    value_is(lead, "answer.n", "4");
    value_is(lead, "answer.none", NULL);
    value_is(lead, "nosuch", NULL);
    cJSON_Delete(lead);

    char out[32];
    sink_safe_name(out, sizeof out, "kiosk 1/../x");
    is_str(out, "kiosk_1_.._x", "unsafe characters replaced");
    sink_safe_name(out, sizeof out, ".hidden");
    is_str(out, "_hidden", "no leading dot");
    sink_safe_name(out, sizeof out, "");
    is_str(out, "device", "empty becomes 'device'");

    /* Notes and rating for CRM properties. */
    lead = cJSON_Parse("{\"notes\":[{\"operator\":\"ann\",\"note\":\"call back\",\"rating\":3,"
                       "\"updated_at_ms\":10},{\"operator\":\"bo\",\"note\":\"\",\"rating\":5,"
                       "\"updated_at_ms\":20},{\"operator\":\"cy\",\"note\":\"demo\",\"rating\":"
                       "null,\"updated_at_ms\":30}]}");
    value_is(lead, "notes", "ann: call back\ncy: demo");
    value_is(lead, "rating", "5");
    cJSON_Delete(lead);
    lead = cJSON_Parse("{\"notes\":[]}");
    value_is(lead, "notes", NULL);
    value_is(lead, "rating", NULL);
    cJSON_Delete(lead);

    /* The lake partition: show, UTC day of capture, device; made safe. */
    struct sink s = {.name = "lake", .device_id = "booth 7"};
    char part[200];
    lead = cJSON_Parse("{\"show\":\"expo/2027\",\"captured_at_ms\":1795000000000}");
    sink_partition(&s, lead, part, sizeof part);
    is_str(part, "show=expo_2027/date=2026-11-18/device=booth_7", "Hive-style partition");
    cJSON_Delete(lead);

    /* group: the rows of the first row's partition, in order, to the front. */
    const char *docs[] = {
        "{\"show\":\"a\",\"captured_at_ms\":0}", "{\"show\":\"b\",\"captured_at_ms\":0}",
        "{\"show\":\"a\",\"captured_at_ms\":1000}", "{\"show\":\"a\",\"captured_at_ms\":86400000}",
        "{\"show\":\"a\",\"captured_at_ms\":2000}"};
    struct sink_entry v[5] = {0};
    for (int i = 0; i < 5; i++) {
        v[i].outbox_id = i + 1;
        v[i].lead = cJSON_Parse(docs[i]);
    }
    size_t k = sink_group_partition(&s, v, 5);
    is_int((long long)k, 3, "three rows share the first row's partition");
    ok(v[0].outbox_id == 1 && v[1].outbox_id == 3 && v[2].outbox_id == 5,
       "they come first, in their order");
    ok(v[3].outbox_id == 2 && v[4].outbox_id == 4, "the others follow in theirs");
    for (int i = 0; i < 5; i++)
        cJSON_Delete(v[i].lead);

    /* Response headers for the answer ops: case-insensitive, trimmed, the
     * last of repeated ones. */
    struct sink_reply r = {.status = 200,
                           .headers =
                               "HTTP/1.1 200 OK\r\nsforce-limit-info:  api-usage=18/15000 \r\n"
                               "X-Two: 1\r\nx-two: 2\r\n\r\n"};
    char hv[64];
    is_str(sink_reply_header(&r, "Sforce-Limit-Info", hv, sizeof hv), "api-usage=18/15000",
           "header found, trimmed");
    is_str(sink_reply_header(&r, "X-Two", hv, sizeof hv), "2", "the last of repeated headers");
    is_str(sink_reply_header(&r, "Retry-After", hv, sizeof hv), "", "absent: empty");
    return done_testing();
}
