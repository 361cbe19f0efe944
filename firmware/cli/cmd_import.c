// SPDX-License-Identifier: Apache-2.0
/*
 * cmd_import — `matchbooth import FILE…` (see cmd.h). Reads the store
 * file directly, like `leads`; each batch of leads is one transaction, so
 * the daemon, if running, waits at most one batch for its next capture.
 * Every line is checked before its batch is written: a bad line stops the
 * import with FILE:LINE and the batches before it stay (importing again
 * after fixing the file is safe: known ids are skipped).
 */
#include "firmware/cli/cmd.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/cli/cli.h"
#include "firmware/config/config.h"
#include "firmware/store/store.h"
#include "firmware/store/store_import.h"

#define BATCH 500

static void batch_free(cJSON **v, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        cJSON_Delete(v[i]);
    *n = 0;
}

static int import_file(const struct cli_args *a, struct store *s, const struct strv *sinks,
                       const char *file)
{
    FILE *f = strcmp(file, "-") ? fopen(file, "rb") : stdin;
    if (!f)
        return cli_fail(a, "%s: %s", file, strerror(errno));
    struct err e = {0};
    struct store_import *im = store_import_begin(s, file, sinks, &e);
    cJSON *batch[BATCH];
    size_t n = 0, cap = 0;
    long lineno = 0;
    char *line = NULL;
    ssize_t len;
    int rc = 1;
    if (!im) {
        cli_fail(a, "%s", e.msg);
        goto out;
    }
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t l = (size_t)len;
        while (l && (line[l - 1] == '\n' || line[l - 1] == '\r' || line[l - 1] == ' '))
            l--;
        if (!l)
            continue;
        const char *where = NULL;
        cJSON *o = cJSON_ParseWithLengthOpts(line, l, &where, 0);
        if (!o) {
            cli_fail(a, "%s:%ld: not JSON (near column %ld)", file, lineno,
                     where ? (long)(where - line) + 1 : 0L);
            goto out;
        }
        if (store_import_check(o, &e) < 0) {
            cJSON_Delete(o);
            cli_fail(a, "%s:%ld: %s", file, lineno, e.msg);
            goto out;
        }
        batch[n++] = o;
        if (n == BATCH) {
            if (store_import_batch(im, batch, n, &e) < 0) {
                cli_fail(a, "%s:%ld: %s", file, lineno, e.msg);
                goto out;
            }
            batch_free(batch, &n);
        }
    }
    if (ferror(f)) {
        cli_fail(a, "%s: read error: %s", file, strerror(errno));
        goto out;
    }
    if (n && store_import_batch(im, batch, n, &e) < 0) {
        cli_fail(a, "%s: %s", file, e.msg);
        goto out;
    }
    rc = 0;
out:
    batch_free(batch, &n);
    if (im) {
        struct store_import_stats st = store_import_stats(im);
        printf("%s: %lld leads added (%lld kept apart: same visitor as a lead already here), "
               "%lld already present, %lld scans, %lld queued for sync\n",
               file, (long long)st.added, (long long)st.apart, (long long)st.present,
               (long long)st.scans, (long long)st.queued);
    }
    store_import_end(im);
    free(line);
    if (f != stdin)
        fclose(f);
    return rc;
}

int cmd_import_run(const struct cli_args *a)
{
    struct config *cfg = cli_load_config(a);
    if (!cfg)
        return 1;
    struct store *s = cli_open_store(a, cfg, true);
    int rc = 1;
    if (!s)
        goto out;
    /* --queue: this kiosk's sinks, named as the daemon names them. */
    struct strv secs = {0}, sinks = {0};
    if (cli_flag(a, "queue")) {
        config_sections(cfg, "sink.", &secs);
        for (size_t i = 0; i < secs.n; i++)
            strv_push(&sinks, secs.v[i] + strlen("sink."));
    }
    rc = 0;
    for (int i = 0; i < a->argc && rc == 0; i++)
        rc = import_file(a, s, &sinks, a->argv[i]);
    strv_free(&secs);
    strv_free(&sinks);
out:
    store_close(s);
    config_free(cfg);
    return rc;
}
