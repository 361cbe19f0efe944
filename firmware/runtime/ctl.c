// SPDX-License-Identifier: Apache-2.0
/*
 * ctl — the control socket: a SOCK_STREAM UNIX socket speaking one JSON
 * object per line in each direction (see ctl.h).
 *
 * Connections are non-blocking and driven by the loop; a client that sends
 * garbage or a line longer than CTL_MAX_LINE gets an error reply and never
 * disturbs anyone else. The socket file is made 0660 so only the service's
 * user and group can drive the kiosk.
 */
#include "firmware/runtime/ctl.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "firmware/base/buf.h"
#include "firmware/base/log.h"
#include "firmware/runtime/loop.h"

#define CTL_MAX_CONNS 64

struct handler {
    char *cmd;
    ctl_handler_fn fn;
    void *ud;
    struct handler *next;
};

struct conn {
    struct ctl *ctl;
    int fd;
    struct loop_fd *w;
    struct buf in, out;
    int closing;             /* close once out is flushed */
    struct ctl_defer *defer; /* a request answered later: later lines wait */
    struct conn *next;
};

struct ctl_defer {
    struct conn *conn; /* NULL once the client has gone */
};

struct ctl {
    struct loop *loop;
    struct conn *dispatching; /* the connection whose request is being handled */
    int fd;
    struct loop_fd *w;
    char *path;
    struct handler *handlers;
    struct conn *conns;
    int nconns;
};

static void conn_free(struct conn *c)
{
    struct ctl *ctl = c->ctl;
    for (struct conn **p = &ctl->conns; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
    ctl->nconns--;
    if (c->defer)
        c->defer->conn = NULL; /* its answer will be dropped */
    loop_fd_del(c->w);
    close(c->fd);
    buf_free(&c->in);
    buf_free(&c->out);
    free(c);
}

static void reply_json(struct conn *c, cJSON *reply)
{
    char *text = cJSON_PrintUnformatted(reply);
    if (!text || buf_adds(&c->out, text) < 0 || buf_addc(&c->out, '\n') < 0)
        c->closing = 1; /* out of memory: drop the client, keep the daemon */
    free(text);
    loop_fd_set(c->w, LOOP_READ | LOOP_WRITE);
}

static void reply_error(struct conn *c, const char *msg)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddBoolToObject(r, "ok", 0);
    cJSON_AddStringToObject(r, "error", msg);
    reply_json(c, r);
    cJSON_Delete(r);
}

static void dispatch(struct conn *c, const char *line, size_t len)
{
    cJSON *req = cJSON_ParseWithLength(line, len);
    if (!req || !cJSON_IsObject(req)) {
        reply_error(c, "bad request: expected one JSON object per line");
        cJSON_Delete(req);
        return;
    }
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(req, "cmd");
    if (!cJSON_IsString(cmd)) {
        reply_error(c, "bad request: missing \"cmd\"");
        cJSON_Delete(req);
        return;
    }
    struct handler *h = c->ctl->handlers;
    while (h && strcmp(h->cmd, cmd->valuestring) != 0)
        h = h->next;
    if (!h) {
        char msg[160];
        snprintf(msg, sizeof msg, "unknown command '%.64s'", cmd->valuestring);
        reply_error(c, msg);
        cJSON_Delete(req);
        return;
    }
    cJSON *reply = cJSON_CreateObject();
    struct err e = {0};
    if (!reply) {
        reply_error(c, "out of memory");
    } else {
        c->ctl->dispatching = c;
        int rc = h->fn(req, reply, h->ud, &e);
        c->ctl->dispatching = NULL;
        if (rc == CTL_DEFERRED && c->defer)
            ; /* answered by ctl_defer_done() */
        else if (rc < 0)
            reply_error(c, e.msg[0] ? e.msg : "command failed");
        else
            goto ok;
        cJSON_Delete(reply);
        cJSON_Delete(req);
        return;
    ok:
        cJSON_AddBoolToObject(reply, "ok", 1);
        reply_json(c, reply);
    }
    cJSON_Delete(reply);
    cJSON_Delete(req);
}

static void process_lines(struct conn *c);

static void on_conn(struct loop *l, int fd, unsigned events, void *ud)
{
    struct conn *c = ud;
    if (events & LOOP_WRITE && c->out.len) {
        ssize_t n = send(fd, c->out.data, c->out.len, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            conn_free(c);
            return;
        }
        if (n > 0)
            buf_consume(&c->out, (size_t)n);
    }
    if (!c->out.len) {
        if (c->closing) {
            conn_free(c);
            return;
        }
        loop_fd_set(c->w, LOOP_READ);
    }
    if (!(events & (LOOP_READ | LOOP_HUP | LOOP_ERROR)) || c->closing)
        return;
    char chunk[65536];
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        conn_free(c);
        return;
    }
    if (n < 0)
        return;
    if (buf_add(&c->in, chunk, (size_t)n) < 0) {
        reply_error(c, "out of memory");
        c->closing = 1;
        return;
    }
    process_lines(c);
}

/* Runs the complete lines buffered on c, in order, until one is deferred. */
static void process_lines(struct conn *c)
{
    char *nl;
    while (!c->closing && !c->defer && c->in.len && (nl = memchr(c->in.data, '\n', c->in.len))) {
        size_t len = (size_t)(nl - c->in.data);
        if (len > CTL_MAX_LINE) {
            break;
        }
        dispatch(c, c->in.data, len);
        buf_consume(&c->in, len + 1);
    }
    if (c->in.len > CTL_MAX_LINE) {
        log_warn("ctl", "client sent more than %u bytes in one line: dropped", CTL_MAX_LINE);
        reply_error(c, "request too large");
        buf_free(&c->in);
        c->closing = 1;
    }
}

static void on_accept(struct loop *l, int fd, unsigned events, void *ud)
{
    struct ctl *ctl = ud;
    int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd < 0)
        return;
    if (ctl->nconns >= CTL_MAX_CONNS) {
        log_warn("ctl", "too many control connections: refused one");
        close(cfd);
        return;
    }
    struct conn *c = calloc(1, sizeof *c);
    if (!c || !(c->w = loop_fd_add(l, cfd, LOOP_READ, on_conn, c))) {
        free(c);
        close(cfd);
        return;
    }
    c->ctl = ctl;
    c->fd = cfd;
    c->next = ctl->conns;
    ctl->conns = c;
    ctl->nconns++;
}

struct ctl *ctl_listen(struct loop *l, const char *path, struct err *e)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        err_set(e, ERR_INVALID, "control socket path too long (max %zu): %s",
                sizeof sa.sun_path - 1, path);
        return NULL;
    }
    strcpy(sa.sun_path, path);
    struct ctl *ctl = calloc(1, sizeof *ctl);
    if (!ctl || !(ctl->path = strdup(path))) {
        free(ctl);
        err_set(e, ERR_INTERNAL, "control socket: out of memory");
        return NULL;
    }
    ctl->loop = l;
    ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (ctl->fd < 0) {
        err_set(e, ERR_IO, "control socket: %s", strerror(errno));
        goto fail;
    }
    /* A socket file left by a crashed daemon is replaced; a live daemon's is
     * not (connect succeeds), so two daemons never share one store. */
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0) {
        close(probe);
        err_set(e, ERR_BUSY, "%s: another matchbooth daemon is running", path);
        goto fail;
    }
    if (probe >= 0)
        close(probe);
    unlink(path);
    mode_t old = umask(0117);
    int rc = bind(ctl->fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (rc < 0 || listen(ctl->fd, 16) < 0) {
        err_set(e, ERR_IO, "control socket %s: %s", path, strerror(errno));
        goto fail;
    }
    if (!(ctl->w = loop_fd_add(l, ctl->fd, LOOP_READ, on_accept, ctl))) {
        err_set(e, ERR_INTERNAL, "control socket: out of memory");
        goto fail;
    }
    return ctl;
fail:
    if (ctl->fd >= 0)
        close(ctl->fd);
    free(ctl->path);
    free(ctl);
    return NULL;
}

void ctl_close(struct ctl *ctl)
{
    if (!ctl)
        return;
    while (ctl->conns)
        conn_free(ctl->conns);
    loop_fd_del(ctl->w);
    close(ctl->fd);
    unlink(ctl->path);
    while (ctl->handlers) {
        struct handler *h = ctl->handlers;
        ctl->handlers = h->next;
        free(h->cmd);
        free(h);
    }
    free(ctl->path);
    free(ctl);
}

int ctl_register(struct ctl *ctl, const char *cmd, ctl_handler_fn fn, void *ud)
{
    struct handler *h = calloc(1, sizeof *h);
    if (!h || !(h->cmd = strdup(cmd))) {
        free(h);
        return -1;
    }
    h->fn = fn;
    h->ud = ud;
    h->next = ctl->handlers;
    ctl->handlers = h;
    return 0;
}

struct ctl_defer *ctl_defer(struct ctl *ctl)
{
    struct conn *c = ctl ? ctl->dispatching : NULL;
    if (!c || c->defer)
        return NULL;
    struct ctl_defer *d = calloc(1, sizeof *d);
    if (d) {
        d->conn = c;
        c->defer = d;
    }
    return d;
}

void ctl_defer_cancel(struct ctl_defer *d)
{
    if (!d)
        return;
    if (d->conn)
        d->conn->defer = NULL;
    free(d);
}

void ctl_defer_done(struct ctl_defer *d, const cJSON *reply, const struct err *e)
{
    if (!d)
        return;
    struct conn *c = d->conn;
    free(d);
    if (!c)
        return; /* the client went away meanwhile */
    c->defer = NULL;
    if (e && e->code != ERR_OK) {
        reply_error(c, e->msg[0] ? e->msg : "command failed");
    } else {
        cJSON *r = reply ? cJSON_Duplicate(reply, 1) : cJSON_CreateObject();
        if (!r) {
            reply_error(c, "out of memory");
        } else {
            cJSON_DeleteItemFromObject(r, "ok");
            cJSON_AddBoolToObject(r, "ok", 1);
            reply_json(c, r);
        }
        cJSON_Delete(r);
    }
    /* Requests the client sent meanwhile run now, in order. */
    process_lines(c);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ctl_call(const char *path, const cJSON *req, cJSON **reply, int timeout_ms, struct err *e)
{
    *reply = NULL;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path)
        return err_set(e, ERR_INVALID, "control socket path too long: %s", path);
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return err_set(e, ERR_IO, "socket: %s", strerror(errno));
    struct buf out = {0}, in = {0};
    int r = -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        err_set(e, ERR_IO,
                "cannot connect to %s: %s (is the daemon running? start it with "
                "`matchbooth run`)",
                path, strerror(errno));
        goto out;
    }
    char *text = cJSON_PrintUnformatted(req);
    if (!text || buf_adds(&out, text) < 0 || buf_addc(&out, '\n') < 0) {
        free(text);
        err_set(e, ERR_INTERNAL, "out of memory");
        goto out;
    }
    free(text);
    int64_t deadline = mono_ms() + timeout_ms;
    size_t sent = 0;
    while (sent < out.len) {
        ssize_t n = send(fd, out.data + sent, out.len - sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EINTR) {
            err_set(e, ERR_IO, "send to daemon: %s", strerror(errno));
            goto out;
        }
        if (n > 0)
            sent += (size_t)n;
    }
    for (;;) {
        int64_t left = deadline - mono_ms();
        if (left <= 0) {
            err_set(e, ERR_IO, "no answer from the daemon within %d ms", timeout_ms);
            goto out;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int pr = poll(&p, 1, (int)left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            continue;
        char chunk[65536];
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err_set(e, ERR_IO, "the daemon closed the connection without an answer");
            goto out;
        }
        buf_add(&in, chunk, (size_t)n);
        char *nl = memchr(in.data, '\n', in.len);
        if (nl) {
            *reply = cJSON_ParseWithLength(in.data, (size_t)(nl - in.data));
            if (!*reply) {
                err_set(e, ERR_IO, "the daemon sent an unreadable answer");
                goto out;
            }
            r = 0;
            goto out;
        }
    }
out:
    close(fd);
    buf_free(&out);
    buf_free(&in);
    return r;
}
