// SPDX-License-Identifier: Apache-2.0
/*
 * serial — CDC-ACM / RS-232 scanner source (see serial.h).
 */
#include "drivers/serial.h"

#include "drivers/lineframe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "firmware/base/buf.h"
#include "firmware/base/log.h"
#include "firmware/runtime/loop.h"

#define TAG       "serial"
#define REOPEN_MS 1000

struct serial {
    struct serial_host host;
    struct dev_conf conf;
    char id[300];
    char state[64];
    int fd;
    struct loop_fd *w;
    struct loop_timer *gap, *reopen;
    struct lineframe frame;
    uint64_t scans, dropped;
};

static void set_state(struct serial *s, const char *st)
{
    if (strcmp(s->state, st) == 0)
        return;
    snprintf(s->state, sizeof(s->state), "%s", st);
    log_info(TAG, "%s: %s", s->id, st);
    if (s->host.changed)
        s->host.changed(s->host.ud, s);
}

static speed_t baud_const(int baud)
{
    switch (baud) {
    case 1200:
        return B1200;
    case 2400:
        return B2400;
    case 4800:
        return B4800;
    case 19200:
        return B19200;
    case 38400:
        return B38400;
    case 57600:
        return B57600;
    case 115200:
        return B115200;
    case 230400:
        return B230400;
    default:
        return B9600;
    }
}

static void on_scan(void *ud, const uint8_t *p, size_t n, bool complete)
{
    struct serial *s = ud;
    if (complete) {
        s->scans++;
        if (s->host.scan)
            s->host.scan(s->host.ud, s, p, n);
    } else {
        s->dropped++;
        log_warn(TAG, "%s: incomplete scan dropped (%zu bytes)", s->id, n);
    }
}

static void finish(struct serial *s, bool complete)
{
    lineframe_flush(&s->frame, complete, on_scan, s);
}

static void close_line(struct serial *s)
{
    loop_fd_del(s->w);
    s->w = NULL;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

static void on_gap(struct loop *l, void *ud)
{
    struct serial *s = ud;
    finish(s, s->conf.suffix == 0);
}

static void on_read(struct loop *l, int fd, unsigned events, void *ud)
{
    struct serial *s = ud;
    uint8_t b[512];
    for (;;) {
        ssize_t n = read(fd, b, sizeof(b));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            /* EOF, EIO (pty master closed), unplugged */
            if (lineframe_pending(&s->frame))
                s->dropped++;
            buf_reset(&s->frame.line);
            close_line(s);
            set_state(s, "removed");
            loop_timer_reset(s->reopen, REOPEN_MS);
            return;
        }
        lineframe_feed(&s->frame, b, (size_t)n, on_scan, s);
    }
    if (lineframe_pending(&s->frame) && s->conf.gap_ms > 0)
        loop_timer_reset(s->gap, (uint64_t)s->conf.gap_ms);
    if (events & (LOOP_HUP | LOOP_ERROR)) {
        close_line(s);
        set_state(s, "removed");
        loop_timer_reset(s->reopen, REOPEN_MS);
    }
}

static int open_line(struct serial *s, struct err *e)
{
    int fd = open(s->conf.path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, ERR_IO, "open %s: %s", s->conf.path, strerror(errno));
    struct termios t;
    if (tcgetattr(fd, &t) < 0) {
        err_set(e, ERR_IO, "%s: not a terminal: %s", s->conf.path, strerror(errno));
        close(fd);
        return -1;
    }
    cfmakeraw(&t);
    t.c_cflag |= CLOCAL | CREAD;
    /* VMIN 1: with O_NONBLOCK an empty line then reads as EAGAIN, so a 0
     * from read() really is a hang-up (VMIN 0 would return 0 for "no data"). */
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    cfsetispeed(&t, baud_const(s->conf.baud));
    cfsetospeed(&t, baud_const(s->conf.baud));
    if (tcsetattr(fd, TCSANOW, &t) < 0) {
        err_set(e, ERR_IO, "%s: termios: %s", s->conf.path, strerror(errno));
        close(fd);
        return -1;
    }
    /* Whatever was typed before we listened is not a scan we can trust. */
    tcflush(fd, TCIFLUSH);
    s->w = loop_fd_add(s->host.loop, fd, LOOP_READ, on_read, s);
    if (!s->w) {
        close(fd);
        return err_set(e, ERR_INTERNAL, "out of memory");
    }
    s->fd = fd;
    return 0;
}

static void on_reopen(struct loop *l, void *ud)
{
    struct serial *s = ud;
    struct err e = {0};
    if (s->fd >= 0)
        return;
    if (open_line(s, &e) == 0) {
        set_state(s, "ready");
        return;
    }
    if (strcmp(s->state, "removed") != 0 && strcmp(s->state, "absent") != 0)
        log_debug(TAG, "%s", e.msg);
    if (!s->state[0] || strncmp(s->state, "ready", 5) == 0)
        set_state(s, "absent");
    loop_timer_reset(s->reopen, REOPEN_MS);
}

struct serial *serial_new(const struct serial_host *host, const struct dev_conf *conf,
                          struct err *e)
{
    if (!conf->path || !*conf->path) {
        err_set(e, ERR_INVALID, "serial scanner: no path");
        return NULL;
    }
    struct serial *s = calloc(1, sizeof(*s));
    if (!s || dev_conf_copy(&s->conf, conf) < 0) {
        free(s);
        err_set(e, ERR_INTERNAL, "out of memory");
        return NULL;
    }
    s->host = *host;
    s->fd = -1;
    s->frame.suffix = s->conf.suffix;
    snprintf(s->id, sizeof(s->id), "serial:%s", conf->path);
    s->gap = loop_timer_add(host->loop, 3600u * 1000, on_gap, s);
    s->reopen = loop_timer_add(host->loop, 3600u * 1000, on_reopen, s);
    if (!s->gap || !s->reopen) {
        serial_free(s);
        err_set(e, ERR_INTERNAL, "out of memory");
        return NULL;
    }
    on_reopen(host->loop, s);
    return s;
}

void serial_free(struct serial *s)
{
    if (!s)
        return;
    close_line(s);
    loop_timer_del(s->gap);
    loop_timer_del(s->reopen);
    lineframe_free(&s->frame);
    dev_conf_free(&s->conf);
    free(s);
}

const char *serial_id(const struct serial *s)
{
    return s->id;
}

const char *serial_state(const struct serial *s)
{
    return s->state;
}

void serial_status(const struct serial *s, struct cJSON *obj)
{
    cJSON_AddStringToObject(obj, "id", s->id);
    cJSON_AddStringToObject(obj, "kind", "scanner");
    cJSON_AddStringToObject(obj, "driver", "serial");
    if (s->conf.name)
        cJSON_AddStringToObject(obj, "name", s->conf.name);
    cJSON_AddStringToObject(obj, "path", s->conf.path);
    cJSON_AddStringToObject(obj, "state", s->state);
    cJSON_AddNumberToObject(obj, "scans", (double)s->scans);
    cJSON_AddNumberToObject(obj, "dropped", (double)s->dropped);
}
