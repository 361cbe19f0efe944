// SPDX-License-Identifier: Apache-2.0
/*
 * retry — failure classes, back-off and Retry-After (see retry.h).
 * HTTP-dates are parsed by libcurl's curl_getdate(), which knows the three
 * formats RFC 9110 allows.
 */
#include "sync/retry.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

enum retry_class retry_classify(CURLcode cc, long status)
{
    if (cc != CURLE_OK)
        return RETRY_AGAIN; /* no answer we can trust: connect, TLS, reset, timeout */
    if (status >= 200 && status < 300)
        return RETRY_DONE;
    if (status >= 500 || status == 408 || status == 429 || status == 0)
        return RETRY_AGAIN;
    return RETRY_REJECT;
}

uint64_t retry_delay_ms(unsigned attempt, uint64_t base_ms, uint64_t cap_ms,
                        uint64_t retry_after_ms, uint64_t rnd)
{
    uint64_t ceil = base_ms ? base_ms : 1;
    for (unsigned i = 0; i < attempt && ceil < cap_ms; i++)
        ceil *= 2;
    if (ceil > cap_ms)
        ceil = cap_ms;
    uint64_t d = rnd % (ceil + 1);
    return d < retry_after_ms ? retry_after_ms : d;
}

int64_t retry_after_parse(const char *v, int64_t now_ms)
{
    if (!v)
        return -1;
    while (isspace((unsigned char)*v))
        v++;
    if (isdigit((unsigned char)*v)) {
        char *end;
        unsigned long long s = strtoull(v, &end, 10);
        while (isspace((unsigned char)*end))
            end++;
        if (*end || s > 30ull * 24 * 3600) /* over a month: not a sane value */
            return -1;
        return (int64_t)s * 1000;
    }
    time_t t = curl_getdate(v, NULL);
    if (t < 0)
        return -1;
    int64_t d = (int64_t)t * 1000 - now_ms;
    return d > 0 ? d : 0;
}
