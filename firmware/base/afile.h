// SPDX-License-Identifier: Apache-2.0
/*
 * afile — replacing a file atomically and durably: write a temporary file in
 * the same directory, fsync it, rename it over the target, fsync the
 * directory. A reader sees the old file or the whole new one, never a part,
 * and once afile_commit() returns 0 the new file survives a power cut.
 *
 * Every writer of a file that must not be seen half-written uses this (the
 * enrolment file, exports, the spool sink, config and catalog pulls), so
 * they all treat the two awkward failures the same way:
 *
 *  - a full disk (ENOSPC or EDQUOT on write, fsync or close) is ERR_FULL,
 *    the temporary file is removed and the target is untouched;
 *  - a failed fsync of the directory after the rename is ERR_IO: the new
 *    file is in place and complete, but whether the rename survives a power
 *    cut is unknown, so the caller must not report it as written. EINVAL
 *    (a file system that cannot sync directories) is not a failure.
 *
 * Usage:
 *     struct afile f;
 *     if (afile_open(&f, path, NULL, 0600, e) < 0) return -1;
 *     if (afile_write(&f, data, n, e) < 0 || afile_commit(&f, e) < 0) {
 *         afile_abort(&f);
 *         return -1;
 *     }
 */
#ifndef MB_AFILE_H
#define MB_AFILE_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "firmware/base/err.h"

struct afile {
    int fd;              /* the temporary file, open for writing; -1 once released */
    mode_t mode;         /* given to the file before it is renamed */
    char tmp[PATH_MAX];  /* the temporary file's path; "" once renamed or removed */
    char path[PATH_MAX]; /* the target */
    char dir[PATH_MAX];  /* the target's directory */
};

/*
 * Creates the temporary file for path. tmpl names it: NULL gives a hidden
 * ".NAME.XXXXXX" next to path; a template ending in "XXXXXX" is filled in
 * by mkostemp; any other name is created with O_EXCL (an existing one is an
 * error). The file is created 0600 and gets mode at commit, so nobody reads
 * it half-written. A target that exists and is not a regular file (a device,
 * a FIFO, a symlink, a directory) is refused: it would be destroyed by the
 * rename. Returns 0, or -1 with e set (ERR_INVALID for a path too long or a
 * target that is not a regular file, ERR_IO otherwise); on failure f holds
 * nothing to release.
 */
int afile_open(struct afile *f, const char *path, const char *tmpl, mode_t mode, struct err *e);

/* Appends len bytes (EINTR and short writes handled). Returns 0, or -1 with
 * e set (ERR_FULL when the disk is full). */
int afile_write(struct afile *f, const void *data, size_t len, struct err *e);

/*
 * Closes the descriptor so that another writer (a library that takes a path,
 * such as libxlsxwriter) can write f->tmp; afile_commit() reopens it to
 * fsync. Returns 0, or -1 with e set.
 */
int afile_release(struct afile *f, struct err *e);

/*
 * Sets the mode, fsyncs, closes and renames the temporary file over the
 * target, then fsyncs the directory. Returns 0, or -1 with e set: before the
 * rename the temporary file is removed and the target is unchanged; after it
 * (directory fsync) the target is the new file. Either way f holds nothing
 * more to release, and afile_abort() is a no-op.
 */
int afile_commit(struct afile *f, struct err *e);

/* Closes and removes the temporary file if it is still there. Safe to call
 * after a failed open, after commit and twice. */
void afile_abort(struct afile *f);

/* fsync of directory dir, so that a rename or unlink in it survives a power
 * cut (EINVAL, a file system that cannot, is not a failure). Returns 0, or
 * -1 with e set. */
int afile_sync_dir(const char *dir, struct err *e);

/* afile_open + afile_write + afile_commit of one buffer (tmpl as above). */
int afile_replace(const char *path, const char *tmpl, mode_t mode, const void *data, size_t len,
                  struct err *e);

#endif
