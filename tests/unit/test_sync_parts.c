// SPDX-License-Identifier: Apache-2.0
/*
 * test_sync_parts — the sync worker's pure parts: the online/offline
 * hysteresis (net), the client-side rate limit and its times kept across a
 * reload (rate), the reason read from a refusing server's answer
 * (retry_reason), and the batch idempotency key (sink_idem_key), checked
 * against coreutils' sha256sum.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sync/net.h"
#include "sync/rate.h"
#include "sync/retry.h"
#include "sync/sink.h"
#include "tests/tap.h"

static void test_net(void)
{
    struct net n = {0};
    is_str(net_name(n.state), "unknown", "starts unknown");
    ok(net_result(&n, true, 2, 3) && n.state == NET_ONLINE, "the first answer: online");
    ok(!net_result(&n, false, 2, 3) && !net_result(&n, false, 2, 3), "two failures: no change");
    ok(n.state == NET_ONLINE, "still online");
    ok(net_result(&n, false, 2, 3) && n.state == NET_OFFLINE, "the third in a row: offline");
    ok(!net_result(&n, true, 2, 3) && n.state == NET_OFFLINE, "one answer is not enough");
    ok(!net_result(&n, false, 2, 3), "a failure resets the count");
    ok(!net_result(&n, true, 2, 3) && net_result(&n, true, 2, 3) && n.state == NET_ONLINE,
       "two answers in a row: online");
    ok(!net_result(&n, false, 2, 3) && !net_result(&n, true, 2, 3) &&
           !net_result(&n, false, 2, 3) && !net_result(&n, false, 2, 3),
       "an answer between failures keeps it online");
    struct net u = {0};
    ok(!net_result(&u, false, 1, 2) && net_result(&u, false, 1, 2) && u.state == NET_OFFLINE,
       "unknown goes offline after offline_after failures");
    is_str(net_name(NET_OFFLINE), "offline", "names");
    is_str(net_name((enum net_state)7), "unknown", "an out-of-range state is unknown");
}

static void test_rate(void)
{
    struct rate r;
    uint64_t wait = 0;
    ok(rate_init(&r, "none", 0, 10000) == 0 && rate_ok(&r, 1, &wait), "no limit: always ok");
    rate_note(&r, 1);
    rate_keep(&r, "none");
    ok(r.ring == NULL, "nothing to keep without a limit");

    /* 3 per 10 s, margin 5 % of the window but at least 250 ms: 500 ms. */
    ok(rate_init(&r, "crm", 3, 10000) == 0, "3 per 10 s");
    for (uint64_t t = 1000; t < 4000; t += 1000) {
        ok(rate_ok(&r, t, &wait), "request at %llu ms allowed", (unsigned long long)t);
        rate_note(&r, t);
    }
    ok(!rate_ok(&r, 4000, &wait), "the fourth within the window waits");
    is_int((long long)wait, 1000 + 10000 + 500 - 4000, "until the oldest leaves the window");
    ok(rate_ok(&r, 11500, &wait), "then it may go");

    /* A reload keeps the times for the same name and limit. */
    rate_keep(&r, "crm");
    ok(r.ring == NULL && r.max == 0, "kept and emptied");
    ok(rate_init(&r, "crm", 3, 10000) == 0 && !rate_ok(&r, 4000, &wait),
       "the next worker takes the times over");
    rate_keep(&r, "crm");
    ok(rate_init(&r, "crm", 4, 10000) == 0 && rate_ok(&r, 4000, &wait),
       "a changed limit starts afresh");
    rate_keep(&r, "crm");
    ok(rate_init(&r, "other", 3, 10000) == 0 && rate_ok(&r, 4000, &wait),
       "another sink's times are its own");
    rate_keep(&r, "other");
    /* A window under 5 s has the 250 ms floor as margin. */
    ok(rate_init(&r, "short", 1, 1000) == 0, "1 per second");
    rate_note(&r, 100);
    ok(!rate_ok(&r, 1300, &wait) && wait == 50, "margin of at least 250 ms (wait %llu)",
       (unsigned long long)wait);
    free(r.ring);
}

static void reason_is(const char *body, long status, const char *want, const char *name)
{
    char out[600];
    retry_reason(body, body ? strlen(body) : 0, status, out, sizeof out);
    is_str(out, want, name);
}

static void test_reason(void)
{
    reason_is(NULL, 400, "HTTP 400", "no body: the status alone");
    reason_is("{\"message\":\"Invalid email\"}", 400, "HTTP 400: Invalid email", "JSON message");
    reason_is("{\"status\":\"error\",\"errors\":[],\"error\":\"INVALID_EMAIL\"}", 400,
              "HTTP 400: INVALID_EMAIL", "JSON error");
    reason_is("{\"error\":{\"code\":7,\"message\":\"quota\"}}", 403, "HTTP 403: quota",
              "an error object's message");
    reason_is("{\"message\":\"first\",\"reason\":\"second\"}", 422, "HTTP 422: first",
              "message before reason");
    reason_is("{\"detail\":\"Not allowed\"}", 405, "HTTP 405: Not allowed", "JSON detail");
    reason_is("<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code>"
              "<Message>Access Denied</Message></Error>",
              403, "HTTP 403: AccessDenied: Access Denied", "S3 XML");
    reason_is("bad\x1b[31m line\r\nforged", 400, "HTTP 400: bad?[31m line??forged",
              "control characters made printable");
    char big[1000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char out[600];
    retry_reason(big, strlen(big), 400, out, sizeof out);
    is_int((long long)strlen(out), (long long)strlen("HTTP 400: ") + 200,
           "a plain body is cut at 200 bytes");
    char small[12];
    retry_reason("{\"message\":\"Invalid email\"}", 27, 400, small, sizeof small);
    is_str(small, "HTTP 400: I", "cut to the caller's buffer");
}

static void test_idem_key(void)
{
    struct sink_entry v[2] = {
        {.outbox_id = 17, .version = 3, .lead_id = "0190a4b2-0000-7000-8000-000000000001"},
        {.outbox_id = 18, .version = 1, .lead_id = "0190a4b2-0000-7000-8000-000000000002"},
    };
    char key[65], again[65], other[65];
    sink_idem_key("crm", v, 2, key);
    sink_idem_key("crm", v, 2, again);
    is_int((long long)strlen(key), 64, "64 hex digits");
    is_str(again, key, "the same rows give the same key");
    v[1].version = 2;
    sink_idem_key("crm", v, 2, other);
    ok(strcmp(other, key), "a new version gives another key");
    v[1].version = 1;
    sink_idem_key("spool", v, 2, other);
    ok(strcmp(other, key), "another sink gives another key");

    /* The documented input, hashed by coreutils. */
    char path[] = "/tmp/test_sync_parts_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    char want[65] = "";
    if (f) {
        fwrite("crm", 1, 4, f); /* the name and its NUL */
        fprintf(f, "17:%s:3\n18:%s:1\n", v[0].lead_id, v[1].lead_id);
        fclose(f);
        char cmd[300];
        snprintf(cmd, sizeof cmd, "sha256sum %s", path);
        FILE *p = popen(cmd, "r");
        if (p) {
            if (fscanf(p, "%64s", want) != 1)
                want[0] = '\0';
            pclose(p);
        }
        unlink(path);
    }
    is_str(key, want, "SHA-256 of name, NUL and id:lead:version lines (sha256sum)");
}

int main(void)
{
    test_net();
    test_rate();
    test_reason();
    test_idem_key();
    return done_testing();
}
