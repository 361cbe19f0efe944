// SPDX-License-Identifier: Apache-2.0
/*
 * admin — the API behind a session: the admin page's status and export
 * downloads (a PIN session), and staff mode's notes (any session).
 *
 * Export downloads: GET /api/admin/export?format=F&show=S runs `matchbooth
 * export --format F --show S` (this binary, the daemon's config) as a child
 * process (ui/download.h): an export takes up to seconds and sets TZ,
 * neither of which the loop may do. The request is answered once the child
 * has written its first byte or exited, so an export that fails before any
 * output gets a JSON error with the child's message; the bytes are then
 * streamed as they come (chunked), and a child that fails later cuts the
 * connection without the last chunk: the browser sees a failed download,
 * never a truncated file that looks whole. At most ADMIN_DOWNLOADS run at
 * once; a browser that goes away kills its child.
 */
#ifndef MB_UI_ADMIN_H
#define MB_UI_ADMIN_H

struct loop;
struct loop_timer;
struct admin;
struct route_ctx;
struct route_req;
struct reply;

#define ADMIN_DOWNLOADS 2 /* export child processes at once */

/* No download yet. run is the server's timer, fired at once when a
 * suspended download has something to send. Both borrowed until
 * admin_free. NULL when out of memory. */
struct admin *admin_new(struct loop *l, struct loop_timer *run);

/* Kills every export child; each download then fails (never completes)
 * when the server closes its connection. Call before stopping the server. */
void admin_stop(struct admin *a);

/* Frees a (NULL-safe), after the server is stopped (which ends the
 * downloads' requests). */
void admin_free(struct admin *a);

/* Route handlers: GET /api/admin/status[?show=S], GET /api/admin/export,
 * POST /api/staff/note {lead, note, rating 0..5, tags[], operator}. */
void admin_status(const struct route_ctx *c, const struct route_req *q, struct reply *r);
void admin_export(const struct route_ctx *c, const struct route_req *q, struct reply *r);
void admin_note(const struct route_ctx *c, const struct route_req *q, struct reply *r);

/* POST /api/admin/devices/enable {id}: admits a scanner listed as "scanner
 * found, not enabled" (ui_host's enable_device) → {"ok", "id", "driver",
 * "state"}; the devices subsystem's refusal as is (400, 404, 503). */
void admin_enable_device(const struct route_ctx *c, const struct route_req *q, struct reply *r);

#endif
