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
struct show;
struct store;

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

/* What became of one row of a batch, as a sink's answer op reads it. */
enum sink_row {
    SINK_ROW_DONE,   /* delivered (or already there) */
    SINK_ROW_AGAIN,  /* not delivered: kept pending, sent again after a back-off */
    SINK_ROW_REJECT, /* refused for its own content: parked with the reason */
};

#define SINK_REASON_MAX 300

struct sink_row_verdict {
    enum sink_row r;
    char reason[SINK_REASON_MAX]; /* "" : the batch's reason */
};

/* The server's answer to a request (borrowed for the answer op's call). */
struct sink_reply {
    long status;
    const char *body; /* up to the worker's limit; may be NULL when len is 0 */
    size_t len;
    const char *headers; /* the raw header lines of the final answer, "" if none */
};

/*
 * What the worker does with a batch after the answer op. The worker presets
 * every row from the HTTP status (2xx done; 5xx, 408, 429 again; other 4xx
 * refused) and reason from the body; the op may change any of it.
 */
struct sink_verdict {
    struct sink_row_verdict *rows; /* b->n entries */
    char reason[SINK_REASON_MAX];  /* for rows without their own */
    bool resend;                   /* send the batch again at once (e.g. after a token exchange) */
    int64_t pause_ms;              /* > 0: send nothing more for this long (API limits) */
};

/* A configured sink: a [sink.NAME] section bound to its type. */
struct sink {
    const char *name;    /* "crm" of [sink.crm] (owned by the worker) */
    const char *section; /* "sink.crm" */
    const struct sink_type *type;
    const struct config *cfg; /* borrowed */
    const char *device_id;    /* borrowed */
    void *priv;               /* the type's own state */
    /* For the types that read more than the lead (smtp: the catalog, the
     * form, the handouts table); borrowed, same thread as the worker. */
    struct store *store;
    const struct show *show; /* the running show */
};

/* What an HTTP sink fills in for one batch. The worker frees it. */
struct sink_http {
    char *url;          /* malloc'd */
    const char *method; /* "POST" (default) or "PUT" */
    struct curl_slist *headers;
    struct buf body;
    bool gzip_ok; /* the server accepts Content-Encoding: gzip */
    /* libcurl signs every header of the list (CURLOPT_AWS_SIGV4): the
     * transfer adds none that would not go on the wire (an empty "Expect:"
     * is signed but never sent, and MinIO then refuses the signature). */
    bool signs_headers;
    /* SMTP (url smtp:// or smtps://): body is the whole message (RFC 5322)
     * and goes from mail_from (malloc'd) to each address of mail_rcpt;
     * method, headers and gzip do not apply. */
    char *mail_from;
    struct curl_slist *mail_rcpt;
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

    /* Optional parts; NULL where a type does not need them. */

    /*
     * Picks the rows that go in one request: moves them to the front of v
     * (the worker's loaded batch, oldest first), keeping their order, and
     * returns how many (at least 1 when n > 0). The others stay pending for
     * the next batch. Must be deterministic, so that a retry of the same
     * rows makes the same request (S3 keys, spool names).
     */
    size_t (*group)(struct sink *s, struct sink_entry *v, size_t n);
    /*
     * Reads the answer to a request that request() built: per-row results
     * (a CRM's per-record errors), an idempotent "already there" (S3's 412),
     * a token exchange (v->resend), an API limit (v->pause_ms). request()
     * may also return 1 instead of 0 to say that the batch needs no request
     * (every row decided locally): answer() is then called with status 0.
     */
    void (*answer)(struct sink *s, const struct sink_batch *b, const struct sink_reply *r,
                   struct sink_verdict *v);
    /*
     * The types that keep keyed objects (s3): builds the request that puts
     * body (a small JSON document) at key under the sink's prefix,
     * overwriting it. For the fleet heartbeat ([sync] heartbeat_sink).
     */
    int (*put)(struct sink *s, const char *key, const struct buf *body, struct sink_http *h,
               CURL *easy, struct err *e);
    /* true: a retry must carry exactly the rows of the failed attempt (keys
     * derived from the rows), so the worker remembers a partial batch's size
     * across restarts. */
    bool same_rows;
    /*
     * Types that speak another protocol than HTTP (smtp): what a finished
     * transfer means, from libcurl's result cc, the protocol's reply code
     * (CURLINFO_RESPONSE_CODE: an SMTP code, 0 when none came) and
     * libcurl's error text ("" on success), in place of HTTP's rules
     * (retry.h). answer() then hears of every outcome, failed transfers
     * included, with r->status the reply code.
     */
    enum sink_row (*classify)(CURLcode cc, long code, const char *error);
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
 * answer ("answer.QID"), the capture time ("captured_at"), every note as
 * "operator: text" lines ("notes") or the newest rating ("rating"). Returns
 * a malloc'd string or NULL when the lead has no such value.
 */
char *sink_lead_value(const struct cJSON *lead, const char *field);

/*
 * Parses a mapping list "remote=field,remote2=field2" (config key `fields`)
 * into parallel vectors. Returns 0, or -1 with e on a malformed item.
 */
int sink_map_parse(const struct sink *s, struct strv *remote, struct strv *field, struct err *e);

/*
 * sink_map_parse() for a type that needs a mapping: -1 with e naming the key
 * also when `fields` is empty.
 */
int sink_map_load(const struct sink *s, struct strv *remote, struct strv *field, struct err *e);

/*
 * Adds to obj, for each mapping remote[i]=field[i] except the remote name
 * skip (may be NULL), the lead's value as a string member. A field the lead
 * does not have is left out, so that an upsert never blanks what someone
 * filled in at the CRM. Returns 0, or -1 when out of memory.
 */
int sink_map_json(const struct cJSON *lead, const struct strv *remote, const struct strv *field,
                  const char *skip, struct cJSON *obj);

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
extern const struct sink_type sink_salesforce_rest;
extern const struct sink_type sink_hubspot_crm;
extern const struct sink_type sink_smtp;

/*
 * The lake partition of a lead, "show=SHOW/date=YYYY-MM-DD/device=DEVICE"
 * (Hive style; each value made safe for a key or a file name, the date the
 * UTC day of its capture). Used by the s3 and spool sinks' layouts.
 */
void sink_partition(const struct sink *s, const struct cJSON *lead, char *out, size_t outsz);

/* The group op of the lake layouts: the rows of the first row's partition. */
size_t sink_group_partition(struct sink *s, struct sink_entry *v, size_t n);

/* Appends each lead of b as one line of JSON to body. Returns 0 or -1 on
 * ENOMEM. */
int sink_ndjson(const struct sink_batch *b, struct buf *body);

/*
 * The value of response header name (case-insensitive) in r's raw header
 * lines, trimmed, into out; "" when absent. Returns out.
 */
char *sink_reply_header(const struct sink_reply *r, const char *name, char *out, size_t outsz);

#endif
