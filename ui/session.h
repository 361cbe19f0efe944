// SPDX-License-Identifier: Apache-2.0
/*
 * session — who the UI's callers are, beyond the kiosk's own browser: the
 * kiosk's CSRF token (new at each start), the sessions opened with the
 * admin PIN or by a staff badge, the PIN's lockout after wrong tries, and
 * the one-time token a staff badge pushes to the page.
 *
 * A session is a random 256-bit id in an HttpOnly, SameSite=Strict cookie
 * (mb_session) with its own CSRF token, idle for at most [ui]
 * session_timeout seconds; at most SESSION_MAX exist at once (a new one
 * takes the slot used least recently). A PIN session may use the admin
 * API; a staff badge's session only staff mode (staff_only), under the
 * badge's operator. Each wrong PIN locks the login for 1, 2, 4 … up to 30
 * seconds, during which not even the right PIN is checked.
 *
 * Which route needs what is ui/route.c's table; this module only answers
 * who the caller is and runs the login, logout and token exchange.
 */
#ifndef MB_UI_SESSION_H
#define MB_UI_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "firmware/base/err.h"

struct config;
struct store;
struct session_set;
struct route_ctx;
struct route_req;
struct reply;

#define SESSION_MAX       8
#define SESSION_TOKEN_HEX 64    /* 32 random bytes as hex */
#define SESSION_BADGE_MS  10000 /* a staff badge's token must be used within this */

/* One session. Read-only outside this module. */
struct session {
    bool used;
    char id[SESSION_TOKEN_HEX + 1];
    char csrf[SESSION_TOKEN_HEX + 1];
    uint64_t last_ms;
    bool staff_only; /* opened by a staff badge: staff mode, no admin API */
    char op[65];     /* the operator notes are written under; "" = "staff" */
};

/* A new set with a fresh kiosk token and no session; cfg and store are
 * borrowed until session_set_free. NULL with e when OpenSSL gives no
 * random bytes or memory is short. */
struct session_set *session_set_new(const struct config *cfg, struct store *store, struct err *e);
void session_set_free(struct session_set *set); /* NULL-safe; forgets every session */

/* The kiosk's CSRF token (64 hex digits), for /api/boot. */
const char *session_kiosk_csrf(const struct session_set *set);

/* Whether token (may be NULL) is the kiosk's, or s's own (s may be NULL:
 * false), compared in constant time. */
bool session_kiosk_token_ok(const struct session_set *set, const char *token);
bool session_token_ok(const struct session *s, const char *token);

/* The live session whose id is cookie (may be NULL: none); expired ones
 * are dropped on the way. Finding a session restarts its idle time. */
struct session *session_find(struct session_set *set, const char *cookie, uint64_t now_ms);

/*
 * A staff badge was scanned for operator op (untrusted; cleaned, "staff"
 * when empty): makes the one-time token that /api/staff/badge trades for
 * a staff session within SESSION_BADGE_MS, replacing any earlier one.
 * Returns the token (owned by set, valid until the next call), or NULL
 * (logged) when OpenSSL gives no random bytes.
 */
const char *session_badge_token(struct session_set *set, const char *op, uint64_t now_ms);

/* Route handlers: POST /api/admin/login {pin}, POST /api/admin/logout,
 * GET /api/admin/session, POST /api/staff/badge {token}. */
void session_login(const struct route_ctx *c, const struct route_req *q, struct reply *r);
void session_logout(const struct route_ctx *c, const struct route_req *q, struct reply *r);
void session_info(const struct route_ctx *c, const struct route_req *q, struct reply *r);
void session_badge(const struct route_ctx *c, const struct route_req *q, struct reply *r);

#endif
