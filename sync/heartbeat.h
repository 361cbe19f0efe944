// SPDX-License-Identifier: Apache-2.0
/*
 * heartbeat — tells head office every heartbeat_interval seconds that the
 * kiosk is alive: {device, version, queue_depth, rejected, last_success,
 * network, sent_at}, POSTed to a monitoring URL ([sync] heartbeat_url)
 * and/or put into a bucket ([sync] heartbeat_sink, an s3 sink) as
 * PREFIX fleet/DEVICE.json, overwritten each time, so that the fleet's
 * queue depths and last contacts are read with the same tools as the lake.
 * At most one of each is on its way at a time; a lost one is simply not
 * repeated. Its answers count for the online/offline state like any
 * transfer (xfer.h).
 */
#ifndef MB_HEARTBEAT_H
#define MB_HEARTBEAT_H

#include <stdint.h>

#include "firmware/base/err.h"

struct config;
struct heartbeat;
struct sink;
struct loop;
struct xfer_multi;

/* The worker's state at the moment a heartbeat is sent. */
struct heartbeat_info {
    const char *device;
    int64_t queue_depth, rejected; /* outbox rows pending / rejected, all sinks */
    int64_t last_ok_ms;            /* wall clock of the last delivery (0: never) */
    const char *network;           /* "online", "offline" or "unknown" */
};

/* Fills *out (strings borrowed until the heartbeat is built). */
typedef void heartbeat_info_fn(struct heartbeat_info *out, void *ud);

/*
 * Sends the first heartbeat at once and then every heartbeat_interval
 * seconds to cfg's [sync] heartbeat_url (when set) and into bucket's
 * storage (when not NULL: a sink whose type has a put op), asking info for
 * the body. cfg, m, bucket and ud are borrowed until heartbeat_stop().
 * Returns NULL with e set when out of memory.
 */
struct heartbeat *heartbeat_start(struct loop *loop, const struct config *cfg, struct xfer_multi *m,
                                  struct sink *bucket, heartbeat_info_fn *info, void *ud,
                                  struct err *e);

/* Aborts a heartbeat on its way and frees hb (NULL-safe). */
void heartbeat_stop(struct heartbeat *hb);

#endif
