// SPDX-License-Identifier: Apache-2.0
/*
 * route — the UI's routes and their security policy, in one table
 * (route.c): for each path, which methods it answers, from which peers,
 * for whom, which CSRF token its writes carry, and its handler. One
 * generic check enforces the policy of the row before any handler runs,
 * so a handler never decides who may call it. docs/ui.md explains the
 * table and how to add a route.
 *
 * What every request goes through, in this order (first failure answers):
 *   1. Host names this machine, unless [ui] allow_remote (421): a page that
 *      rebinds its DNS name to 127.0.0.1 cannot read the API;
 *   2. the row: the first whose path matches (exact, or a prefix ending in
 *      '*'), which is the policy of unknown paths too;
 *   3. peer: ROUTE_LOCAL rows only for a peer on this machine (403);
 *   4. who: a session where the row asks for one (401), never a staff
 *      badge's where it must not be (403);
 *   5. method: GET, HEAD or POST, and POST only where the row has a CSRF
 *      token (405); a POST needs Content-Type: application/json (415), the
 *      row's CSRF token in X-CSRF-Token (403) and a JSON object (400);
 *   6. the handler: among the rows of that path, the one with the method
 *      (404 "no such API" when none);
 *   7. ROUTE_VISITOR: "lead" (query or body) must be the visit in progress
 *      (409).
 * Bodies over ROUTE_BODY_MAX are refused before all this (413).
 */
#ifndef MB_UI_ROUTE_H
#define MB_UI_ROUTE_H

#include <stdbool.h>

struct MHD_Connection;
struct cJSON;
struct buf;
struct ui_host;
struct kiosk;
struct events;
struct session;
struct session_set;
struct admin;
struct reply;

#define ROUTE_BODY_MAX (64u * 1024) /* bytes, any route */

/* Methods a row answers (a set). */
#define ROUTE_NONE 0u /* a row that only gives a policy (unknown paths) */
#define ROUTE_GET  1u
#define ROUTE_HEAD 2u
#define ROUTE_POST 4u
#define ROUTE_READ (ROUTE_GET | ROUTE_HEAD) /* HEAD answers as GET, without the body */

/* Where the caller may be. */
enum route_peer {
    ROUTE_LOCAL,   /* a peer on this machine: the kiosk's own browser */
    ROUTE_NETWORK, /* any peer the listen address reaches ([ui] allow_remote) */
};

/* Who the caller must be. */
enum route_who {
    ROUTE_ANYONE,    /* no session needed */
    ROUTE_VISITOR,   /* about the visit in progress only: "lead" names it */
    ROUTE_NOT_BADGE, /* no session needed, but a staff badge's session is refused */
    ROUTE_STAFF,     /* a session: PIN or staff badge */
    ROUTE_ADMIN,     /* a PIN session */
};

/* The CSRF token a POST must carry in X-CSRF-Token. */
enum route_csrf {
    ROUTE_CSRF_NONE,    /* not the JSON API: no POST (405), no session read */
    ROUTE_CSRF_KIOSK,   /* the kiosk's, from /api/boot */
    ROUTE_CSRF_SESSION, /* the caller's session's own */
};

/* What a handler may use: the host and the UI's parts (ui.c fills it). */
struct route_ctx {
    const struct ui_host *h;
    struct kiosk *kiosk;
    struct events *events;
    struct session_set *sessions;
    struct admin *admin;
};

/* One request that passed its row's policy. */
struct route_req {
    struct MHD_Connection *conn;
    const char *path;
    const struct cJSON *body; /* a POST's JSON object, else NULL */
    struct session *sess;     /* the caller's session (API rows), or NULL */
    const char *lead;         /* ROUTE_VISITOR: the visit's lead id, else NULL */
};

typedef void route_fn(const struct route_ctx *c, const struct route_req *q, struct reply *r);

struct route {
    unsigned methods; /* ROUTE_GET …, or ROUTE_NONE */
    const char *path; /* exact, or a prefix ending in '*' */
    enum route_peer peer;
    enum route_who who;
    enum route_csrf csrf;
    route_fn *fn; /* NULL with ROUTE_NONE */
};

/* Every route, terminated by a row whose path is NULL. */
extern const struct route route_table[];

/* The row whose policy applies to path: the first that matches. The table
 * ends with "*", which matches any path, so this is NULL only for a table
 * without it. */
const struct route *route_find(const char *path);

/*
 * Answers one request (method, url, the body read so far) into r: enforces
 * the policy of url's row, then runs the handler. c is borrowed.
 */
void route_dispatch(const struct route_ctx *c, struct MHD_Connection *conn, const char *method,
                    const char *url, const struct buf *body, struct reply *r);

/* The query argument k of q, or NULL. */
const char *route_arg(const struct route_req *q, const char *k);

#endif
