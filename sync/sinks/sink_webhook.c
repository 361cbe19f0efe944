// SPDX-License-Identifier: Apache-2.0
/*
 * sink_webhook — a generic JSON webhook: one POST per batch, either a JSON
 * object {"device", "batch_id", "leads": […]} or NDJSON (one lead per line).
 *
 * Every request carries an Idempotency-Key that stays the same when the same
 * rows are sent again (so a receiver can drop a replayed batch), each lead
 * carries its own id and version (so a receiver de-duplicates leads across
 * batches), and capture times are the ones stored at capture. A retry
 * carries exactly the rows of the attempt it repeats (same_rows), so its
 * key is the same even when more leads arrived in between.
 *
 * With `secret` set, requests are signed per the Standard Webhooks
 * specification (standardwebhooks.com), so that a receiver verifies them with
 * the standardwebhooks library of its language: webhook-id (the idempotency
 * key: the same for a retry of the same rows), webhook-timestamp (Unix
 * seconds of this attempt, so a captured request cannot be replayed later:
 * the libraries refuse one older than 5 minutes) and webhook-signature
 * "v1,BASE64" of HMAC-SHA256 over "id.timestamp.body", keyed with the bytes
 * of the secret "whsec_BASE64". The body signed is the uncompressed one (a
 * receiver behind a decompressing proxy can check it). `signature =
 * hmac-hex` keeps the old scheme instead: "sha256=" + hex HMAC over the body
 * in signature_header, keyed with the secret's text.
 */
#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/clock.h"
#include "firmware/config/config.h"
#include "sync/sink.h"

#define WHSEC_PREFIX "whsec_"

struct webhook {
    bool standard;  /* Standard Webhooks, else the old hex HMAC */
    struct buf key; /* the HMAC key's bytes */
};

static void webhook_close(struct sink *s)
{
    struct webhook *w = s->priv;
    if (!w)
        return;
    OPENSSL_cleanse(w->key.data, w->key.len);
    buf_free(&w->key);
    free(w);
    s->priv = NULL;
}

static int webhook_open(struct sink *s, struct err *e)
{
    const char *url = sink_str(s, "url");
    if (strncmp(url, "https://", 8) && strncmp(url, "http://", 7))
        return err_set(e, ERR_INVALID, "[%s] url: a webhook needs an http(s):// URL, got '%s'",
                       s->section, url);
    struct webhook *w = calloc(1, sizeof *w);
    if (!w)
        return err_set(e, ERR_INTERNAL, "out of memory");
    s->priv = w;
    const char *secret = sink_str(s, "secret");
    w->standard = strcmp(sink_str(s, "signature"), "hmac-hex") != 0;
    if (!*secret)
        return 0;
    if (!w->standard)
        return buf_adds(&w->key, secret) < 0 ? err_set(e, ERR_INTERNAL, "out of memory") : 0;
    /* The form every Standard Webhooks library takes: whsec_ + base64. */
    if (!strncmp(secret, WHSEC_PREFIX, strlen(WHSEC_PREFIX)))
        secret += strlen(WHSEC_PREFIX);
    if (buf_add_unbase64(&w->key, secret, strlen(secret)) < 0 || w->key.len < 16)
        return err_set(e, ERR_INVALID,
                       "[%s] secret: a Standard Webhooks secret is whsec_ followed by the base64 "
                       "of at least 16 random bytes (e.g. whsec_$(openssl rand -base64 32))",
                       s->section);
    return 0;
}

/* The signature headers of the Standard Webhooks specification. */
static int sign_standard(const struct webhook *w, const struct sink_batch *b, struct sink_http *h,
                         struct err *e)
{
    char ts[24];
    snprintf(ts, sizeof ts, "%lld", (long long)(b->now_ms / 1000));
    struct buf msg = {0}, sig = {0};
    int rc = -1;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    if (buf_printf(&msg, "%s.%s.", b->idem_key, ts) < 0 ||
        buf_add(&msg, h->body.data ? h->body.data : "", h->body.len) < 0 ||
        buf_adds(&sig, "v1,") < 0) {
        err_set(e, ERR_INTERNAL, "out of memory");
        goto out;
    }
    if (!HMAC(EVP_sha256(), w->key.data, (int)w->key.len, (const unsigned char *)msg.data, msg.len,
              mac, &maclen)) {
        err_set(e, ERR_INTERNAL, "HMAC-SHA256 failed");
        goto out;
    }
    if (buf_add_base64(&sig, mac, maclen) < 0 ||
        sink_header(&h->headers, "webhook-id", b->idem_key) < 0 ||
        sink_header(&h->headers, "webhook-timestamp", ts) < 0 ||
        sink_header(&h->headers, "webhook-signature", sig.data) < 0) {
        err_set(e, ERR_INTERNAL, "out of memory");
        goto out;
    }
    rc = 0;
out:
    buf_free(&msg);
    buf_free(&sig);
    return rc;
}

/* The old scheme: "sha256=" + hex HMAC of the body in signature_header. */
static int sign_hex(const struct sink *s, const struct webhook *w, struct sink_http *h,
                    struct err *e)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    if (!HMAC(EVP_sha256(), w->key.data, (int)w->key.len, (const unsigned char *)h->body.data,
              h->body.len, mac, &maclen))
        return err_set(e, ERR_INTERNAL, "HMAC-SHA256 failed");
    char hex[2 * EVP_MAX_MD_SIZE + 8] = "sha256=";
    for (unsigned i = 0; i < maclen; i++)
        snprintf(hex + 7 + 2 * i, 3, "%02x", mac[i]);
    if (sink_header(&h->headers, sink_str(s, "signature_header"), hex) < 0)
        return err_set(e, ERR_INTERNAL, "out of memory");
    return 0;
}

static int webhook_request(struct sink *s, const struct sink_batch *b, struct sink_http *h,
                           CURL *easy, struct err *e)
{
    bool ndjson = !strcmp(sink_str(s, "format"), "ndjson");
    char sent_at[40];
    clock_format_utc(b->now_ms, sent_at, sizeof sent_at);
    if (ndjson) {
        if (sink_ndjson(b, &h->body) < 0)
            return err_set(e, ERR_INTERNAL, "out of memory");
    } else {
        /* Built by hand around each lead's text so that the whole batch is
         * never held as a second cJSON tree. */
        buf_printf(&h->body, "{\"device\":");
        cJSON *tmp = cJSON_CreateString(s->device_id);
        char *dev = tmp ? cJSON_PrintUnformatted(tmp) : NULL;
        cJSON_Delete(tmp);
        if (!dev)
            return err_set(e, ERR_INTERNAL, "out of memory");
        buf_adds(&h->body, dev);
        free(dev);
        buf_printf(&h->body,
                   ",\"batch_id\":\"%s\",\"idempotency_key\":\"%s\",\"sent_at\":\"%s\","
                   "\"leads\":[",
                   b->batch_id, b->idem_key, sent_at);
        for (size_t i = 0; i < b->n; i++) {
            char *doc = cJSON_PrintUnformatted(b->v[i].lead);
            if (!doc || (i && buf_addc(&h->body, ',') < 0) || buf_adds(&h->body, doc) < 0) {
                free(doc);
                return err_set(e, ERR_INTERNAL, "out of memory");
            }
            free(doc);
        }
        if (buf_adds(&h->body, "]}") < 0)
            return err_set(e, ERR_INTERNAL, "out of memory");
    }
    if (!(h->url = strdup(sink_str(s, "url"))))
        return err_set(e, ERR_INTERNAL, "out of memory");
    h->gzip_ok = config_bool(s->cfg, s->section, "gzip");
    if (sink_header(&h->headers, "Content-Type",
                    ndjson ? "application/x-ndjson" : "application/json") < 0 ||
        sink_header(&h->headers, "Idempotency-Key", b->idem_key) < 0 ||
        sink_header(&h->headers, "X-Matchbooth-Batch", b->batch_id) < 0 ||
        sink_header(&h->headers, "X-Matchbooth-Device", s->device_id) < 0)
        return err_set(e, ERR_INTERNAL, "out of memory");
    const struct webhook *w = s->priv;
    if (!w->key.len)
        return 0;
    return w->standard ? sign_standard(w, b, h, e) : sign_hex(s, w, h, e);
}

const struct sink_type sink_webhook = {
    .name = "webhook",
    .doc = "JSON (or NDJSON) batches POSTed to a URL, signed per Standard Webhooks",
    .max_batch = 0,
    .confirms = true,
    .open = webhook_open,
    .close = webhook_close,
    /* A retry is the same message: same rows, same Idempotency-Key and
     * webhook-id, as the specification wants for a resent message. */
    .same_rows = true,
    .request = webhook_request,
};
