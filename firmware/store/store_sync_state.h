// SPDX-License-Identifier: Apache-2.0
/*
 * store_sync_state — the sync_state table: what the sync worker knows about
 * each sink between runs (consecutive failed attempts, the wall-clock time
 * before which no retry is due, the last answer and error, the last success
 * and how many rows it ever delivered), so that a restart still honours a
 * server's Retry-After and `sync status` shows the last success.
 *
 * Statements are prepared once per connection (store_db.h). Same thread
 * rules as the store.
 */
#ifndef MB_STORE_SYNC_STATE_H
#define MB_STORE_SYNC_STATE_H

#include <stdint.h>

#include "firmware/base/err.h"

struct store;

struct store_sync_state {
    int attempts;                        /* consecutive failed attempts */
    int64_t retry_ms;                    /* wall clock, ms: no retry before (0: none due) */
    long last_status;                    /* the last HTTP status (0: none, or a local sink) */
    char last_error[512];                /* "" for none; a longer one is cut */
    int64_t last_attempt_ms, last_ok_ms; /* wall clock, ms (0: never) */
    int64_t sent;                        /* rows delivered, ever */
};

/*
 * Reads the state of sink into *out. Returns 0, 1 when the sink has no
 * state yet (*out zeroed), or -1 with e set (*out zeroed).
 */
int store_sync_state_get(struct store *s, const char *sink, struct store_sync_state *out,
                         struct err *e);

/* Writes the state of sink (insert or replace; an empty last_error is stored
 * as NULL). Returns 0, or -1 with e set. Runs in the caller's transaction if
 * there is one. */
int store_sync_state_put(struct store *s, const char *sink, const struct store_sync_state *st,
                         struct err *e);

#endif
