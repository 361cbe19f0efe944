// SPDX-License-Identifier: Apache-2.0
/*
 * sync — the offline-first sync worker inside the daemon.
 *
 * Drains the store's outbox (one row per sink and lead change, written in
 * the capture's own transaction) to every configured [sink.NAME], in
 * batches, through libcurl's multi interface driven by the daemon's loop:
 * no thread, no blocking call except the spool sink's local fsync. Each sink
 * has its own queue position, back-off and state, so one failing sink never
 * holds another back. A row is marked sent only if the lead has not changed
 * since the version that was sent; otherwise it goes out again as an update.
 * Delivery is at least once: receivers de-duplicate by lead id (and batch
 * Idempotency-Key), which makes it exactly once in effect.
 *
 * Also: online/offline state with hysteresis (status member "sync", bus
 * event "sync"), a heartbeat, and pulls of the show form and the catalog
 * from HTTPS URLs with ETag. Control commands: sync_status, sync_retry,
 * sync_now (sync/control.c, on top of the operations below).
 *
 * The parts, one module each: sync.c wires them (this header), xfer.c runs
 * libcurl's multi interface on the loop, outbox.c is one sink's side of the
 * worker, net.c the online/offline state, rate.c a sink's request limit,
 * retry.c the failure policy, heartbeat.c and pull.c the side jobs, sink.c
 * the table of sink types in sync/sinks/. Their SQL lives in the store:
 * firmware/store/store_outbox.c, store_sync_state.c and store_meta.c (the
 * pulls' ETags). docs/SYNC.md has the map.
 */
#ifndef MB_SYNC_H
#define MB_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/base/err.h"

struct loop;
struct config;
struct store;
struct bus;
struct ctl;
struct show;
struct cJSON;

struct sync_host {
    struct loop *loop;
    const struct config *cfg; /* borrowed until sync_stop() */
    struct store *store;
    struct bus *bus;
    struct ctl *ctl;
    const struct show *show; /* borrowed until sync_stop() */
};

/*
 * Starts the worker for h->cfg's sinks (none configured: a worker that only
 * does heartbeat/pulls, if those are set). Returns NULL with e when a sink
 * section is invalid (unknown type, missing key) or libcurl cannot start.
 */
struct sync *sync_start(const struct sync_host *h, struct err *e);

/* Aborts transfers in flight (their rows stay pending) and frees everything.
 * NULL-safe. */
void sync_stop(struct sync *s);

/*
 * Adds the worker's status to obj: network (and network_since), pending and
 * rejected rows of every sink, last_success, and "sinks" (one object per
 * sink; detail adds each sink's rejected leads with their reasons).
 */
void sync_status(struct sync *s, struct cJSON *obj, bool detail);

/* `sync now`: every sink skips its back-off wait and sends even a partial
 * batch; the show form and the catalog are pulled. Returns the number of
 * sinks. */
size_t sync_now(struct sync *s);

/*
 * `sync retry`: queues rejected rows again, of sink (NULL: every sink) and
 * lead_id (NULL: every lead), and wakes the sinks concerned. Returns the
 * number of rows requeued, or -1 with e set (ERR_NOTFOUND for a sink that
 * is not configured).
 */
int64_t sync_retry(struct sync *s, const char *sink, const char *lead_id, struct err *e);

#endif
