// SPDX-License-Identifier: Apache-2.0
/*
 * cmd_sync — the sync commands of the CLI. They ask the running daemon (the
 * worker's state lives there) and print its answer; --json prints it as is.
 */
#include "firmware/cli/cmd.h"

#include <cjson/cJSON.h>
#include <stdio.h>

#include "firmware/cli/cli.h"
#include "firmware/config/config.h"

#define CALL_TIMEOUT_MS 30000

static cJSON *call(const struct cli_args *a, cJSON *req)
{
    struct config *cfg = cli_load_config(a);
    cJSON *reply = cfg ? cli_call(a, cfg, req, CALL_TIMEOUT_MS) : NULL;
    cJSON_Delete(req);
    config_free(cfg);
    return reply;
}

static const char *str(const cJSON *o, const char *k)
{
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return v ? v : "-";
}

static double num(const cJSON *o, const char *k)
{
    return cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

int cmd_sync_status(const struct cli_args *a)
{
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "cmd", "sync_status");
    cJSON *st = call(a, req);
    if (!st)
        return 1;
    if (cli_flag(a, "json")) {
        cli_print_json(st, false);
        cJSON_Delete(st);
        return 0;
    }
    printf("network: %s (since %s)\n", str(st, "network"), str(st, "network_since"));
    printf("queue:   %.0f pending, %.0f rejected; last success %s\n", num(st, "pending"),
           num(st, "rejected"), str(st, "last_success"));
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(st, "sinks"))
    {
        printf("\n[sink.%s] %s: %s, %.0f pending, %.0f rejected, %.0f sent\n", str(s, "name"),
               str(s, "type"), str(s, "state"), num(s, "pending"), num(s, "rejected"),
               num(s, "sent"));
        printf("  last success %s", str(s, "last_success"));
        if (num(s, "attempts") > 0)
            printf(", %.0f failed attempts, next in %.1f s", num(s, "attempts"),
                   num(s, "retry_in_s"));
        printf("\n");
        if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(s, "last_error")))
            printf("  last error: %s\n", str(s, "last_error"));
        if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(s, "note")))
            printf("  note: %s\n", str(s, "note"));
        const cJSON *r;
        cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(s, "rejected_leads"))
        {
            printf("  rejected lead %s v%.0f: %s\n", str(r, "lead"), num(r, "version"),
                   str(r, "reason"));
        }
    }
    cJSON_Delete(st);
    return 0;
}

int cmd_sync_retry(const struct cli_args *a)
{
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "cmd", "sync_retry");
    if (cli_opt(a, "sink"))
        cJSON_AddStringToObject(req, "sink", cli_opt(a, "sink"));
    if (cli_opt(a, "lead"))
        cJSON_AddStringToObject(req, "lead", cli_opt(a, "lead"));
    cJSON *r = call(a, req);
    if (!r)
        return 1;
    printf("%.0f rejected entries queued again\n", num(r, "requeued"));
    cJSON_Delete(r);
    return 0;
}

int cmd_sync_now(const struct cli_args *a)
{
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "cmd", "sync_now");
    cJSON *r = call(a, req);
    if (!r)
        return 1;
    printf("sync woken (%.0f sinks)\n", num(r, "sinks"));
    cJSON_Delete(r);
    return 0;
}
