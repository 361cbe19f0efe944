// SPDX-License-Identifier: Apache-2.0
/*
 * download — a child process streamed through the loop (see download.h).
 *
 * posix_spawn rather than fork: the daemon holds SQLite, libusb and MHD
 * state that a forked copy must not touch, and exec straight away is what
 * posix_spawn does (with vfork semantics, cheap for a large process).
 */
#include "ui/download.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "firmware/base/buf.h"
#include "firmware/base/log.h"
#include "firmware/runtime/loop.h"

#define CHUNK   65536
#define ERR_MAX 2048
#define REAP_MS 10

extern char **environ;

struct download {
    struct loop *loop;
    pid_t pid;
    int out, errfd, pidfd; /* -1 once closed */
    struct loop_fd *wout, *werr, *wpid;
    struct loop_timer *reap; /* without a pidfd: waitpid() every REAP_MS */
    struct buf q;            /* stdout not yet taken */
    struct buf emsg;         /* the end of stderr */
    bool out_eof, exited;
    int status; /* waitpid status once exited */
    char error[256];
    void (*wake)(void *ud);
    void *ud;
};

static void close_fd(int *fd, struct loop_fd **w)
{
    loop_fd_del(*w);
    *w = NULL;
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Reads what the pipe has (never blocks: the fd is O_NONBLOCK). */
static void on_out(struct loop *l, int fd, unsigned ev, void *ud)
{
    struct download *d = ud;
    bool got = false;
    while (d->q.len < DOWNLOAD_HIGH_WATER) {
        if (buf_reserve(&d->q, CHUNK) < 0)
            break; /* try again on the next turn */
        ssize_t n = read(fd, d->q.data + d->q.len, CHUNK);
        if (n > 0) {
            d->q.len += (size_t)n;
            got = true;
            continue;
        }
        if (n == 0) {
            d->out_eof = true;
            close_fd(&d->out, &d->wout);
            got = true;
        } else if (errno == EINTR) {
            continue;
        } else if (errno != EAGAIN) {
            log_error("ui", "export pipe: %s", strerror(errno));
            d->out_eof = true;
            close_fd(&d->out, &d->wout);
            got = true;
        }
        break;
    }
    /* Back-pressure: leave the rest in the pipe until the reader drains. */
    if (d->wout && d->q.len >= DOWNLOAD_HIGH_WATER)
        loop_fd_set(d->wout, 0);
    if (got)
        d->wake(d->ud);
}

static void on_err(struct loop *l, int fd, unsigned ev, void *ud)
{
    struct download *d = ud;
    char tmp[1024];
    for (;;) {
        ssize_t n = read(fd, tmp, sizeof tmp);
        if (n > 0) {
            buf_add(&d->emsg, tmp, (size_t)n);
            if (d->emsg.len > ERR_MAX)
                buf_consume(&d->emsg, d->emsg.len - ERR_MAX);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || errno != EAGAIN)
            close_fd(&d->errfd, &d->werr);
        break;
    }
}

/* The last non-empty line of stderr, else the exit status, into d->error. */
static void set_error(struct download *d)
{
    size_t end = d->emsg.len;
    while (end && (d->emsg.data[end - 1] == '\n' || d->emsg.data[end - 1] == '\r' ||
                   d->emsg.data[end - 1] == ' '))
        end--;
    size_t start = end;
    while (start && d->emsg.data[start - 1] != '\n')
        start--;
    if (end > start)
        snprintf(d->error, sizeof d->error, "%.*s", (int)(end - start), d->emsg.data + start);
    else if (WIFSIGNALED(d->status))
        snprintf(d->error, sizeof d->error, "the export was killed by signal %d",
                 WTERMSIG(d->status));
    else
        snprintf(d->error, sizeof d->error, "the export failed (exit status %d)",
                 WEXITSTATUS(d->status));
}

static void reaped(struct loop *l, struct download *d, pid_t r, int st);

static void on_exit_fd(struct loop *l, int fd, unsigned ev, void *ud)
{
    struct download *d = ud;
    int st = 0;
    pid_t r = waitpid(d->pid, &st, WNOHANG);
    if (r == 0)
        return; /* not yet (spurious wake-up) */
    reaped(l, d, r, st);
}

/* Where pidfd_open() is missing (old kernels, valgrind): poll. */
static void on_reap_timer(struct loop *l, void *ud)
{
    struct download *d = ud;
    int st = 0;
    pid_t r = waitpid(d->pid, &st, WNOHANG);
    if (r == 0) {
        loop_timer_reset(d->reap, REAP_MS);
        return;
    }
    reaped(l, d, r, st);
}

static void reaped(struct loop *l, struct download *d, pid_t r, int st)
{
    if (r < 0) /* ECHILD: someone else reaped it; we cannot vouch for it */
        st = 0x7f00;
    d->status = st;
    d->exited = true;
    close_fd(&d->pidfd, &d->wpid);
    loop_timer_del(d->reap);
    d->reap = NULL;
    /* Drain stderr now: the message must be there when we are asked. */
    if (d->errfd >= 0)
        on_err(l, d->errfd, 0, d);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        set_error(d);
        log_warn("ui", "export child %d failed: %s", (int)d->pid, d->error);
    }
    d->wake(d->ud);
}

struct download *download_start(struct loop *l, char *const argv[], void (*wake)(void *ud),
                                void *ud, struct err *e)
{
    int po[2] = {-1, -1}, pe[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    bool fa_ok = false;
    struct download *d = calloc(1, sizeof *d);
    if (!d) {
        err_set(e, ERR_INTERNAL, "out of memory");
        return NULL;
    }
    d->loop = l;
    d->out = d->errfd = d->pidfd = -1;
    d->pid = -1;
    d->wake = wake;
    d->ud = ud;
    if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
        err_set(e, ERR_IO, "pipe: %s", strerror(errno));
        goto fail;
    }
    int rc = posix_spawn_file_actions_init(&fa);
    fa_ok = rc == 0;
    /* Only stdin (/dev/null), stdout and stderr reach the child: no
     * listening socket, store file or USB handle of the daemon. */
    if (rc == 0)
        rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, po[1], 1);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
    if (rc == 0)
        rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    if (rc == 0)
        rc = posix_spawn(&d->pid, argv[0], &fa, NULL, argv, environ);
    if (rc != 0) {
        d->pid = -1;
        err_set(e, ERR_INTERNAL, "cannot start %s: %s", argv[0], strerror(rc));
        goto fail;
    }
    close(po[1]);
    close(pe[1]);
    po[1] = pe[1] = -1;
    d->out = po[0];
    d->errfd = pe[0];
    po[0] = pe[0] = -1;
    fcntl(d->out, F_SETFL, O_NONBLOCK);
    fcntl(d->errfd, F_SETFL, O_NONBLOCK);
    static bool no_pidfd; /* ENOSYS once: do not ask again */
    if (!no_pidfd && (d->pidfd = pidfd_open(d->pid, 0)) >= 0) {
        fcntl(d->pidfd, F_SETFD, FD_CLOEXEC);
        d->wpid = loop_fd_add(l, d->pidfd, LOOP_READ, on_exit_fd, d);
    } else {
        no_pidfd = no_pidfd || errno == ENOSYS;
        d->reap = loop_timer_add(l, REAP_MS, on_reap_timer, d);
    }
    d->wout = loop_fd_add(l, d->out, LOOP_READ, on_out, d);
    d->werr = loop_fd_add(l, d->errfd, LOOP_READ, on_err, d);
    if (!d->wout || !d->werr || (!d->wpid && !d->reap)) {
        err_set(e, ERR_INTERNAL, "out of memory");
        goto fail;
    }
    posix_spawn_file_actions_destroy(&fa);
    return d;
fail:
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    for (int i = 0; i < 2; i++) {
        if (po[i] >= 0)
            close(po[i]);
        if (pe[i] >= 0)
            close(pe[i]);
    }
    download_free(d);
    return NULL;
}

enum download_state download_state(const struct download *d)
{
    if (d->exited && (!WIFEXITED(d->status) || WEXITSTATUS(d->status) != 0))
        return DOWNLOAD_FAILED;
    if (d->q.len)
        return DOWNLOAD_DATA;
    if (d->exited && d->out_eof)
        return DOWNLOAD_DONE;
    return DOWNLOAD_WAITING;
}

const char *download_error(const struct download *d)
{
    return d->error;
}

ssize_t download_read(struct download *d, char *out, size_t max)
{
    enum download_state st = download_state(d);
    if (st == DOWNLOAD_FAILED)
        return -2; /* even with bytes left: the file is not whole */
    if (st == DOWNLOAD_DONE)
        return -1;
    if (!d->q.len)
        return 0;
    size_t n = d->q.len < max ? d->q.len : max;
    memcpy(out, d->q.data, n);
    buf_consume(&d->q, n);
    if (d->wout && d->q.len < DOWNLOAD_HIGH_WATER / 2)
        loop_fd_set(d->wout, LOOP_READ);
    return (ssize_t)n;
}

void download_free(struct download *d)
{
    if (!d)
        return;
    close_fd(&d->out, &d->wout);
    close_fd(&d->errfd, &d->werr);
    if (d->pid > 0 && !d->exited) {
        /* The browser went away (or the daemon stops): the export is not
         * wanted any more. SIGKILL ends it at once, so the wait is short. */
        kill(d->pid, SIGKILL);
        while (waitpid(d->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    close_fd(&d->pidfd, &d->wpid);
    loop_timer_del(d->reap);
    buf_free(&d->q);
    buf_free(&d->emsg);
    free(d);
}
