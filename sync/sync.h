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
 * sync_now.
 */
#ifndef MB_SYNC_H
#define MB_SYNC_H

#include "firmware/base/err.h"

struct loop;
struct config;
struct store;
struct bus;
struct ctl;
struct show;

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

#endif
