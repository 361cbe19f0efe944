// SPDX-License-Identifier: Apache-2.0
/*
 * route — the route table and the one place its policy is enforced (see
 * route.h and docs/ui.md).
 */
#include "ui/route.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "firmware/base/buf.h"
#include "firmware/config/config.h"
#include "firmware/runtime/loop.h"
#include "ui/admin.h"
#include "ui/events.h"
#include "ui/kiosk.h"
#include "ui/match.h"
#include "ui/page.h"
#include "ui/reply.h"
#include "ui/session.h"
#include "ui/text.h"
#include "ui/ui.h"

/*
 * The first row whose path matches gives the policy; the rows of one path
 * share it (one per method set). Exact paths first, then the prefix rows
 * that give unknown paths the policy of their family, most specific first.
 */
// clang-format off
/* A row: the columns of route.h without their ROUTE_ and ROUTE_CSRF_
 * prefixes, so that the table reads as one. */
#define ROW(methods, path, peer, who, csrf, fn) \
    {ROUTE_##methods, path, ROUTE_##peer, ROUTE_##who, ROUTE_CSRF_##csrf, fn}

const struct route route_table[] = {
/*  ROW(methods, path,              peer,    who,       csrf,    handler) */
    /* The pages: the admin page is reachable from the network when [ui]
     * allow_remote opens it; it logs in with /api/boot's token. */
    ROW(READ, "/",                  NETWORK, ANYONE,    NONE,    page_serve),
    ROW(READ, "/admin",             NETWORK, ANYONE,    NONE,    page_serve),
    ROW(READ, "/api/boot",          NETWORK, ANYONE,    KIOSK,   kiosk_boot),
    /* The kiosk's own browser: the stream and the visit carry visitors'
     * data. Writes about a lead only for the visit in progress. */
    ROW(GET,  "/api/events",        LOCAL,   ANYONE,    KIOSK,   events_open),
    ROW(POST, "/api/demo",          LOCAL,   ANYONE,    KIOSK,   kiosk_demo),
    ROW(POST, "/api/manual",        LOCAL,   ANYONE,    KIOSK,   kiosk_manual),
    ROW(POST, "/api/lead/fields",   LOCAL,   VISITOR,   KIOSK,   kiosk_fields),
    ROW(POST, "/api/lead/answers",  LOCAL,   VISITOR,   KIOSK,   kiosk_answers),
    ROW(POST, "/api/lead/consents", LOCAL,   VISITOR,   KIOSK,   kiosk_consents),
    ROW(READ, "/api/matches",       LOCAL,   VISITOR,   KIOSK,   match_list),
    ROW(READ, "/api/search",        LOCAL,   VISITOR,   KIOSK,   match_search),
    ROW(READ, "/api/qr",            LOCAL,   VISITOR,   KIOSK,   match_qr),
    ROW(POST, "/api/print",         LOCAL,   VISITOR,   KIOSK,   match_print),
    /* Only the card under review (the handler checks its read_id). */
    ROW(POST, "/api/card/store",    LOCAL,   ANYONE,    KIOSK,   kiosk_card_store),
    ROW(POST, "/api/visit/end",     LOCAL,   ANYONE,    KIOSK,   kiosk_visit_end),
    /* Sessions: made with the kiosk's token, then their own. */
    ROW(POST, "/api/staff/badge",   LOCAL,   ANYONE,    KIOSK,   session_badge),
    ROW(POST, "/api/admin/login",   NETWORK, NOT_BADGE, KIOSK,   session_login),
    ROW(POST, "/api/admin/logout",  NETWORK, STAFF,     SESSION, session_logout),
    ROW(READ, "/api/admin/session", NETWORK, STAFF,     SESSION, session_info),
    /* The admin page (a PIN session) and staff mode (any session). */
    ROW(READ, "/api/admin/status",  NETWORK, ADMIN,     SESSION, admin_status),
    ROW(READ, "/api/admin/export",  NETWORK, ADMIN,     SESSION, admin_export),
    ROW(POST, "/api/admin/devices/enable", NETWORK, ADMIN, SESSION, admin_enable_device),
    ROW(POST, "/api/staff/note",    LOCAL,   STAFF,     SESSION, admin_note),
    /* Unknown paths: their family's policy, then 404. */
    ROW(NONE, "/api/admin/*",       NETWORK, ADMIN,     SESSION, NULL),
    ROW(NONE, "/api/staff/*",       LOCAL,   STAFF,     SESSION, NULL),
    ROW(NONE, "/api/*",             LOCAL,   ANYONE,    KIOSK,   NULL),
    /* Anything else: the files compiled into the binary (ui/assets). */
    ROW(READ, "*",                  NETWORK, ANYONE,    NONE,    page_serve),
    {ROUTE_NONE, NULL, ROUTE_LOCAL, ROUTE_ANYONE, ROUTE_CSRF_NONE, NULL},
};
// clang-format on

static bool path_matches(const char *pattern, const char *path)
{
    size_t n = strlen(pattern);
    if (n && pattern[n - 1] == '*')
        return strncmp(path, pattern, n - 1) == 0;
    return strcmp(path, pattern) == 0;
}

const struct route *route_find(const char *path)
{
    for (const struct route *r = route_table; r->path; r++)
        if (path_matches(r->path, path))
            return r;
    return NULL;
}

/* The row of policy's path that answers method m, or NULL. */
static const struct route *handler_of(const struct route *policy, unsigned m)
{
    for (const struct route *r = policy; r->path; r++)
        if (!strcmp(r->path, policy->path) && (r->methods & m) && r->fn)
            return r;
    return NULL;
}

static unsigned method_bit(const char *method)
{
    return !strcmp(method, "GET")    ? ROUTE_GET
           : !strcmp(method, "HEAD") ? ROUTE_HEAD
           : !strcmp(method, "POST") ? ROUTE_POST
                                     : 0;
}

/* True when the Host header names us, so a page on another origin that
 * rebinds its DNS name to 127.0.0.1 cannot read the API. */
static bool host_ok(const struct route_ctx *c, struct MHD_Connection *conn)
{
    if (config_bool(c->h->cfg, "ui", "allow_remote"))
        return true;
    const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
    if (!host)
        return false;
    char name[128];
    snprintf(name, sizeof name, "%s", host);
    char *colon = strrchr(name, ':');
    if (colon && !strchr(colon, ']'))
        *colon = '\0';
    return !strcmp(name, "localhost") || !strncmp(name, "127.", 4) || !strcmp(name, "[::1]");
}

/* Whether the peer is on this machine. The kiosk's browser always is; with
 * allow_remote the network may reach the admin page, but never the visitor's
 * data (the event stream, the visit's API) or staff mode. */
static bool peer_local(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return false;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return false;
}

/* Steps 3 and 4 of route.h: the peer and who the caller is. Sets q->sess
 * for the JSON API. false with r answered when refused. */
static bool caller_ok(const struct route_ctx *c, const struct route *p, struct route_req *q,
                      struct reply *r)
{
    if (p->peer == ROUTE_LOCAL && !peer_local(q->conn)) {
        reply_error(r, MHD_HTTP_FORBIDDEN, "only the kiosk itself may use this");
        return false;
    }
    if (p->csrf != ROUTE_CSRF_NONE)
        q->sess = session_find(c->sessions,
                               MHD_lookup_connection_value(q->conn, MHD_COOKIE_KIND, "mb_session"),
                               loop_now_ms());
    if ((p->who == ROUTE_STAFF || p->who == ROUTE_ADMIN) && !q->sess) {
        reply_error(r, MHD_HTTP_UNAUTHORIZED, "admin session needed: log in with the PIN");
        return false;
    }
    /* A staff badge opens staff mode, not the admin page. */
    if ((p->who == ROUTE_ADMIN || p->who == ROUTE_NOT_BADGE) && q->sess && q->sess->staff_only) {
        reply_error(r, MHD_HTTP_FORBIDDEN,
                    "a staff badge does not open the admin page: use the PIN");
        return false;
    }
    return true;
}

/* Step 5 for a POST: JSON, the row's CSRF token, a JSON object. Returns the
 * parsed body (the caller's), or NULL with r answered. */
static cJSON *post_body(const struct route_ctx *c, const struct route *p, const struct route_req *q,
                        const struct buf *raw, struct reply *r)
{
    const char *ct = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "Content-Type");
    const char *tok = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "X-CSRF-Token");
    if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
        reply_error(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "send JSON");
        return NULL;
    }
    if (!(p->csrf == ROUTE_CSRF_SESSION ? session_token_ok(q->sess, tok)
                                        : session_kiosk_token_ok(c->sessions, tok))) {
        reply_error(r, MHD_HTTP_FORBIDDEN, "missing or wrong CSRF token");
        return NULL;
    }
    cJSON *body = cJSON_ParseWithLength(raw->data ? raw->data : "", raw->len);
    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        reply_error(r, MHD_HTTP_BAD_REQUEST, "the body is not a JSON object");
        return NULL;
    }
    return body;
}

void route_dispatch(const struct route_ctx *c, struct MHD_Connection *conn, const char *method,
                    const char *url, const struct buf *body, struct reply *r)
{
    struct route_req q = {.conn = conn, .path = url};
    const struct route *p = route_find(url), *h;
    unsigned m = method_bit(method);
    cJSON *json = NULL;
    if (!host_ok(c, conn)) {
        reply_error(r, MHD_HTTP_MISDIRECTED_REQUEST, "unknown Host");
        return;
    }
    if (!p) { /* the table ends with "*": only if someone removes it */
        reply_error(r, MHD_HTTP_NOT_FOUND, "not found");
        return;
    }
    if (!caller_ok(c, p, &q, r))
        return;
    if (!m || (m == ROUTE_POST && p->csrf == ROUTE_CSRF_NONE)) {
        reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
        return;
    }
    if (m == ROUTE_POST && !(q.body = json = post_body(c, p, &q, body, r)))
        return;
    if (!(h = handler_of(p, m))) {
        reply_error(r, MHD_HTTP_NOT_FOUND, "no such API");
    } else if (p->who == ROUTE_VISITOR &&
               !(q.lead = kiosk_lead(c->kiosk,
                                     json ? text_member(json, "lead") : route_arg(&q, "lead")))) {
        reply_error(r, MHD_HTTP_CONFLICT, "this visit has ended; scan your badge again");
    } else {
        h->fn(c, &q, r);
    }
    cJSON_Delete(json);
}

const char *route_arg(const struct route_req *q, const char *k)
{
    return MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, k);
}
