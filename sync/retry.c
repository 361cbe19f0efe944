// SPDX-License-Identifier: Apache-2.0
/*
 * retry — failure classes, back-off and Retry-After (see retry.h).
 * HTTP-dates are parsed by libcurl's curl_getdate(), which knows the three
 * formats RFC 9110 allows.
 */
#include "sync/retry.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/log.h"

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

void retry_reason(const char *body, size_t len, long status, char *out, size_t outsz)
{
    char text[300] = "";
    cJSON *o = len ? cJSON_ParseWithLength(body, len) : NULL;
    const char *keys[] = {"message", "error", "reason", "detail"};
    for (int i = 0; o && i < 4 && !text[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[i]);
        if (cJSON_IsString(v))
            log_sanitize(text, sizeof text, v->valuestring, strlen(v->valuestring));
        else if (cJSON_IsObject(v) &&
                 cJSON_IsString(cJSON_GetObjectItemCaseSensitive(v, "message"))) {
            const char *m = cJSON_GetObjectItemCaseSensitive(v, "message")->valuestring;
            log_sanitize(text, sizeof text, m, strlen(m));
        }
    }
    cJSON_Delete(o);
    /* S3 and friends answer in XML: <Code> and <Message> say it all. */
    char head[4096];
    snprintf(head, sizeof head, "%.*s", (int)(len < 4095 ? len : 4095), body ? body : "");
    const char *code = !text[0] ? strstr(head, "<Code>") : NULL;
    const char *msg = !text[0] ? strstr(head, "<Message>") : NULL;
    if (code && msg) {
        const char *ce = strstr(code, "</Code>"), *me = strstr(msg, "</Message>");
        char tmp[300];
        if (ce && me) {
            snprintf(tmp, sizeof tmp, "%.*s: %.*s", (int)(ce - code - 6), code + 6,
                     (int)(me - msg - 9), msg + 9);
            log_sanitize(text, sizeof text, tmp, strlen(tmp));
        }
    }
    if (!text[0] && len)
        log_sanitize(text, sizeof text, body, len < 200 ? len : 200);
    snprintf(out, outsz, "HTTP %ld%s%s", status, text[0] ? ": " : "", text);
}
