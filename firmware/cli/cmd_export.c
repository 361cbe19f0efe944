// SPDX-License-Identifier: Apache-2.0
/*
 * cmd_export — `matchbooth export`: reads the store file directly (WAL lets
 * it run beside the daemon) and writes one export to a file, a directory,
 * stdout, or — with --usb — every configured format to the USB stick
 * mounted at [export] usb_path (board/udev and board/systemd mount a stick
 * there and run this).
 */
#include "firmware/cli/cmd.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "firmware/cli/cli.h"
#include "firmware/base/clock.h"
#include "firmware/config/config.h"
#include "firmware/export/export.h"
#include "firmware/export/export_notice.h"
#include "firmware/config/show.h"
#include "firmware/store/store.h"

/* Redraws one line on the terminal; quiet when stderr is not one. */
static void progress(int64_t done, int64_t total, void *ud)
{
    const char *what = ud;
    int pct = total > 0 ? (int)(done * 100 / total) : 100;
    int bar = pct / 4;
    fprintf(stderr, "\r%-6s [%.*s%*s] %3d%% %lld/%lld leads", what, bar,
            "#########################", 25 - bar, "", pct, (long long)done, (long long)total);
    if (done >= total)
        fputc('\n', stderr);
    fflush(stderr);
}

static bool is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Is path a mount point (a different device from its parent)? */
static bool is_mount(const char *path)
{
    struct stat a, b;
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s/..", path);
    return stat(path, &a) == 0 && stat(parent, &b) == 0 && S_ISDIR(a.st_mode) &&
           (a.st_dev != b.st_dev || a.st_ino == b.st_ino);
}

/* The show's zone and form: from the config when it has the show, else the
 * zone the store recorded (a show imported from another kiosk). */
static int show_info(const struct config *cfg, struct store *s, const char *id, struct show *sh,
                     char **tz)
{
    struct err e = {0};
    *tz = NULL;
    if (show_load(cfg, id, sh, &e) == 0) {
        *tz = strdup(sh->timezone);
        return 0;
    }
    memset(sh, 0, sizeof *sh);
    return store_show_timezone(s, id, tz, &e) == 0 ? 0 : -1;
}

static int parse_time(const struct cli_args *a, const char *opt, int64_t dflt, int64_t *out)
{
    const char *v = cli_opt(a, opt);
    *out = dflt;
    if (v && clock_parse_iso(v, out) < 0)
        return cli_fail(a,
                        "--%s: expected an ISO 8601 time such as 2026-11-22T09:00:00+08:00 "
                        "(no offset means UTC), got '%s'",
                        opt, v);
    return 0;
}

/* Writes one format to path (atomically) and says so. */
static int write_one(const struct cli_args *a, struct store *s, struct export_request *r,
                     const char *path, struct export_result *out)
{
    struct err e = {0};
    struct export_result res = {0};
    if (isatty(STDERR_FILENO)) {
        r->progress = progress;
        r->progress_ud = (void *)r->format;
    }
    if (export_write_file(s, r, path, &res, &e) < 0)
        return cli_fail(a, "%s", e.msg);
    printf("wrote %s (%lld leads, %llu bytes)\n", path, (long long)res.leads,
           (unsigned long long)res.bytes);
    if (out)
        *out = res;
    return 0;
}

/* What the command line asks for. */
struct opts {
    const char *show; /* NULL with all */
    bool all, usb;
    const char *out, *fmt;
    struct strv formats; /* --usb: every format to write */
};

/* Reads and checks the options against each other and the config. Returns
 * 0, or 1 after printing why (cli_fail). */
static int parse_opts(const struct cli_args *a, const struct config *cfg, struct opts *o,
                      struct export_request *r)
{
    o->show = cli_opt(a, "show");
    o->all = cli_flag(a, "all-shows");
    o->usb = cli_flag(a, "usb");
    o->out = cli_opt(a, "out");
    o->fmt = cli_opt(a, "format");
    if (o->all && o->show)
        return cli_fail(a, "--show and --all-shows exclude each other");
    if (!o->all && !o->show)
        o->show = config_str(cfg, "kiosk", "show");
    if (!o->all && (!o->show || !*o->show))
        return cli_fail(a, "no show: pass --show SHOW or --all-shows, or set [kiosk] show");
    if (parse_time(a, "since", INT64_MIN, &r->since_ms) ||
        parse_time(a, "until", INT64_MAX, &r->until_ms))
        return 1;
    if (o->fmt && !export_format_find(o->fmt))
        return cli_fail(a, "--format: expected one of %s, got '%s'", export_format_list(), o->fmt);
    if (!o->usb) {
        if (!o->fmt)
            return cli_fail(a, "--format is required (%s)", export_format_list());
        return 0;
    }
    if (o->out)
        return cli_fail(a, "--usb writes to [export] usb_path; --out does not apply");
    if (o->fmt)
        strv_push(&o->formats, o->fmt);
    else
        config_list(cfg, "export", "usb_formats", &o->formats);
    for (size_t i = 0; i < o->formats.n; i++)
        if (!export_format_find(o->formats.v[i]))
            return cli_fail(a, "[export] usb_formats: unknown format '%s' (expected %s)",
                            o->formats.v[i], export_format_list());
    return 0;
}

/* --usb: every format into <usb_path>/matchbooth/, flushed, and the
 * daemon told. Returns the exit status. */
static int export_usb(const struct cli_args *a, const struct config *cfg, struct store *s,
                      struct export_request *r, const struct strv *formats)
{
    const char *mnt = config_str(cfg, "export", "usb_path");
    if (!is_dir(mnt) || !is_mount(mnt))
        return cli_fail(a, "no USB stick is mounted at %s ([export] usb_path)", mnt);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/matchbooth", mnt);
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return cli_fail(a, "%s: %s", dir, strerror(errno));
    struct clock_stamp now;
    clock_now(&now);
    struct strv names = {0};
    struct export_result res = {0};
    for (size_t i = 0; i < formats->n; i++) {
        char name[128], path[PATH_MAX + 130];
        r->format = formats->v[i];
        export_file_name(r->show, export_format_find(r->format), now.real_ms, name, sizeof name);
        snprintf(path, sizeof path, "%s/%s", dir, name);
        if (write_one(a, s, r, path, &res) != 0) {
            strv_free(&names);
            return 1;
        }
        strv_push(&names, name);
    }
    sync(); /* a stick is pulled without warning: flush everything now */
    printf("USB export done: %zu files in %s; the stick can be removed\n", formats->n, dir);
    /* …and on the kiosk's screen, through the daemon if it runs. */
    struct err e = {0};
    char *sock = cli_socket_path(cfg);
    if (sock && export_notice_send(sock, "usb", dir, &names, res.leads, &e) < 0)
        fprintf(stderr, "matchbooth export: the kiosk screen was not told: %s\n", e.msg);
    free(sock);
    strv_free(&names);
    return 0;
}

/* One format to --out (a file, or a directory to name the file in) or to
 * stdout. Returns the exit status. */
static int export_one(const struct cli_args *a, struct store *s, struct export_request *r,
                      const char *out)
{
    if (out) {
        char path[PATH_MAX + 130];
        if (is_dir(out)) {
            char name[128];
            struct clock_stamp now;
            clock_now(&now);
            export_file_name(r->show, export_format_find(r->format), now.real_ms, name,
                             sizeof name);
            size_t l = strlen(out);
            while (l > 1 && out[l - 1] == '/')
                l--;
            snprintf(path, sizeof path, "%.*s/%s", (int)l, out, name);
        } else {
            snprintf(path, sizeof path, "%s", out);
        }
        return write_one(a, s, r, path, NULL);
    }
    if (!strcmp(r->format, "xlsx") && isatty(STDOUT_FILENO))
        return cli_fail(a, "an XLSX file is binary: pass --out FILE (or redirect stdout)");
    struct export_result res;
    struct err e = {0};
    if (isatty(STDERR_FILENO)) {
        r->progress = progress;
        r->progress_ud = (void *)r->format;
    }
    if (export_write_fd(s, r, STDOUT_FILENO, &res, &e) < 0)
        return cli_fail(a, "%s", e.msg);
    return 0;
}

int cmd_export_run(const struct cli_args *a)
{
    struct config *cfg = cli_load_config(a);
    if (!cfg)
        return 1;
    int rc = 1;
    struct store *s = NULL;
    struct show sh = {0};
    char *tz = NULL, *dbpath = NULL;
    struct opts o = {0};
    struct err e = {0};
    struct export_request r = {.since_ms = INT64_MIN, .until_ms = INT64_MAX};
    if (parse_opts(a, cfg, &o, &r) != 0)
        goto out;
    if (!(dbpath = cli_store_path(cfg)) || !(s = store_open(dbpath, &e))) {
        cli_fail(a, "%s", dbpath ? e.msg : "out of memory");
        goto out;
    }
    if (!o.all && show_info(cfg, s, o.show, &sh, &tz) < 0) {
        cli_fail(a, "no show '%s' in the config or the store", o.show);
        goto out;
    }
    r.show = o.all ? NULL : o.show;
    r.timezone = tz;
    r.form = sh.form;
    r.format = o.fmt;
    rc = o.usb ? export_usb(a, cfg, s, &r, &o.formats) : export_one(a, s, &r, o.out);
out:
    strv_free(&o.formats);
    show_free(&sh);
    free(tz);
    free(dbpath);
    store_close(s);
    config_free(cfg);
    return rc;
}
