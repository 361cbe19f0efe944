// SPDX-License-Identifier: Apache-2.0
/*
 * enrol — applies the enrolment file from the boot partition (see enrol.h).
 *
 * Everything is validated before anything is written, and every file is
 * installed by write-to-temporary, fsync, rename, so a power cut during first
 * boot leaves either the old config or the new one, never half of one.
 */
#include "firmware/config/enrol.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "firmware/base/afile.h"
#include "firmware/base/buf.h"
#include "firmware/config/config.h"
#include "firmware/config/show.h"
#include "firmware/base/strv.h"

const char *const enrol_boot_files[] = {"/boot/firmware/matchbooth.conf", "/boot/matchbooth.conf",
                                        NULL};

/* Enrolment files and forms are small; anything bigger is not one. */
#define ENROL_MAX_BYTES (1024 * 1024)

char *enrol_find(const char *root)
{
    char path[PATH_MAX];
    for (const char *const *f = enrol_boot_files; *f; f++) {
        if (snprintf(path, sizeof path, "%s%s", root ? root : "", *f) >= (int)sizeof path)
            continue;
        if (access(path, F_OK) == 0)
            return strdup(path);
    }
    return NULL;
}

bool enrol_is_enrolled(const struct config *cfg)
{
    if (!cfg)
        return false;
    const char *id = config_str(cfg, "kiosk", "device_id");
    return id && *id && !config_bool(cfg, "kiosk", "demo");
}

/* The directory part of path (which is absolute) into out. */
static void dir_of(const char *path, char *out, size_t n)
{
    snprintf(out, n, "%s", path);
    char *slash = strrchr(out, '/');
    if (slash == out)
        out[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(out, n, ".");
}

static int read_small(const char *path, struct buf *b, struct err *e)
{
    int rc = -1;
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s: %s", path, strerror(errno));
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b->len + n > ENROL_MAX_BYTES) {
            err_set(e, ERR_INVALID, "%s: larger than %d bytes", path, ENROL_MAX_BYTES);
            goto out;
        }
        if (buf_add(b, chunk, n) < 0) {
            err_set(e, ERR_INTERNAL, "out of memory");
            goto out;
        }
    }
    if (ferror(f)) {
        err_set(e, ERR_IO, "%s: read error", path);
        goto out;
    }
    rc = 0;
out:
    fclose(f);
    return rc;
}

/* Installs the bytes of from as to (mode, gid; gid -1: unchanged), atomically
 * (afile.h). The temporary name keeps "enrol-" so a leftover is recognisable. */
static int install_file(const char *from, const char *to, mode_t mode, gid_t gid, struct err *e)
{
    struct buf b = {0};
    struct afile f;
    char tmpl[PATH_MAX];
    int rc = -1;
    if (read_small(from, &b, e) < 0)
        goto out;
    if (snprintf(tmpl, sizeof tmpl, "%s.enrol-XXXXXX", to) >= (int)sizeof tmpl) {
        err_set(e, ERR_INVALID, "%s: path too long", to);
        goto out;
    }
    if (afile_open(&f, to, tmpl, mode, e) < 0)
        goto out;
    if (afile_write(&f, b.data, b.len, e) < 0 ||
        (gid != (gid_t)-1 && fchown(f.fd, (uid_t)-1, gid) < 0 &&
         err_set(e, ERR_IO, "%s: setting the group: %s", f.tmp, strerror(errno))) ||
        afile_commit(&f, e) < 0) {
        afile_abort(&f);
        goto out;
    }
    rc = 0;
out:
    buf_free(&b);
    return rc;
}

/* Loads the selected show and every other [show.*] of cfg (parsing its form)
 * with relative paths taken from dir, and collects the relative form names
 * into forms. */
static int check_shows(const struct config *cfg, const char *selected, const char *dir,
                       struct strv *forms, struct err *e)
{
    struct strv secs = {0};
    int rc = -1;
    int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cwd < 0)
        return err_set(e, ERR_IO, "cannot open the working directory: %s", strerror(errno));
    if (chdir(dir) < 0) {
        err_set(e, ERR_IO, "%s: %s", dir, strerror(errno));
        goto out;
    }
    config_sections(cfg, "show.", &secs);
    for (size_t i = 0; i < secs.n; i++) {
        const char *form = config_str(cfg, secs.v[i], "form");
        if (form && *form && form[0] != '/') {
            if (strchr(form, '/')) {
                err_set(e, ERR_INVALID,
                        "%s: [%s] form = %s: name a file beside the enrolment file (no '/') or "
                        "give an absolute path on the device",
                        config_file(cfg), secs.v[i], form);
                goto out;
            }
            if (strv_find(forms, form) < 0 && strv_push(forms, form) < 0) {
                err_set(e, ERR_INTERNAL, "out of memory");
                goto out;
            }
        }
        struct show show;
        if (show_load(cfg, secs.v[i] + strlen("show."), &show, e) < 0)
            goto out;
        show_free(&show);
    }
    struct show sel; /* names a section that exists */
    if (show_load(cfg, selected, &sel, e) < 0)
        goto out;
    show_free(&sel);
    rc = 0;
out:
    if (fchdir(cwd) < 0 && rc == 0)
        rc = err_set(e, ERR_IO, "cannot return to the working directory: %s", strerror(errno));
    close(cwd);
    strv_free(&secs);
    return rc;
}

int enrol_apply(const char *src, const char *dest, bool remove_src, struct err *e)
{
    char abs_src[PATH_MAX], src_dir[PATH_MAX], dest_dir[PATH_MAX], path[PATH_MAX * 2];
    struct config *cfg = NULL;
    struct strv forms = {0};
    int rc = -1;
    if (!realpath(src, abs_src))
        return err_set(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s: %s", src, strerror(errno));
    dir_of(abs_src, src_dir, sizeof src_dir);
    dir_of(dest, dest_dir, sizeof dest_dir);

    if (!(cfg = config_load(abs_src, e)))
        goto out;
    const char *id = config_str(cfg, "kiosk", "device_id");
    const char *show = config_str(cfg, "kiosk", "show");
    if (!id || !*id) {
        err_set(e, ERR_INVALID, "%s: [kiosk] device_id: an enrolment names the device", abs_src);
        goto out;
    }
    if (!show || !*show) {
        err_set(e, ERR_INVALID, "%s: [kiosk] show: an enrolment names the show to run", abs_src);
        goto out;
    }
    if (config_bool(cfg, "kiosk", "demo")) {
        err_set(e, ERR_INVALID, "%s: [kiosk] demo: an enrolment is for a real show, remove it",
                abs_src);
        goto out;
    }
    if (check_shows(cfg, show, src_dir, &forms, e) < 0)
        goto out;

    /* Keep the installed config's mode and group (root:matchbooth 0640 from
     * the package); a new one gets 0640 and the directory's group. */
    struct stat st;
    mode_t mode = 0640;
    gid_t gid = (gid_t)-1;
    if (stat(dest, &st) == 0) {
        mode = st.st_mode & 07777;
        gid = st.st_gid;
    } else if (errno != ENOENT) {
        err_set(e, ERR_IO, "%s: %s", dest, strerror(errno));
        goto out;
    } else if (stat(dest_dir, &st) == 0) {
        gid = st.st_gid;
    } else {
        err_set(e, ERR_IO, "%s: %s", dest_dir, strerror(errno));
        goto out;
    }
    /* Forms first: the config that names them appears last. */
    for (size_t i = 0; i < forms.n; i++) {
        char to[PATH_MAX * 2];
        snprintf(path, sizeof path, "%s/%s", src_dir, forms.v[i]);
        snprintf(to, sizeof to, "%s/%s", dest_dir, forms.v[i]);
        if (install_file(path, to, 0644, (gid_t)-1, e) < 0)
            goto out;
    }
    if (install_file(abs_src, dest, mode, gid, e) < 0)
        goto out;
    rc = 0;
    if (remove_src) {
        if (unlink(abs_src) < 0) {
            err_set(e, ERR_IO, "installed, but could not delete %s: %s", abs_src, strerror(errno));
            rc = 1;
        } else if (afile_sync_dir(src_dir, e) < 0) {
            rc = 1;
        }
    }
out:
    strv_free(&forms);
    config_free(cfg);
    return rc;
}
