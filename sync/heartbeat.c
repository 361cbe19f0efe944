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
    struct xfer *job; /* on its way */
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
    hb->job = NULL;
    xfer_free(x);
}

/* The body: {device, version, queue_depth, rejected, last_success, network}
 * (malloc'd, NULL when out of memory). */
static char *heartbeat_body(const struct heartbeat *hb)
{
    struct heartbeat_info in = {0};
    hb->info(&in, hb->ud);
    cJSON *o = cJSON_CreateObject();
    char iso[40] = "";
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
    char *body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return body;
}

static void on_timer(struct loop *l, void *ud)
{
    struct heartbeat *hb = ud;
    loop_timer_reset(hb->timer, (uint64_t)config_int(hb->cfg, "sync", "heartbeat_interval") * 1000);
    if (hb->job)
        return; /* the last one is still on its way */
    struct xfer *x = xfer_new(hb->multi, RESP_MAX_HEARTBEAT, false, on_done, hb);
    if (!x)
        return;
    char *body = heartbeat_body(hb);
    struct err e = {0};
    x->http.url = strdup(sync_str(hb, "heartbeat_url"));
    if (!body || !x->http.url || buf_adds(&x->http.body, body) < 0 ||
        sink_header(&x->http.headers, "Content-Type", "application/json") < 0 ||
        xfer_start(x, sync_str(hb, "pinned_pubkey"), &e) < 0) {
        free(body);
        xfer_free(x);
        return;
    }
    free(body);
    hb->job = x;
}

struct heartbeat *heartbeat_start(struct loop *loop, const struct config *cfg, struct xfer_multi *m,
                                  heartbeat_info_fn *info, void *ud, struct err *e)
{
    struct heartbeat *hb = calloc(1, sizeof *hb);
    if (!hb || !(hb->timer = loop_timer_add(loop, 0, on_timer, hb))) {
        free(hb);
        err_set(e, ERR_INTERNAL, "out of memory");
        return NULL;
    }
    hb->cfg = cfg;
    hb->multi = m;
    hb->info = info;
    hb->ud = ud;
    return hb;
}

void heartbeat_stop(struct heartbeat *hb)
{
    if (!hb)
        return;
    xfer_free(hb->job);
    loop_timer_del(hb->timer);
    free(hb);
}
