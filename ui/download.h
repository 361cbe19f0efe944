// SPDX-License-Identifier: Apache-2.0
/*
 * download — a child process whose standard output is streamed somewhere
 * (the admin page's export downloads), without blocking the daemon's loop.
 *
 * The child's stdout and stderr are non-blocking pipes watched by the loop;
 * its exit is watched through a pidfd (or, where pidfd_open() is missing, as
 * under valgrind, by waitpid(WNOHANG) every few milliseconds). Output is buffered up to
 * DOWNLOAD_HIGH_WATER bytes: past that the pipe is no longer read, so a
 * slow reader slows the child down instead of growing memory.
 */
#ifndef MB_UI_DOWNLOAD_H
#define MB_UI_DOWNLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "firmware/base/err.h"

struct loop;
struct download;

#define DOWNLOAD_HIGH_WATER (1024u * 1024)

enum download_state {
    DOWNLOAD_WAITING, /* no byte yet, still running */
    DOWNLOAD_DATA,    /* bytes to read (the child may still run) */
    DOWNLOAD_DONE,    /* exited with status 0 (bytes may remain to read) */
    DOWNLOAD_FAILED,  /* exited non-zero or killed: see download_error() */
};

/*
 * Starts argv[0] (a path, not searched in PATH) with argv, stdin from
 * /dev/null and no other descriptor inherited. wake(ud) is called from the
 * loop whenever new output or the exit arrived. Returns NULL with e on
 * failure (no pipes, spawn failed).
 */
struct download *download_start(struct loop *l, char *const argv[], void (*wake)(void *ud),
                                void *ud, struct err *e);

enum download_state download_state(const struct download *d);

/* The child's stderr (last line, trimmed) or its exit status; "" if none. */
const char *download_error(const struct download *d);

/*
 * Takes up to max bytes of output. Returns the count (> 0); 0 when nothing
 * is there yet (wake() comes later); -1 at the end after a clean exit; -2
 * when the child failed (a download must then be aborted, never completed).
 */
ssize_t download_read(struct download *d, char *out, size_t max);

/* Kills the child if it still runs, reaps it, frees everything (NULL-safe). */
void download_free(struct download *d);

#endif
