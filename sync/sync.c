// SPDX-License-Identifier: Apache-2.0
/*
 * sync — the worker's wiring (see sync.h for what it guarantees).
 *
 * sync_start() opens one multi handle on the loop (xfer.c), one outbox per
 * [sink.NAME] (outbox.c), the pulls (pull.c) and the heartbeat
 * (heartbeat.c), and routes the daemon's signals to them: a lead event
 * wakes every sink, the poll timer makes every sink look at its queue, the
 * pull timer starts the pulls. Every finished transfer reports whether a
 * server answered; the network state (net.c) is kept here, published on the
 * bus and, when it comes back online, ends the sinks' network back-offs.
 */
#include "sync/sync.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/base/clock.h"
#include "firmware/base/log.h"
#include "firmware/base/strv.h"
#include "firmware/config/config.h"
#include "firmware/config/show.h"
#include "firmware/runtime/bus.h"
#include "firmware/runtime/loop.h"
#include "firmware/store/store_outbox.h"
#include "sync/control.h"
#include "sync/heartbeat.h"
#include "sync/net.h"
#include "sync/outbox.h"
#include "sync/pull.h"
#include "sync/sink.h"
#include "sync/xfer.h"

#define PULLS_MAX 2 /* the show form and the catalog */

struct sync {
    struct loop *loop;
    const struct config *cfg;
    struct store *store;
    struct bus *bus;
    const struct show *show;
    char device_id[256];
    struct xfer_multi *multi;
    struct strv names, sections; /* of the sinks, in config order */
    struct outbox_host oh;       /* what every outbox shares */
    struct outbox **sinks;
    size_t nsinks;
    struct pull_host ph;
    struct pull *pulls[PULLS_MAX];
    size_t npulls;
    struct heartbeat *hb;
    int bus_sub;
    struct net net;
    int64_t last_ok_ms; /* the newest success of any sink */
    struct loop_timer *poll_timer, *pull_timer;
};

static int64_t now_real(void)
{
    struct clock_stamp c;
    clock_now(&c);
    return c.real_ms;
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

/* ---- online / offline ----------------------------------------------------- */

/* A transfer reached a server or failed in transport (xfer.h): one step of
 * the hysteresis, and on a change the bus event and the log line. */
static void on_reach(bool reachable, void *ud)
{
    struct sync *sy = ud;
    if (!net_result(&sy->net, reachable, (unsigned)cfg_int(sy, "online_after"),
                    (unsigned)cfg_int(sy, "offline_after")))
        return;
    sy->net.since_ms = now_real();
    log_info("sync", "now %s", net_name(sy->net.state));
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "state", net_name(sy->net.state));
    bus_publish(sy->bus, "sync", o);
    cJSON_Delete(o);
    if (sy->net.state == NET_ONLINE)
        for (size_t i = 0; i < sy->nsinks; i++)
            outbox_online(sy->sinks[i]);
}

/* ---- timers, events, status ----------------------------------------------------- */

static void on_event(const char *type, const cJSON *data, void *ud)
{
    struct sync *sy = ud;
    if (strncmp(type, "lead", 4))
        return;
    for (size_t i = 0; i < sy->nsinks; i++)
        outbox_lead_event(sy->sinks[i]);
}

static void on_poll_timer(struct loop *l, void *ud)
{
    struct sync *sy = ud;
    loop_timer_reset(sy->poll_timer, (uint64_t)cfg_int(sy, "poll_interval") * 1000);
    for (size_t i = 0; i < sy->nsinks; i++)
        outbox_check(sy->sinks[i]);
}

static void on_pull_timer(struct loop *l, void *ud)
{
    struct sync *sy = ud;
    loop_timer_reset(sy->pull_timer, (uint64_t)cfg_int(sy, "pull_interval") * 1000);
    for (size_t i = 0; i < sy->npulls; i++)
        pull_start(sy->pulls[i]);
}

static void heartbeat_info(struct heartbeat_info *out, void *ud)
{
    struct sync *sy = ud;
    out->device = sy->device_id;
    out->queue_depth = outbox_count(sy->store, NULL, STORE_OUTBOX_PENDING);
    out->rejected = outbox_count(sy->store, NULL, STORE_OUTBOX_REJECTED);
    out->last_ok_ms = sy->last_ok_ms;
    out->network = net_name(sy->net.state);
}

void sync_status(struct sync *sy, cJSON *obj, bool detail)
{
    char iso[40];
    cJSON_AddStringToObject(obj, "network", net_name(sy->net.state));
    if (sy->net.since_ms) {
        clock_format_utc(sy->net.since_ms, iso, sizeof iso);
        cJSON_AddStringToObject(obj, "network_since", iso);
    }
    cJSON_AddNumberToObject(obj, "pending",
                            (double)outbox_count(sy->store, NULL, STORE_OUTBOX_PENDING));
    cJSON_AddNumberToObject(obj, "rejected",
                            (double)outbox_count(sy->store, NULL, STORE_OUTBOX_REJECTED));
    if (sy->last_ok_ms) {
        clock_format_utc(sy->last_ok_ms, iso, sizeof iso);
        cJSON_AddStringToObject(obj, "last_success", iso);
    } else {
        cJSON_AddNullToObject(obj, "last_success");
    }
    cJSON *arr = cJSON_AddArrayToObject(obj, "sinks");
    for (size_t i = 0; i < sy->nsinks; i++)
        cJSON_AddItemToArray(arr, outbox_status(sy->sinks[i], detail));
}

static void on_status(cJSON *obj, void *ud)
{
    sync_status(ud, obj, false);
}

/* ---- operations of the control commands ------------------------------------------ */

/* Wakes the sink called only (NULL: every sink). */
static void wake(struct sync *sy, const char *only)
{
    for (size_t i = 0; i < sy->nsinks; i++)
        if (!only || !strcmp(only, outbox_name(sy->sinks[i])))
            outbox_wake(sy->sinks[i]);
}

size_t sync_now(struct sync *sy)
{
    wake(sy, NULL);
    for (size_t i = 0; i < sy->npulls; i++)
        pull_start(sy->pulls[i]);
    return sy->nsinks;
}

int64_t sync_retry(struct sync *sy, const char *sink, const char *lead_id, struct err *e)
{
    if (sink && strv_find(&sy->names, sink) < 0)
        return err_set(e, ERR_NOTFOUND, "no sink '%.64s' in the config", sink);
    int64_t n = store_outbox_requeue(sy->store, sink, lead_id, e);
    if (n < 0)
        return -1;
    wake(sy, sink);
    return n;
}

/* ---- start / stop ----------------------------------------------------------------- */

static int pull_add(struct sync *sy, const char *what, const char *url, const char *dest,
                    bool reload, struct err *e)
{
    if (!*url)
        return 0;
    if (!(sy->pulls[sy->npulls] = pull_new(&sy->ph, what, url, dest, reload, e)))
        return -1;
    sy->npulls++;
    return 0;
}

/* The sinks, the pulls and the heartbeat. */
static int sync_parts(struct sync *sy, struct err *e)
{
    if (sy->names.n && !(sy->sinks = calloc(sy->names.n, sizeof *sy->sinks)))
        return err_set(e, ERR_INTERNAL, "out of memory");
    for (size_t i = 0; i < sy->names.n; i++) {
        if (!(sy->sinks[i] = outbox_open(&sy->oh, sy->names.v[i], sy->sections.v[i], e)))
            return -1;
        sy->nsinks = i + 1;
    }
    const char *form = sy->show ? config_str(sy->cfg, sy->show->section, "form") : NULL;
    const char *catalog = *cfg_str(sy, "catalog_file") ? cfg_str(sy, "catalog_file")
                                                       : config_str(sy->cfg, "ui", "catalog");
    if (pull_add(sy, "show form", cfg_str(sy, "show_url"), form, true, e) < 0 ||
        pull_add(sy, "catalog", cfg_str(sy, "catalog_url"), catalog, false, e) < 0)
        return -1;
    if ((sy->bus_sub = bus_subscribe(sy->bus, on_event, sy)) < 0 ||
        bus_status_add(sy->bus, "sync", on_status, sy) < 0 ||
        !(sy->poll_timer = loop_timer_add(sy->loop, (uint64_t)cfg_int(sy, "poll_interval") * 1000,
                                          on_poll_timer, sy)))
        return err_set(e, ERR_INTERNAL, "out of memory");
    struct sink *bucket = NULL;
    if (*cfg_str(sy, "heartbeat_sink")) {
        for (size_t i = 0; i < sy->nsinks && !bucket; i++)
            if (!strcmp(outbox_name(sy->sinks[i]), cfg_str(sy, "heartbeat_sink")))
                bucket = outbox_sink(sy->sinks[i]);
        if (!bucket || !bucket->type->put)
            return err_set(e, ERR_INVALID,
                           "[sync] heartbeat_sink: '%s' is not the name of an s3 sink",
                           cfg_str(sy, "heartbeat_sink"));
    }
    if ((*cfg_str(sy, "heartbeat_url") || bucket) &&
        !(sy->hb = heartbeat_start(sy->loop, sy->cfg, sy->multi, bucket, heartbeat_info, sy, e)))
        return -1;
    if (sy->npulls && !(sy->pull_timer = loop_timer_add(sy->loop, 0, on_pull_timer, sy)))
        return err_set(e, ERR_INTERNAL, "out of memory");
    return 0;
}

struct sync *sync_start(const struct sync_host *h, struct err *e)
{
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
    if (!(sy->multi = xfer_multi_new(sy->loop, sy->cfg, on_reach, sy, e)))
        goto fail;
    sy->oh = (struct outbox_host){sy->loop,      sy->cfg,         sy->store, sy->multi,
                                  sy->device_id, &sy->last_ok_ms, sy->show};
    sy->ph = (struct pull_host){sy->cfg, sy->store, sy->bus, sy->multi};
    if (sync_parts(sy, e) < 0 || control_register(h->ctl, e) < 0)
        goto fail;
    control_attach(sy);
    if (sy->nsinks)
        log_info("sync", "%zu sinks, %lld leads waiting", sy->nsinks,
                 (long long)outbox_count(sy->store, NULL, STORE_OUTBOX_PENDING));
    return sy;
fail:
    sync_stop(sy);
    return NULL;
}

void sync_stop(struct sync *sy)
{
    if (!sy)
        return;
    control_detach(sy);
    if (sy->bus_sub > 0)
        bus_unsubscribe(sy->bus, sy->bus_sub);
    if (sy->bus)
        bus_status_remove(sy->bus, "sync");
    for (size_t i = 0; i < sy->nsinks; i++)
        outbox_close(sy->sinks[i]);
    free(sy->sinks);
    heartbeat_stop(sy->hb);
    for (size_t i = 0; i < sy->npulls; i++)
        pull_free(sy->pulls[i]);
    loop_timer_del(sy->poll_timer);
    loop_timer_del(sy->pull_timer);
    xfer_multi_free(sy->multi);
    strv_free(&sy->names);
    strv_free(&sy->sections);
    free(sy);
}
