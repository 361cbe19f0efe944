// SPDX-License-Identifier: Apache-2.0
/*
 * net — online/offline with hysteresis (see net.h).
 */
#include "sync/net.h"

bool net_result(struct net *n, bool reachable, unsigned online_after, unsigned offline_after)
{
    enum net_state was = n->state;
    if (reachable) {
        n->fail = 0;
        n->ok++;
        if (n->state == NET_UNKNOWN || (n->state == NET_OFFLINE && n->ok >= online_after))
            n->state = NET_ONLINE;
    } else {
        n->ok = 0;
        n->fail++;
        if (n->state != NET_OFFLINE && n->fail >= offline_after)
            n->state = NET_OFFLINE;
    }
    return n->state != was;
}

const char *net_name(enum net_state s)
{
    static const char *const names[] = {"unknown", "online", "offline"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}
