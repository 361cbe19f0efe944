// SPDX-License-Identifier: Apache-2.0
/*
 * ui — the kiosk's web server: libmicrohttpd in "external epoll" mode, so
 * MHD owns one epoll fd that the daemon's loop watches and MHD_run() does
 * the work when it is ready. Every request, and every Server-Sent Events
 * push, happens in the loop thread alongside the store (no MHD threads).
 *
 * This file starts and stops the server and its parts, reads request
 * bodies (at most ROUTE_BODY_MAX) and hands each request to the route
 * table (route.c), which enforces the route's policy and runs its handler:
 *   page.c     /, /admin and the files compiled into the binary
 *   events.c   /api/events, the SSE stream fed by the bus
 *   kiosk.c    the visit in progress and the visitor's API
 *   match.c    suppliers, QR codes and the printed slip for the visitor
 *   session.c  the kiosk token, PIN and staff-badge sessions
 *   admin.c    status, export downloads and staff notes
 * docs/ui.md describes the whole and the security policy.
 */
#include "ui/ui.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/buf.h"
#include "firmware/base/log.h"
#include "firmware/config/config.h"
#include "firmware/runtime/bus.h"
#include "firmware/runtime/loop.h"
#include "ui/admin.h"
#include "ui/catalog.h"
#include "ui/events.h"
#include "ui/kiosk.h"
#include "ui/reply.h"
#include "ui/route.h"
#include "ui/session.h"

struct ui {
    struct ui_host h;
    struct route_ctx ctx; /* the parts, as handlers see them */
    struct MHD_Daemon *d;
    struct loop_fd *w;
    struct loop_timer *t; /* MHD's timeout, and "run now" for the parts */
    int sub;
};

/* One request's state across MHD's calls (the body arrives in pieces). */
struct req {
    struct buf body;
    bool too_big;
    /* A handler that answers later (reply.h): its continuation. */
    void *later;
    enum MHD_Result (*resume)(void *later);
    void (*done)(void *later);
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct ui *u = cls;
    struct req *rq = *con_cls;
    if (!rq) {
        if (!(rq = calloc(1, sizeof *rq)))
            return MHD_NO;
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_size) {
        if (rq->body.len + *upload_size > ROUTE_BODY_MAX)
            rq->too_big = true;
        else
            buf_add(&rq->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (rq->later)
        return rq->resume(rq->later);
    struct reply r = {.code = MHD_HTTP_OK};
    if (rq->too_big)
        reply_error(&r, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large");
    else
        route_dispatch(&u->ctx, conn, method, url, &rq->body, &r);
    if (r.later) { /* the handler suspended the connection */
        rq->later = r.later;
        rq->resume = r.resume;
        rq->done = r.done;
        reply_free(&r);
        return MHD_YES;
    }
    return reply_queue(conn, &r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct req *rq = *con_cls;
    if (rq) {
        if (rq->later && rq->done)
            rq->done(rq->later); /* kills an export child if the browser left early */
        buf_free(&rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

/* ---- the loop ------------------------------------------------------------------ */

static void run(struct ui *u)
{
    MHD_UNSIGNED_LONG_LONG to;
    MHD_run(u->d);
    if (MHD_get_timeout(u->d, &to) == MHD_YES)
        loop_timer_reset(u->t, to);
    else
        loop_timer_reset(u->t, 1000);
}

static void on_timer(struct loop *l, void *ud)
{
    run(ud);
}

static void on_fd(struct loop *l, int fd, unsigned events, void *ud)
{
    run(ud);
}

/* Parses HOST:PORT ("[::1]:8080" too) into a sockaddr. */
static int parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *len,
                        struct err *e)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    size_t hl = colon ? (size_t)(colon - spec) : 0;
    if (!colon || hl >= sizeof host)
        return err_set(e, ERR_INVALID, "[ui] listen: expected HOST:PORT, got '%s'", spec);
    memcpy(host, spec, hl);
    host[hl] = '\0';
    if (host[0] == '[' && hl > 1 && host[hl - 1] == ']') {
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    struct addrinfo hints = {.ai_flags = AI_NUMERICSERV, .ai_socktype = SOCK_STREAM}, *ai;
    int rc = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rc != 0)
        return err_set(e, ERR_INVALID, "[ui] listen: %s: %s", spec, gai_strerror(rc));
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

static int is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
    if (ss->ss_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
    return 0;
}

/* Imports [ui] catalog when the store has none yet (first start of a demo). */
static void catalog_bootstrap(struct ui *u)
{
    const char *path = config_str(u->h.cfg, "ui", "catalog");
    if (!path || !*path || catalog_count(u->h.store) != 0)
        return;
    struct err e = {0};
    int n = 0;
    if (catalog_import_file(u->h.store, path, &n, &e) < 0)
        log_error("ui", "[ui] catalog: %s", e.msg);
    else
        log_info("ui", "imported %d suppliers from %s", n, path);
}

/* The server on ss, its fd and timer on the loop, and the parts. */
static int start_parts(struct ui *u, const struct sockaddr_storage *ss, struct err *e)
{
    const char *listen = config_str(u->h.cfg, "ui", "listen");
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME |
                     (ss->ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    u->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, u, MHD_OPTION_SOCK_ADDR, ss,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, u,
                            MHD_OPTION_CONNECTION_TIMEOUT, 0u, MHD_OPTION_CONNECTION_LIMIT, 64u,
                            MHD_OPTION_END);
    if (!u->d)
        return err_set(e, ERR_IO, "ui: cannot listen on %s (port in use?)", listen);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(u->d, MHD_DAEMON_INFO_EPOLL_FD);
    u->w = loop_fd_add(u->h.loop, info->epoll_fd, LOOP_READ, on_fd, u);
    u->t = loop_timer_add(u->h.loop, 1000, on_timer, u);
    if (u->t) {
        u->ctx.events = events_new(u->h.loop, u->t);
        u->ctx.admin = admin_new(u->h.loop, u->t);
    }
    u->ctx.kiosk = kiosk_new();
    if (!u->w || !u->t || !u->ctx.events || !u->ctx.admin || !u->ctx.kiosk)
        return err_set(e, ERR_INTERNAL, "ui: out of memory");
    if ((u->sub = bus_subscribe(u->h.bus, events_on_bus, &u->ctx)) < 0)
        return err_set(e, ERR_INTERNAL, "ui: out of memory");
    return 0;
}

struct ui *ui_start(const struct ui_host *host, struct err *e)
{
    const char *listen = config_str(host->cfg, "ui", "listen");
    struct sockaddr_storage ss;
    socklen_t sl;
    if (parse_listen(listen, &ss, &sl, e) < 0)
        return NULL;
    if (!is_loopback(&ss) && !config_bool(host->cfg, "ui", "allow_remote")) {
        err_set(e, ERR_INVALID,
                "[ui] listen = %s is not a loopback address; set [ui] allow_remote = true to "
                "serve the network",
                listen);
        return NULL;
    }
    struct ui *u = calloc(1, sizeof *u);
    if (!u) {
        err_set(e, ERR_INTERNAL, "ui: out of memory");
        return NULL;
    }
    u->h = *host;
    u->ctx.h = &u->h;
    u->sub = -1;
    if (!(u->ctx.sessions = session_set_new(host->cfg, host->store, e))) {
        free(u);
        return NULL;
    }
    catalog_bootstrap(u);
    if (start_parts(u, &ss, e) < 0) {
        struct err keep = *e;
        ui_stop(u);
        *e = keep;
        return NULL;
    }
    log_info("ui", "listening on http://%s", listen);
    return u;
}

void ui_stop(struct ui *u)
{
    if (!u)
        return;
    if (u->sub >= 0)
        bus_unsubscribe(u->h.bus, u->sub);
    /* MHD must not be stopped with suspended connections: wake every stream
     * with nothing left to send, so it ends; exports in progress end too
     * (their children are killed; each download fails, never completes). */
    events_close(u->ctx.events);
    admin_stop(u->ctx.admin);
    if (u->d)
        MHD_run(u->d);
    loop_fd_del(u->w);
    loop_timer_del(u->t);
    if (u->d)
        MHD_stop_daemon(u->d);
    /* The parts go after the server, which frees their streams and
     * requests. */
    events_free(u->ctx.events);
    admin_free(u->ctx.admin);
    kiosk_free(u->ctx.kiosk);
    session_set_free(u->ctx.sessions);
    free(u);
}
