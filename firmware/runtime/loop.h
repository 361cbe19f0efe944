// SPDX-License-Identifier: Apache-2.0
/*
 * loop — the daemon's single event loop: file descriptors, timers and
 * signals, driven by poll(2).
 *
 * One thread owns the loop and everything it calls back; callbacks must not
 * block. libusb, libcurl's multi interface and libmicrohttpd all expose file
 * descriptors and timeouts, so each plugs in with fd watches and timers.
 * Handles stay valid until removed; removing a handle from inside any
 * callback (its own included) is safe.
 */
#ifndef MB_LOOP_H
#define MB_LOOP_H

#include <stdint.h>

struct loop;
struct loop_fd;
struct loop_timer;

enum { LOOP_READ = 1, LOOP_WRITE = 2 };
/* Extra bits passed to fd callbacks. */
enum { LOOP_ERROR = 4, LOOP_HUP = 8 };

typedef void (*loop_fd_cb)(struct loop *l, int fd, unsigned events, void *ud);
typedef void (*loop_timer_cb)(struct loop *l, void *ud);
typedef void (*loop_signal_cb)(struct loop *l, int signo, void *ud);

/* A new loop, or NULL on ENOMEM. */
struct loop *loop_new(void);
/* Frees the loop and every handle still registered (callbacks not run). */
void loop_free(struct loop *l);

/* Watches fd for events (LOOP_READ|LOOP_WRITE). NULL on ENOMEM. */
struct loop_fd *loop_fd_add(struct loop *l, int fd, unsigned events, loop_fd_cb cb, void *ud);
void loop_fd_set(struct loop_fd *w, unsigned events);
void loop_fd_del(struct loop_fd *w); /* NULL-safe; does not close fd */

/* Calls cb once after delay_ms (0: on the next turn). NULL on ENOMEM. */
struct loop_timer *loop_timer_add(struct loop *l, uint64_t delay_ms, loop_timer_cb cb, void *ud);
/* Re-arms a timer (pending or fired) to fire after delay_ms. */
void loop_timer_reset(struct loop_timer *t, uint64_t delay_ms);
/* Cancels and frees a timer (NULL-safe). A fired one-shot is still valid
 * until deleted, so owners always delete what they added. */
void loop_timer_del(struct loop_timer *t);

/*
 * Delivers signo through the loop (signalfd): cb runs in loop context.
 * Returns 0 or -1 (errno set).
 */
int loop_signal_add(struct loop *l, int signo, loop_signal_cb cb, void *ud);

/* Runs until loop_stop(). Returns 0, or -1 if poll fails unexpectedly. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

/* Milliseconds of CLOCK_MONOTONIC, the loop's time base. */
uint64_t loop_now_ms(void);

#endif
