// SPDX-License-Identifier: Apache-2.0
/*
 * xfer — HTTP transfers through libcurl's multi interface, driven by the
 * daemon's loop: libcurl says which sockets to watch and when to be called
 * back (CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION) and the loop does
 * the waiting, so no transfer ever blocks the loop thread and no thread is
 * needed.
 *
 * One struct xfer_multi per sync worker; one struct xfer per request (a
 * sink's batch, a heartbeat, a pull). Every transfer shares the transport
 * settings of [sync] (timeouts, stall detection, proxy, CA bundle, upload
 * cap) and may pin a public key. When a transfer finishes, the multi first
 * tells its reach callback whether a server answered at all (for the
 * online/offline state), then calls the transfer's own done callback.
 */
#ifndef MB_XFER_H
#define MB_XFER_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

#include "firmware/base/buf.h"
#include "firmware/base/err.h"
#include "sync/sink.h"

struct loop;
struct config;
struct xfer;
struct xfer_multi;

/* Told for every finished transfer whether a server answered (any HTTP
 * status) or the transport failed. */
typedef void xfer_reach_fn(bool reachable, void *ud);

/*
 * Called once when x has finished: cc is libcurl's result, status the HTTP
 * code (0 when no answer arrived). The callback owns x and frees it with
 * xfer_free().
 */
typedef void xfer_done_fn(struct xfer *x, CURLcode cc, long status, void *ud);

/* One request and what came back. The fields are the caller's to read. */
struct xfer {
    struct xfer_multi *multi;
    CURL *easy;
    /* The request, filled by the caller (or a sink type) before
     * xfer_start(); freed by xfer_free(). method "GET" sends no body. */
    struct sink_http http;
    struct buf gz; /* the compressed body, when sent gzipped */
    struct buf resp;
    struct buf resp_headers; /* the final answer's header lines (up to 16 KiB), NUL-terminated */
    size_t resp_max;         /* bytes of answer kept */
    bool resp_abort;         /* a longer answer fails the transfer (else it is cut) */
    bool resp_truncated;     /* the answer was longer than resp_max and was cut */
    char retry_after[64];    /* the Retry-After header, "" if none */
    char etag[256];          /* the ETag header, "" if none */
    char errbuf[CURL_ERROR_SIZE];
    size_t sent; /* bytes of an SMTP message libcurl has read */
    xfer_done_fn *done;
    void *ud;
};

/*
 * Starts a multi handle on loop whose transfers use cfg's [sync] transport
 * keys (cfg borrowed until xfer_multi_free). reach (may be NULL) hears of
 * every finished transfer. Returns NULL with e set when libcurl cannot
 * start. Initialises libcurl on first use.
 */
struct xfer_multi *xfer_multi_new(struct loop *loop, const struct config *cfg, xfer_reach_fn *reach,
                                  void *ud, struct err *e);

/* Stops watching every socket and frees m (NULL-safe). Transfers still
 * running must have been freed first. */
void xfer_multi_free(struct xfer_multi *m);

/*
 * A new transfer on m that keeps up to resp_max bytes of the answer (a
 * longer one fails the transfer when resp_abort, else is cut) and calls
 * done(x, …, ud) when it finishes. x->easy is ready for the caller's own
 * options (credentials, signing). Returns NULL when out of memory.
 */
struct xfer *xfer_new(struct xfer_multi *m, size_t resp_max, bool resp_abort, xfer_done_fn *done,
                      void *ud);

/*
 * Sends x->http with the shared transport options and, when pinned is not
 * NULL or "", that public key pin (CURLOPT_PINNEDPUBLICKEY): URL, method,
 * headers, body (gzipped when http.gzip_ok and longer than 256 bytes), no
 * "Expect: 100-continue" (unless http.signs_headers: then nothing is added
 * to the signed list, and libcurl itself may ask for 100-continue on a body
 * over 1 MiB, unsigned). With http.mail_rcpt set it is an SMTP transfer
 * instead (smtp:// or smtps:// only): the body uploaded as the message
 * from http.mail_from to those addresses; the status is then the last SMTP
 * reply code, and a server that refused still counts as reached. Returns 0
 * once the transfer runs on the loop, or -1 with e set (x is still the
 * caller's to free).
 */
int xfer_start(struct xfer *x, const char *pinned, struct err *e);

/* Aborts x if it is running and frees it with its request (NULL-safe). */
void xfer_free(struct xfer *x);

/* What went wrong in transport: libcurl's detailed message, else the text
 * of cc. */
const char *xfer_error(const struct xfer *x, CURLcode cc);

#endif
