// SPDX-License-Identifier: Apache-2.0
/*
 * mbfs — a FUSE file system that loses what was not synced, for power-cut
 * tests (the LazyFS idea, in a few hundred lines of libfuse3).
 *
 *   mbfs BACKING MOUNTPOINT [--log FILE]
 *
 * It passes everything through to the directory BACKING (the "disk"), except
 * that file contents live in a volatile layer (memory, standing for the page
 * cache) from the first write or truncate until the file is fsync'ed or
 * fdatasync'ed; only then do they reach BACKING. A file created since its
 * directory was last fsync'ed is "pending": it exists on BACKING (so that
 * other processes can open it) but is removed again at the cut. The cut is
 * the end of the process: on SIGTERM/SIGINT (or an unmount) mbfs unmounts,
 * throws the volatile layer away and deletes the pending files, so BACKING
 * holds exactly what a disk would after a power cut in which every unsynced
 * write was lost. Mount BACKING again (or read it directly) to see the
 * aftermath.
 *
 * Simplifications, chosen because they cannot hide a missing fsync: unlink,
 * rename, mkdir, chmod and utimens reach BACKING at once (as if the
 * directory had been synced right after); mmap works (no direct_io) and its
 * dirty pages count once the kernel writes them back; nothing is reordered
 * (every unsynced byte of a file is lost, none survives at random). The
 * host's own durability of BACKING is not part of the model, so mbfs never
 * fsyncs BACKING itself.
 *
 * --log FILE appends one line per fsync, fsyncdir and at the cut, e.g.
 * "fdatasync /data/leads.db-wal 32992 bytes" and "cut: dropped 4096 bytes in
 * 1 files, removed 2 pending files", so a test can say what happened.
 *
 * Limits: at most MBFS_MAX_BYTES of unsynced data in all (a write beyond
 * that fails with ENOSPC), at most MBFS_MAX_PENDING pending files; O_APPEND
 * is refused (SQLite does not use it). Single-threaded (-s).
 */
#define FUSE_USE_VERSION 31

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <unistd.h>

#define MBFS_MAX_BYTES   (256u << 20)
#define MBFS_MAX_PENDING 1024
#define MBFS_MAX_FILES   256

/* The unsynced contents of one file, keyed by its inode on BACKING. */
struct vfile {
    ino_t ino;
    uint8_t *data;
    size_t size, cap;
};

static struct {
    int root; /* BACKING, opened as a directory */
    FILE *log;
    struct vfile files[MBFS_MAX_FILES];
    int nfiles;
    size_t bytes;                    /* sum of the volatile files' capacities */
    char *pending[MBFS_MAX_PENDING]; /* paths created since their directory's last fsync */
    int npending;
} fs;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    if (!fs.log)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(fs.log, fmt, ap);
    va_end(ap);
    fputc('\n', fs.log);
    fflush(fs.log);
}

/* "/a/b" -> "a/b", "/" -> "." : relative to fs.root for the *at() calls. */
static const char *rel(const char *path)
{
    return path[1] ? path + 1 : ".";
}

static struct vfile *vfile_find(ino_t ino)
{
    for (int i = 0; i < fs.nfiles; i++)
        if (fs.files[i].ino == ino)
            return &fs.files[i];
    return NULL;
}

static void vfile_drop(struct vfile *v)
{
    fs.bytes -= v->cap;
    free(v->data);
    *v = fs.files[--fs.nfiles];
}

static int vfile_reserve(struct vfile *v, size_t size)
{
    if (size <= v->cap)
        return 0;
    size_t cap = v->cap ? v->cap : 4096;
    while (cap < size)
        cap *= 2;
    if (fs.bytes - v->cap + cap > MBFS_MAX_BYTES)
        return -ENOSPC;
    uint8_t *d = realloc(v->data, cap);
    if (!d)
        return -ENOMEM;
    memset(d + v->cap, 0, cap - v->cap);
    fs.bytes = fs.bytes - v->cap + cap;
    v->data = d;
    v->cap = cap;
    return 0;
}

/* The volatile copy of the file at path (fd: an open descriptor of it, or
 * -1), made from BACKING's contents on first use. */
static int vfile_get(const char *path, int fd, struct vfile **out)
{
    struct stat st;
    int own = -1;
    if (fd < 0 && (fd = own = openat(fs.root, rel(path), O_RDONLY)) < 0)
        return -errno;
    int rc = fstat(fd, &st) < 0 ? -errno : 0;
    struct vfile *v = rc ? NULL : vfile_find(st.st_ino);
    if (!rc && !v) {
        if (fs.nfiles == MBFS_MAX_FILES) {
            rc = -ENFILE;
        } else {
            v = &fs.files[fs.nfiles++];
            *v = (struct vfile){.ino = st.st_ino};
            rc = vfile_reserve(v, (size_t)st.st_size);
            for (size_t got = 0; !rc && got < (size_t)st.st_size;) {
                ssize_t n = pread(fd, v->data + got, (size_t)st.st_size - got, (off_t)got);
                if (n <= 0)
                    rc = n < 0 ? -errno : -EIO;
                got += n > 0 ? (size_t)n : 0;
            }
            v->size = (size_t)st.st_size;
            if (rc)
                vfile_drop(v);
        }
    }
    if (own >= 0)
        close(own);
    *out = rc ? NULL : v;
    return rc;
}

/* fsync: the volatile copy becomes the file on BACKING. */
static int vfile_flush(const char *path, struct vfile *v)
{
    int fd = openat(fs.root, rel(path), O_WRONLY);
    if (fd < 0)
        return -errno;
    int rc = 0;
    for (size_t done = 0; !rc && done < v->size;) {
        ssize_t n = pwrite(fd, v->data + done, v->size - done, (off_t)done);
        if (n <= 0)
            rc = n < 0 ? -errno : -EIO;
        done += n > 0 ? (size_t)n : 0;
    }
    if (!rc && ftruncate(fd, (off_t)v->size) < 0)
        rc = -errno;
    close(fd);
    return rc;
}

static bool pending_index(const char *path, int *at)
{
    for (int i = 0; i < fs.npending; i++)
        if (!strcmp(fs.pending[i], path)) {
            *at = i;
            return true;
        }
    return false;
}

static int pending_add(const char *path)
{
    int at;
    if (pending_index(path, &at))
        return 0;
    if (fs.npending == MBFS_MAX_PENDING || !(fs.pending[fs.npending] = strdup(path)))
        return -ENOSPC;
    fs.npending++;
    return 0;
}

static void pending_remove(int at)
{
    free(fs.pending[at]);
    fs.pending[at] = fs.pending[--fs.npending];
}

/* Is path directly inside directory dir ("/" or "/a")? */
static bool in_dir(const char *path, const char *dir)
{
    const char *slash = strrchr(path, '/');
    size_t dl = strcmp(dir, "/") ? strlen(dir) : 0;
    return (size_t)(slash - path) == dl && !strncmp(path, dir, dl);
}

/* ---- operations ------------------------------------------------------------ */

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    /* Ask us every time: sizes change in the volatile layer only. */
    cfg->attr_timeout = 0;
    cfg->entry_timeout = 0;
    cfg->negative_timeout = 0;
    cfg->kernel_cache = 0;
    cfg->direct_io = 0; /* SQLite mmaps the -shm file */
    conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
    return NULL;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    int rc = fi ? fstat((int)fi->fh, st) : fstatat(fs.root, rel(path), st, AT_SYMLINK_NOFOLLOW);
    if (rc < 0)
        return -errno;
    struct vfile *v = S_ISREG(st->st_mode) ? vfile_find(st->st_ino) : NULL;
    if (v) {
        st->st_size = (off_t)v->size;
        st->st_blocks = (blkcnt_t)((v->size + 511) / 512);
    }
    return 0;
}

static int op_access(const char *path, int mask)
{
    return faccessat(fs.root, rel(path), mask, 0) < 0 ? -errno : 0;
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    int fd = openat(fs.root, rel(path), O_RDONLY | O_DIRECTORY);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        return -err;
    }
    struct dirent *de;
    while ((de = readdir(d)))
        if (fill(buf, de->d_name, NULL, 0, 0))
            break;
    closedir(d);
    return 0;
}

static int op_mkdir(const char *path, mode_t mode)
{
    return mkdirat(fs.root, rel(path), mode) < 0 ? -errno : 0;
}

static int op_mknod(const char *path, mode_t mode, dev_t dev)
{
    if (mknodat(fs.root, rel(path), mode, dev) < 0)
        return -errno;
    return S_ISREG(mode) ? pending_add(path) : 0;
}

static int op_unlink(const char *path)
{
    struct stat st;
    if (fstatat(fs.root, rel(path), &st, AT_SYMLINK_NOFOLLOW) < 0)
        return -errno;
    if (unlinkat(fs.root, rel(path), 0) < 0)
        return -errno;
    struct vfile *v = st.st_nlink <= 1 ? vfile_find(st.st_ino) : NULL;
    if (v)
        vfile_drop(v);
    int at;
    if (pending_index(path, &at))
        pending_remove(at);
    return 0;
}

static int op_rmdir(const char *path)
{
    return unlinkat(fs.root, rel(path), AT_REMOVEDIR) < 0 ? -errno : 0;
}

static int op_rename(const char *from, const char *to, unsigned int flags)
{
    struct stat st;
    bool replaced = !flags && fstatat(fs.root, rel(to), &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (renameat2(fs.root, rel(from), fs.root, rel(to), flags) < 0)
        return -errno;
    struct vfile *v = replaced && st.st_nlink <= 1 ? vfile_find(st.st_ino) : NULL;
    if (v)
        vfile_drop(v);
    int at;
    if (pending_index(to, &at))
        pending_remove(at);
    if (pending_index(from, &at)) {
        pending_remove(at);
        return pending_add(to);
    }
    return 0;
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    return fchmodat(fs.root, rel(path), mode, 0) < 0 ? -errno : 0;
}

static int op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
    return fchownat(fs.root, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
    return utimensat(fs.root, rel(path), tv, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    struct vfile *v;
    int rc = vfile_get(path, fi ? (int)fi->fh : -1, &v);
    if (rc == 0 && (rc = vfile_reserve(v, (size_t)size)) == 0) {
        if ((size_t)size < v->size)
            memset(v->data + size, 0, v->size - (size_t)size);
        v->size = (size_t)size;
    }
    return rc;
}

/* BACKING is opened without O_TRUNC (a truncation is volatile too). */
static int open_backing(const char *path, struct fuse_file_info *fi, int extra, mode_t mode)
{
    if (fi->flags & O_APPEND)
        return -ENOTSUP;
    int flags = (fi->flags & ~(O_TRUNC | O_ACCMODE)) | O_RDWR | extra;
    int fd = openat(fs.root, rel(path), flags, mode);
    if (fd < 0 && errno == EACCES)
        fd = openat(fs.root, rel(path), (flags & ~O_RDWR) | (fi->flags & O_ACCMODE), mode);
    if (fd < 0)
        return -errno;
    fi->fh = (uint64_t)fd;
    if (fi->flags & O_TRUNC)
        return op_truncate(path, 0, fi);
    return 0;
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
    return open_backing(path, fi, 0, 0);
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    struct stat st;
    bool existed = fstatat(fs.root, rel(path), &st, 0) == 0;
    int rc = open_backing(path, fi, O_CREAT, mode);
    if (rc == 0 && !existed)
        rc = pending_add(path);
    return rc;
}

static int op_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    struct stat st;
    if (fstat((int)fi->fh, &st) < 0)
        return -errno;
    struct vfile *v = vfile_find(st.st_ino);
    if (!v) {
        ssize_t n = pread((int)fi->fh, buf, size, off);
        return n < 0 ? -errno : (int)n;
    }
    if ((size_t)off >= v->size)
        return 0;
    size_t n = v->size - (size_t)off < size ? v->size - (size_t)off : size;
    memcpy(buf, v->data + off, n);
    return (int)n;
}

static int op_write(const char *path, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    struct vfile *v;
    int rc = vfile_get(path, (int)fi->fh, &v);
    if (rc == 0)
        rc = vfile_reserve(v, (size_t)off + size);
    if (rc)
        return rc;
    memcpy(v->data + off, buf, size);
    if ((size_t)off + size > v->size)
        v->size = (size_t)off + size;
    return (int)size;
}

static int op_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
    return -EOPNOTSUPP; /* glibc's posix_fallocate then writes zeros */
}

static int op_statfs(const char *path, struct statvfs *st)
{
    return fstatvfs(fs.root, st) < 0 ? -errno : 0;
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
    close((int)fi->fh); /* closing a file syncs nothing */
    return 0;
}

static int op_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
    struct stat st;
    if (fstat((int)fi->fh, &st) < 0)
        return -errno;
    struct vfile *v = vfile_find(st.st_ino);
    size_t n = v ? v->size : 0;
    if (v) {
        int rc = vfile_flush(path, v);
        if (rc)
            return rc;
        vfile_drop(v);
    }
    logf_("%s %s %zu bytes", datasync ? "fdatasync" : "fsync", path, n);
    return 0;
}

static int op_opendir(const char *path, struct fuse_file_info *fi)
{
    struct stat st;
    if (fstatat(fs.root, rel(path), &st, 0) < 0)
        return -errno;
    return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* A directory's entries made since its last fsync become durable. */
static int op_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
    int n = 0;
    for (int i = 0; i < fs.npending;)
        if (in_dir(fs.pending[i], path)) {
            pending_remove(i);
            n++;
        } else {
            i++;
        }
    logf_("fsyncdir %s %d entries", path, n);
    return 0;
}

static const struct fuse_operations ops = {
    .init = op_init,
    .getattr = op_getattr,
    .access = op_access,
    .readdir = op_readdir,
    .mkdir = op_mkdir,
    .mknod = op_mknod,
    .unlink = op_unlink,
    .rmdir = op_rmdir,
    .rename = op_rename,
    .chmod = op_chmod,
    .chown = op_chown,
    .utimens = op_utimens,
    .truncate = op_truncate,
    .open = op_open,
    .create = op_create,
    .read = op_read,
    .write = op_write,
    .fallocate = op_fallocate,
    .statfs = op_statfs,
    .release = op_release,
    .fsync = op_fsync,
    .opendir = op_opendir,
    .fsyncdir = op_fsyncdir,
};

/* The power cut: what was never synced is gone. */
static void cut(void)
{
    size_t bytes = 0;
    int files = fs.nfiles, removed = 0;
    while (fs.nfiles) {
        bytes += fs.files[0].size;
        vfile_drop(&fs.files[0]);
    }
    while (fs.npending) {
        removed += unlinkat(fs.root, rel(fs.pending[0]), 0) == 0;
        pending_remove(0);
    }
    logf_("cut: dropped %zu bytes in %d files, removed %d pending files", bytes, files, removed);
}

int main(int argc, char **argv)
{
    if (argc != 3 && !(argc == 5 && !strcmp(argv[3], "--log"))) {
        fprintf(stderr, "usage: mbfs BACKING MOUNTPOINT [--log FILE]\n");
        return 2;
    }
    if ((fs.root = open(argv[1], O_RDONLY | O_DIRECTORY)) < 0) {
        fprintf(stderr, "mbfs: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    if (argc == 5 && !(fs.log = fopen(argv[4], "a"))) {
        fprintf(stderr, "mbfs: %s: %s\n", argv[4], strerror(errno));
        return 1;
    }
    umask(0);
    char *fargv[] = {argv[0], argv[2], "-f", "-s", "-o", "fsname=mbfs,subtype=mbfs", NULL};
    int rc = fuse_main(6, fargv, &ops, NULL);
    cut();
    if (fs.log)
        fclose(fs.log);
    close(fs.root);
    return rc;
}
