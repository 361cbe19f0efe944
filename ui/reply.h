// SPDX-License-Identifier: Apache-2.0
/*
 * reply — what a route's handler answers (status, body, a few headers), and
 * how it is queued on libmicrohttpd with the headers every response of the
 * UI carries (CSP default-src 'self', nosniff, no-store, DENY framing).
 *
 * A handler either fills the body (reply_json, reply_error …), hands over a
 * response it made itself (an event stream, a download: stream), or
 * answers later (later: an export waits for its child process).
 */
#ifndef MB_UI_REPLY_H
#define MB_UI_REPLY_H

#include <microhttpd.h>

#include "firmware/base/buf.h"
#include "firmware/base/err.h"

struct cJSON;

struct reply {
    unsigned code;           /* HTTP status */
    const char *type;        /* Content-Type (static); NULL: text/plain */
    struct buf body;         /* the body, unless stream */
    char cookie[256];        /* Set-Cookie, "" for none */
    char retry_after[24];    /* Retry-After, "" for none */
    const char *disposition; /* Content-Disposition, NULL for none */
    /* A response the handler made (MHD_create_response_from_callback):
     * queued instead of body, with the headers above. */
    struct MHD_Response *stream;
    /* An answer that comes later: the handler has suspended the
     * connection; when it is resumed, MHD asks again and resume(later)
     * answers; done(later) runs when the request ends, whatever happened. */
    void *later;
    enum MHD_Result (*resume)(void *later);
    void (*done)(void *later);
};

/* Answers code with o as its JSON body (o is consumed). */
void reply_json(struct reply *r, unsigned code, struct cJSON *o);

/* Answers code with {"error": msg}. */
void reply_error(struct reply *r, unsigned code, const char *msg);

/* Answers e: ERR_INVALID 400, ERR_NOTFOUND 404, ERR_BUSY 503, anything
 * else 500 (logged, since nobody asked for it). */
void reply_err(struct reply *r, const struct err *e);

/* Answers 200 {"ok": true}. */
void reply_ok(struct reply *r);

/* Adds the headers every response carries. */
void reply_headers(struct MHD_Response *resp);

/*
 * Queues r on conn (body or stream, with its headers and the common ones)
 * and frees what r holds. Not for a reply with later set. Returns MHD's
 * verdict (MHD_NO when no response could be made: MHD closes the
 * connection).
 */
enum MHD_Result reply_queue(struct MHD_Connection *conn, struct reply *r);

/* Frees what r holds without answering (NULL-safe members). */
void reply_free(struct reply *r);

#endif
