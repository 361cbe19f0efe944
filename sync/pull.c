// SPDX-License-Identifier: Apache-2.0
/*
 * pull — the show form and catalog downloads (see pull.h).
 */
#include "sync/pull.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "firmware/base/afile.h"
#include "firmware/base/log.h"
#include "firmware/config/config.h"
#include "firmware/runtime/bus.h"
#include "firmware/store/store_meta.h"
#include "sync/xfer.h"

#define RESP_MAX_PULL (16u * 1024 * 1024) /* a show form or a catalog */

struct pull {
    const struct pull_host *h;
    const char *what; /* "show form", "catalog" */
    bool reload;      /* a new file needs a config reload */
    char *url, *dest;
    struct xfer *job;
};

/* The meta key of dest's ETag. */
static void etag_key(const struct pull *p, char *out, size_t outsz)
{
    snprintf(out, outsz, "sync.etag:%s", p->dest);
}

static char *etag_get(struct pull *p)
{
    char key[4300], *v = NULL;
    struct err e = {0};
    etag_key(p, key, sizeof key);
    if (store_meta_get(p->h->store, key, &v, &e) < 0)
        log_warn("sync", "%s", e.msg);
    return v;
}

static void etag_set(struct pull *p, const char *value)
{
    char key[4300];
    struct err e = {0};
    etag_key(p, key, sizeof key);
    if (store_meta_set(p->h->store, key, value, &e) < 0)
        log_warn("sync", "%s", e.msg);
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
static bool pull_valid(const struct pull *p, const struct xfer *x, cJSON **doc)
{
    if (is_csv(p->dest))
        return x->resp.len > 0 && memchr(x->resp.data, '\n', x->resp.len) &&
               !memchr(x->resp.data, '\0', x->resp.len);
    *doc = cJSON_ParseWithLength(x->resp.data ? x->resp.data : "", x->resp.len);
    return *doc && (cJSON_IsObject(*doc) || cJSON_IsArray(*doc));
}

/* The file was replaced: say so, and have a new show form loaded. */
static void pull_swapped(struct pull *p, const struct xfer *x)
{
    etag_set(p, x->etag);
    log_info("sync", "%s updated from %s", p->what, p->url);
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "pulled", p->what);
    cJSON_AddStringToObject(ev, "file", p->dest);
    bus_publish(p->h->bus, "sync", ev);
    cJSON_Delete(ev);
    /* The show form is read by show_load(): the daemon's SIGHUP reload
     * (which also restarts the worker) brings the new one in, or keeps the
     * running config if the new form is refused. */
    if (p->reload)
        kill(getpid(), SIGHUP);
}

static void on_done(struct xfer *x, CURLcode cc, long status, void *ud)
{
    struct pull *p = ud;
    struct err e = {0};
    cJSON *doc = NULL;
    if (cc != CURLE_OK) {
        log_warn("sync", "%s pull: %s (keeping the current one)", p->what, xfer_error(x, cc));
    } else if (status == 304) {
        log_debug("sync", "%s unchanged (ETag)", p->what);
    } else if (status != 200) {
        log_warn("sync", "%s pull: HTTP %ld (keeping the current one)", p->what, status);
    } else if (!pull_valid(p, x, &doc)) {
        log_warn("sync", "%s pull: the download is not valid %s (keeping the current one)", p->what,
                 is_csv(p->dest) ? "CSV" : "JSON");
    } else if (same_content(p->dest, x->resp.data, x->resp.len)) {
        etag_set(p, x->etag); /* a server without ETag: nothing to swap */
    } else if (afile_replace(p->dest, NULL, 0644, x->resp.data, x->resp.len, &e) < 0) {
        log_error("sync", "%s pull: %s", p->what, e.msg);
    } else {
        pull_swapped(p, x);
    }
    cJSON_Delete(doc);
    p->job = NULL;
    xfer_free(x);
}

void pull_start(struct pull *p)
{
    if (p->job)
        return;
    struct xfer *x = xfer_new(p->h->multi, RESP_MAX_PULL, true, on_done, p);
    if (!x)
        return;
    char *etag = etag_get(p);
    /* Only trust the ETag while the file it describes is still there. */
    if (etag && *etag && access(p->dest, R_OK) == 0) {
        char h[400];
        snprintf(h, sizeof h, "If-None-Match: %s", etag);
        x->http.headers = curl_slist_append(x->http.headers, h);
    }
    free(etag);
    struct err e = {0};
    const char *pin = config_str(p->h->cfg, "sync", "pinned_pubkey");
    x->http.url = strdup(p->url);
    x->http.method = "GET";
    if (!x->http.url || xfer_start(x, pin ? pin : "", &e) < 0) {
        xfer_free(x);
        return;
    }
    p->job = x;
}

struct pull *pull_new(const struct pull_host *h, const char *what, const char *url,
                      const char *dest, bool reload, struct err *e)
{
    if (!dest || !*dest) {
        err_set(e, ERR_INVALID, "[sync] %s pull: no file to write it to", what);
        return NULL;
    }
    struct pull *p = calloc(1, sizeof *p);
    if (!p || !(p->url = strdup(url)) || !(p->dest = strdup(dest))) {
        pull_free(p);
        err_set(e, ERR_INTERNAL, "out of memory");
        return NULL;
    }
    p->h = h;
    p->what = what;
    p->reload = reload;
    return p;
}

void pull_free(struct pull *p)
{
    if (!p)
        return;
    xfer_free(p->job);
    free(p->url);
    free(p->dest);
    free(p);
}
