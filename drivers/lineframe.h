// SPDX-License-Identifier: Apache-2.0
/*
 * lineframe — cutting a byte stream from a serial scanner into scans: a scan
 * ends at CR or LF (SUFFIX_ENTER), at TAB (SUFFIX_TAB), or when the caller
 * says so (silence, an unplug). Shared by the termios source (serial.c) and
 * the USB CDC-ACM driver (acm.c), so a scanner in serial mode behaves the
 * same on either path.
 */
#ifndef MB_LINEFRAME_H
#define MB_LINEFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/base/buf.h"

/* A scan longer than this is garbage or an attack, not a badge. */
#define LINEFRAME_MAX (64u * 1024)

struct lineframe {
    struct buf line; /* the scan so far */
    unsigned suffix; /* SUFFIX_* bits (dev_conf.h); 0: only flush ends a scan */
};

/*
 * A finished scan: complete (ended by a terminator or a flush that says so)
 * or dropped (overlong, or flushed as incomplete). p is only borrowed; never
 * called with n == 0.
 */
typedef void (*lineframe_fn)(void *ud, const uint8_t *p, size_t n, bool complete);

/* Feeds n bytes; done runs for each scan they finish. */
void lineframe_feed(struct lineframe *f, const uint8_t *p, size_t n, lineframe_fn done, void *ud);

/* Ends the pending scan, if any, as complete or not. */
void lineframe_flush(struct lineframe *f, bool complete, lineframe_fn done, void *ud);

/* Whether part of a scan is waiting. */
bool lineframe_pending(const struct lineframe *f);

void lineframe_free(struct lineframe *f);

#endif
