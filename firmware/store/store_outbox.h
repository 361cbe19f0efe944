// SPDX-License-Identifier: Apache-2.0
/*
 * store_outbox — the outbox table: one row per sink and lead change, queued
 * in the same transaction as the change (store.c calls store_outbox_queue),
 * drained by the sync worker (sync/outbox.c), which reads a batch of pending
 * rows, sends them and marks each one sent, rejected or tried again.
 *
 * A row carries the lead version it stands for. A pending row has its
 * version raised in place when the lead changes again, so a backlog never
 * grows with the number of edits; a row is marked sent or rejected only if
 * its version is still the one that was sent, so an edit made while a
 * request was in flight goes out too.
 *
 * Every statement is prepared once per connection (store_db.h). Strings
 * passed in are only borrowed for the call. Same thread rules as the store.
 */
#ifndef MB_STORE_OUTBOX_H
#define MB_STORE_OUTBOX_H

#include <stdint.h>

#include "firmware/base/err.h"
#include "firmware/base/uuid.h"

struct store;
struct strv;

enum store_outbox_state {
    STORE_OUTBOX_PENDING,  /* waiting to be sent (or sent again) */
    STORE_OUTBOX_SENT,     /* the destination took it */
    STORE_OUTBOX_REJECTED, /* the destination refused it; kept with the reason */
};

/* One pending row, as the worker batches it. */
struct store_outbox_row {
    int64_t id;         /* the row's id: the queue order */
    int64_t version;    /* the lead version the row stands for */
    int64_t created_ms; /* when it was queued (wall clock, ms) */
    char lead_id[UUID_STR_LEN];
};

/* What became of a row that was sent (store_outbox_mark). */
enum store_outbox_result {
    STORE_OUTBOX_DELIVERED, /* sent, if its version is unchanged */
    STORE_OUTBOX_REFUSED,   /* rejected with the reason, if its version is unchanged */
    STORE_OUTBOX_FAILED,    /* still pending: one more attempt and the reason */
};

/*
 * Queues lead_id at version for every sink in sinks (NULL or empty: none),
 * inside the caller's transaction: a pending row of that sink and lead has
 * its version raised, otherwise a new row is added with created_ms = now_ms.
 * Returns 0, or -1 with e set (the caller rolls back).
 */
int store_outbox_queue(struct store *s, const struct strv *sinks, const char *lead_id,
                       int64_t version, int64_t now_ms, struct err *e);

/*
 * Reads up to max (>= 1) pending rows of sink, oldest first, into rows
 * (room for max). Returns the number read (0: nothing pending), or -1 with
 * e set.
 */
int store_outbox_pending(struct store *s, const char *sink, int max, struct store_outbox_row *rows,
                         struct err *e);

/*
 * Records the result of sending row id at version: DELIVERED and REFUSED
 * change only a row that is still pending at that version (the lead did not
 * change meanwhile; else the row stays pending for the new version), FAILED
 * only counts an attempt on a pending row. reason (may be NULL for
 * DELIVERED) is stored as the row's last error; DELIVERED clears it and sets
 * sent_ms = now_ms. Meant to run inside store_tx() with the sink's state.
 * Returns 1 when the row changed, 0 when it did not, -1 with e set.
 */
int store_outbox_mark(struct store *s, int64_t id, int64_t version, enum store_outbox_result r,
                      const char *reason, int64_t now_ms, struct err *e);

/* The number of rows in state, of sink (NULL: of every sink). Returns it, or
 * -1 with e set. */
int64_t store_outbox_count(struct store *s, const char *sink, enum store_outbox_state state,
                           struct err *e);

/*
 * Queues rejected rows again (pending, attempts and last error cleared):
 * those of sink (NULL: every sink) and of lead_id (NULL: every lead).
 * Returns the number of rows requeued, or -1 with e set.
 */
int64_t store_outbox_requeue(struct store *s, const char *sink, const char *lead_id, struct err *e);

/* One rejected row (store_outbox_rejected); the strings are borrowed for
 * the callback only. */
struct store_outbox_refusal {
    const char *lead_id;
    int64_t version;
    int attempts;
    const char *reason; /* "" when none was recorded */
};

/*
 * Calls fn for up to max rejected rows of sink, oldest first. fn must not
 * use the store. Returns 0, or -1 with e set (fn may have been called for
 * the rows before the error).
 */
int store_outbox_rejected(struct store *s, const char *sink, int max,
                          void (*fn)(const struct store_outbox_refusal *r, void *ud), void *ud,
                          struct err *e);

/*
 * Runs fn inside one read transaction (BEGIN … COMMIT, no write lock), so
 * that the reads it makes (a batch's lead documents) see one snapshot and
 * take the WAL read lock once. When the transaction cannot start, fn still
 * runs, each read in its own snapshot. Returns fn's result. fn must not
 * start a transaction itself.
 */
int store_outbox_snapshot(struct store *s, int (*fn)(struct store *s, void *ud), void *ud);

#endif
