// SPDX-License-Identifier: Apache-2.0
/*
 * export — running an export: the table of formats, the show's time zone,
 * one pass of the store's read snapshot (store_export.h: leads in lead-id
 * order with their children, merged without a query per lead) through a
 * format module, and atomic files. The columns of the tabular formats are
 * in export_columns.c, the output buffer in export_out.c.
 */
#include "firmware/export/export.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "firmware/base/afile.h"
#include "firmware/export/export_columns.h"
#include "firmware/export/export_format.h"
#include "firmware/store/store_export.h"

/* Every format, in the order UIs list them. */
static const struct export_format *const formats[] = {
    &export_csv_format,
    &export_xlsx_format,
    &export_vcf_format,
    &export_ndjson_format,
};
#define NFORMATS ((int)(sizeof formats / sizeof formats[0]))

const struct export_format *export_format_find(const char *id)
{
    for (int i = 0; id && i < NFORMATS; i++)
        if (!strcmp(formats[i]->id, id))
            return formats[i];
    return NULL;
}

const char *export_format_id(int i)
{
    return i >= 0 && i < NFORMATS ? formats[i]->id : NULL;
}

const char *export_format_ext(const struct export_format *f)
{
    return f->ext;
}

const char *export_format_mime(const struct export_format *f)
{
    return f->mime;
}

const char *export_format_list(void)
{
    static char list[64];
    if (!list[0])
        for (int i = 0; i < NFORMATS; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? " " : "",
                     formats[i]->id);
    return list;
}

/* ---- time -------------------------------------------------------------- */

/* Civil date from days since 1970-01-01 (Howard Hinnant's algorithm). */
static void civil(int64_t days, int *y, int *m, int *d)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

void export_format_time(int64_t ms, char *out)
{
    int64_t sec = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int64_t days = sec >= 0 ? sec / 86400 : (sec - 86399) / 86400;
    int64_t rem = sec - days * 86400;
    int y, m, d;
    civil(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        y = 0;
    int hh = (int)(rem / 3600), mm = (int)(rem / 60 % 60), ss = (int)(rem % 60);
    /* Hand-rolled: this runs four times per lead in a 100,000-lead CSV. */
    out[0] = (char)('0' + y / 1000), out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10), out[3] = (char)('0' + y % 10), out[4] = '-';
    out[5] = (char)('0' + m / 10), out[6] = (char)('0' + m % 10), out[7] = '-';
    out[8] = (char)('0' + d / 10), out[9] = (char)('0' + d % 10), out[10] = ' ';
    out[11] = (char)('0' + hh / 10), out[12] = (char)('0' + hh % 10), out[13] = ':';
    out[14] = (char)('0' + mm / 10), out[15] = (char)('0' + mm % 10), out[16] = ':';
    out[17] = (char)('0' + ss / 10), out[18] = (char)('0' + ss % 10), out[19] = 0;
}

int64_t export_tz_offset(struct export_ctx *x, int64_t ms)
{
    /* Zone offsets change on whole minutes; leads come in capture order, so a
     * one-minute cache saves nearly every localtime_r call. */
    int64_t bucket = ms >= 0 ? ms / 60000 : (ms - 59999) / 60000;
    if (bucket == x->tz_bucket)
        return x->tz_offset_ms;
    time_t t = (time_t)(bucket * 60);
    struct tm tm;
    x->tz_offset_ms = localtime_r(&t, &tm) ? (int64_t)tm.tm_gmtoff * 1000 : 0;
    x->tz_bucket = bucket;
    return x->tz_offset_ms;
}

/* Sets TZ for the export (see export.h), remembering the old value. */
static int tz_enter(const char *zone, char **saved, bool *had, struct err *e)
{
    *saved = NULL;
    *had = false;
    if (!zone || !*zone)
        zone = "UTC";
    if (strstr(zone, "..") || zone[0] == '/' || strlen(zone) > 200)
        return err_set(e, ERR_INVALID, "time zone '%s': not an IANA zone name", zone);
    const char *dir = getenv("TZDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
    if (strcmp(zone, "UTC") != 0 && access(path, R_OK) != 0)
        return err_set(e, ERR_INVALID, "time zone '%s': not in the time zone database (%s)", zone,
                       path);
    const char *old = getenv("TZ");
    if (old) {
        *had = true;
        if (!(*saved = strdup(old)))
            return err_set(e, ERR_INTERNAL, "time zone: out of memory");
    }
    setenv("TZ", zone, 1);
    tzset();
    return 0;
}

static void tz_leave(char *saved, bool had)
{
    if (had)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    free(saved);
}

/* ---- running an export ------------------------------------------------- */

/* Hands every lead of the snapshot to the format; *nleads: how many. */
static int walk(struct export_ctx *x, const struct export_format *f, struct store_export *snap,
                int64_t *nleads, struct err *e)
{
    const struct export_request *r = x->req;
    int64_t total = 0, done = 0;
    if (r->progress && store_export_count(snap, &total, e) < 0)
        return -1;
    struct store_export_lead l;
    int more;
    while ((more = store_export_next(snap, &l, e)) > 0) {
        if (f->lead(x, &l, e) < 0)
            return -1;
        if (x->out.error)
            break;
        done++;
        if (r->progress && done % 500 == 0)
            r->progress(done, total, r->progress_ud);
    }
    if (more < 0)
        return -1;
    if (r->progress)
        r->progress(done, total, r->progress_ud);
    *nleads = done;
    return 0;
}

static int io_err(struct err *e, int errnum, const char *what, const char *path)
{
    bool full = errnum == ENOSPC || errnum == EDQUOT || errnum == EFBIG;
    return err_set(e, full ? ERR_FULL : ERR_IO, "%s %s: %s%s", what, path, strerror(errnum),
                   full ? " (the disk is full: nothing was written)" : "");
}

/* Frees what an export context holds (not the context). */
static void ctx_free(struct export_ctx *x)
{
    free(x->out.buf);
    buf_free(&x->scratch);
    for (size_t i = 0; x->choice_ids && x->choice_labels && i < x->questions.n; i++) {
        strv_free(&x->choice_ids[i]);
        strv_free(&x->choice_labels[i]);
    }
    free(x->choice_ids);
    free(x->choice_labels);
    strv_free(&x->questions);
    strv_free(&x->question_titles);
    strv_free(&x->purposes);
    strv_free(&x->operators);
    strv_free(&x->sinks);
}

/* Runs the whole export into fd (or, for needs_path formats, into path). */
/* shown: the file named in messages (the target, not its temporary name). */
static int run(struct store *s, const struct export_request *r, const struct export_format *f,
               int fd, const char *path, struct export_result *res, const char *shown,
               struct err *e)
{
    struct export_ctx x = {.req = r, .path = path, .tz_bucket = INT64_MIN};
    struct store_export_filter filter = {r->show, r->since_ms, r->until_ms};
    struct store_export *snap = NULL;
    char *saved_tz = NULL;
    bool had_tz = false, tz_set = false;
    int ret = -1;
    int64_t nleads = 0;
    x.out.fd = fd;
    x.out.cap = 256 * 1024;
    if (!(x.out.buf = malloc(x.out.cap))) {
        err_set(e, ERR_INTERNAL, "export: out of memory");
        goto out;
    }
    if (tz_enter(r->timezone, &saved_tz, &had_tz, e) < 0)
        goto out;
    tz_set = true;
    /* One snapshot for the columns and the leads: what the columns name is
     * exactly what the rows hold, however the daemon writes meanwhile. */
    if (!(snap = store_export_open(s, &filter, f->raw, e)) || export_columns_find(&x, snap, e) < 0)
        goto out;
    if (f->begin(&x, e) < 0 || walk(&x, f, snap, &nleads, e) < 0 || x.out.error)
        goto fail;
    if (f->end(&x, nleads, e) < 0)
        goto fail;
    if (export_out_flush(&x.out) < 0)
        goto fail;
    if (res) {
        res->leads = nleads;
        res->bytes = x.out.written;
    }
    ret = 0;
    goto out;
fail:
    if (x.out.error)
        io_err(e, x.out.error, "export: write", shown);
out:
    if (f)
        f->cleanup(&x);
    store_export_close(snap);
    if (tz_set)
        tz_leave(saved_tz, had_tz);
    ctx_free(&x);
    return ret;
}

static const struct export_format *format_of(const struct export_request *r, struct err *e)
{
    const struct export_format *f = export_format_find(r->format);
    if (!f)
        err_set(e, ERR_INVALID, "export: unknown format '%s' (expected one of: %s)",
                r->format ? r->format : "", export_format_list());
    return f;
}

/* Copies the file at path to fd. */
static int copy_to(const char *path, int fd, uint64_t *bytes, struct err *e)
{
    int in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return io_err(e, errno, "export: open", path);
    struct export_out o = {.fd = fd};
    char chunk[65536];
    ssize_t n;
    int r = 0;
    while ((n = read(in, chunk, sizeof chunk)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = io_err(e, errno, "export: read", path);
            break;
        }
        o.buf = chunk;
        o.len = (size_t)n;
        if (export_out_flush(&o) < 0) {
            r = io_err(e, o.error, "export: write", "output");
            break;
        }
    }
    close(in);
    *bytes = o.written;
    return r;
}

int export_write_fd(struct store *s, const struct export_request *r, int fd,
                    struct export_result *res, struct err *e)
{
    const struct export_format *f = format_of(r, e);
    if (!f)
        return -1;
    if (!f->needs_path)
        return run(s, r, f, fd, NULL, res, "output", e);
    /* The XLSX writer wants a file name: build it aside, then stream it. */
    const char *dir = r->tmpdir && *r->tmpdir ? r->tmpdir : getenv("TMPDIR");
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/matchbooth-export-XXXXXX", dir && *dir ? dir : "/tmp");
    int t = mkostemp(tmp, O_CLOEXEC);
    if (t < 0)
        return io_err(e, errno, "export: create", tmp);
    close(t);
    struct export_result rr = {0};
    int ret = run(s, r, f, -1, tmp, &rr, "output", e);
    if (ret == 0)
        ret = copy_to(tmp, fd, &rr.bytes, e);
    unlink(tmp);
    if (ret == 0 && res)
        *res = rr;
    return ret;
}

int export_write_file(struct store *s, const struct export_request *r, const char *path,
                      struct export_result *res, struct err *e)
{
    const struct export_format *f = format_of(r, e);
    if (!f)
        return -1;
    /* An export is an ordinary file of the user who asked (umask applies);
     * afile keeps it 0600 until it is complete. */
    mode_t um = umask(0);
    umask(um);
    struct afile af;
    if (afile_open(&af, path, NULL, 0666 & ~um, e) < 0)
        return err_wrap(e, "export");
    struct export_result rr = {0};
    if (f->needs_path) {
        if (afile_release(&af, e) < 0 || run(s, r, f, -1, af.tmp, &rr, path, e) < 0)
            goto fail;
        struct stat sb;
        if (stat(af.tmp, &sb) == 0)
            rr.bytes = (uint64_t)sb.st_size;
    } else if (run(s, r, f, af.fd, af.tmp, &rr, path, e) < 0) {
        goto fail;
    }
    /* After the rename only the directory's durability can fail: the file is
     * complete and in place, but we do not say "written". */
    if (afile_commit(&af, e) < 0) {
        err_wrap(e, "export");
        goto fail;
    }
    if (res)
        *res = rr;
    return 0;
fail:
    afile_abort(&af);
    return -1;
}

void export_file_name(const char *show, const struct export_format *f, int64_t now_ms, char *out,
                      size_t outsz)
{
    char when[20];
    export_format_time(now_ms, when); /* "YYYY-MM-DD HH:MM:SS" */
    char stamp[20];
    snprintf(stamp, sizeof stamp, "%.4s%.2s%.2s-%.2s%.2s%.2s", when, when + 5, when + 8, when + 11,
             when + 14, when + 17);
    char safe[48];
    size_t n = 0;
    for (const char *p = show && *show ? show : "all"; *p && n < sizeof safe - 1; p++) {
        unsigned char c = (unsigned char)*p;
        /* FAT forbids "*:<>?\/| and control characters; keep it plain ASCII. */
        safe[n++] = (char)((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                   (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
                               ? c
                               : '_');
    }
    safe[n] = 0;
    snprintf(out, outsz, "%s-%sZ.%s", safe, stamp, f->ext);
}
