// SPDX-License-Identifier: Apache-2.0
/*
 * cmd_decode — the decoding commands of the CLI (see cmd.h).
 *
 * `decode` runs the same decode_payload() as the daemon, with the show's
 * profile, and needs no daemon: it opens the lead store read-only (for the
 * roster) when there is one, and works with the built-in defaults when no
 * config file exists at all, so it can be used on a laptop to try payloads.
 */
#include "firmware/cli/cmd.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "firmware/base/buf.h"
#include "firmware/cli/cli.h"
#include "firmware/config/config.h"
#include "firmware/decode/decode.h"
#include "firmware/decode/roster.h"
#include "firmware/store/store.h"

/* The config for a command that also works without one: --config or
 * $MATCHBOOTH_CONFIG must load; the default path is used when it exists,
 * else the built-in defaults. NULL (error printed) on failure. */
static struct config *load_optional_config(const struct cli_args *a)
{
    const char *path = config_path(a->config);
    struct stat sb;
    if (!a->config && !(getenv("MATCHBOOTH_CONFIG") && *getenv("MATCHBOOTH_CONFIG")) &&
        stat(path, &sb) < 0 && errno == ENOENT)
        return config_defaults();
    return cli_load_config(a);
}

/* The show section to decode with: --show, else [kiosk] show, else none. */
static int pick_show(const struct cli_args *a, const struct config *cfg, char *section, size_t sz)
{
    const char *show = cli_opt(a, "show");
    if (!show || !*show)
        show = config_str(cfg, "kiosk", "show");
    if (!show || !*show) {
        section[0] = 0;
        return 0;
    }
    snprintf(section, sz, "show.%s", show);
    struct strv secs = {0};
    config_sections(cfg, section, &secs);
    int found = strv_find(&secs, section) >= 0;
    strv_free(&secs);
    if (!found)
        return cli_fail(a, "%s: no section [%s]",
                        *config_file(cfg) ? config_file(cfg) : "built-in defaults", section);
    return 0;
}

static int read_all(FILE *f, struct buf *b)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_add(b, chunk, n) < 0)
            return -1;
    return ferror(f) ? -1 : 0;
}

int cmd_decode_run(const struct cli_args *a)
{
    struct config *cfg = load_optional_config(a);
    if (!cfg)
        return 1;
    int rc = 1;
    struct buf in = {0};
    struct lead_fields f = {0};
    struct store *st = NULL;
    cJSON *o = NULL;
    char section[300];
    if (pick_show(a, cfg, section, sizeof section) != 0)
        goto out;

    const char *file = a->argc > 0 ? a->argv[0] : "-";
    FILE *fp = strcmp(file, "-") ? fopen(file, "rb") : stdin;
    if (!fp) {
        cli_fail(a, "%s: %s", file, strerror(errno));
        goto out;
    }
    int r = read_all(fp, &in);
    int saved = errno;
    if (fp != stdin)
        fclose(fp);
    if (r < 0) {
        cli_fail(a, "%s: %s", file, strerror(saved));
        goto out;
    }

    /* The roster lives in the lead store; read it without creating or
     * migrating anything. */
    if (*section) {
        char *path = cli_store_path(cfg);
        struct err oe = {0};
        st = path ? store_open_readonly(path, &oe) : NULL; /* none: no roster */
        free(path);
    }
    struct decode_ctx ctx = {cfg, *section ? section : NULL, st};
    struct err e = {0};
    static const uint8_t none[1];
    int d = decode_payload(&ctx, in.data ? (const uint8_t *)in.data : none, in.len, &f, &e);
    if (d < 0 && !f.format) {
        cli_fail(a, "%s", e.msg);
        goto out;
    }
    o = cJSON_CreateObject();
    struct buf b64 = {0};
    if (!o || lead_fields_to_json(&f, o) < 0 ||
        buf_add_base64(&b64, (const uint8_t *)(in.data ? in.data : ""), in.len) < 0) {
        buf_free(&b64);
        cli_fail(a, "out of memory");
        goto out;
    }
    /* The documented order: … urls, address, country, raw_base64, warnings. */
    static const char *const tail[] = {"address", "country", "raw_base64", "warnings"};
    for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++) {
        cJSON *it = cJSON_DetachItemFromObjectCaseSensitive(o, tail[i]);
        if (!strcmp(tail[i], "raw_base64"))
            it = cJSON_CreateString(b64.data ? b64.data : "");
        if (it)
            cJSON_AddItemToObject(o, tail[i], it);
    }
    buf_free(&b64);
    cli_print_json(o, false);
    if (d < 0) { /* a bad profile: the fields were printed, the config is wrong */
        cli_fail(a, "%s", e.msg);
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(o);
    lead_fields_free(&f);
    buf_free(&in);
    store_close(st);
    config_free(cfg);
    return rc;
}

int cmd_decode_roster_import(const struct cli_args *a)
{
    const char *show = cli_opt(a, "show");
    if (!show || !*show)
        return cli_fail(a, "--show is required");
    struct config *cfg = cli_load_config(a);
    if (!cfg)
        return 1;
    int rc = 1;
    struct err e = {0};
    struct store *st = cli_open_store(a, cfg, true);
    if (!st)
        goto out;
    struct roster_stats rs;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (roster_import(st, show, a->argv[0], cli_opt(a, "map"), &rs, &e) < 0) {
        cli_fail(a, "%s", e.msg);
        goto out;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    char delim[8];
    if (rs.delimiter == '\t')
        strcpy(delim, "\\t");
    else
        snprintf(delim, sizeof delim, "%c", rs.delimiter);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "show", show);
    cJSON_AddNumberToObject(o, "rows", (double)rs.rows);
    cJSON_AddNumberToObject(o, "skipped_without_id", (double)rs.skipped);
    cJSON_AddNumberToObject(o, "duplicates", (double)rs.duplicates);
    cJSON_AddStringToObject(o, "delimiter", delim);
    cJSON_AddNumberToObject(o, "seconds", secs);
    cli_print_json(o, false);
    cJSON_Delete(o);
    rc = 0;
out:
    store_close(st);
    config_free(cfg);
    return rc;
}
