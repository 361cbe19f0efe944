// SPDX-License-Identifier: Apache-2.0
/*
 * sink_s3 — one NDJSON object per batch PUT to S3-compatible storage,
 * signed by libcurl's AWS SigV4 support (CURLOPT_AWS_SIGV4).
 *
 * Path-style URLs ({url}/{bucket}/{key}) so that any S3-compatible server
 * works. Keys are {prefix}{device}/{YYYY-MM-DD}/{YYYYMMDDTHHMMSSmmmZ}-{batch}
 * .ndjson: the batch id is a fresh UUIDv7 per attempt, so two kiosks, two
 * batches or a retry never overwrite each other (a reader de-duplicates
 * leads by id and keeps the highest version).
 *
 * The payload's SHA-256 goes in x-amz-content-sha256 ourselves: S3 requires
 * the header, and the libcurl of Debian 12 (7.88) signs it when given but
 * does not add it.
 */
#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sync/sink.h"

static int s3_open(struct sink *s, struct err *e)
{
    const char *url = sink_str(s, "url");
    if (strncmp(url, "https://", 8) && strncmp(url, "http://", 7))
        return err_set(e, ERR_INVALID, "[%s] url: an s3 sink needs the endpoint's http(s):// URL",
                       s->section);
    if (!*sink_str(s, "bucket") || !*sink_str(s, "access_key") || !*sink_str(s, "secret_key"))
        return err_set(e, ERR_INVALID, "[%s] an s3 sink needs bucket, access_key and secret_key",
                       s->section);
    return 0;
}

static int s3_request(struct sink *s, const struct sink_batch *b, struct sink_http *h, CURL *easy,
                      struct err *e)
{
    for (size_t i = 0; i < b->n; i++) {
        char *line = cJSON_PrintUnformatted(b->v[i].lead);
        if (!line || buf_adds(&h->body, line) < 0 || buf_addc(&h->body, '\n') < 0) {
            free(line);
            return err_set(e, ERR_INTERNAL, "out of memory");
        }
        free(line);
    }
    char dev[128], day[16], stamp[32];
    sink_safe_name(dev, sizeof dev, s->device_id);
    time_t t = (time_t)(b->now_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
    const char *url = sink_str(s, "url");
    size_t ul = strlen(url);
    struct buf u = {0};
    buf_printf(&u, "%.*s/", (int)(ul && url[ul - 1] == '/' ? ul - 1 : ul), url);
    sink_urlencode(&u, easy, sink_str(s, "bucket"));
    buf_addc(&u, '/');
    /* The prefix may hold '/' on purpose: encode each part between them. */
    struct buf key = {0};
    buf_printf(&key, "%s%s/%s/%s%03dZ-%s.ndjson", sink_str(s, "prefix"), dev, day, stamp,
               (int)(b->now_ms % 1000), b->batch_id);
    for (char *p = key.data, *slash; p; p = slash ? slash + 1 : NULL) {
        slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        sink_urlencode(&u, easy, p);
        if (slash)
            buf_addc(&u, '/');
    }
    buf_free(&key);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1] = "";
    if (!EVP_Digest(h->body.data ? h->body.data : "", h->body.len, md, &mdlen, EVP_sha256(), NULL))
        return err_set(e, ERR_INTERNAL, "s3: SHA-256 failed");
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    char sigv4[160], userpwd[512];
    snprintf(sigv4, sizeof sigv4, "aws:amz:%s:s3", sink_str(s, "region"));
    snprintf(userpwd, sizeof userpwd, "%s:%s", sink_str(s, "access_key"),
             sink_str(s, "secret_key"));
    if (!u.data || curl_easy_setopt(easy, CURLOPT_AWS_SIGV4, sigv4) != CURLE_OK ||
        curl_easy_setopt(easy, CURLOPT_USERPWD, userpwd) != CURLE_OK ||
        sink_header(&h->headers, "Content-Type", "application/x-ndjson") < 0 ||
        sink_header(&h->headers, "x-amz-content-sha256", hex) < 0) {
        buf_free(&u);
        return err_set(e, ERR_INTERNAL, "s3: cannot set up the signed request");
    }
    h->url = buf_steal(&u);
    h->method = "PUT";
    h->sigv4 = true;
    return 0;
}

const struct sink_type sink_s3 = {
    .name = "s3",
    .doc = "one NDJSON object per batch PUT to S3-compatible storage (AWS SigV4)",
    .max_batch = 0,
    .confirms = true,
    .open = s3_open,
    .request = s3_request,
};
