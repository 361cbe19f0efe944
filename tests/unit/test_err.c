// SPDX-License-Identifier: Apache-2.0
/*
 * test_err — the error value: err_set/err_wrap keep the code and build the
 * message with its context (a long one cut, never overrun), NULL-safety, and
 * err_code_name's words for each code, distinct, and for a value outside
 * the enum.
 */
#include <string.h>

#include "firmware/base/err.h"
#include "tests/tap.h"

int main(void)
{
    struct err e = {0};

    /* err_set / err_wrap / err_clear */
    is_int(err_set(&e, ERR_NOTFOUND, "lead %s", "0190-abc"), -1, "err_set returns -1");
    is_int(e.code, ERR_NOTFOUND, "err_set sets the code");
    is_str(e.msg, "lead 0190-abc", "err_set formats the message");
    is_int(err_wrap(&e, "store: %s", "get"), -1, "err_wrap returns -1");
    is_str(e.msg, "store: get: lead 0190-abc", "err_wrap puts the context in front");
    is_int(e.code, ERR_NOTFOUND, "err_wrap keeps the code");
    err_clear(&e);
    ok(e.code == ERR_OK && e.msg[0] == '\0', "err_clear empties it");
    err_wrap(&e, "ctx");
    is_int(e.code, ERR_INTERNAL, "wrapping an unset error makes it internal, not ok");
    is_int(err_set(NULL, ERR_IO, "x"), -1, "err_set(NULL) still returns -1");
    is_int(err_wrap(NULL, "x"), -1, "err_wrap(NULL) still returns -1");
    err_clear(NULL);
    ok(1, "err_clear(NULL) is harmless");

    char big[2 * sizeof e.msg];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    err_set(&e, ERR_IO, "%s", big);
    is_int((long long)strlen(e.msg), (long long)sizeof e.msg - 1, "an over-long message is cut");
    err_wrap(&e, "%s", big);
    ok(strlen(e.msg) < sizeof e.msg && e.code == ERR_IO, "wrapping it stays inside the buffer");

    /* err_code_name */
    is_str(err_code_name(ERR_OK), "ok", "ERR_OK");
    is_str(err_code_name(ERR_INVALID), "invalid input", "ERR_INVALID");
    is_str(err_code_name(ERR_NOTFOUND), "not found", "ERR_NOTFOUND");
    is_str(err_code_name(ERR_IO), "I/O error", "ERR_IO");
    is_str(err_code_name(ERR_FULL), "disk full", "ERR_FULL");
    is_str(err_code_name(ERR_BUSY), "busy", "ERR_BUSY");
    is_str(err_code_name(ERR_INTERNAL), "internal error", "ERR_INTERNAL");
    is_str(err_code_name((enum err_code)42), "unknown error", "a value outside the enum");
    is_str(err_code_name((enum err_code) - 1), "unknown error", "a negative value");
    int distinct = 1;
    for (int i = ERR_OK; i <= ERR_INTERNAL; i++)
        for (int j = i + 1; j <= ERR_INTERNAL; j++)
            if (!strcmp(err_code_name((enum err_code)i), err_code_name((enum err_code)j)))
                distinct = 0;
    ok(distinct, "every code has its own words");
    return done_testing();
}
