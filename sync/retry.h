// SPDX-License-Identifier: Apache-2.0
/*
 * retry — the sync worker's failure policy, as pure functions: which
 * outcomes are retried, how long to wait (exponential back-off with full
 * jitter, never less than the server's Retry-After), how to read
 * Retry-After, and what a refusing server said. Kept apart from the worker
 * so that it is unit-tested.
 */
#ifndef MB_RETRY_H
#define MB_RETRY_H

#include <curl/curl.h>
#include <stdint.h>

enum retry_class {
    RETRY_DONE,   /* delivered */
    RETRY_AGAIN,  /* network error, timeout, 5xx, 408, 429: try again, forever */
    RETRY_REJECT, /* any other 4xx (or a 3xx we do not follow): park with the reason */
};

/* Classifies a finished transfer: cc from libcurl, status the HTTP code
 * (0 when no response arrived). */
enum retry_class retry_classify(CURLcode cc, long status);

/*
 * Full jitter: a delay uniform in [0, min(cap_ms, base_ms * 2^attempt)],
 * drawn from rnd (any 64-bit random number). attempt counts from 0. Never
 * less than retry_after_ms (pass 0 if the server gave none), never more than
 * max(cap_ms, retry_after_ms).
 */
uint64_t retry_delay_ms(unsigned attempt, uint64_t base_ms, uint64_t cap_ms,
                        uint64_t retry_after_ms, uint64_t rnd);

/*
 * A Retry-After value: delta-seconds ("120") or an HTTP-date, relative to
 * now_ms (wall clock, ms). Returns the wait in ms (0 for a date in the
 * past), or -1 when v is not a valid Retry-After.
 */
int64_t retry_after_parse(const char *v, int64_t now_ms);

/*
 * The reason a server gave for refusing, from the len bytes of its answer
 * body (may be NULL when len is 0), as "HTTP <status>" followed by ": " and
 * the reason when one is found: a JSON "message", "error", "reason" or
 * "detail" (a string, or an object with a "message"), else S3's XML
 * "<Code>: <Message>", else the first 200 bytes of the body. The server's
 * text is made printable (log_sanitize) and cut to fit outsz.
 */
void retry_reason(const char *body, size_t len, long status, char *out, size_t outsz);

#endif
