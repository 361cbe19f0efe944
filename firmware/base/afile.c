// SPDX-License-Identifier: Apache-2.0
/*
 * afile — atomic, durable replacement of a file (see afile.h).
 */
#include "firmware/base/afile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The one mapping of errno to a status, so every writer reports a full disk
 * the same way. */
static int io_fail(struct err *e, int errnum, const char *what, const char *path)
{
    enum err_code c = errnum == ENOSPC || errnum == EDQUOT ? ERR_FULL : ERR_IO;
    return err_set(e, c, "%s %s: %s", what, path, strerror(errnum));
}

static void drop_tmp(struct afile *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    if (f->tmp[0])
        unlink(f->tmp);
    f->tmp[0] = '\0';
}

int afile_open(struct afile *f, const char *path, const char *tmpl, mode_t mode, struct err *e)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    f->mode = mode;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int n;
    if (!*base)
        return err_set(e, ERR_INVALID, "%s: not a file name", path);
    if ((size_t)snprintf(f->path, sizeof f->path, "%s", path) >= sizeof f->path)
        return err_set(e, ERR_INVALID, "%s: path too long", path);
    /* Only a regular file (or nothing) may be replaced: renaming over a
     * device node, a FIFO or a symlink would destroy it (as root,
     * `export --out /dev/full` once replaced the device). */
    struct stat sb;
    if (lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
        return err_set(e, ERR_INVALID, "%s: exists and is not a regular file", path);
    if (!slash)
        snprintf(f->dir, sizeof f->dir, ".");
    else if (slash == path)
        snprintf(f->dir, sizeof f->dir, "/");
    else
        snprintf(f->dir, sizeof f->dir, "%.*s", (int)(slash - path), path);
    if (tmpl)
        n = snprintf(f->tmp, sizeof f->tmp, "%s", tmpl);
    else
        n = snprintf(f->tmp, sizeof f->tmp, "%s/.%s.XXXXXX", f->dir, base);
    if (n < 0 || (size_t)n >= sizeof f->tmp) {
        f->tmp[0] = '\0';
        return err_set(e, ERR_INVALID, "%s: path too long", path);
    }
    size_t tl = strlen(f->tmp);
    if (tl >= 6 && !strcmp(f->tmp + tl - 6, "XXXXXX"))
        f->fd = mkostemp(f->tmp, O_CLOEXEC);
    else
        f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (f->fd < 0) {
        int saved = errno;
        f->tmp[0] = '\0';
        return io_fail(e, saved, "create temporary file", tmpl ? tmpl : f->dir);
    }
    return 0;
}

int afile_write(struct afile *f, const void *data, size_t len, struct err *e)
{
    const char *p = data;
    if (f->fd < 0)
        return err_set(e, ERR_INTERNAL, "%s: write after release", f->path);
    while (len) {
        ssize_t w = write(f->fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return io_fail(e, errno, "write", f->tmp);
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int afile_release(struct afile *f, struct err *e)
{
    int fd = f->fd;
    f->fd = -1;
    if (fd >= 0 && close(fd) < 0)
        return io_fail(e, errno, "close", f->tmp);
    return 0;
}

int afile_commit(struct afile *f, struct err *e)
{
    if (!f->tmp[0])
        return err_set(e, ERR_INTERNAL, "%s: commit without a temporary file", f->path);
    if (f->fd < 0 && (f->fd = open(f->tmp, O_RDONLY | O_CLOEXEC)) < 0) {
        io_fail(e, errno, "open", f->tmp);
        drop_tmp(f);
        return -1;
    }
    if (fchmod(f->fd, f->mode) < 0) {
        io_fail(e, errno, "set the mode of", f->tmp);
        drop_tmp(f);
        return -1;
    }
    if (fsync(f->fd) < 0) {
        io_fail(e, errno, "fsync", f->tmp);
        drop_tmp(f);
        return -1;
    }
    int fd = f->fd;
    f->fd = -1;
    if (close(fd) < 0) {
        io_fail(e, errno, "close", f->tmp);
        drop_tmp(f);
        return -1;
    }
    if (rename(f->tmp, f->path) < 0) {
        io_fail(e, errno, "rename to", f->path);
        drop_tmp(f);
        return -1;
    }
    f->tmp[0] = '\0';
    /* The rename is only durable once the directory is: without this a
     * power cut can bring back the old file although we said "written". */
    return afile_sync_dir(f->dir, e);
}

int afile_sync_dir(const char *dir, struct err *e)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return io_fail(e, errno, "open directory", dir);
    int rc = 0;
    if (fsync(dfd) < 0 && errno != EINVAL)
        rc = io_fail(e, errno, "fsync directory", dir);
    close(dfd);
    return rc;
}

void afile_abort(struct afile *f)
{
    drop_tmp(f);
}

int afile_replace(const char *path, const char *tmpl, mode_t mode, const void *data, size_t len,
                  struct err *e)
{
    struct afile f;
    if (afile_open(&f, path, tmpl, mode, e) < 0)
        return -1;
    if (afile_write(&f, data, len, e) < 0 || afile_commit(&f, e) < 0) {
        afile_abort(&f);
        return -1;
    }
    return 0;
}
