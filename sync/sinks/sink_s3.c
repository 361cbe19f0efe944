// SPDX-License-Identifier: Apache-2.0
/*
 * sink_s3 — one NDJSON object per batch PUT to S3-compatible storage (AWS,
 * MinIO …), signed by libcurl's AWS SigV4 support (CURLOPT_AWS_SIGV4).
 *
 * The layout is a lake that DuckDB, Athena or Trino read as it is: Hive-style
 * partitions, {prefix}show=SHOW/date=DAY/device=DEVICE/KEY.ndjson, one lead
 * per line with its id and version (a reader keeps the newest version per
 * id). A batch holds the leads of one partition only (group op), DAY is the
 * UTC day of capture.
 *
 * Idempotent: KEY is the batch's idempotency key (a hash of the rows and
 * their versions), so a retry after a lost answer puts the same key again;
 * the PUT carries If-None-Match: *, and the 412 of an object that is already
 * there counts as delivered. A retry carries the same rows (same_rows: the
 * worker remembers a partial batch's size even across a restart).
 *
 * Signing: path-style URLs ({url}/{bucket}/{key}, each key segment
 * percent-encoded once, as SigV4 wants for S3). libcurl signs every header
 * we set, so we set only headers that go on the wire (no empty "Expect:",
 * which MinIO takes for "100-continue" and then refuses the signature); the
 * payload's SHA-256 goes in x-amz-content-sha256 ourselves, because S3
 * requires it and Debian 12's libcurl (7.88) signs it but does not add it.
 *
 * The same signing puts the fleet heartbeat at {prefix}fleet/DEVICE.json
 * (put op).
 */
#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* {url}/{bucket}/{prefix}{key}, each segment between slashes encoded. */
static char *object_url(const struct sink *s, CURL *easy, const char *key)
{
    const char *url = sink_str(s, "url");
    size_t ul = strlen(url);
    struct buf u = {0}, k = {0};
    buf_printf(&u, "%.*s/", (int)(ul && url[ul - 1] == '/' ? ul - 1 : ul), url);
    sink_urlencode(&u, easy, sink_str(s, "bucket"));
    buf_addc(&u, '/');
    /* The prefix may hold '/' on purpose: encode each part between them. */
    buf_printf(&k, "%s%s", sink_str(s, "prefix"), key);
    for (char *p = k.data, *slash; p; p = slash ? slash + 1 : NULL) {
        slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        sink_urlencode(&u, easy, p);
        if (slash)
            buf_addc(&u, '/');
    }
    buf_free(&k);
    return u.data ? buf_steal(&u) : NULL;
}

/* Signing, credentials and the headers every PUT carries. */
static int s3_sign(struct sink *s, struct sink_http *h, CURL *easy, const char *ctype,
                   struct err *e)
{
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
    h->signs_headers = true;
    h->method = "PUT";
    if (curl_easy_setopt(easy, CURLOPT_AWS_SIGV4, sigv4) != CURLE_OK ||
        curl_easy_setopt(easy, CURLOPT_USERPWD, userpwd) != CURLE_OK ||
        sink_header(&h->headers, "Content-Type", ctype) < 0 ||
        sink_header(&h->headers, "x-amz-content-sha256", hex) < 0)
        return err_set(e, ERR_INTERNAL, "s3: cannot set up the signed request");
    return 0;
}

static int s3_request(struct sink *s, const struct sink_batch *b, struct sink_http *h, CURL *easy,
                      struct err *e)
{
    if (sink_ndjson(b, &h->body) < 0)
        return err_set(e, ERR_INTERNAL, "out of memory");
    char part[400], key[600];
    sink_partition(s, b->v[0].lead, part, sizeof part); /* one partition per batch (group) */
    snprintf(key, sizeof key, "%s/%s.ndjson", part, b->idem_key);
    if (!(h->url = object_url(s, easy, key)))
        return err_set(e, ERR_INTERNAL, "out of memory");
    /* Only if no object has the key: a retry of a batch that arrived. */
    if (sink_header(&h->headers, "If-None-Match", "*") < 0)
        return err_set(e, ERR_INTERNAL, "out of memory");
    return s3_sign(s, h, easy, "application/x-ndjson", e);
}

/* 412 to If-None-Match: * is "the object with this key is there": the same
 * rows at the same versions, put by an attempt whose answer was lost. */
static void s3_answer(struct sink *s, const struct sink_batch *b, const struct sink_reply *r,
                      struct sink_verdict *v)
{
    if (r->status != 412)
        return;
    for (size_t i = 0; i < b->n; i++)
        v->rows[i].r = SINK_ROW_DONE;
    snprintf(v->reason, sizeof v->reason, "already there (HTTP 412)");
}

static int s3_put(struct sink *s, const char *key, const struct buf *body, struct sink_http *h,
                  CURL *easy, struct err *e)
{
    if (buf_add(&h->body, body->data ? body->data : "", body->len) < 0 ||
        !(h->url = object_url(s, easy, key)))
        return err_set(e, ERR_INTERNAL, "out of memory");
    return s3_sign(s, h, easy, "application/json", e);
}

const struct sink_type sink_s3 = {
    .name = "s3",
    .doc = "one NDJSON object per batch PUT to S3-compatible storage (AWS SigV4), Hive-style keys",
    .max_batch = 0,
    .confirms = true,
    .open = s3_open,
    .request = s3_request,
    .group = sink_group_partition,
    .answer = s3_answer,
    .put = s3_put,
    .same_rows = true,
};
