// SPDX-License-Identifier: Apache-2.0
/*
 * test_store_handout — the handouts table (print log, follow-up e-mails)
 * through its store module on a real store file: a slip recorded and ended
 * once (a second end changes nothing), the count of slips that did not
 * fail, the newest e-mail of a sink with its Message-ID, the listing of a
 * lead and of all, limits refused, a handout for a lead that does not exist
 * refused, and the rows going with their lead.
 */
#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/lead.h"
#include "firmware/store/store.h"
#include "firmware/store/store_handout.h"
#include "tests/tap.h"

static char tmp[] = "/tmp/mb-test-store-handout-XXXXXX";

/* Stores a lead scanned as payload; lead_id receives it. */
static int lead_new(struct store *s, const char *name, char lead_id[UUID_STR_LEN])
{
    struct lead_fields f = {0};
    lead_set(&f.format, "mecard");
    lead_set(&f.full_name, name);
    struct store_scan sc = {.show_id = "fair",
                            .source = LEAD_SRC_SCANNER,
                            .payload = (const uint8_t *)name,
                            .len = strlen(name),
                            .fields = &f};
    clock_now(&sc.when);
    struct store_scan_result res;
    struct err e = {0};
    int r = store_scan_add(s, &sc, &res, &e);
    lead_fields_free(&f);
    if (r < 0)
        diag("scan: %s", e.msg);
    snprintf(lead_id, UUID_STR_LEN, "%s", res.lead_id);
    return r;
}

static void test_print_log(struct store *s, const char *lead)
{
    struct err e = {0};
    int64_t a = 0, b = 0;
    is_int(store_handout_count(s, lead, STORE_HANDOUT_PRINT, &e), 0, "no slip printed yet");
    ok(store_handout_add(s, lead, STORE_HANDOUT_PRINT, "usb:04b8:0e15@1-2", NULL, 3, 1000, &a,
                         &e) == 0 &&
           a > 0,
       "a slip is recorded");
    is_int(store_handout_count(s, lead, STORE_HANDOUT_PRINT, &e), 1,
           "a slip being printed counts as printed");
    is_int(store_handout_end(s, a, false, "paper out", 1100, &e), 1, "the printer refused it");
    is_int(store_handout_end(s, a, true, NULL, 1200, &e), 0, "an ended handout does not change");
    is_int(store_handout_count(s, lead, STORE_HANDOUT_PRINT, &e), 0,
           "a failed slip does not count");
    struct store_handout h;
    ok(store_handout_last(s, lead, STORE_HANDOUT_PRINT, NULL, &h, &e) == 0, "the last slip");
    ok(h.state == STORE_HANDOUT_FAILED && !strcmp(h.reason, "paper out") && h.done_ms == 1100 &&
           h.lead_version == 3 && !strcmp(h.channel, "usb:04b8:0e15@1-2") && h.ref[0] == '\0',
       "…failed, with the reason, the time, the version and the printer");
    ok(store_handout_add(s, lead, STORE_HANDOUT_PRINT, "usb:04b8:0e15@1-2", NULL, 3, 2000, &b,
                         &e) == 0,
       "printed again");
    is_int(store_handout_end(s, b, true, "ignored for a done one", 2100, &e), 1, "printed");
    ok(store_handout_last(s, lead, STORE_HANDOUT_PRINT, NULL, &h, &e) == 0 &&
           h.state == STORE_HANDOUT_DONE && h.reason[0] == '\0',
       "done, with no reason");
    is_int(store_handout_count(s, lead, STORE_HANDOUT_PRINT, &e), 1, "one slip printed");
    is_int(store_handout_count(s, lead, STORE_HANDOUT_MAIL, &e), 0, "and no e-mail");
}

static void test_mail(struct store *s, const char *lead)
{
    struct err e = {0};
    struct store_handout h;
    is_int(store_handout_last(s, lead, STORE_HANDOUT_MAIL, "mail", &h, &e), 1, "no e-mail yet");
    int64_t id = 0;
    ok(store_handout_add(s, lead, STORE_HANDOUT_MAIL, "mail", "<abc@kiosk.example>", 5, 3000, &id,
                         &e) == 0,
       "an e-mail about to be sent");
    ok(store_handout_add(s, lead, STORE_HANDOUT_MAIL, "other", "<def@kiosk.example>", 6, 3001, NULL,
                         &e) == 0,
       "…and one of another sink");
    ok(store_handout_last(s, lead, STORE_HANDOUT_MAIL, "mail", &h, &e) == 0 && h.id == id &&
           !strcmp(h.ref, "<abc@kiosk.example>") && h.state == STORE_HANDOUT_TRYING &&
           h.lead_version == 5 && h.done_ms == 0,
       "the sink's own, trying, with its Message-ID and version");
    ok(store_handout_last(s, lead, STORE_HANDOUT_MAIL, NULL, &h, &e) == 0 &&
           !strcmp(h.channel, "other"),
       "any sink's: the newest");
    char big[400];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ok(store_handout_add(s, lead, STORE_HANDOUT_MAIL, "mail", big, 5, 1, NULL, &e) < 0 &&
           e.code == ERR_INVALID,
       "a reference over its limit is refused");
    ok(store_handout_add(s, "0190a1b2-c3d4-7e5f-8a9b-000000000000", STORE_HANDOUT_MAIL, "mail",
                         "<x@y>", 1, 1, NULL, &e) < 0,
       "a handout for a lead that does not exist is refused");
    diag("%s", e.msg);
}

static void test_list(struct store *s, const char *lead, const char *other)
{
    struct err e = {0};
    cJSON *a = NULL;
    ok(store_handout_list(s, lead, 10, &a, &e) == 0 && cJSON_GetArraySize(a) == 4,
       "the lead's four handouts");
    const cJSON *first = cJSON_GetArrayItem(a, 0), *mail = cJSON_GetArrayItem(a, 2);
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(first, "kind")), "print", "oldest first");
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(first, "state")), "failed", "its state");
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(mail, "ref")), "<abc@kiosk.example>",
           "the e-mail's Message-ID");
    ok(cJSON_IsNull(cJSON_GetObjectItem(mail, "done_at_ms")), "not done yet: null");
    cJSON_Delete(a);
    ok(store_handout_add(s, other, STORE_HANDOUT_PRINT, "p", NULL, 1, 9000, NULL, &e) == 0,
       "another lead's slip");
    ok(store_handout_list(s, NULL, 2, &a, &e) == 0 && cJSON_GetArraySize(a) == 2 &&
           !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 0), "lead")),
                   other),
       "every lead's, newest first, at most max");
    cJSON_Delete(a);
}

int main(void)
{
    if (!mkdtemp(tmp)) {
        printf("Bail out! mkdtemp\n");
        return 1;
    }
    char path[256];
    snprintf(path, sizeof path, "%s/leads.db", tmp);
    struct err e = {0};
    struct store *s = store_open(path, &e);
    if (!s) {
        printf("Bail out! %s\n", e.msg);
        return 1;
    }
    char lead[UUID_STR_LEN], other[UUID_STR_LEN];
    ok(store_show_ensure(s, "fair", "Fair", "UTC", &e) == 0, "a show");
    ok(lead_new(s, "MECARD:N:Chan,Tai Man;;", lead) == 0 && lead_new(s, "MECARD:N:B;;", other) == 0,
       "two leads");
    test_print_log(s, lead);
    test_mail(s, lead);
    test_list(s, lead, other);
    /* Deleted with their lead. */
    sqlite3 *db = NULL;
    char sql[200];
    snprintf(sql, sizeof sql, "DELETE FROM leads WHERE id = '%s'", lead);
    ok(sqlite3_open(path, &db) == SQLITE_OK &&
           sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) == SQLITE_OK &&
           sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK,
       "the lead is deleted");
    sqlite3_close(db);
    is_int(store_handout_count(s, lead, STORE_HANDOUT_PRINT, &e), 0, "its handouts went with it");
    store_close(s);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    if (system(cmd) != 0)
        diag("cleanup failed");
    return done_testing();
}
