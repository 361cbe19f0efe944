// SPDX-License-Identifier: Apache-2.0
/*
 * test_sync_sink — the sink table and the helpers sinks share: every type is
 * listed once, field values for CRM mappings, safe names for keys and files.
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
    const char *types[] = {"webhook", "hubspot", "salesforce", "s3", "spool"};
    int n = 0;
    for (int i = 0; sink_table[i]; i++)
        n++;
    is_int(n, 5, "five sink types in the table");
    for (int i = 0; i < 5; i++) {
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
    return done_testing();
}
