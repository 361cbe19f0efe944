// SPDX-License-Identifier: Apache-2.0
/*
 * rate — a sink's client-side request limit: at most max requests started
 * in any window_ms, with a margin (5 % of the window, at least 250 ms)
 * because the server counts arrivals, which trail our start times by a
 * connection setup. HubSpot blocks an address that goes over its limit, so
 * we never rely on its 429.
 *
 * The start times of a named sink outlive the worker (a SIGHUP reload stops
 * and starts it): rate_keep() hands them to a process-wide list, and the
 * next rate_init() of the same name and max takes them back, so a reload
 * never allows a fresh burst. Single thread (the loop's).
 */
#ifndef MB_RATE_H
#define MB_RATE_H

#include <stdbool.h>
#include <stdint.h>

struct rate {
    uint64_t *ring; /* start times (loop ms) of the last max requests; NULL: no limit */
    int max, pos;
    uint64_t window_ms;
};

/*
 * Sets up r for max requests per window_ms (max <= 0: no limit), taking
 * over the times kept for name when its max is the same. Returns 0, or -1
 * when out of memory (r then has no limit).
 */
int rate_init(struct rate *r, const char *name, int max, uint64_t window_ms);

/* May a request start at now_ms? If not, *wait_ms says how long until one
 * may. */
bool rate_ok(const struct rate *r, uint64_t now_ms, uint64_t *wait_ms);

/* Records a request started at now_ms. */
void rate_note(struct rate *r, uint64_t now_ms);

/* Keeps r's times for the next rate_init(name) and empties r (nothing to
 * keep without a limit). */
void rate_keep(struct rate *r, const char *name);

#endif
