/*
 * ui — libmicrohttpd in "external epoll" mode: MHD owns one epoll fd that we
 * watch in the daemon's loop, and MHD_run() does the work when it is ready,
 * so every request is handled in the loop thread alongside the store.
 *
 * Foundation stage: a plain status page; the kiosk pages come with the UI.
 */
#include "ui/ui.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/buf.h"
#include "firmware/config.h"
#include "firmware/log.h"
#include "firmware/loop.h"
#include "firmware/show.h"
#include "firmware/store.h"

struct ui {
    struct ui_host h;
    struct MHD_Daemon *d;
    struct loop_fd *w;
    struct loop_timer *t;
};

static void html_escape(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            buf_adds(b, "&lt;");
            break;
        case '>':
            buf_adds(b, "&gt;");
            break;
        case '&':
            buf_adds(b, "&amp;");
            break;
        case '"':
            buf_adds(b, "&quot;");
            break;
        case '\'':
            buf_adds(b, "&#39;");
            break;
        default:
            buf_addc(b, *s);
        }
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct ui *u = cls;
    struct buf b = {0};
    unsigned code = MHD_HTTP_OK;
    const char *type = "text/html; charset=utf-8";
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        code = MHD_HTTP_METHOD_NOT_ALLOWED;
        buf_adds(&b, "method not allowed\n");
        type = "text/plain; charset=utf-8";
    } else if (!strcmp(url, "/api/status")) {
        cJSON *st = NULL;
        struct err e = {0};
        type = "application/json";
        if (store_stats(u->h.store, &st, &e) < 0) {
            code = MHD_HTTP_INTERNAL_SERVER_ERROR;
            st = cJSON_CreateObject();
            cJSON_AddStringToObject(st, "error", e.msg);
        }
        char *t = cJSON_PrintUnformatted(st);
        buf_adds(&b, t ? t : "{}");
        free(t);
        cJSON_Delete(st);
    } else if (!strcmp(url, "/")) {
        cJSON *st = NULL;
        store_stats(u->h.store, &st, NULL);
        const cJSON *leads = cJSON_GetObjectItem(st, "leads");
        buf_adds(&b, "<!doctype html><meta charset=utf-8><title>matchbooth</title><h1>");
        html_escape(&b, u->h.show->name);
        buf_printf(&b, "</h1><p>matchbooth %s is running. Leads stored: %d.</p>", MB_VERSION,
                   leads ? leads->valueint : 0);
        cJSON_Delete(st);
    } else {
        code = MHD_HTTP_NOT_FOUND;
        type = "text/plain; charset=utf-8";
        buf_adds(&b, "not found\n");
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(b.len, b.data ? b.data : (char *)"", MHD_RESPMEM_MUST_COPY);
    buf_free(&b);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Content-Security-Policy", "default-src 'self'");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ret = MHD_queue_response(conn, code, r);
    MHD_destroy_response(r);
    return ret;
}

static void arm_timer(struct ui *u);

static void run(struct ui *u)
{
    MHD_run(u->d);
    arm_timer(u);
}

static void on_timer(struct loop *l, void *ud)
{
    run(ud);
}

static void on_fd(struct loop *l, int fd, unsigned events, void *ud)
{
    run(ud);
}

static void arm_timer(struct ui *u)
{
    MHD_UNSIGNED_LONG_LONG to;
    if (MHD_get_timeout(u->d, &to) == MHD_YES)
        loop_timer_reset(u->t, to);
    else
        loop_timer_reset(u->t, 1000);
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
    unsigned flags =
        MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    u->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, u, MHD_OPTION_SOCK_ADDR, &ss,
                            MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    if (!u->d) {
        err_set(e, ERR_IO, "ui: cannot listen on %s (port in use?)", listen);
        free(u);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(u->d, MHD_DAEMON_INFO_EPOLL_FD);
    u->w = loop_fd_add(host->loop, info->epoll_fd, LOOP_READ, on_fd, u);
    u->t = loop_timer_add(host->loop, 1000, on_timer, u);
    if (!u->w || !u->t) {
        ui_stop(u);
        err_set(e, ERR_INTERNAL, "ui: out of memory");
        return NULL;
    }
    log_info("ui", "listening on http://%s", listen);
    return u;
}

void ui_stop(struct ui *u)
{
    if (!u)
        return;
    loop_fd_del(u->w);
    loop_timer_del(u->t);
    MHD_stop_daemon(u->d);
    free(u);
}
