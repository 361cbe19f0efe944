// SPDX-License-Identifier: Apache-2.0
/*
 * sink — the interface every sync destination implements, and the one table
 * that lists them (sink.c).
 *
 * A sink type turns a batch of leads (the documents of store_lead_json) into
 * either an HTTP request that the worker (sync/outbox.c) runs through
 * libcurl's multi interface (sync/xfer.c), or a local write (spool). The
 * worker owns batching, retries, back-off, rate limits and the outbox; a
 * sink only knows its wire format. The types live in sync/sinks/, one file
 * each, and include firmware/ headers and this one only.
 */
#ifndef MB_SINK_H
#define MB_SINK_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

#include "firmware/base/buf.h"
#include "firmware/base/err.h"
#include "firmware/base/strv.h"
#include "firmware/base/uuid.h"

struct cJSON;
struct config;

/* One outbox row of a batch, with the lead document it carries (borrowed). */
struct sink_entry {
    int64_t outbox_id;
    int64_t version; /* the lead version this document is */
    char lead_id[UUID_STR_LEN];
    struct cJSON *lead;
};

struct sink_batch {
    const struct sink_entry *v;
    size_t n;
    char batch_id[UUID_STR_LEN]; /* UUIDv7, new for every attempt */
    char idem_key[65];           /* hex SHA-256 of (sink, ids, versions): stable across retries */
    int64_t now_ms;              /* wall clock when the batch was made */
};

/* A configured sink: a [sink.NAME] section bound to its type. */
struct sink {
    const char *name;    /* "crm" of [sink.crm] (owned by the worker) */
    const char *section; /* "sink.crm" */
    const struct sink_type *type;
    const struct config *cfg; /* borrowed */
    const char *device_id;    /* borrowed */
    void *priv;               /* the type's own state */
};

/* What an HTTP sink fills in for one batch. The worker frees it. */
struct sink_http {
    char *url;          /* malloc'd */
    const char *method; /* "POST" (default) or "PUT" */
    struct curl_slist *headers;
    struct buf body;
    bool gzip_ok; /* the server accepts Content-Encoding: gzip */
    bool sigv4;   /* signed by libcurl (CURLOPT_AWS_SIGV4), which signs every header set */
};

struct sink_type {
    const char *name;
    const char *doc; /* one line for status and docs */
    int max_batch;   /* leads per request the destination allows (0: no limit) */
    bool confirms;   /* false: a 2xx does not prove the lead exists (Web-to-Lead) */
    /* The destination's own request limit, kept client-side unless the
     * section's rate_limit overrides it (0: none). */
    int rate_max, rate_window_s;
    /* Checks the section's keys; may set s->priv. -1 with e naming the key. */
    int (*open)(struct sink *s, struct err *e);
    void (*close)(struct sink *s); /* may be NULL */
    /* HTTP sinks: builds the request for b, and may set options on easy
     * (credentials, signing). NULL for local sinks. */
    int (*request)(struct sink *s, const struct sink_batch *b, struct sink_http *h, CURL *easy,
                   struct err *e);
    /* Local sinks: writes b durably before returning. NULL for HTTP sinks. */
    int (*write)(struct sink *s, const struct sink_batch *b, struct err *e);
};

/* Every sink type, NULL-terminated: the one place they are listed. */
extern const struct sink_type *const sink_table[];

/*
 * The batch's idempotency key: hex SHA-256 of the sink name and each row's
 * outbox id, lead id and version, so that a retry of the same rows at the
 * same versions carries the same key and any other batch another. out gets
 * 64 hex digits and a NUL ("" if the hash is unavailable).
 */
void sink_idem_key(const char *sink_name, const struct sink_entry *v, size_t n, char out[65]);

/* The type called name, or NULL. */
const struct sink_type *sink_find(const char *name);

/* The sink's config string (section key), never NULL. */
const char *sink_str(const struct sink *s, const char *key);

/*
 * A lead field by name for field mappings: a scalar ("company"), the first of
 * a list ("email" = emails[0], "phone" = phones[0], "url" = urls[0]), an
 * answer ("answer.QID"), or the capture time ("captured_at"). Returns a
 * malloc'd string or NULL when the lead has no such value.
 */
char *sink_lead_value(const struct cJSON *lead, const char *field);

/*
 * Parses a mapping list "remote=field,remote2=field2" (config key `fields`)
 * into parallel vectors. Returns 0, or -1 with e on a malformed item.
 */
int sink_map_parse(const struct sink *s, struct strv *remote, struct strv *field, struct err *e);

/* Appends "Name: value" to *h. Returns 0 or -1 on ENOMEM. */
int sink_header(struct curl_slist **h, const char *name, const char *value);

/* The device id made safe for a file name or an object key ([A-Za-z0-9._-]). */
void sink_safe_name(char *out, size_t outsz, const char *in);

/* URL-encodes s onto b (form encoding: space as %20). */
int sink_urlencode(struct buf *b, CURL *easy, const char *s);

extern const struct sink_type sink_webhook;
extern const struct sink_type sink_hubspot;
extern const struct sink_type sink_salesforce;
extern const struct sink_type sink_s3;
extern const struct sink_type sink_spool;

#endif
