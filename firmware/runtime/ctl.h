// SPDX-License-Identifier: Apache-2.0
/*
 * ctl — the UNIX control socket between the CLI and a running daemon.
 *
 * Protocol: one JSON object per line, request {"cmd": "capture", …}, reply
 * {"ok": true, …} or {"ok": false, "error": "…"}. A connection may send
 * several requests. Lines longer than CTL_MAX_LINE, or that are not JSON
 * objects, get an error reply (and an over-long line closes the connection);
 * the daemon keeps serving everyone else.
 *
 * Subsystems add commands with ctl_register(); handlers run in the loop
 * thread and must not block.
 */
#ifndef MB_CTL_H
#define MB_CTL_H

#include "firmware/base/err.h"

#define CTL_MAX_LINE (4u * 1024 * 1024)

struct cJSON;
struct ctl;
struct loop;

/*
 * Fills reply (an object, "ok" is added by ctl) for request req. Returns 0,
 * or -1 with e set (the client sees e->msg as "error").
 */
typedef int (*ctl_handler_fn)(const struct cJSON *req, struct cJSON *reply, void *ud,
                              struct err *e);

/*
 * Deferred replies, for commands whose work runs elsewhere (a worker
 * thread): inside a handler, ctl_defer() takes over the reply to the request
 * being handled and the handler returns CTL_DEFERRED. Later, in the loop
 * thread, ctl_defer_done() sends reply (borrowed; "ok" is added) or, when e
 * is set, e->msg as the error, and frees d. Meanwhile further requests on
 * that connection wait, so replies keep their order; a client that goes
 * away just makes the reply vanish. ctl_defer returns NULL outside a
 * handler or on ENOMEM (then answer at once).
 */
#define CTL_DEFERRED 1
struct ctl_defer;
struct ctl_defer *ctl_defer(struct ctl *c);
void ctl_defer_done(struct ctl_defer *d, const struct cJSON *reply, const struct err *e);
/* Inside the same handler only: gives the reply back (the handler then
 * returns 0 or -1 as usual) and frees d. */
void ctl_defer_cancel(struct ctl_defer *d);

/* Listens on path (a stale socket file is replaced). NULL with e on failure. */
struct ctl *ctl_listen(struct loop *l, const char *path, struct err *e);
/* Closes every connection and removes the socket file. NULL-safe. */
void ctl_close(struct ctl *c);

/* Adds command cmd (the name is copied). Returns 0 or -1 on ENOMEM. */
int ctl_register(struct ctl *c, const char *cmd, ctl_handler_fn fn, void *ud);

/*
 * Client side: sends req to the daemon at path and waits (timeout_ms) for the
 * reply. Returns 0 with *reply set (the caller's; check "ok"), or -1 with e
 * ("cannot connect to /run/…: is the daemon running?").
 */
int ctl_call(const char *path, const struct cJSON *req, struct cJSON **reply, int timeout_ms,
             struct err *e);

#endif
