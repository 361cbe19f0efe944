// SPDX-License-Identifier: Apache-2.0
/*
 * outbox — the outbox worker's side of one configured sink ([sink.NAME]).
 *
 * Each sink has a small state machine (idle -> sending -> idle, or back-off)
 * and one loop timer. A check reads at most one batch of the sink's pending
 * outbox rows (store_outbox.h), so memory does not grow with the backlog,
 * loads the leads' documents in one snapshot, and hands the batch to the
 * sink type, which either writes it (spool) or builds an HTTP request that
 * runs on the shared multi handle (xfer.h). When it is done, the rows are
 * marked sent (only where the lead's version is still the one sent), parked
 * as rejected (a refused batch of several leads is first split and sent
 * lead by lead), or the sink backs off with full jitter (retry.h); the
 * sink's own state goes to table sync_state in the same transaction, so a
 * restart honours a server's Retry-After. A client-side rate limit (rate.h)
 * keeps a destination's request limit.
 *
 * Every sink keeps its own queue position, back-off and error, so a dead
 * CRM never holds back the spool. All of it runs in the loop thread.
 */
#ifndef MB_OUTBOX_H
#define MB_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "firmware/base/err.h"
#include "firmware/store/store_outbox.h"

struct cJSON;
struct config;
struct loop;
struct outbox;
struct show;
struct store;
struct xfer_multi;

/* What every sink of a worker shares; borrowed until outbox_close(). */
struct outbox_host {
    struct loop *loop;
    const struct config *cfg;
    struct store *store;
    struct xfer_multi *multi;
    const char *device_id;
    int64_t *last_ok_ms;     /* the worker's newest success: raised by every sink */
    const struct show *show; /* the running show (may be NULL) */
};

/*
 * Opens the sink called name, configured in section ("sink.NAME"; both
 * borrowed until outbox_close): checks its type and keys, takes over what
 * the last run knew (sync_state) and arms its first check at once. Returns
 * NULL with e set for an unknown type, a bad key or no memory.
 */
struct outbox *outbox_open(const struct outbox_host *h, const char *name, const char *section,
                           struct err *e);

/* Aborts a transfer in flight (its rows stay pending: sent again next time),
 * keeps the rate limit's times for the next worker and frees ob
 * (NULL-safe). */
void outbox_close(struct outbox *ob);

/* The sink's name ("crm" of [sink.crm]). */
const char *outbox_name(const struct outbox *ob);

/* The configured sink (its type and keys), borrowed until outbox_close(). */
struct sink *outbox_sink(struct outbox *ob);

/* Looks at the queue now (the worker's poll timer): sends a batch if one is
 * due and nothing is in flight. */
void outbox_check(struct outbox *ob);

/* A lead changed: a full batch goes at once, a partial one after its
 * maximum age. */
void outbox_lead_event(struct outbox *ob);

/* `sync now` or `sync retry`: skips any back-off wait and sends a partial
 * batch too. */
void outbox_wake(struct outbox *ob);

/* The network came back: a back-off for a network failure ends now (a
 * server's Retry-After is still honoured). */
void outbox_online(struct outbox *ob);

/* The sink's status for `matchbooth status` / `sync status` (detail adds
 * the rejected leads with their reasons). The caller owns the object. */
struct cJSON *outbox_status(struct outbox *ob, bool detail);

/* The number of outbox rows of sink (NULL: all) in state, for status and
 * heartbeat; 0 when the store cannot count (the error is logged). */
int64_t outbox_count(struct store *s, const char *sink, enum store_outbox_state state);

#endif
