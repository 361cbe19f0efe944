// SPDX-License-Identifier: Apache-2.0
/*
 * sync — the outbox worker (see sync.h for what it guarantees).
 *
 * Shape: every sink has a small state machine (idle -> busy -> idle, or
 * back-off) and one loop timer. A check reads at most one batch of pending
 * rows for that sink from SQLite (so memory does not grow with the backlog),
 * loads each lead's document, and hands the batch to the sink type, which
 * either writes it (spool) or builds an HTTP request that joins the shared
 * curl multi handle. libcurl tells us which sockets to watch and when to
 * call it back (CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION), and the
 * daemon's loop does the waiting. When a transfer finishes, the rows are
 * marked sent (only where the version is still the one sent), parked as
 * rejected, or the sink backs off with full jitter.
 */
#include "sync/sync.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>
#include <zlib.h>

#include "firmware/base/afile.h"
#include "firmware/runtime/bus.h"
#include "firmware/base/clock.h"
#include "firmware/config/config.h"
#include "firmware/runtime/ctl.h"
#include "firmware/base/log.h"
#include "firmware/runtime/loop.h"
#include "firmware/config/show.h"
#include "firmware/store/store.h"
#include "firmware/store/store_meta.h"
#include "sync/retry.h"
#include "sync/sink.h"

#define RESP_MAX_SINK     (64u * 1024)        /* enough for any error reason */
#define RESP_MAX_PULL     (16u * 1024 * 1024) /* a show form or a catalog */
#define REJECTED_LIST_MAX 50

enum net_state { NET_UNKNOWN, NET_ONLINE, NET_OFFLINE };
static const char *const net_names[] = {"unknown", "online", "offline"};

enum job_kind { JOB_SINK, JOB_HEARTBEAT, JOB_PULL };

struct sync;
struct sink_state;

struct job {
    struct sync *sy;
    enum job_kind kind;
    CURL *easy;
    struct sink_state *ss; /* JOB_SINK */
    struct pull *pull;     /* JOB_PULL */
    struct sink_http http;
    struct buf gz; /* the compressed body, when sent gzipped */
    struct buf resp;
    size_t resp_max;
    bool resp_truncated;
    char retry_after[64];
    char etag[256];
    char errbuf[CURL_ERROR_SIZE];
};

struct sink_state {
    struct sync *sy;
    struct sink sink;
    struct loop_timer *timer;
    uint64_t timer_due; /* loop ms; 0: not armed */
    int limit;          /* rows per batch */
    uint64_t max_age_ms;
    struct job *job; /* in flight */
    struct sink_entry *batch;
    size_t batch_n;
    /* Failure state (also in table sync_state, so a restart honours it). */
    unsigned attempts;
    uint64_t retry_at; /* loop ms */
    bool retry_after_given;
    long last_status;
    char last_error[512];
    int64_t last_ok_ms, last_attempt_ms, sent;
    int single_left; /* after a rejected batch: send its rows one by one */
    bool flush;      /* `sync now`: do not wait for a full batch */
    unsigned hint;   /* lead events since the last check */
    /* Client-side rate limit: start times of the last rate_max requests. */
    uint64_t *rate_ring;
    int rate_max;
    uint64_t rate_window_ms;
    int rate_pos;
};

struct pull {
    struct sync *sy;
    const char *what; /* "show form", "catalog" */
    bool reload;      /* a new file needs a config reload */
    char *url, *dest;
    struct job *job;
};

struct fdwatch {
    curl_socket_t fd;
    struct loop_fd *w;
    struct fdwatch *next;
};

struct sync {
    struct loop *loop;
    const struct config *cfg;
    struct store *store;
    struct bus *bus;
    const struct show *show;
    char device_id[256];
    CURLM *multi;
    struct loop_timer *multi_timer;
    struct fdwatch *fds;
    struct strv names, sections;
    struct sink_state *sinks;
    size_t nsinks;
    int bus_sub;
    enum net_state net;
    unsigned net_ok, net_fail;
    int64_t net_since_ms;
    int64_t last_ok_ms;
    struct loop_timer *poll_timer, *hb_timer, *pull_timer;
    struct job *hb_job;
    struct pull pulls[2];
    size_t npulls;
};

/* The control commands outlive a reload (ctl has no unregister): they reach
 * the running worker through this pointer, which sync_stop() clears. */
static struct sync *sync_current;
static struct ctl *sync_ctl_registered;

static void sink_arm(struct sink_state *ss, uint64_t delay_ms);
static void sink_check(struct sink_state *ss);

static int64_t now_real(void)
{
    struct clock_stamp c;
    clock_now(&c);
    return c.real_ms;
}

static uint64_t rnd64(void)
{
    uint64_t r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r)
        r = (uint64_t)random() << 31 ^ (uint64_t)random();
    return r;
}

static int64_t cfg_int(const struct sync *sy, const char *key)
{
    return config_int(sy->cfg, "sync", key);
}

static const char *cfg_str(const struct sync *sy, const char *key)
{
    const char *v = config_str(sy->cfg, "sync", key);
    return v ? v : "";
}

/* ---- the curl multi handle inside the loop ------------------------------ */

static void multi_done(struct sync *sy);

static void on_curl_fd(struct loop *l, int fd, unsigned events, void *ud)
{
    struct sync *sy = ud;
    int flags = (events & LOOP_READ ? CURL_CSELECT_IN : 0) |
                (events & LOOP_WRITE ? CURL_CSELECT_OUT : 0) |
                (events & (LOOP_ERROR | LOOP_HUP) ? CURL_CSELECT_ERR : 0);
    int running;
    curl_multi_socket_action(sy->multi, fd, flags, &running);
    multi_done(sy);
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct sync *sy = userp;
    struct fdwatch *fw = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (fw) {
            loop_fd_del(fw->w);
            for (struct fdwatch **p = &sy->fds; *p; p = &(*p)->next)
                if (*p == fw) {
                    *p = fw->next;
                    break;
                }
            free(fw);
            curl_multi_assign(sy->multi, fd, NULL);
        }
        return 0;
    }
    unsigned ev = (what & CURL_POLL_IN ? LOOP_READ : 0) | (what & CURL_POLL_OUT ? LOOP_WRITE : 0);
    if (fw) {
        loop_fd_set(fw->w, ev);
        return 0;
    }
    fw = calloc(1, sizeof *fw);
    if (!fw || !(fw->w = loop_fd_add(sy->loop, fd, ev, on_curl_fd, sy))) {
        free(fw);
        return -1; /* libcurl fails the transfer; it is retried */
    }
    fw->fd = fd;
    fw->next = sy->fds;
    sy->fds = fw;
    curl_multi_assign(sy->multi, fd, fw);
    return 0;
}

static void on_multi_timer(struct loop *l, void *ud)
{
    struct sync *sy = ud;
    int running;
    curl_multi_socket_action(sy->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    multi_done(sy);
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct sync *sy = userp;
    if (timeout_ms < 0) {
        loop_timer_del(sy->multi_timer);
        sy->multi_timer = NULL;
        return 0;
    }
    if (sy->multi_timer)
        loop_timer_reset(sy->multi_timer, (uint64_t)timeout_ms);
    else if (!(sy->multi_timer =
                   loop_timer_add(sy->loop, (uint64_t)timeout_ms, on_multi_timer, sy)))
        return -1;
    return 0;
}

/* ---- jobs (one transfer each) -------------------------------------------- */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct job *j = ud;
    size_t len = size * n;
    if (j->resp.len + len > j->resp_max) {
        if (j->kind == JOB_PULL)
            return 0; /* too big for a config file: abort, keep the old one */
        j->resp_truncated = true;
        return len;
    }
    return buf_add(&j->resp, p, len) < 0 ? 0 : len;
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

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct job *j = ud;
    size_t len = size * n;
    header_value(p, len, "Retry-After", j->retry_after, sizeof j->retry_after);
    header_value(p, len, "ETag", j->etag, sizeof j->etag);
    return len;
}

static void job_free(struct job *j)
{
    if (!j)
        return;
    if (j->easy) {
        curl_multi_remove_handle(j->sy->multi, j->easy);
        curl_easy_cleanup(j->easy);
    }
    free(j->http.url);
    curl_slist_free_all(j->http.headers);
    buf_free(&j->http.body);
    buf_free(&j->gz);
    buf_free(&j->resp);
    free(j);
}

/* The transport settings every transfer shares ([sync] keys; pin per sink). */
static int job_setup(struct job *j, const char *pinned)
{
    struct sync *sy = j->sy;
    CURL *c = j->easy;
    CURLcode rc = CURLE_OK;
    rc |= curl_easy_setopt(c, CURLOPT_PRIVATE, j);
    rc |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, j->errbuf);
    rc |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    rc |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    rc |= curl_easy_setopt(c, CURLOPT_USERAGENT, "matchbooth/" MB_VERSION);
    rc |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    rc |= curl_easy_setopt(c, CURLOPT_WRITEDATA, j);
    rc |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    rc |= curl_easy_setopt(c, CURLOPT_HEADERDATA, j);
    rc |=
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)cfg_int(sy, "connect_timeout") * 1000);
    rc |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)cfg_int(sy, "request_timeout") * 1000);
    rc |= curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, (long)cfg_int(sy, "low_speed_limit"));
    rc |= curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)cfg_int(sy, "low_speed_time"));
    rc |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    if (cfg_int(sy, "max_send_speed") > 0)
        rc |= curl_easy_setopt(c, CURLOPT_MAX_SEND_SPEED_LARGE,
                               (curl_off_t)cfg_int(sy, "max_send_speed"));
    /* Without a proxy key libcurl reads http_proxy/https_proxy/no_proxy. */
    if (*cfg_str(sy, "proxy"))
        rc |= curl_easy_setopt(c, CURLOPT_PROXY, cfg_str(sy, "proxy"));
    if (*cfg_str(sy, "ca_bundle"))
        rc |= curl_easy_setopt(c, CURLOPT_CAINFO, cfg_str(sy, "ca_bundle"));
    if (pinned && *pinned)
        rc |= curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, pinned);
    return rc == CURLE_OK ? 0 : -1;
}

static struct job *job_new(struct sync *sy, enum job_kind kind, size_t resp_max)
{
    struct job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->sy = sy;
    j->kind = kind;
    j->resp_max = resp_max;
    if (!(j->easy = curl_easy_init())) {
        free(j);
        return NULL;
    }
    return j;
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

/* Sets method and body and adds the transfer to the multi handle. */
static int job_start(struct job *j, struct err *e)
{
    CURL *c = j->easy;
    const struct buf *body = &j->http.body;
    if (j->http.gzip_ok && body->len > 256) {
        if (gzip_buf(body, &j->gz) < 0)
            return err_set(e, ERR_INTERNAL, "gzip failed");
        body = &j->gz;
        sink_header(&j->http.headers, "Content-Encoding", "gzip");
    }
    /* No "Expect: 100-continue": one round trip less per batch. */
    sink_header(&j->http.headers, "Expect", "");
    CURLcode rc = curl_easy_setopt(c, CURLOPT_URL, j->http.url);
    if (j->http.method && strcmp(j->http.method, "POST") && strcmp(j->http.method, "GET"))
        rc |= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, j->http.method);
    if (j->kind != JOB_PULL) {
        rc |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data ? body->data : "");
        rc |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
    }
    rc |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, j->http.headers);
    if (rc != CURLE_OK)
        return err_set(e, ERR_INTERNAL, "curl setup failed");
    CURLMcode mc = curl_multi_add_handle(j->sy->multi, c);
    if (mc != CURLM_OK)
        return err_set(e, ERR_INTERNAL, "curl: %s", curl_multi_strerror(mc));
    return 0;
}

/* ---- online / offline ----------------------------------------------------- */

static void net_publish(struct sync *sy)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "state", net_names[sy->net]);
    bus_publish(sy->bus, "sync", o);
    cJSON_Delete(o);
}

/* A transfer reached the server (reachable) or failed in transport. Needs
 * online_after answers in a row to go online and offline_after failures in
 * a row to go offline, so one lost packet does not flip the indicator. */
static void net_result(struct sync *sy, bool reachable)
{
    enum net_state was = sy->net;
    if (reachable) {
        sy->net_fail = 0;
        sy->net_ok++;
        if (sy->net == NET_UNKNOWN ||
            (sy->net == NET_OFFLINE && sy->net_ok >= (unsigned)cfg_int(sy, "online_after")))
            sy->net = NET_ONLINE;
    } else {
        sy->net_ok = 0;
        sy->net_fail++;
        if (sy->net != NET_OFFLINE && sy->net_fail >= (unsigned)cfg_int(sy, "offline_after"))
            sy->net = NET_OFFLINE;
    }
    if (sy->net == was)
        return;
    sy->net_since_ms = now_real();
    log_info("sync", "now %s", net_names[sy->net]);
    net_publish(sy);
    if (sy->net == NET_ONLINE) {
        /* Back online: sinks waiting out a network back-off try at once
         * (a server's Retry-After is still honoured). */
        for (size_t i = 0; i < sy->nsinks; i++) {
            struct sink_state *ss = &sy->sinks[i];
            if (!ss->job && !ss->retry_after_given && ss->retry_at > loop_now_ms()) {
                ss->retry_at = 0;
                sink_arm(ss, 0);
            }
        }
    }
}

/* ---- the outbox ------------------------------------------------------------ */

static int db_exec_int(sqlite3 *db, const char *sql, const char *text, int64_t *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (text)
        sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (out)
        *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int64_t outbox_count(struct sync *sy, const char *sink, const char *state)
{
    int64_t n = 0;
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox WHERE state = '%s'%s", state,
             sink ? " AND sink = ?1" : "");
    db_exec_int(store_db(sy->store), sql, sink, &n);
    return n;
}

static void batch_free(struct sink_state *ss)
{
    for (size_t i = 0; i < ss->batch_n; i++)
        cJSON_Delete(ss->batch[i].lead);
    free(ss->batch);
    ss->batch = NULL;
    ss->batch_n = 0;
}

/*
 * Loads up to ss->limit pending rows (oldest first) with their documents.
 * Returns the number loaded (0: nothing pending), or -1. *oldest_ms is the
 * queue time of the first row.
 */
static int batch_load(struct sink_state *ss, int limit, int64_t *oldest_ms, struct err *e)
{
    sqlite3 *db = store_db(ss->sy->store);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, lead_id, lead_version, created_ms FROM outbox "
                           "WHERE sink = ?1 AND state = 'pending' ORDER BY id LIMIT ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return err_set(e, ERR_INTERNAL, "outbox query: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, ss->sink.name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, limit);
    ss->batch = calloc((size_t)limit, sizeof *ss->batch);
    if (!ss->batch) {
        sqlite3_finalize(st);
        return err_set(e, ERR_INTERNAL, "out of memory");
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct sink_entry *en = &ss->batch[ss->batch_n];
        en->outbox_id = sqlite3_column_int64(st, 0);
        snprintf(en->lead_id, sizeof en->lead_id, "%s", (const char *)sqlite3_column_text(st, 1));
        en->version = sqlite3_column_int64(st, 2);
        if (ss->batch_n == 0)
            *oldest_ms = sqlite3_column_int64(st, 3);
        ss->batch_n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        batch_free(ss);
        return err_set(e, ERR_IO, "outbox query: %s", sqlite3_errmsg(db));
    }
    return (int)ss->batch_n;
}

/* Loads the lead documents of the batch, inside one read transaction (one
 * snapshot, and the WAL read lock taken once instead of per statement). */
static int batch_docs(struct sink_state *ss, struct err *e)
{
    sqlite3 *db = store_db(ss->sy->store);
    bool tx = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
    int rc = 0;
    for (size_t i = 0; i < ss->batch_n && rc == 0; i++) {
        struct sink_entry *en = &ss->batch[i];
        if (store_lead_json(ss->sy->store, en->lead_id, false, &en->lead, e) < 0) {
            rc = -1;
            break;
        }
        /* Single thread: the document is the version the row names, or a
         * newer one if the row was raised; send what we have, mark by it. */
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(en->lead, "version");
        if (cJSON_IsNumber(v) && (int64_t)v->valuedouble > en->version)
            en->version = (int64_t)v->valuedouble;
    }
    if (tx)
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    return rc;
}

struct outcome {
    struct sink_state *ss;
    enum retry_class cls;
    const char *reason;
    long status;
    int64_t now_ms;
    int64_t marked;
};

static int state_save(struct sqlite3 *db, struct sink_state *ss, int64_t now_ms)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(
            db,
            "INSERT INTO sync_state(sink, attempts, retry_ms, last_status, last_error, "
            "last_attempt_ms, last_ok_ms, sent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
            "ON CONFLICT(sink) DO UPDATE SET attempts = ?2, retry_ms = ?3, last_status = ?4, "
            "last_error = ?5, last_attempt_ms = ?6, last_ok_ms = ?7, sent = ?8",
            -1, &st, NULL) != SQLITE_OK)
        return -1;
    uint64_t now = loop_now_ms();
    sqlite3_bind_text(st, 1, ss->sink.name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, (int)ss->attempts);
    sqlite3_bind_int64(st, 3, ss->retry_at > now ? now_ms + (int64_t)(ss->retry_at - now) : 0);
    sqlite3_bind_int64(st, 4, ss->last_status);
    if (ss->last_error[0])
        sqlite3_bind_text(st, 5, ss->last_error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, ss->last_attempt_ms);
    sqlite3_bind_int64(st, 7, ss->last_ok_ms);
    sqlite3_bind_int64(st, 8, ss->sent);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Inside one transaction: the rows' new states and the sink's state. */
static int outcome_tx(struct store *store, void *ud)
{
    struct outcome *o = ud;
    struct sink_state *ss = o->ss;
    sqlite3 *db = store_db(store);
    const char *sql =
        o->cls == RETRY_DONE
            ? "UPDATE outbox SET state = 'sent', sent_ms = ?3, attempts = attempts + 1, "
              "last_error = NULL WHERE id = ?1 AND lead_version = ?2 AND state = 'pending'"
        : o->cls == RETRY_REJECT
            ? "UPDATE outbox SET state = 'rejected', attempts = attempts + 1, last_error = ?4 "
              "WHERE id = ?1 AND lead_version = ?2 AND state = 'pending'"
            : "UPDATE outbox SET attempts = attempts + 1, last_error = ?4 WHERE id = ?1 AND "
              "state = 'pending'";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    for (size_t i = 0; i < ss->batch_n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, ss->batch[i].outbox_id);
        sqlite3_bind_int64(st, 2, ss->batch[i].version);
        sqlite3_bind_int64(st, 3, o->now_ms);
        sqlite3_bind_text(st, 4, o->reason, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            sqlite3_finalize(st);
            return -1;
        }
        o->marked += sqlite3_changes(db);
    }
    sqlite3_finalize(st);
    if (o->cls == RETRY_DONE)
        ss->sent += o->marked;
    return state_save(db, ss, o->now_ms);
}

/* ---- one sink ----------------------------------------------------------------- */

static void on_sink_timer(struct loop *l, void *ud)
{
    struct sink_state *ss = ud;
    ss->timer_due = 0;
    sink_check(ss);
}

/* Makes sure the sink is checked within delay_ms. */
static void sink_arm(struct sink_state *ss, uint64_t delay_ms)
{
    uint64_t due = loop_now_ms() + delay_ms;
    if (ss->timer_due && ss->timer_due <= due)
        return;
    ss->timer_due = due;
    loop_timer_reset(ss->timer, delay_ms);
}

/* The reason a server gave for refusing: a JSON "message"/"error"/"reason"
 * if there is one, else the start of the body, made printable. */
static void reject_reason(const struct job *j, long status, char *out, size_t outsz)
{
    char text[300] = "";
    cJSON *o = j->resp.len ? cJSON_ParseWithLength(j->resp.data, j->resp.len) : NULL;
    const char *keys[] = {"message", "error", "reason", "detail"};
    for (int i = 0; o && i < 4 && !text[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[i]);
        if (cJSON_IsString(v))
            log_sanitize(text, sizeof text, v->valuestring, strlen(v->valuestring));
        else if (cJSON_IsObject(v) &&
                 cJSON_IsString(cJSON_GetObjectItemCaseSensitive(v, "message"))) {
            const char *m = cJSON_GetObjectItemCaseSensitive(v, "message")->valuestring;
            log_sanitize(text, sizeof text, m, strlen(m));
        }
    }
    cJSON_Delete(o);
    /* S3 and friends answer in XML: <Code> and <Message> say it all. */
    char head[4096];
    snprintf(head, sizeof head, "%.*s", (int)(j->resp.len < 4095 ? j->resp.len : 4095),
             j->resp.data ? j->resp.data : "");
    const char *code = !text[0] ? strstr(head, "<Code>") : NULL;
    const char *msg = !text[0] ? strstr(head, "<Message>") : NULL;
    if (code && msg) {
        const char *ce = strstr(code, "</Code>"), *me = strstr(msg, "</Message>");
        char tmp[300];
        if (ce && me) {
            snprintf(tmp, sizeof tmp, "%.*s: %.*s", (int)(ce - code - 6), code + 6,
                     (int)(me - msg - 9), msg + 9);
            log_sanitize(text, sizeof text, tmp, strlen(tmp));
        }
    }
    if (!text[0] && j->resp.len)
        log_sanitize(text, sizeof text, j->resp.data, j->resp.len < 200 ? j->resp.len : 200);
    snprintf(out, outsz, "HTTP %ld%s%s", status, text[0] ? ": " : "", text);
}

/* Records the outcome of the batch in flight (or just written) and decides
 * when the sink looks again. */
static void sink_outcome(struct sink_state *ss, enum retry_class cls, long status,
                         const char *reason, int64_t retry_after_ms)
{
    struct sync *sy = ss->sy;
    struct outcome o = {
        .ss = ss, .cls = cls, .reason = reason, .status = status, .now_ms = now_real()};
    ss->last_status = status;
    ss->last_attempt_ms = o.now_ms;
    uint64_t next = 0;
    switch (cls) {
    case RETRY_DONE:
        ss->attempts = 0;
        ss->retry_at = 0;
        ss->retry_after_given = false;
        ss->last_error[0] = '\0';
        ss->last_ok_ms = sy->last_ok_ms = o.now_ms;
        break;
    case RETRY_REJECT:
        /* The server is fine; this batch is not. Split it so that only the
         * offending leads are parked. */
        ss->attempts = 0;
        ss->retry_at = 0;
        snprintf(ss->last_error, sizeof ss->last_error, "%s", reason);
        if (ss->batch_n > 1) {
            ss->single_left = (int)ss->batch_n;
            batch_free(ss);
            sink_arm(ss, 0);
            state_save(store_db(sy->store), ss, o.now_ms);
            return;
        }
        break;
    case RETRY_AGAIN: {
        next = retry_delay_ms(ss->attempts, (uint64_t)cfg_int(sy, "backoff_base_ms"),
                              (uint64_t)cfg_int(sy, "backoff_max") * 1000,
                              retry_after_ms > 0 ? (uint64_t)retry_after_ms : 0, rnd64());
        ss->attempts++;
        ss->retry_at = loop_now_ms() + next;
        ss->retry_after_given = retry_after_ms > 0;
        snprintf(ss->last_error, sizeof ss->last_error, "%s", reason);
        break;
    }
    }
    struct err e = {0};
    if (store_tx(sy->store, outcome_tx, &o, &e) < 0)
        log_error("sync", "[sink.%s] cannot record the outcome: %s (rows stay pending)",
                  ss->sink.name, e.msg);
    if (cls == RETRY_REJECT)
        /* A server's reason may quote the visitor's data: it goes to the
         * store (sync status), and to the log only at debug level. */
        log_warn("sync", "[sink.%s] lead %s rejected with HTTP %ld (see `matchbooth sync status`)",
                 ss->sink.name, ss->batch_n ? ss->batch[0].lead_id : "?", status);
    else if (cls == RETRY_AGAIN && status)
        log_info("sync", "[sink.%s] %zu leads not delivered (HTTP %ld): retry %u in %.1f s",
                 ss->sink.name, ss->batch_n, status, ss->attempts, (double)next / 1000);
    else if (cls == RETRY_AGAIN)
        log_info("sync", "[sink.%s] %zu leads not delivered (%s): retry %u in %.1f s",
                 ss->sink.name, ss->batch_n, reason, ss->attempts, (double)next / 1000);
    if (cls != RETRY_DONE)
        log_debug("sync", "[sink.%s] %s", ss->sink.name, reason);
    if (cls == RETRY_DONE)
        log_debug("sync", "[sink.%s] %lld of %zu leads delivered", ss->sink.name,
                  (long long)o.marked, ss->batch_n);
    batch_free(ss);
    if (ss->single_left > 0 && cls != RETRY_AGAIN)
        ss->single_left--;
    sink_arm(ss, next);
}

static void sink_job_done(struct job *j, CURLcode cc)
{
    struct sink_state *ss = j->ss;
    long status = 0;
    curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
    enum retry_class cls = retry_classify(cc, status);
    char reason[600];
    int64_t ra = -1;
    if (cc != CURLE_OK)
        snprintf(reason, sizeof reason, "%s", j->errbuf[0] ? j->errbuf : curl_easy_strerror(cc));
    else if (cls == RETRY_DONE)
        snprintf(reason, sizeof reason, "HTTP %ld", status);
    else
        reject_reason(j, status, reason, sizeof reason);
    if (cls == RETRY_AGAIN && j->retry_after[0])
        ra = retry_after_parse(j->retry_after, now_real());
    net_result(ss->sy, cc == CURLE_OK);
    ss->job = NULL;
    job_free(j);
    sink_outcome(ss, cls, status, reason, ra);
}

/* Is a request allowed now under the rate limit? If not, *wait_ms says when. */
static bool rate_ok(struct sink_state *ss, uint64_t *wait_ms)
{
    if (!ss->rate_max)
        return true;
    /* A margin of 5 % (at least 250 ms): the server counts arrivals, which
     * trail our start times by a connection setup. */
    uint64_t margin = ss->rate_window_ms / 20 > 250 ? ss->rate_window_ms / 20 : 250;
    uint64_t oldest = ss->rate_ring[ss->rate_pos], now = loop_now_ms();
    if (!oldest || now >= oldest + ss->rate_window_ms + margin)
        return true;
    *wait_ms = oldest + ss->rate_window_ms + margin - now;
    return false;
}

static void rate_note(struct sink_state *ss)
{
    if (!ss->rate_max)
        return;
    ss->rate_ring[ss->rate_pos] = loop_now_ms();
    ss->rate_pos = (ss->rate_pos + 1) % ss->rate_max;
}

/* Stable across retries of the same rows at the same versions. */
static void idem_key(const struct sink_state *ss, char out[65])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned hl = 0;
    if (md && EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        EVP_DigestUpdate(md, ss->sink.name, strlen(ss->sink.name) + 1);
        for (size_t i = 0; i < ss->batch_n; i++) {
            char line[96];
            int n = snprintf(line, sizeof line, "%lld:%s:%lld\n", (long long)ss->batch[i].outbox_id,
                             ss->batch[i].lead_id, (long long)ss->batch[i].version);
            EVP_DigestUpdate(md, line, (size_t)n);
        }
        EVP_DigestFinal_ex(md, h, &hl);
    }
    EVP_MD_CTX_free(md);
    for (unsigned i = 0; i < hl && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
    out[2 * (hl < 32 ? hl : 32)] = '\0';
}

static void sink_check(struct sink_state *ss)
{
    struct sync *sy = ss->sy;
    if (ss->job || ss->batch_n)
        return;
    uint64_t now = loop_now_ms(), wait = 0;
    if (ss->retry_at > now) {
        sink_arm(ss, ss->retry_at - now);
        return;
    }
    if (!rate_ok(ss, &wait)) {
        sink_arm(ss, wait);
        return;
    }
    int limit = ss->single_left > 0 ? 1 : ss->limit;
    int64_t oldest = 0;
    struct err e = {0};
    ss->hint = 0;
    int n = batch_load(ss, limit, &oldest, &e);
    if (n <= 0) {
        if (n < 0)
            log_error("sync", "[sink.%s] %s", ss->sink.name, e.msg);
        ss->flush = false;
        batch_free(ss);
        return; /* woken by the next lead event or the poll timer */
    }
    int64_t age = now_real() - oldest;
    if (n < limit && !ss->flush && age >= 0 && (uint64_t)age < ss->max_age_ms) {
        batch_free(ss);
        sink_arm(ss, ss->max_age_ms - (uint64_t)age);
        return;
    }
    if (batch_docs(ss, &e) < 0) {
        log_error("sync", "[sink.%s] loading leads: %s", ss->sink.name, e.msg);
        batch_free(ss);
        sink_arm(ss, 1000);
        return;
    }
    struct sink_batch b = {.v = ss->batch, .n = ss->batch_n, .now_ms = now_real()};
    uuid_v7(b.now_ms, b.batch_id);
    idem_key(ss, b.idem_key);
    rate_note(ss);
    if (ss->sink.type->write) {
        if (ss->sink.type->write(&ss->sink, &b, &e) < 0)
            sink_outcome(ss, RETRY_AGAIN, 0, e.msg, -1);
        else
            sink_outcome(ss, RETRY_DONE, 0, "written", -1);
        return;
    }
    struct job *j = job_new(sy, JOB_SINK, RESP_MAX_SINK);
    if (!j) {
        batch_free(ss);
        sink_arm(ss, 1000);
        return;
    }
    j->ss = ss;
    const char *pin = config_str(sy->cfg, ss->sink.section, "pinned_pubkey");
    if (!pin || !*pin)
        pin = cfg_str(sy, "pinned_pubkey");
    if (job_setup(j, pin) < 0 || ss->sink.type->request(&ss->sink, &b, &j->http, j->easy, &e) < 0 ||
        job_start(j, &e) < 0) {
        job_free(j);
        /* A request we cannot even build: count it as a failed attempt so
         * that the sink backs off instead of spinning. */
        sink_outcome(ss, RETRY_AGAIN, 0, e.msg[0] ? e.msg : "cannot build request", -1);
        return;
    }
    ss->job = j;
}

/* ---- finished transfers ------------------------------------------------------- */

static void hb_done(struct job *j, CURLcode cc);
static void pull_done(struct job *j, CURLcode cc);

static void multi_done(struct sync *sy)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(sy->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct job *j = NULL;
        CURLcode cc = m->data.result;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
        if (!j)
            continue;
        switch (j->kind) {
        case JOB_SINK:
            sink_job_done(j, cc);
            break;
        case JOB_HEARTBEAT:
            hb_done(j, cc);
            break;
        case JOB_PULL:
            pull_done(j, cc);
            break;
        }
    }
}

/* ---- heartbeat -------------------------------------------------------------------- */

static void hb_done(struct job *j, CURLcode cc)
{
    struct sync *sy = j->sy;
    long status = 0;
    curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK || status < 200 || status >= 300)
        log_debug("sync", "heartbeat: %s", cc != CURLE_OK ? curl_easy_strerror(cc) : "HTTP error");
    net_result(sy, cc == CURLE_OK);
    sy->hb_job = NULL;
    job_free(j);
}

static void on_hb_timer(struct loop *l, void *ud)
{
    struct sync *sy = ud;
    loop_timer_reset(sy->hb_timer, (uint64_t)cfg_int(sy, "heartbeat_interval") * 1000);
    if (sy->hb_job)
        return; /* the last one is still on its way */
    struct job *j = job_new(sy, JOB_HEARTBEAT, RESP_MAX_SINK);
    if (!j)
        return;
    cJSON *o = cJSON_CreateObject();
    char iso[40] = "";
    if (sy->last_ok_ms)
        clock_format_utc(sy->last_ok_ms, iso, sizeof iso);
    cJSON_AddStringToObject(o, "device", sy->device_id);
    cJSON_AddStringToObject(o, "version", MB_VERSION);
    cJSON_AddNumberToObject(o, "queue_depth", (double)outbox_count(sy, NULL, "pending"));
    cJSON_AddNumberToObject(o, "rejected", (double)outbox_count(sy, NULL, "rejected"));
    if (iso[0])
        cJSON_AddStringToObject(o, "last_success", iso);
    else
        cJSON_AddNullToObject(o, "last_success");
    cJSON_AddStringToObject(o, "network", net_names[sy->net]);
    char *body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    struct err e = {0};
    j->http.url = strdup(cfg_str(sy, "heartbeat_url"));
    if (!body || !j->http.url || buf_adds(&j->http.body, body) < 0 ||
        sink_header(&j->http.headers, "Content-Type", "application/json") < 0 ||
        job_setup(j, cfg_str(sy, "pinned_pubkey")) < 0 || job_start(j, &e) < 0) {
        free(body);
        job_free(j);
        return;
    }
    free(body);
    sy->hb_job = j;
}

/* ---- show form and catalog pulls ---------------------------------------------------- */

static char *meta_get(struct sync *sy, const char *key)
{
    char *v = NULL;
    struct err e = {0};
    if (store_meta_get(sy->store, key, &v, &e) < 0)
        log_warn("sync", "%s", e.msg);
    return v;
}

static void meta_set(struct sync *sy, const char *key, const char *value)
{
    struct err e = {0};
    if (store_meta_set(sy->store, key, value, &e) < 0)
        log_warn("sync", "%s", e.msg);
}

/* Writes data to path atomically and durably (afile.h). */
static int replace_file(const char *path, const char *data, size_t len, struct err *e)
{
    return afile_replace(path, NULL, 0644, data, len, e);
}

/* Is the file at path exactly these bytes? */
static bool same_content(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    bool same = true;
    char chunk[8192];
    size_t off = 0, n;
    while (same && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        same = off + n <= len && !memcmp(chunk, data + off, n);
        off += n;
    }
    fclose(f);
    return same && off == len;
}

static bool is_csv(const char *path)
{
    size_t l = strlen(path);
    return l > 4 && !strcasecmp(path + l - 4, ".csv");
}

/* A JSON object or array; for a .csv catalog, non-empty text with a header
 * line (the catalog importer checks the rest, in one transaction). */
static bool pull_valid(const struct pull *p, const struct job *j, cJSON **doc)
{
    if (is_csv(p->dest))
        return j->resp.len > 0 && memchr(j->resp.data, '\n', j->resp.len) &&
               !memchr(j->resp.data, '\0', j->resp.len);
    *doc = cJSON_ParseWithLength(j->resp.data ? j->resp.data : "", j->resp.len);
    return *doc && (cJSON_IsObject(*doc) || cJSON_IsArray(*doc));
}

static void pull_done(struct job *j, CURLcode cc)
{
    struct pull *p = j->pull;
    struct sync *sy = j->sy;
    long status = 0;
    curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
    net_result(sy, cc == CURLE_OK);
    char key[4300];
    snprintf(key, sizeof key, "sync.etag:%s", p->dest);
    struct err e = {0};
    cJSON *doc = NULL;
    if (cc != CURLE_OK) {
        log_warn("sync", "%s pull: %s (keeping the current one)", p->what,
                 j->errbuf[0] ? j->errbuf : curl_easy_strerror(cc));
    } else if (status == 304) {
        log_debug("sync", "%s unchanged (ETag)", p->what);
    } else if (status != 200) {
        log_warn("sync", "%s pull: HTTP %ld (keeping the current one)", p->what, status);
    } else if (!pull_valid(p, j, &doc)) {
        log_warn("sync", "%s pull: the download is not valid %s (keeping the current one)", p->what,
                 is_csv(p->dest) ? "CSV" : "JSON");
    } else if (same_content(p->dest, j->resp.data, j->resp.len)) {
        meta_set(sy, key, j->etag); /* a server without ETag: nothing to swap */
    } else if (replace_file(p->dest, j->resp.data, j->resp.len, &e) < 0) {
        log_error("sync", "%s pull: %s", p->what, e.msg);
    } else {
        meta_set(sy, key, j->etag);
        log_info("sync", "%s updated from %s", p->what, p->url);
        cJSON *ev = cJSON_CreateObject();
        cJSON_AddStringToObject(ev, "pulled", p->what);
        cJSON_AddStringToObject(ev, "file", p->dest);
        bus_publish(sy->bus, "sync", ev);
        cJSON_Delete(ev);
        /* The show form is read by show_load(): the daemon's SIGHUP reload
         * (which also restarts this worker) brings the new one in, or keeps
         * the running config if the new form is refused. */
        if (p->reload)
            kill(getpid(), SIGHUP);
    }
    cJSON_Delete(doc);
    p->job = NULL;
    job_free(j);
}

static void pull_start(struct pull *p)
{
    struct sync *sy = p->sy;
    if (p->job)
        return;
    struct job *j = job_new(sy, JOB_PULL, RESP_MAX_PULL);
    if (!j)
        return;
    j->pull = p;
    char key[4300];
    snprintf(key, sizeof key, "sync.etag:%s", p->dest);
    char *etag = meta_get(sy, key);
    /* Only trust the ETag while the file it describes is still there. */
    if (etag && *etag && access(p->dest, R_OK) == 0) {
        char h[400];
        snprintf(h, sizeof h, "If-None-Match: %s", etag);
        j->http.headers = curl_slist_append(j->http.headers, h);
    }
    free(etag);
    struct err e = {0};
    j->http.url = strdup(p->url);
    j->http.method = "GET";
    if (!j->http.url || job_setup(j, cfg_str(sy, "pinned_pubkey")) < 0 ||
        curl_easy_setopt(j->easy, CURLOPT_HTTPGET, 1L) != CURLE_OK || job_start(j, &e) < 0) {
        job_free(j);
        return;
    }
    p->job = j;
}

static void on_pull_timer(struct loop *l, void *ud)
{
    struct sync *sy = ud;
    loop_timer_reset(sy->pull_timer, (uint64_t)cfg_int(sy, "pull_interval") * 1000);
    for (size_t i = 0; i < sy->npulls; i++)
        pull_start(&sy->pulls[i]);
}

/* ---- events, status, control ------------------------------------------------------- */

static void on_event(const char *type, const cJSON *data, void *ud)
{
    struct sync *sy = ud;
    if (strncmp(type, "lead", 4))
        return;
    for (size_t i = 0; i < sy->nsinks; i++) {
        struct sink_state *ss = &sy->sinks[i];
        ss->hint++;
        if (ss->job)
            continue;
        /* A full batch goes at once; a partial one after its maximum age. */
        sink_arm(ss, ss->hint >= (unsigned)ss->limit ? 0 : ss->max_age_ms);
    }
}

static void on_poll_timer(struct loop *l, void *ud)
{
    struct sync *sy = ud;
    loop_timer_reset(sy->poll_timer, (uint64_t)cfg_int(sy, "poll_interval") * 1000);
    for (size_t i = 0; i < sy->nsinks; i++)
        sink_check(&sy->sinks[i]);
}

static cJSON *sink_status(struct sink_state *ss, bool detail)
{
    struct sync *sy = ss->sy;
    cJSON *o = cJSON_CreateObject();
    uint64_t now = loop_now_ms();
    cJSON_AddStringToObject(o, "name", ss->sink.name);
    cJSON_AddStringToObject(o, "type", ss->sink.type->name);
    cJSON_AddStringToObject(o, "state",
                            ss->job              ? "sending"
                            : ss->retry_at > now ? "backoff"
                            : ss->last_error[0]  ? "error"
                                                 : "idle");
    cJSON_AddNumberToObject(o, "pending", (double)outbox_count(sy, ss->sink.name, "pending"));
    cJSON_AddNumberToObject(o, "rejected", (double)outbox_count(sy, ss->sink.name, "rejected"));
    cJSON_AddNumberToObject(o, "sent", (double)ss->sent);
    cJSON_AddNumberToObject(o, "attempts", ss->attempts);
    cJSON_AddNumberToObject(o, "retry_in_s",
                            ss->retry_at > now ? (double)(ss->retry_at - now) / 1000 : 0);
    cJSON_AddNumberToObject(o, "last_status", ss->last_status);
    if (ss->last_error[0])
        cJSON_AddStringToObject(o, "last_error", ss->last_error);
    else
        cJSON_AddNullToObject(o, "last_error");
    char iso[40];
    if (ss->last_ok_ms) {
        clock_format_utc(ss->last_ok_ms, iso, sizeof iso);
        cJSON_AddStringToObject(o, "last_success", iso);
    } else {
        cJSON_AddNullToObject(o, "last_success");
    }
    cJSON_AddBoolToObject(o, "confirms_delivery", ss->sink.type->confirms);
    if (!ss->sink.type->confirms)
        cJSON_AddStringToObject(o, "note",
                                "the server does not confirm that a lead was created: 'sent' "
                                "means posted");
    if (!detail)
        return o;
    cJSON *rej = cJSON_AddArrayToObject(o, "rejected_leads");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store_db(sy->store),
                           "SELECT lead_id, lead_version, attempts, last_error FROM outbox WHERE "
                           "sink = ?1 AND state = 'rejected' ORDER BY id LIMIT ?2",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, ss->sink.name, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, REJECTED_LIST_MAX);
        while (sqlite3_step(st) == SQLITE_ROW) {
            cJSON *r = cJSON_CreateObject();
            cJSON_AddStringToObject(r, "lead", (const char *)sqlite3_column_text(st, 0));
            cJSON_AddNumberToObject(r, "version", (double)sqlite3_column_int64(st, 1));
            cJSON_AddNumberToObject(r, "attempts", sqlite3_column_int(st, 2));
            const unsigned char *why = sqlite3_column_text(st, 3);
            cJSON_AddStringToObject(r, "reason", why ? (const char *)why : "");
            cJSON_AddItemToArray(rej, r);
        }
        sqlite3_finalize(st);
    }
    return o;
}

static void fill_status(struct sync *sy, cJSON *obj, bool detail)
{
    cJSON_AddStringToObject(obj, "network", net_names[sy->net]);
    if (sy->net_since_ms) {
        char iso[40];
        clock_format_utc(sy->net_since_ms, iso, sizeof iso);
        cJSON_AddStringToObject(obj, "network_since", iso);
    }
    cJSON_AddNumberToObject(obj, "pending", (double)outbox_count(sy, NULL, "pending"));
    cJSON_AddNumberToObject(obj, "rejected", (double)outbox_count(sy, NULL, "rejected"));
    if (sy->last_ok_ms) {
        char iso[40];
        clock_format_utc(sy->last_ok_ms, iso, sizeof iso);
        cJSON_AddStringToObject(obj, "last_success", iso);
    } else {
        cJSON_AddNullToObject(obj, "last_success");
    }
    cJSON *arr = cJSON_AddArrayToObject(obj, "sinks");
    for (size_t i = 0; i < sy->nsinks; i++)
        cJSON_AddItemToArray(arr, sink_status(&sy->sinks[i], detail));
}

static void on_status(cJSON *obj, void *ud)
{
    fill_status(ud, obj, false);
}

static int ctl_sync_status(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    if (!sync_current)
        return err_set(e, ERR_BUSY, "sync is not running");
    fill_status(sync_current, reply, true);
    return 0;
}

static void wake_all(struct sync *sy, const char *only)
{
    for (size_t i = 0; i < sy->nsinks; i++) {
        struct sink_state *ss = &sy->sinks[i];
        if (only && strcmp(only, ss->sink.name))
            continue;
        ss->retry_at = 0;
        ss->retry_after_given = false;
        ss->flush = true;
        sink_arm(ss, 0);
    }
}

static int ctl_sync_now(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    if (!sync_current)
        return err_set(e, ERR_BUSY, "sync is not running");
    wake_all(sync_current, NULL);
    for (size_t i = 0; i < sync_current->npulls; i++)
        pull_start(&sync_current->pulls[i]);
    cJSON_AddNumberToObject(reply, "sinks", (double)sync_current->nsinks);
    return 0;
}

static int ctl_sync_retry(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    struct sync *sy = sync_current;
    if (!sy)
        return err_set(e, ERR_BUSY, "sync is not running");
    const cJSON *sink = cJSON_GetObjectItemCaseSensitive(req, "sink");
    const cJSON *lead = cJSON_GetObjectItemCaseSensitive(req, "lead");
    const char *sname = cJSON_IsString(sink) ? sink->valuestring : NULL;
    if (sname && strv_find(&sy->names, sname) < 0)
        return err_set(e, ERR_NOTFOUND, "no sink '%.64s' in the config", sname);
    sqlite3 *db = store_db(sy->store);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "UPDATE outbox SET state = 'pending', attempts = 0, last_error = NULL "
                           "WHERE state = 'rejected' AND (?1 IS NULL OR sink = ?1) AND "
                           "(?2 IS NULL OR lead_id = ?2)",
                           -1, &st, NULL) != SQLITE_OK)
        return err_set(e, ERR_INTERNAL, "retry: %s", sqlite3_errmsg(db));
    if (sname)
        sqlite3_bind_text(st, 1, sname, -1, SQLITE_STATIC);
    if (cJSON_IsString(lead))
        sqlite3_bind_text(st, 2, lead->valuestring, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return err_set(e, ERR_IO, "retry: %s", sqlite3_errmsg(db));
    cJSON_AddNumberToObject(reply, "requeued", sqlite3_changes(db));
    wake_all(sy, sname);
    return 0;
}

/* ---- start / stop ---------------------------------------------------------------------- */

/*
 * Request times of rate-limited sinks outlive a reload (SIGHUP stops and
 * starts the worker): otherwise every reload would allow a fresh burst, and
 * HubSpot blocks an address that goes over. Kept per sink name for the
 * process's life; a sink whose limit changed starts afresh.
 */
struct rate_kept {
    char *name;
    uint64_t *ring;
    int max, pos;
    struct rate_kept *next;
};
static struct rate_kept *rate_kept_list;

static void rate_keep(struct sink_state *ss)
{
    if (!ss->rate_ring)
        return;
    struct rate_kept *k = calloc(1, sizeof *k);
    if (!k || !(k->name = strdup(ss->sink.name))) {
        free(k);
        free(ss->rate_ring);
        ss->rate_ring = NULL;
        return;
    }
    k->ring = ss->rate_ring;
    k->max = ss->rate_max;
    k->pos = ss->rate_pos;
    k->next = rate_kept_list;
    rate_kept_list = k;
    ss->rate_ring = NULL;
}

static bool rate_adopt(struct sink_state *ss)
{
    for (struct rate_kept **p = &rate_kept_list; *p; p = &(*p)->next) {
        struct rate_kept *k = *p;
        if (strcmp(k->name, ss->sink.name))
            continue;
        *p = k->next;
        bool same = k->max == ss->rate_max;
        if (same) {
            ss->rate_ring = k->ring;
            ss->rate_pos = k->pos;
        } else {
            free(k->ring);
        }
        free(k->name);
        free(k);
        return same;
    }
    return false;
}

static int sink_init(struct sync *sy, struct sink_state *ss, size_t i, struct err *e)
{
    ss->sy = sy;
    ss->sink.name = sy->names.v[i];
    ss->sink.section = sy->sections.v[i];
    ss->sink.cfg = sy->cfg;
    ss->sink.device_id = sy->device_id;
    const char *type = config_str(sy->cfg, ss->sink.section, "type");
    if (!(ss->sink.type = sink_find(type ? type : "")))
        return err_set(e, ERR_INVALID, "[%s] type: unknown sink type '%s'", ss->sink.section,
                       type ? type : "");
    if (ss->sink.type->open(&ss->sink, e) < 0)
        return -1;
    ss->limit = (int)config_int(sy->cfg, ss->sink.section, "batch_size");
    if (ss->sink.type->max_batch && ss->limit > ss->sink.type->max_batch)
        ss->limit = ss->sink.type->max_batch;
    ss->max_age_ms = (uint64_t)config_int(sy->cfg, ss->sink.section, "batch_max_age") * 1000;
    int64_t rl = config_int(sy->cfg, ss->sink.section, "rate_limit");
    ss->rate_max = rl > 0 ? (int)rl : rl == 0 ? ss->sink.type->rate_max : 0;
    ss->rate_window_ms = (uint64_t)(rl > 0 ? config_int(sy->cfg, ss->sink.section, "rate_window")
                                           : ss->sink.type->rate_window_s) *
                         1000;
    if (ss->rate_max > 0 && !rate_adopt(ss) &&
        !(ss->rate_ring = calloc((size_t)ss->rate_max, sizeof(uint64_t))))
        return err_set(e, ERR_INTERNAL, "out of memory");
    if (!(ss->timer = loop_timer_add(sy->loop, 0, on_sink_timer, ss)))
        return err_set(e, ERR_INTERNAL, "out of memory");
    ss->timer_due = loop_now_ms();
    /* What the last run knew: back-off still due, last success. */
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store_db(sy->store),
                           "SELECT attempts, retry_ms, last_status, last_error, last_attempt_ms, "
                           "last_ok_ms, sent FROM sync_state WHERE sink = ?1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, ss->sink.name, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            ss->attempts = (unsigned)sqlite3_column_int(st, 0);
            int64_t retry = sqlite3_column_int64(st, 1) - now_real();
            uint64_t cap = (uint64_t)cfg_int(sy, "backoff_max") * 1000;
            if (retry > 0)
                ss->retry_at = loop_now_ms() + ((uint64_t)retry < cap ? (uint64_t)retry : cap);
            ss->last_status = sqlite3_column_int(st, 2);
            const unsigned char *le = sqlite3_column_text(st, 3);
            snprintf(ss->last_error, sizeof ss->last_error, "%s", le ? (const char *)le : "");
            ss->last_attempt_ms = sqlite3_column_int64(st, 4);
            ss->last_ok_ms = sqlite3_column_int64(st, 5);
            ss->sent = sqlite3_column_int64(st, 6);
            if (ss->last_ok_ms > sy->last_ok_ms)
                sy->last_ok_ms = ss->last_ok_ms;
        }
        sqlite3_finalize(st);
    }
    return 0;
}

static int pull_add(struct sync *sy, const char *what, const char *url, const char *dest,
                    struct err *e)
{
    if (!*url)
        return 0;
    if (!dest || !*dest)
        return err_set(e, ERR_INVALID, "[sync] %s pull: no file to write it to", what);
    struct pull *p = &sy->pulls[sy->npulls];
    p->sy = sy;
    p->what = what;
    if (!(p->url = strdup(url)) || !(p->dest = strdup(dest)))
        return err_set(e, ERR_INTERNAL, "out of memory");
    p->reload = !strcmp(what, "show form");
    sy->npulls++;
    return 0;
}

struct sync *sync_start(const struct sync_host *h, struct err *e)
{
    static bool curl_ready;
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            err_set(e, ERR_INTERNAL, "curl_global_init failed");
            return NULL;
        }
        curl_ready = true;
    }
    struct sync *sy = calloc(1, sizeof *sy);
    if (!sy) {
        err_set(e, ERR_INTERNAL, "out of memory");
        return NULL;
    }
    sy->loop = h->loop;
    sy->cfg = h->cfg;
    sy->store = h->store;
    sy->bus = h->bus;
    sy->show = h->show;
    sy->bus_sub = -1;
    const char *dev = config_str(h->cfg, "kiosk", "device_id");
    if (dev && *dev)
        snprintf(sy->device_id, sizeof sy->device_id, "%s", dev);
    else if (gethostname(sy->device_id, sizeof sy->device_id - 1) < 0)
        snprintf(sy->device_id, sizeof sy->device_id, "kiosk");
    struct strv secs = {0};
    config_sections(h->cfg, "sink.", &secs);
    for (size_t i = 0; i < secs.n; i++) {
        strv_push(&sy->sections, secs.v[i]);
        strv_push(&sy->names, secs.v[i] + strlen("sink."));
    }
    strv_free(&secs);
    if (!(sy->multi = curl_multi_init())) {
        err_set(e, ERR_INTERNAL, "curl_multi_init failed");
        goto fail;
    }
    curl_multi_setopt(sy->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(sy->multi, CURLMOPT_SOCKETDATA, sy);
    curl_multi_setopt(sy->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(sy->multi, CURLMOPT_TIMERDATA, sy);
    if (sy->names.n && !(sy->sinks = calloc(sy->names.n, sizeof *sy->sinks))) {
        err_set(e, ERR_INTERNAL, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < sy->names.n; i++) {
        sy->nsinks = i + 1;
        if (sink_init(sy, &sy->sinks[i], i, e) < 0)
            goto fail;
    }
    const char *form = sy->show ? config_str(h->cfg, sy->show->section, "form") : NULL;
    if (pull_add(sy, "show form", cfg_str(sy, "show_url"), form, e) < 0 ||
        pull_add(sy, "catalog", cfg_str(sy, "catalog_url"),
                 *cfg_str(sy, "catalog_file") ? cfg_str(sy, "catalog_file")
                                              : config_str(h->cfg, "ui", "catalog"),
                 e) < 0)
        goto fail;
    if ((sy->bus_sub = bus_subscribe(sy->bus, on_event, sy)) < 0 ||
        bus_status_add(sy->bus, "sync", on_status, sy) < 0 ||
        !(sy->poll_timer = loop_timer_add(sy->loop, (uint64_t)cfg_int(sy, "poll_interval") * 1000,
                                          on_poll_timer, sy))) {
        err_set(e, ERR_INTERNAL, "out of memory");
        goto fail;
    }
    if (*cfg_str(sy, "heartbeat_url") &&
        !(sy->hb_timer = loop_timer_add(sy->loop, 0, on_hb_timer, sy))) {
        err_set(e, ERR_INTERNAL, "out of memory");
        goto fail;
    }
    if (sy->npulls && !(sy->pull_timer = loop_timer_add(sy->loop, 0, on_pull_timer, sy))) {
        err_set(e, ERR_INTERNAL, "out of memory");
        goto fail;
    }
    if (h->ctl && sync_ctl_registered != h->ctl) {
        if (ctl_register(h->ctl, "sync_status", ctl_sync_status, NULL) < 0 ||
            ctl_register(h->ctl, "sync_retry", ctl_sync_retry, NULL) < 0 ||
            ctl_register(h->ctl, "sync_now", ctl_sync_now, NULL) < 0) {
            err_set(e, ERR_INTERNAL, "out of memory");
            goto fail;
        }
        sync_ctl_registered = h->ctl;
    }
    sync_current = sy;
    if (sy->nsinks)
        log_info("sync", "%zu sinks, %lld leads waiting", sy->nsinks,
                 (long long)outbox_count(sy, NULL, "pending"));
    return sy;
fail:
    sync_stop(sy);
    return NULL;
}

void sync_stop(struct sync *sy)
{
    if (!sy)
        return;
    if (sync_current == sy)
        sync_current = NULL;
    if (sy->bus_sub > 0)
        bus_unsubscribe(sy->bus, sy->bus_sub);
    if (sy->bus)
        bus_status_remove(sy->bus, "sync");
    for (size_t i = 0; i < sy->nsinks; i++) {
        struct sink_state *ss = &sy->sinks[i];
        job_free(ss->job); /* its rows stay pending: sent again next time */
        batch_free(ss);
        loop_timer_del(ss->timer);
        rate_keep(ss);
        if (ss->sink.type && ss->sink.type->close)
            ss->sink.type->close(&ss->sink);
    }
    free(sy->sinks);
    job_free(sy->hb_job);
    for (size_t i = 0; i < sy->npulls; i++) {
        job_free(sy->pulls[i].job);
        free(sy->pulls[i].url);
        free(sy->pulls[i].dest);
    }
    loop_timer_del(sy->poll_timer);
    loop_timer_del(sy->hb_timer);
    loop_timer_del(sy->pull_timer);
    if (sy->multi)
        curl_multi_cleanup(sy->multi);
    loop_timer_del(sy->multi_timer);
    while (sy->fds) {
        struct fdwatch *fw = sy->fds;
        sy->fds = fw->next;
        loop_fd_del(fw->w);
        free(fw);
    }
    strv_free(&sy->names);
    strv_free(&sy->sections);
    free(sy);
}
