// SPDX-License-Identifier: Apache-2.0
/*
 * sink_spool — NDJSON files in a directory (a USB stick, a shared folder),
 * one file per batch, named {device}-{YYYYMMDDTHHMMSSmmmZ}-{batch}.ndjson.
 *
 * Written atomically: a hidden temp file in the same directory, fsync,
 * rename, fsync of the directory. A reader therefore never sees a partial
 * file, and a file that exists survived a power cut. A directory that is
 * missing (stick pulled out) is a retryable failure like a network error.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "firmware/base/afile.h"
#include "sync/sink.h"

/* Removes our temp files left by a crash between write and rename (their
 * rows were never marked sent, so they go out again in a new file). */
static void spool_sweep(const struct sink *s)
{
    char dev[128], prefix[160];
    sink_safe_name(dev, sizeof dev, s->device_id);
    snprintf(prefix, sizeof prefix, ".%s-", dev);
    DIR *d = opendir(sink_str(s, "dir"));
    if (!d)
        return; /* not plugged in: nothing to sweep */
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (!strncmp(de->d_name, prefix, strlen(prefix)) && l > 11 &&
            !strcmp(de->d_name + l - 11, ".ndjson.tmp"))
            unlinkat(dirfd(d), de->d_name, 0);
    }
    closedir(d);
}

static int spool_open(struct sink *s, struct err *e)
{
    if (!*sink_str(s, "dir"))
        return err_set(e, ERR_INVALID, "[%s] a spool sink needs dir", s->section);
    spool_sweep(s);
    return 0;
}

static int spool_write(struct sink *s, const struct sink_batch *b, struct err *e)
{
    const char *dir = sink_str(s, "dir");
    char dev[128], stamp[32], name[512], tmp[4200], path[4200];
    sink_safe_name(dev, sizeof dev, s->device_id);
    time_t t = (time_t)(b->now_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
    snprintf(name, sizeof name, "%s-%s%03dZ-%s.ndjson", dev, stamp, (int)(b->now_ms % 1000),
             b->batch_id);
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct buf body = {0};
    for (size_t i = 0; i < b->n; i++) {
        char *line = cJSON_PrintUnformatted(b->v[i].lead);
        if (!line || buf_adds(&body, line) < 0 || buf_addc(&body, '\n') < 0) {
            free(line);
            buf_free(&body);
            return err_set(e, ERR_INTERNAL, "out of memory");
        }
        free(line);
    }
    /* The temporary name is the one spool_sweep() knows. */
    struct afile f;
    int rc = -1;
    if (afile_open(&f, path, tmp, 0644, e) < 0)
        goto out;
    if (afile_write(&f, body.data ? body.data : "", body.len, e) < 0 || afile_commit(&f, e) < 0) {
        afile_abort(&f);
        goto out;
    }
    rc = 0;
out:
    if (rc < 0)
        err_wrap(e, "spool");
    buf_free(&body);
    return rc;
}

const struct sink_type sink_spool = {
    .name = "spool",
    .doc = "NDJSON files written atomically to a directory (USB stick, shared folder)",
    .max_batch = 0,
    .confirms = true,
    .open = spool_open,
    .write = spool_write,
};
