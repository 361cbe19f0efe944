// SPDX-License-Identifier: Apache-2.0
/*
 * heartbeat — the periodic "still alive" POST (see heartbeat.h).
 */
#include "sync/heartbeat.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/clock.h"
#include "firmware/base/log.h"
#include "firmware/config/config.h"
#include "firmware/runtime/loop.h"
#include "sync/sink.h"
#include "sync/xfer.h"

#define RESP_MAX_HEARTBEAT (64u * 1024) /* the answer is not used */

struct heartbeat {
    const struct config *cfg;
    struct xfer_multi *multi;
    struct loop_timer *timer;
    struct xfer *job;    /* to heartbeat_url, on its way */
    struct xfer *put;    /* into the bucket, on its way */
    struct sink *bucket; /* NULL: none */
    heartbeat_info_fn *info;
    void *ud;
};

static const char *sync_str(const struct heartbeat *hb, const char *key)
{
    const char *v = config_str(hb->cfg, "sync", key);
    return v ? v : "";
}

static void on_done(struct xfer *x, CURLcode cc, long status, void *ud)
{
    struct heartbeat *hb = ud;
    if (cc != CURLE_OK || status < 200 || status >= 300)
        log_debug("sync", "heartbeat: %s", cc != CURLE_OK ? curl_easy_strerror(cc) : "HTTP error");
    if (x == hb->job)
        hb->job = NULL;
    else
        hb->put = NULL;
    xfer_free(x);
}

/* The body: {device, version, queue_depth, rejected, last_success, network,
 * sent_at} (malloc'd, NULL when out of memory). */
static char *heartbeat_body(const struct heartbeat *hb)
{
    struct heartbeat_info in = {0};
    hb->info(&in, hb->ud);
    cJSON *o = cJSON_CreateObject();
    char iso[40] = "", now[40];
    struct clock_stamp c;
    clock_now(&c);
    clock_format_utc(c.real_ms, now, sizeof now);
    if (in.last_ok_ms)
        clock_format_utc(in.last_ok_ms, iso, sizeof iso);
    cJSON_AddStringToObject(o, "device", in.device);
    cJSON_AddStringToObject(o, "version", MB_VERSION);
    cJSON_AddNumberToObject(o, "queue_depth", (double)in.queue_depth);
    cJSON_AddNumberToObject(o, "rejected", (double)in.rejected);
    if (iso[0])
        cJSON_AddStringToObject(o, "last_success", iso);
    else
        cJSON_AddNullToObject(o, "last_success");
    cJSON_AddStringToObject(o, "network", in.network);
    cJSON_AddStringToObject(o, "sent_at", now);
    char *body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return body;
}

/* The POST to heartbeat_url. */
static struct xfer *post_start(struct heartbeat *hb, const char *body)
{
    struct xfer *x = xfer_new(hb->multi, RESP_MAX_HEARTBEAT, false, on_done, hb);
    struct err e = {0};
    if (!x || !(x->http.url = strdup(sync_str(hb, "heartbeat_url"))) ||
        buf_adds(&x->http.body, body) < 0 ||
        sink_header(&x->http.headers, "Content-Type", "application/json") < 0 ||
        xfer_start(x, sync_str(hb, "pinned_pubkey"), &e) < 0) {
        xfer_free(x);
        return NULL;
    }
    return x;
}

/* fleet/DEVICE.json into the bucket, through the sink's own signing. */
static struct xfer *put_start(struct heartbeat *hb, const char *body)
{
    struct xfer *x = xfer_new(hb->multi, RESP_MAX_HEARTBEAT, false, on_done, hb);
    struct sink *s = hb->bucket;
    struct buf b = {0};
    char dev[128], key[160];
    sink_safe_name(dev, sizeof dev, s->device_id);
    snprintf(key, sizeof key, "fleet/%s.json", dev);
    const char *pin = config_str(hb->cfg, s->section, "pinned_pubkey");
    struct err e = {0};
    int rc = !x || buf_adds(&b, body) < 0 || s->type->put(s, key, &b, &x->http, x->easy, &e) < 0 ||
             xfer_start(x, pin && *pin ? pin : sync_str(hb, "pinned_pubkey"), &e) < 0;
    buf_free(&b);
    if (rc) {
        if (e.msg[0])
            log_debug("sync", "heartbeat: %s", e.msg);
        xfer_free(x);
        return NULL;
    }
    return x;
}

static void on_timer(struct loop *l, void *ud)
{
    struct heartbeat *hb = ud;
    loop_timer_reset(hb->timer, (uint64_t)config_int(hb->cfg, "sync", "heartbeat_interval") * 1000);
    bool post = *sync_str(hb, "heartbeat_url") && !hb->job, put = hb->bucket && !hb->put;
    if (!post && !put)
        return; /* the last ones are still on their way */
    char *body = heartbeat_body(hb);
    if (!body)
        return;
    if (post)
        hb->job = post_start(hb, body);
    if (put)
        hb->put = put_start(hb, body);
    free(body);
}

struct heartbeat *heartbeat_start(struct loop *loop, const struct config *cfg, struct xfer_multi *m,
                                  struct sink *bucket, heartbeat_info_fn *info, void *ud,
                                  struct err *e)
{
    struct heartbeat *hb = calloc(1, sizeof *hb);
    if (!hb || !(hb->timer = loop_timer_add(loop, 0, on_timer, hb))) {
        free(hb);
        err_set(e, ERR_INTERNAL, "out of memory");
        return NULL;
    }
    hb->cfg = cfg;
    hb->multi = m;
    hb->bucket = bucket;
    hb->info = info;
    hb->ud = ud;
    return hb;
}

void heartbeat_stop(struct heartbeat *hb)
{
    if (!hb)
        return;
    xfer_free(hb->job);
    xfer_free(hb->put);
    loop_timer_del(hb->timer);
    free(hb);
}
