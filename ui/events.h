// SPDX-License-Identifier: Apache-2.0
/*
 * events — the kiosk's event stream (Server-Sent Events at /api/events),
 * fed by the bus: "lead", "unknown_scan", "status" (the printer),
 * "print" (what became of a slip: {"job", "state"}), "card_read",
 * "staff_badge" (a one-time token) and "export". Only what the
 * page needs travels: never the raw bytes of a scan, never the OCR'd lines.
 * The bus events also move the visit in progress (ui/kiosk.h).
 *
 * A stream with nothing to send is suspended (MHD_suspend_connection) and
 * costs nothing; a comment line every EVENTS_HEARTBEAT_MS keeps it open
 * through proxies and tells a dead peer. Every stream opens with "retry:
 * 250", so the page reconnects at once after a reload of the daemon.
 */
#ifndef MB_UI_EVENTS_H
#define MB_UI_EVENTS_H

struct loop;
struct loop_timer;
struct cJSON;
struct events;
struct route_ctx;
struct route_req;
struct reply;

#define EVENTS_HEARTBEAT_MS 15000

/*
 * No stream yet. run is the server's timer: it is fired at once when a
 * suspended stream has something to send, so MHD sends it. Both are
 * borrowed until events_free. NULL when out of memory.
 */
struct events *events_new(struct loop *l, struct loop_timer *run);

/* Ends every stream: each is woken with nothing left to send, so the
 * server's next run closes it (call before stopping the server). */
void events_close(struct events *ev);

/* Frees ev (NULL-safe), after the server is stopped: MHD frees the
 * streams themselves. */
void events_free(struct events *ev);

/* Sends event (data as JSON; NULL data is "{}") to every stream. */
void events_push(struct events *ev, const char *event, const struct cJSON *data);

/* Streams open now. */
int events_count(const struct events *ev);

/* Route handler: GET /api/events, the stream. */
void events_open(const struct route_ctx *c, const struct route_req *q, struct reply *r);

/* A bus subscriber (bus_subscribe's signature); ud is the UI's const
 * struct route_ctx. */
void events_on_bus(const char *type, const struct cJSON *data, void *ud);

#endif
