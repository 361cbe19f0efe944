// SPDX-License-Identifier: Apache-2.0
/*
 * test_sync_retry — the sync worker's failure policy: which outcomes are
 * retried, the full-jitter back-off bounds, Retry-After in both forms.
 */
#include <curl/curl.h>
#include <stdint.h>

#include "sync/retry.h"
#include "tests/tap.h"

int main(void)
{
    /* Classes. */
    is_int(retry_classify(CURLE_OK, 200), RETRY_DONE, "200 done");
    is_int(retry_classify(CURLE_OK, 204), RETRY_DONE, "204 done");
    is_int(retry_classify(CURLE_OK, 500), RETRY_AGAIN, "500 retried");
    is_int(retry_classify(CURLE_OK, 503), RETRY_AGAIN, "503 retried");
    is_int(retry_classify(CURLE_OK, 408), RETRY_AGAIN, "408 retried");
    is_int(retry_classify(CURLE_OK, 429), RETRY_AGAIN, "429 retried");
    is_int(retry_classify(CURLE_OK, 400), RETRY_REJECT, "400 rejected");
    is_int(retry_classify(CURLE_OK, 401), RETRY_REJECT, "401 rejected");
    is_int(retry_classify(CURLE_OK, 404), RETRY_REJECT, "404 rejected");
    is_int(retry_classify(CURLE_OK, 301), RETRY_REJECT, "an unfollowed redirect is rejected");
    is_int(retry_classify(CURLE_COULDNT_CONNECT, 0), RETRY_AGAIN, "connect error retried");
    is_int(retry_classify(CURLE_OPERATION_TIMEDOUT, 0), RETRY_AGAIN, "timeout retried");
    is_int(retry_classify(CURLE_PEER_FAILED_VERIFICATION, 0), RETRY_AGAIN,
           "TLS verification failure retried (and shown)");
    is_int(retry_classify(CURLE_SEND_ERROR, 0), RETRY_AGAIN, "reset retried");

    /* Full jitter: within [0, min(cap, base * 2^n)]. */
    int inside = 1;
    for (unsigned n = 0; n < 40; n++)
        for (uint64_t r = 0; r < 5000; r += 7) {
            uint64_t ceil = n >= 20 ? 60000 : (uint64_t)100 << n;
            if (ceil > 60000)
                ceil = 60000;
            uint64_t d = retry_delay_ms(n, 100, 60000, 0, r * 2654435761u);
            if (d > ceil)
                inside = 0;
        }
    ok(inside, "delays stay under the exponential ceiling and the cap");
    is_int((long long)retry_delay_ms(0, 100, 60000, 0, 0), 0, "full jitter reaches 0");
    is_int((long long)retry_delay_ms(3, 100, 60000, 0, 800), 800, "ceiling at attempt 3 is 800");
    is_int((long long)retry_delay_ms(3, 100, 60000, 0, 801), 0, "and wraps within it");
    is_int((long long)retry_delay_ms(60, 100, 60000, 0, 60000), 60000, "cap holds at attempt 60");
    is_int((long long)retry_delay_ms(0, 100, 60000, 5000, 3), 5000,
           "never shorter than Retry-After");
    is_int((long long)retry_delay_ms(0, 100, 1000, 120000, 3), 120000,
           "Retry-After may exceed the cap");

    /* Retry-After. */
    is_int(retry_after_parse("120", 0), 120000, "delta-seconds");
    is_int(retry_after_parse(" 0 ", 0), 0, "zero");
    is_int(retry_after_parse("abc", 0), -1, "garbage");
    is_int(retry_after_parse("12x", 0), -1, "trailing garbage");
    is_int(retry_after_parse("", 0), -1, "empty");
    is_int(retry_after_parse(NULL, 0), -1, "NULL");
    int64_t t = 1445412480000; /* Wed, 21 Oct 2015 07:28:00 GMT */
    is_int(retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT", t - 30000), 30000, "HTTP-date");
    is_int(retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT", t + 5000), 0, "a date passed");
    is_int(retry_after_parse("99999999999", 0), -1, "absurd delta refused");
    return done_testing();
}
