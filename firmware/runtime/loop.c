// SPDX-License-Identifier: Apache-2.0
/*
 * loop — a small poll(2) event loop in the spirit of redis's ae: an array of
 * fd watches rebuilt into a pollfd array when it changes, a list of timers
 * scanned for the nearest deadline, and signals through one signalfd.
 *
 * The daemon watches a few dozen descriptors at most, so poll's O(n) is
 * cheaper than epoll's bookkeeping and keeps the code obvious. Deleted
 * watches and timers are only marked and reclaimed after the dispatch pass,
 * so callbacks may delete anything at any time.
 */
#include "firmware/runtime/loop.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

struct loop_fd {
    struct loop *l;
    int fd;
    unsigned events;
    loop_fd_cb cb;
    void *ud;
    bool dead;
    struct loop_fd *next;
};

struct loop_timer {
    struct loop *l;
    uint64_t due; /* 0 = not armed */
    loop_timer_cb cb;
    void *ud;
    bool dead;
    struct loop_timer *next;
};

struct loop_sig {
    int signo;
    loop_signal_cb cb;
    void *ud;
    struct loop_sig *next;
};

struct loop {
    struct loop_fd *fds;
    struct loop_timer *timers;
    struct loop_sig *sigs;
    sigset_t sigmask;
    int sigfd;
    struct loop_fd *sigwatch;
    bool stop;
    bool dirty; /* something was deleted: sweep after dispatch */
};

uint64_t loop_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct loop *loop_new(void)
{
    struct loop *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->sigfd = -1;
    sigemptyset(&l->sigmask);
    return l;
}

static void sweep(struct loop *l)
{
    for (struct loop_fd **p = &l->fds; *p;) {
        if ((*p)->dead) {
            struct loop_fd *d = *p;
            *p = d->next;
            free(d);
        } else {
            p = &(*p)->next;
        }
    }
    for (struct loop_timer **p = &l->timers; *p;) {
        if ((*p)->dead) {
            struct loop_timer *d = *p;
            *p = d->next;
            free(d);
        } else {
            p = &(*p)->next;
        }
    }
    l->dirty = false;
}

void loop_free(struct loop *l)
{
    if (!l)
        return;
    for (struct loop_fd *w = l->fds; w; w = w->next)
        w->dead = true;
    for (struct loop_timer *t = l->timers; t; t = t->next)
        t->dead = true;
    sweep(l);
    while (l->sigs) {
        struct loop_sig *s = l->sigs;
        l->sigs = s->next;
        free(s);
    }
    if (l->sigfd >= 0) {
        sigprocmask(SIG_UNBLOCK, &l->sigmask, NULL);
        close(l->sigfd);
    }
    free(l);
}

struct loop_fd *loop_fd_add(struct loop *l, int fd, unsigned events, loop_fd_cb cb, void *ud)
{
    struct loop_fd *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    *w = (struct loop_fd){.l = l, .fd = fd, .events = events, .cb = cb, .ud = ud, .next = l->fds};
    l->fds = w;
    return w;
}

void loop_fd_set(struct loop_fd *w, unsigned events)
{
    if (w)
        w->events = events;
}

void loop_fd_del(struct loop_fd *w)
{
    if (w) {
        w->dead = true;
        w->l->dirty = true;
    }
}

struct loop_timer *loop_timer_add(struct loop *l, uint64_t delay_ms, loop_timer_cb cb, void *ud)
{
    struct loop_timer *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    *t = (struct loop_timer){
        .l = l, .due = loop_now_ms() + delay_ms, .cb = cb, .ud = ud, .next = l->timers};
    l->timers = t;
    return t;
}

void loop_timer_reset(struct loop_timer *t, uint64_t delay_ms)
{
    if (t)
        t->due = loop_now_ms() + delay_ms;
}

void loop_timer_del(struct loop_timer *t)
{
    if (t) {
        t->dead = true;
        t->due = 0;
        t->l->dirty = true;
    }
}

static void on_signalfd(struct loop *l, int fd, unsigned events, void *ud)
{
    struct signalfd_siginfo si;
    while (read(fd, &si, sizeof si) == (ssize_t)sizeof si)
        for (struct loop_sig *s = l->sigs; s; s = s->next)
            if ((unsigned)s->signo == si.ssi_signo)
                s->cb(l, s->signo, s->ud);
}

int loop_signal_add(struct loop *l, int signo, loop_signal_cb cb, void *ud)
{
    struct loop_sig *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    sigaddset(&l->sigmask, signo);
    if (sigprocmask(SIG_BLOCK, &l->sigmask, NULL) < 0 ||
        (l->sigfd = signalfd(l->sigfd, &l->sigmask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
        free(s);
        return -1;
    }
    if (!l->sigwatch && !(l->sigwatch = loop_fd_add(l, l->sigfd, LOOP_READ, on_signalfd, NULL))) {
        free(s);
        return -1;
    }
    *s = (struct loop_sig){.signo = signo, .cb = cb, .ud = ud, .next = l->sigs};
    l->sigs = s;
    return 0;
}

void loop_stop(struct loop *l)
{
    l->stop = true;
}

/* Runs due timers; returns ms until the next one, or -1 if none. */
static int run_timers(struct loop *l)
{
    uint64_t now = loop_now_ms();
    for (struct loop_timer *t = l->timers; t; t = t->next) {
        if (!t->dead && t->due && t->due <= now) {
            t->due = 0; /* one-shot: the callback may re-arm it */
            t->cb(l, t->ud);
        }
    }
    now = loop_now_ms();
    int64_t next = -1;
    for (struct loop_timer *t = l->timers; t; t = t->next) {
        if (t->dead || !t->due)
            continue;
        int64_t d = t->due > now ? (int64_t)(t->due - now) : 0;
        if (next < 0 || d < next)
            next = d;
    }
    return next > 60000 ? 60000 : (int)next;
}

int loop_run(struct loop *l)
{
    struct pollfd *pfd = NULL;
    struct loop_fd **who = NULL;
    size_t cap = 0;
    int rc = 0;
    l->stop = false;
    while (!l->stop) {
        int timeout = run_timers(l);
        if (l->dirty)
            sweep(l);
        if (l->stop)
            break;
        size_t n = 0;
        for (struct loop_fd *w = l->fds; w; w = w->next)
            n++;
        if (n > cap) {
            struct pollfd *np = realloc(pfd, n * sizeof *np);
            struct loop_fd **nw = np ? realloc(who, n * sizeof *nw) : NULL;
            if (np)
                pfd = np;
            if (!np || !nw) {
                rc = -1;
                break;
            }
            who = nw;
            cap = n;
        }
        n = 0;
        for (struct loop_fd *w = l->fds; w; w = w->next) {
            pfd[n].fd = w->events ? w->fd : -1;
            pfd[n].events = (short)((w->events & LOOP_READ ? POLLIN : 0) |
                                    (w->events & LOOP_WRITE ? POLLOUT : 0));
            pfd[n].revents = 0;
            who[n++] = w;
        }
        int r = poll(pfd, n, timeout);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = -1;
            break;
        }
        for (size_t i = 0; r > 0 && i < n; i++) {
            struct loop_fd *w = who[i];
            if (!pfd[i].revents || w->dead)
                continue;
            unsigned ev = (pfd[i].revents & POLLIN ? LOOP_READ : 0) |
                          (pfd[i].revents & POLLOUT ? LOOP_WRITE : 0) |
                          (pfd[i].revents & (POLLERR | POLLNVAL) ? LOOP_ERROR : 0) |
                          (pfd[i].revents & POLLHUP ? LOOP_HUP : 0);
            w->cb(l, w->fd, ev, w->ud);
        }
        if (l->dirty)
            sweep(l);
    }
    free(pfd);
    free(who);
    return rc;
}
