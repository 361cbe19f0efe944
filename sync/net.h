// SPDX-License-Identifier: Apache-2.0
/*
 * net — whether the kiosk is online, as the sync worker sees it: every
 * finished transfer either reached a server (any HTTP answer) or failed in
 * transport. The state flips with hysteresis: to offline only after
 * offline_after failures in a row, back to online only after online_after
 * answers in a row (the first answer ever makes it online), so one lost
 * packet does not flip the indicator on the kiosk. Pure state, no I/O: the
 * worker publishes the changes.
 */
#ifndef MB_NET_H
#define MB_NET_H

#include <stdbool.h>
#include <stdint.h>

enum net_state { NET_UNKNOWN, NET_ONLINE, NET_OFFLINE };

struct net {
    enum net_state state; /* NET_UNKNOWN until the first answer or enough failures */
    unsigned ok, fail;    /* answers / failures in a row */
    int64_t since_ms;     /* wall clock of the last change (0: never), kept by the caller */
};

/* Counts one transfer's result. Returns true when the state changed. */
bool net_result(struct net *n, bool reachable, unsigned online_after, unsigned offline_after);

/* "unknown", "online" or "offline". */
const char *net_name(enum net_state s);

#endif
