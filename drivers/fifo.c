// SPDX-License-Identifier: Apache-2.0
/*
 * fifo — lines from a named pipe (and a terminal's stdin) as scans.
 *
 * The FIFO is opened read-write so that it never reports end-of-file when
 * the last writer goes away: `echo … > scan.fifo` can be run any number of
 * times. A trailing "\r" is dropped (terminals, Windows editors).
 */
#include "drivers/fifo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "firmware/base/buf.h"
#include "firmware/base/log.h"
#include "firmware/runtime/loop.h"

#define FIFO_MAX_LINE (1024 * 1024)

struct reader {
    struct fifo *f;
    int fd;
    const char *device;
    struct loop_fd *w;
    struct buf line;
};

struct fifo {
    struct source_host host;
    struct reader rd[2];
    int n;
};

static void emit_line(struct reader *r, size_t len)
{
    if (len && r->line.data[len - 1] == '\r')
        len--;
    if (!len)
        return;
    struct source_scan s = {.source = LEAD_SRC_SCANNER,
                            .device = r->device,
                            .data = (const uint8_t *)r->line.data,
                            .len = len};
    r->f->host.emit(r->f->host.ud, &s);
}

static void on_read(struct loop *l, int fd, unsigned events, void *ud)
{
    struct reader *r = ud;
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) {
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            log_info("fifo", "%s closed", r->device);
            loop_fd_del(r->w);
            r->w = NULL;
        }
        return;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (chunk[i] == '\n') {
            emit_line(r, r->line.len);
            buf_reset(&r->line);
        } else if (r->line.len < FIFO_MAX_LINE) {
            buf_addc(&r->line, chunk[i]);
        }
    }
}

static int add_reader(struct fifo *f, int fd, const char *device)
{
    struct reader *r = &f->rd[f->n];
    *r = (struct reader){.f = f, .fd = fd, .device = device};
    if (!(r->w = loop_fd_add(f->host.loop, fd, LOOP_READ, on_read, r)))
        return -1;
    f->n++;
    return 0;
}

struct fifo *fifo_open(const struct source_host *host, const char *path, bool with_stdin,
                       struct err *e)
{
    struct fifo *f = calloc(1, sizeof *f);
    if (!f) {
        err_set(e, ERR_INTERNAL, "fifo: out of memory");
        return NULL;
    }
    f->host = *host;
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISFIFO(sb.st_mode)) {
        err_set(e, ERR_INVALID, "%s exists and is not a FIFO", path);
        goto fail;
    }
    if (mkfifo(path, 0620) < 0 && errno != EEXIST) {
        err_set(e, ERR_IO, "mkfifo %s: %s", path, strerror(errno));
        goto fail;
    }
    int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        err_set(e, ERR_IO, "open %s: %s", path, strerror(errno));
        goto fail;
    }
    if (add_reader(f, fd, "fifo") < 0) {
        close(fd);
        err_set(e, ERR_INTERNAL, "fifo: out of memory");
        goto fail;
    }
    if (with_stdin && isatty(STDIN_FILENO)) {
        int fl = fcntl(STDIN_FILENO, F_GETFL);
        fcntl(STDIN_FILENO, F_SETFL, fl | O_NONBLOCK);
        add_reader(f, STDIN_FILENO, "stdin");
    }
    log_info("fifo", "development scan source on %s%s", path, f->n > 1 ? " and stdin" : "");
    return f;
fail:
    free(f);
    return NULL;
}

void fifo_close(struct fifo *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->n; i++) {
        loop_fd_del(f->rd[i].w);
        if (f->rd[i].fd != STDIN_FILENO)
            close(f->rd[i].fd);
        buf_free(&f->rd[i].line);
    }
    free(f);
}
