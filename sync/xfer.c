// SPDX-License-Identifier: Apache-2.0
/*
 * xfer — libcurl's multi interface on the daemon's loop (see xfer.h).
 *
 * libcurl asks us to watch a socket (on_curl_socket) or to call it back
 * after a delay (on_curl_timer); the loop reports readiness (on_curl_fd) or
 * the timer (on_multi_timer) and we hand it to curl_multi_socket_action().
 * After each call, finished transfers are collected (multi_collect) and
 * handed to their owners. The watch of a socket is kept in libcurl's own
 * per-socket pointer (curl_multi_assign) and in a list, so that freeing the
 * multi handle can drop the watches libcurl did not remove.
 */
#include "sync/xfer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "firmware/config/config.h"
#include "firmware/runtime/loop.h"

struct fdwatch {
    curl_socket_t fd;
    struct loop_fd *w;
    struct fdwatch *next;
};

struct xfer_multi {
    struct loop *loop;
    const struct config *cfg;
    CURLM *multi;
    struct loop_timer *timer;
    struct fdwatch *fds;
    xfer_reach_fn *reach;
    void *ud;
};

static int64_t cfg_int(const struct xfer_multi *m, const char *key)
{
    return config_int(m->cfg, "sync", key);
}

static const char *cfg_str(const struct xfer_multi *m, const char *key)
{
    const char *v = config_str(m->cfg, "sync", key);
    return v ? v : "";
}

/* ---- the multi handle inside the loop ------------------------------------ */

/* Hands every finished transfer to its owner. */
static void multi_collect(struct xfer_multi *m)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(m->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        struct xfer *x = NULL;
        CURLcode cc = msg->data.result;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        if (!x)
            continue;
        long status = 0;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
        /* A mail server that refused (a reply code, no success) answered. */
        if (m->reach)
            m->reach(cc == CURLE_OK || (x->http.mail_rcpt && status > 0), m->ud);
        x->done(x, cc, status, x->ud);
    }
}

static void on_curl_fd(struct loop *l, int fd, unsigned events, void *ud)
{
    struct xfer_multi *m = ud;
    int flags = (events & LOOP_READ ? CURL_CSELECT_IN : 0) |
                (events & LOOP_WRITE ? CURL_CSELECT_OUT : 0) |
                (events & (LOOP_ERROR | LOOP_HUP) ? CURL_CSELECT_ERR : 0);
    int running;
    curl_multi_socket_action(m->multi, fd, flags, &running);
    multi_collect(m);
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct xfer_multi *m = userp;
    struct fdwatch *fw = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (fw) {
            loop_fd_del(fw->w);
            for (struct fdwatch **p = &m->fds; *p; p = &(*p)->next)
                if (*p == fw) {
                    *p = fw->next;
                    break;
                }
            free(fw);
            curl_multi_assign(m->multi, fd, NULL);
        }
        return 0;
    }
    unsigned ev = (what & CURL_POLL_IN ? LOOP_READ : 0) | (what & CURL_POLL_OUT ? LOOP_WRITE : 0);
    if (fw) {
        loop_fd_set(fw->w, ev);
        return 0;
    }
    fw = calloc(1, sizeof *fw);
    if (!fw || !(fw->w = loop_fd_add(m->loop, fd, ev, on_curl_fd, m))) {
        free(fw);
        return -1; /* libcurl fails the transfer; it is retried */
    }
    fw->fd = fd;
    fw->next = m->fds;
    m->fds = fw;
    curl_multi_assign(m->multi, fd, fw);
    return 0;
}

static void on_multi_timer(struct loop *l, void *ud)
{
    struct xfer_multi *m = ud;
    int running;
    curl_multi_socket_action(m->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    multi_collect(m);
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct xfer_multi *m = userp;
    if (timeout_ms < 0) {
        loop_timer_del(m->timer);
        m->timer = NULL;
        return 0;
    }
    if (m->timer)
        loop_timer_reset(m->timer, (uint64_t)timeout_ms);
    else if (!(m->timer = loop_timer_add(m->loop, (uint64_t)timeout_ms, on_multi_timer, m)))
        return -1;
    return 0;
}

struct xfer_multi *xfer_multi_new(struct loop *loop, const struct config *cfg, xfer_reach_fn *reach,
                                  void *ud, struct err *e)
{
    static bool curl_ready;
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            err_set(e, ERR_INTERNAL, "curl_global_init failed");
            return NULL;
        }
        curl_ready = true;
    }
    struct xfer_multi *m = calloc(1, sizeof *m);
    if (!m) {
        err_set(e, ERR_INTERNAL, "out of memory");
        return NULL;
    }
    m->loop = loop;
    m->cfg = cfg;
    m->reach = reach;
    m->ud = ud;
    if (!(m->multi = curl_multi_init())) {
        free(m);
        err_set(e, ERR_INTERNAL, "curl_multi_init failed");
        return NULL;
    }
    curl_multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(m->multi, CURLMOPT_SOCKETDATA, m);
    curl_multi_setopt(m->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(m->multi, CURLMOPT_TIMERDATA, m);
    return m;
}

void xfer_multi_free(struct xfer_multi *m)
{
    if (!m)
        return;
    curl_multi_cleanup(m->multi);
    loop_timer_del(m->timer);
    while (m->fds) {
        struct fdwatch *fw = m->fds;
        m->fds = fw->next;
        loop_fd_del(fw->w);
        free(fw);
    }
    free(m);
}

/* ---- one transfer --------------------------------------------------------- */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n;
    if (x->resp.len + len > x->resp_max) {
        if (x->resp_abort)
            return 0; /* e.g. too big for a config file: abort, keep the old one */
        x->resp_truncated = true;
        return len;
    }
    return buf_add(&x->resp, p, len) < 0 ? 0 : len;
}

/* Copies the value of header name (case-insensitive) from line, trimmed. */
static void header_value(const char *line, size_t len, const char *name, char *out, size_t outsz)
{
    size_t nl = strlen(name);
    if (len <= nl || strncasecmp(line, name, nl) || line[nl] != ':')
        return;
    const char *v = line + nl + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    snprintf(out, outsz, "%.*s", (int)(end - v), v);
}

#define RESP_HEADERS_MAX (16u * 1024)

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n;
    /* A status line starts another answer (after a 100 Continue or a
     * redirect): keep only the last one's headers. */
    if (len >= 5 && !strncmp(p, "HTTP/", 5) && x->resp_headers.data) {
        x->resp_headers.len = 0;
        x->resp_headers.data[0] = '\0';
    }
    if (x->resp_headers.len + len < RESP_HEADERS_MAX)
        buf_add(&x->resp_headers, p, len); /* out of memory: the headers are only hints */
    header_value(p, len, "Retry-After", x->retry_after, sizeof x->retry_after);
    header_value(p, len, "ETag", x->etag, sizeof x->etag);
    return len;
}

struct xfer *xfer_new(struct xfer_multi *m, size_t resp_max, bool resp_abort, xfer_done_fn *done,
                      void *ud)
{
    struct xfer *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->multi = m;
    x->resp_max = resp_max;
    x->resp_abort = resp_abort;
    x->done = done;
    x->ud = ud;
    if (!(x->easy = curl_easy_init())) {
        free(x);
        return NULL;
    }
    return x;
}

void xfer_free(struct xfer *x)
{
    if (!x)
        return;
    if (x->easy) {
        curl_multi_remove_handle(x->multi->multi, x->easy);
        curl_easy_cleanup(x->easy);
    }
    free(x->http.url);
    free(x->http.mail_from);
    curl_slist_free_all(x->http.mail_rcpt);
    curl_slist_free_all(x->http.headers);
    buf_free(&x->http.body);
    buf_free(&x->gz);
    buf_free(&x->resp);
    buf_free(&x->resp_headers);
    free(x);
}

const char *xfer_error(const struct xfer *x, CURLcode cc)
{
    return x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc);
}

/* The transport settings every transfer shares ([sync] keys; pin per sink). */
static int xfer_setup(struct xfer *x, const char *pinned)
{
    const struct xfer_multi *m = x->multi;
    CURL *c = x->easy;
    CURLcode rc = CURLE_OK;
    rc |= curl_easy_setopt(c, CURLOPT_PRIVATE, x);
    rc |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
    rc |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    rc |=
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, x->http.mail_rcpt ? "smtp,smtps" : "http,https");
    rc |= curl_easy_setopt(c, CURLOPT_USERAGENT, "matchbooth/" MB_VERSION);
    rc |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    rc |= curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    rc |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    rc |= curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    rc |=
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)cfg_int(m, "connect_timeout") * 1000);
    rc |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)cfg_int(m, "request_timeout") * 1000);
    rc |= curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, (long)cfg_int(m, "low_speed_limit"));
    rc |= curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)cfg_int(m, "low_speed_time"));
    rc |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    if (cfg_int(m, "max_send_speed") > 0)
        rc |= curl_easy_setopt(c, CURLOPT_MAX_SEND_SPEED_LARGE,
                               (curl_off_t)cfg_int(m, "max_send_speed"));
    /* Without a proxy key libcurl reads http_proxy/https_proxy/no_proxy. */
    if (*cfg_str(m, "proxy"))
        rc |= curl_easy_setopt(c, CURLOPT_PROXY, cfg_str(m, "proxy"));
    if (*cfg_str(m, "ca_bundle"))
        rc |= curl_easy_setopt(c, CURLOPT_CAINFO, cfg_str(m, "ca_bundle"));
    if (pinned && *pinned)
        rc |= curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, pinned);
    return rc == CURLE_OK ? 0 : -1;
}

/* gzip (RFC 1952) of in onto out. */
static int gzip_buf(const struct buf *in, struct buf *out)
{
    z_stream z = {0};
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    uLong bound = deflateBound(&z, (uLong)in->len);
    if (buf_reserve(out, bound) < 0) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (Bytef *)(in->data ? in->data : "");
    z.avail_in = (uInt)in->len;
    z.next_out = (Bytef *)out->data;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FINISH);
    out->len = z.total_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? 0 : -1;
}

/* The message of an SMTP transfer, read by libcurl as it sends DATA. */
static size_t on_read(char *p, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    const struct buf *b = &x->http.body;
    size_t left = b->len - x->sent, len = size * n < left ? size * n : left;
    if (len)
        memcpy(p, b->data + x->sent, len);
    x->sent += len;
    return len;
}

/* An SMTP transfer: the envelope and the message, uploaded. */
static int mail_start(struct xfer *x, struct err *e)
{
    CURL *c = x->easy;
    CURLcode rc = curl_easy_setopt(c, CURLOPT_URL, x->http.url);
    rc |= curl_easy_setopt(c, CURLOPT_MAIL_FROM, x->http.mail_from ? x->http.mail_from : "");
    rc |= curl_easy_setopt(c, CURLOPT_MAIL_RCPT, x->http.mail_rcpt);
    rc |= curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    rc |= curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    rc |= curl_easy_setopt(c, CURLOPT_READDATA, x);
    rc |= curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->http.body.len);
    if (rc != CURLE_OK)
        return err_set(e, ERR_INTERNAL, "curl setup failed");
    x->sent = 0;
    CURLMcode mc = curl_multi_add_handle(x->multi->multi, c);
    if (mc != CURLM_OK)
        return err_set(e, ERR_INTERNAL, "curl: %s", curl_multi_strerror(mc));
    return 0;
}

int xfer_start(struct xfer *x, const char *pinned, struct err *e)
{
    CURL *c = x->easy;
    const struct buf *body = &x->http.body;
    bool get = x->http.method && !strcmp(x->http.method, "GET");
    if (xfer_setup(x, pinned) < 0)
        return err_set(e, ERR_INTERNAL, "curl setup failed");
    if (x->http.mail_rcpt)
        return mail_start(x, e);
    if (x->http.gzip_ok && body->len > 256) {
        if (gzip_buf(body, &x->gz) < 0)
            return err_set(e, ERR_INTERNAL, "gzip failed");
        body = &x->gz;
        sink_header(&x->http.headers, "Content-Encoding", "gzip");
    }
    /* No "Expect: 100-continue": one round trip less per batch. Not where
     * libcurl signs the header list: it would sign the empty header that it
     * then does not send. */
    if (!x->http.signs_headers)
        sink_header(&x->http.headers, "Expect", "");
    CURLcode rc = curl_easy_setopt(c, CURLOPT_URL, x->http.url);
    if (get) {
        rc |= curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        if (x->http.method && strcmp(x->http.method, "POST"))
            rc |= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, x->http.method);
        rc |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data ? body->data : "");
        rc |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
    }
    rc |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->http.headers);
    if (rc != CURLE_OK)
        return err_set(e, ERR_INTERNAL, "curl setup failed");
    CURLMcode mc = curl_multi_add_handle(x->multi->multi, c);
    if (mc != CURLM_OK)
        return err_set(e, ERR_INTERNAL, "curl: %s", curl_multi_strerror(mc));
    return 0;
}
