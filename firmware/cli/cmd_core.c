// SPDX-License-Identifier: Apache-2.0
/*
 * cmd_core — the foundation's CLI commands. Commands that change leads go
 * through the daemon (control socket) so that its event stream and sync see
 * them; read-only ones (leads, db) open the store file directly, which WAL
 * allows while the daemon runs.
 */
#include "firmware/cli/cmd.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/base/buf.h"
#include "firmware/cli/cli.h"
#include "firmware/config/config.h"
#include "firmware/config/show.h"
#include "firmware/store/store.h"

#define CALL_TIMEOUT_MS 30000

/* Reads all of stdin into b. */
static int read_stdin(struct buf *b)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        if (buf_add(b, chunk, n) < 0)
            return -1;
    return ferror(stdin) ? -1 : 0;
}

int cmd_core_capture(const struct cli_args *a)
{
    struct config *cfg = cli_load_config(a);
    if (!cfg)
        return 1;
    int rc = 1;
    struct buf payload = {0};
    cJSON *req = cJSON_CreateObject();
    const char *arg = a->argv[0];
    if (!strcmp(arg, "-")) {
        if (read_stdin(&payload) < 0) {
            cli_fail(a, "reading stdin: %s", strerror(errno));
            goto out;
        }
    } else if (buf_adds(&payload, arg) < 0) {
        goto out;
    }
    if (cli_flag(a, "base64")) {
        struct buf raw = {0};
        if (buf_add_unbase64(&raw, payload.data ? payload.data : "", payload.len) < 0) {
            cli_fail(a, "PAYLOAD is not valid base64");
            buf_free(&raw);
            goto out;
        }
        buf_free(&payload);
        payload = raw;
    }
    /* Always base64 on the wire: the payload is bytes, not text. */
    struct buf b64 = {0};
    buf_add_base64(&b64, (const uint8_t *)(payload.data ? payload.data : ""), payload.len);
    cJSON_AddStringToObject(req, "cmd", "capture");
    cJSON_AddStringToObject(req, "payload_base64", b64.data ? b64.data : "");
    buf_free(&b64);
    const char *src = cli_opt(a, "source");
    if (src && lead_source_parse(src) < 0) {
        cli_fail(a, "--source: expected scanner, card, manual or import");
        goto out;
    }
    cJSON_AddStringToObject(req, "source", src ? src : "scanner");
    cJSON_AddStringToObject(req, "device", cli_opt(a, "device") ? cli_opt(a, "device") : "cli");
    if (cli_opt(a, "symbology"))
        cJSON_AddStringToObject(req, "symbology", cli_opt(a, "symbology"));
    cJSON *reply = cli_call(a, cfg, req, CALL_TIMEOUT_MS);
    if (reply) {
        const cJSON *lead = cJSON_GetObjectItem(reply, "lead");
        if (!lead)
            lead = cJSON_GetObjectItem(reply, "scan");
        if (!lead)
            lead = cJSON_GetObjectItem(reply, "staff");
        cli_print_json(lead, false);
        cJSON_Delete(reply);
        rc = 0;
    }
out:
    cJSON_Delete(req);
    buf_free(&payload);
    config_free(cfg);
    return rc;
}

int cmd_core_status(const struct cli_args *a)
{
    struct config *cfg = cli_load_config(a);
    if (!cfg)
        return 1;
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "cmd", "status");
    cJSON *st = cli_call(a, cfg, req, CALL_TIMEOUT_MS);
    cJSON_Delete(req);
    config_free(cfg);
    if (!st)
        return 1;
    if (cli_flag(a, "json")) {
        cli_print_json(st, false);
    } else {
        const cJSON *show = cJSON_GetObjectItem(st, "show");
        const cJSON *store = cJSON_GetObjectItem(st, "store");
        printf("matchbooth %s, pid %d, up %.0f s\n",
               cJSON_GetStringValue(cJSON_GetObjectItem(st, "version")),
               cJSON_GetObjectItem(st, "pid")->valueint,
               cJSON_GetNumberValue(cJSON_GetObjectItem(st, "uptime_s")));
        printf("show:    %s (%s)\n", cJSON_GetStringValue(cJSON_GetObjectItem(show, "name")),
               cJSON_GetStringValue(cJSON_GetObjectItem(show, "id")));
        printf("clock:   %s\n", cJSON_IsTrue(cJSON_GetObjectItem(st, "clock_trusted"))
                                    ? "synchronised"
                                    : "NOT synchronised (capture times will be corrected)");
        printf("ui:      http://%s\n", cJSON_GetStringValue(cJSON_GetObjectItem(st, "ui")));
        printf("leads:   %d (scans %d, unknown %d), outbox pending %d, rejected %d\n",
               cJSON_GetObjectItem(store, "leads")->valueint,
               cJSON_GetObjectItem(store, "scans")->valueint,
               cJSON_GetObjectItem(store, "unknown_scans")->valueint,
               cJSON_GetObjectItem(store, "outbox_pending")->valueint,
               cJSON_GetObjectItem(store, "outbox_rejected")->valueint);
        /* Subsystem members (devices, sync …) as compact JSON lines. */
        const cJSON *it;
        cJSON_ArrayForEach(it, st)
        {
            if (cJSON_IsObject(it) && strcmp(it->string, "show") && strcmp(it->string, "store")) {
                char *t = cJSON_PrintUnformatted(it);
                printf("%-8s %s\n", it->string, t ? t : "");
                free(t);
            }
        }
    }
    cJSON_Delete(st);
    return 0;
}

struct leads_ctx {
    bool json;
    int n;
};

static int print_lead(const cJSON *lead, void *ud)
{
    struct leads_ctx *c = ud;
    c->n++;
    if (c->json) {
        cli_print_json(lead, false);
        return 0;
    }
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(lead, "full_name"));
    const char *company = cJSON_GetStringValue(cJSON_GetObjectItem(lead, "company"));
    printf("%s  %s  %-24.24s  %-24.24s  x%d\n",
           cJSON_GetStringValue(cJSON_GetObjectItem(lead, "id")),
           cJSON_GetStringValue(cJSON_GetObjectItem(lead, "captured_at")), name ? name : "-",
           company ? company : "-", cJSON_GetObjectItem(lead, "scan_count")->valueint);
    return 0;
}

int cmd_core_leads(const struct cli_args *a)
{
    struct config *cfg = cli_load_config(a);
    if (!cfg)
        return 1;
    struct store *s = cli_open_store(a, cfg, false);
    int rc = 1;
    if (s) {
        struct err e = {0};
        struct leads_ctx c = {.json = cli_flag(a, "json")};
        if (store_leads_each(s, cli_opt(a, "show"), INT64_MIN, INT64_MAX,
                             c.json && cli_flag(a, "raw"), print_lead, &c, &e) < 0)
            cli_fail(a, "%s", e.msg);
        else
            rc = 0;
        if (!c.json && rc == 0)
            fprintf(stderr, "%d lead%s\n", c.n, c.n == 1 ? "" : "s");
    }
    store_close(s);
    config_free(cfg);
    return rc;
}

int cmd_core_note(const struct cli_args *a)
{
    const char *op = cli_opt(a, "operator");
    if (!op || !*op)
        return cli_fail(a, "--operator NAME is required (each operator has their own note)"), 2;
    const char *rating = cli_opt(a, "rating");
    int r = 0;
    if (rating) {
        char *end;
        long v = strtol(rating, &end, 10);
        if (*end || v < 1 || v > 5)
            return cli_fail(a, "--rating: expected 1 to 5, got '%s'", rating), 2;
        r = (int)v;
    }
    struct config *cfg = cli_load_config(a);
    if (!cfg)
        return 1;
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "cmd", "note");
    cJSON_AddStringToObject(req, "lead", a->argv[0]);
    cJSON_AddStringToObject(req, "operator", op);
    if (cli_opt(a, "text"))
        cJSON_AddStringToObject(req, "note", cli_opt(a, "text"));
    if (r)
        cJSON_AddNumberToObject(req, "rating", r);
    if (cli_opt(a, "tags")) {
        struct strv tv = {0};
        strv_split(&tv, cli_opt(a, "tags"), ',');
        cJSON *arr = cJSON_AddArrayToObject(req, "tags");
        for (size_t i = 0; i < tv.n; i++)
            cJSON_AddItemToArray(arr, cJSON_CreateString(tv.v[i]));
        strv_free(&tv);
    }
    cJSON *reply = cli_call(a, cfg, req, CALL_TIMEOUT_MS);
    cJSON_Delete(req);
    config_free(cfg);
    if (!reply)
        return 1;
    cli_print_json(cJSON_GetObjectItem(reply, "lead"), false);
    cJSON_Delete(reply);
    return 0;
}

int cmd_core_db_check(const struct cli_args *a)
{
    struct config *cfg = cli_load_config(a);
    if (!cfg)
        return 1;
    struct store *s = cli_open_store(a, cfg, false);
    int rc = 1;
    if (s) {
        struct err e = {0};
        struct strv problems = {0};
        int r = store_check(s, &problems, &e);
        char *path = cli_store_path(cfg);
        if (r < 0) {
            cli_fail(a, "%s", e.msg);
        } else if (r == 0) {
            printf("OK: %s passed SQLite's integrity and foreign-key checks\n", path);
            rc = 0;
        } else {
            printf("DAMAGED: %s has %zu problem%s:\n", path, problems.n,
                   problems.n == 1 ? "" : "s");
            for (size_t i = 0; i < problems.n; i++)
                printf("  %s\n", problems.v[i]);
            printf("Stop the daemon, copy the file somewhere safe, then see docs/ARCHITECTURE.md "
                   "(\"When the store is damaged\").\n");
        }
        free(path);
        strv_free(&problems);
    }
    store_close(s);
    config_free(cfg);
    return rc;
}

int cmd_core_db_stats(const struct cli_args *a)
{
    struct config *cfg = cli_load_config(a);
    if (!cfg)
        return 1;
    struct store *s = cli_open_store(a, cfg, false);
    int rc = 1;
    cJSON *st = NULL;
    struct err e = {0};
    if (s && store_stats(s, &st, &e) < 0) {
        cli_fail(a, "%s", e.msg);
    } else if (s) {
        if (cli_flag(a, "json")) {
            cli_print_json(st, false);
        } else {
            const cJSON *it;
            cJSON_ArrayForEach(it, st)
            {
                if (cJSON_IsNumber(it))
                    printf("%-16s %.0f\n", it->string, it->valuedouble);
            }
            const cJSON *per = cJSON_GetObjectItem(st, "leads_per_show");
            cJSON_ArrayForEach(it, per)
            {
                printf("show %-11s %.0f leads\n", it->string, it->valuedouble);
            }
        }
        rc = 0;
    }
    cJSON_Delete(st);
    store_close(s);
    config_free(cfg);
    return rc;
}

int cmd_core_config_example(const struct cli_args *a)
{
    config_print_example(stdout);
    return 0;
}

int cmd_core_config_check(const struct cli_args *a)
{
    struct config *cfg = cli_load_config(a);
    if (!cfg)
        return 1;
    struct show show;
    struct err e = {0};
    int rc = 0;
    if (show_load(cfg, config_str(cfg, "kiosk", "show"), &show, &e) < 0) {
        rc = cli_fail(a, "%s", e.msg);
    } else {
        printf("OK: %s runs show %s (%s)\n", config_file(cfg), show.id, show.name);
        show_free(&show);
    }
    config_free(cfg);
    return rc;
}
