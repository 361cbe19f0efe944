// SPDX-License-Identifier: Apache-2.0
/*
 * sink_spool — NDJSON files in a directory (a USB stick, a shared folder),
 * one file per batch, in the same lake layout as the s3 sink:
 * {dir}/show=SHOW/date=DAY/device=DEVICE/KEY.ndjson (Hive-style partitions
 * that DuckDB reads as they are; one lead per line with its id and version).
 *
 * KEY is the batch's idempotency key, so the same rows at the same versions
 * always make the same file: a batch written again after a crash between
 * the rename and the outbox commit replaces its own file with the same
 * content instead of adding a copy (same_rows keeps the retry's rows).
 *
 * Written atomically: a hidden temp file in the partition's directory,
 * fsync, rename, fsync of the directory (and of each directory created on
 * the way). A reader therefore never sees a partial file, and a file that
 * exists survived a power cut. A directory that is missing (stick pulled
 * out) is a retryable failure like a network error.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "firmware/base/afile.h"
#include "sync/sink.h"

#define SWEEP_DEPTH 16 /* nftw's descriptors: the layout is three levels deep */

/* The device directory whose temp files a sweep removes (nftw has no user
 * pointer; the sweep runs at open, in the loop thread only). */
static char sweep_dev[160];

static int sweep_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    const char *name = path + ftw->base;
    size_t l = strlen(name);
    if (flag != FTW_F || ftw->level != 4 || name[0] != '.' || l < 12 ||
        strcmp(name + l - 11, ".ndjson.tmp"))
        return 0;
    /* Only our own device's directory: another kiosk may share the folder. */
    char parent[4200];
    snprintf(parent, sizeof parent, "%.*s", ftw->base > 0 ? ftw->base - 1 : 0, path);
    const char *slash = strrchr(parent, '/');
    if (!strcmp(slash ? slash + 1 : parent, sweep_dev))
        unlink(path);
    return 0;
}

/* Removes our temp files left by a crash between write and rename (their
 * rows were never marked sent, so they go out again). */
static void spool_sweep(const struct sink *s)
{
    char dev[128];
    sink_safe_name(dev, sizeof dev, s->device_id);
    snprintf(sweep_dev, sizeof sweep_dev, "device=%s", dev);
    nftw(sink_str(s, "dir"), sweep_one, SWEEP_DEPTH, FTW_PHYS); /* not plugged in: nothing */
}

static int spool_open(struct sink *s, struct err *e)
{
    if (!*sink_str(s, "dir"))
        return err_set(e, ERR_INVALID, "[%s] a spool sink needs dir", s->section);
    spool_sweep(s);
    return 0;
}

/* mkdir of each level of rel under dir (which must exist: a missing stick
 * is an error, not a directory to create), fsyncing the parent of each
 * directory created so that the file's path survives a power cut. */
static int make_dirs(const char *dir, const char *rel, char *out, size_t outsz, struct err *e)
{
    struct stat st;
    if (stat(dir, &st) < 0)
        return err_set(e, ERR_IO, "%s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return err_set(e, ERR_IO, "%s: %s", dir, strerror(ENOTDIR));
    snprintf(out, outsz, "%s", dir);
    for (const char *p = rel; *p;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        char parent[4200];
        snprintf(parent, sizeof parent, "%s", out);
        size_t ol = strlen(out);
        if (ol + 1 + len + 1 > outsz)
            return err_set(e, ERR_INVALID, "%s: path too long", dir);
        snprintf(out + ol, outsz - ol, "/%.*s", (int)len, p);
        if (mkdir(out, 0755) == 0) {
            if (afile_sync_dir(parent, e) < 0)
                return -1;
        } else if (errno != EEXIST) {
            return err_set(e, ERR_IO, "%s: %s", out, strerror(errno));
        }
        p += len + (slash ? 1 : 0);
    }
    return 0;
}

static int spool_write(struct sink *s, const struct sink_batch *b, struct err *e)
{
    char part[400], dir[4200], tmp[4400], path[4400];
    sink_partition(s, b->v[0].lead, part, sizeof part); /* one partition per batch (group) */
    struct buf body = {0};
    int rc = -1;
    if (make_dirs(sink_str(s, "dir"), part, dir, sizeof dir, e) < 0)
        goto out;
    snprintf(tmp, sizeof tmp, "%s/.%s.ndjson.tmp", dir, b->idem_key);
    snprintf(path, sizeof path, "%s/%s.ndjson", dir, b->idem_key);
    if (sink_ndjson(b, &body) < 0) {
        err_set(e, ERR_INTERNAL, "out of memory");
        goto out;
    }
    /* A temp file of the same batch left by a crash: ours, and in the way
     * of the exclusive create. */
    unlink(tmp);
    struct afile f;
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
    .doc = "NDJSON files written atomically to a directory (USB stick, shared folder), Hive-style",
    .max_batch = 0,
    .confirms = true,
    .open = spool_open,
    .write = spool_write,
    .group = sink_group_partition,
    .same_rows = true,
};
