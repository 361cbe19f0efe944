// SPDX-License-Identifier: Apache-2.0
/*
 * sink_webhook — a generic JSON webhook: one POST per batch, either a JSON
 * object {"device", "batch_id", "leads": […]} or NDJSON (one lead per line).
 *
 * Every request carries an Idempotency-Key that stays the same when the same
 * rows are sent again (so a receiver can drop a replayed batch), each lead
 * carries its own id and version (so a receiver de-duplicates leads across
 * batches), and capture times are the ones stored at capture. With `secret`
 * set, X-Matchbooth-Signature is "sha256=" + hex HMAC-SHA256 over the
 * uncompressed body, so a receiver behind a decompressing proxy can check it.
 */
#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/clock.h"
#include "firmware/config/config.h"
#include "sync/sink.h"

static int webhook_open(struct sink *s, struct err *e)
{
    const char *url = sink_str(s, "url");
    if (strncmp(url, "https://", 8) && strncmp(url, "http://", 7))
        return err_set(e, ERR_INVALID, "[%s] url: a webhook needs an http(s):// URL, got '%s'",
                       s->section, url);
    return 0;
}

static int webhook_request(struct sink *s, const struct sink_batch *b, struct sink_http *h,
                           CURL *easy, struct err *e)
{
    bool ndjson = !strcmp(sink_str(s, "format"), "ndjson");
    char sent_at[40];
    clock_format_utc(b->now_ms, sent_at, sizeof sent_at);
    if (ndjson) {
        for (size_t i = 0; i < b->n; i++) {
            char *line = cJSON_PrintUnformatted(b->v[i].lead);
            if (!line || buf_adds(&h->body, line) < 0 || buf_addc(&h->body, '\n') < 0) {
                free(line);
                return err_set(e, ERR_INTERNAL, "out of memory");
            }
            free(line);
        }
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
    const char *secret = sink_str(s, "secret");
    if (*secret) {
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int maclen = 0;
        if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)h->body.data,
                  h->body.len, mac, &maclen))
            return err_set(e, ERR_INTERNAL, "HMAC-SHA256 failed");
        char hex[2 * EVP_MAX_MD_SIZE + 8] = "sha256=";
        for (unsigned i = 0; i < maclen; i++)
            snprintf(hex + 7 + 2 * i, 3, "%02x", mac[i]);
        if (sink_header(&h->headers, sink_str(s, "signature_header"), hex) < 0)
            return err_set(e, ERR_INTERNAL, "out of memory");
    }
    return 0;
}

const struct sink_type sink_webhook = {
    .name = "webhook",
    .doc = "JSON (or NDJSON) batches POSTed to a URL, signed with HMAC-SHA256",
    .max_batch = 0,
    .confirms = true,
    .open = webhook_open,
    .request = webhook_request,
};
