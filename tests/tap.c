// SPDX-License-Identifier: Apache-2.0
/*
 * tap — TAP output helpers for the unit tests.
 */
#include "tests/tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

bool tap_ok(bool cond, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    tap_n++;
    printf("%sok %d - ", cond ? "" : "not ", tap_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!cond) {
        tap_failed++;
        printf("#   failed at %s:%d\n", file, line);
    }
    fflush(stdout);
    return cond;
}

bool tap_is_int(long long got, long long want, const char *file, int line, const char *name)
{
    bool r = tap_ok(got == want, file, line, "%s", name);
    if (!r)
        printf("#   got %lld, want %lld\n", got, want);
    return r;
}

bool tap_is_str(const char *got, const char *want, const char *file, int line, const char *name)
{
    bool same = (!got && !want) || (got && want && strcmp(got, want) == 0);
    bool r = tap_ok(same, file, line, "%s", name);
    if (!r)
        printf("#   got  '%s'\n#   want '%s'\n", got ? got : "(null)", want ? want : "(null)");
    return r;
}

void tap_diag(const char *fmt, ...)
{
    /* Every line of a multi-line message gets its "# ", or the runner
     * rightly reads the rest as output that is not TAP. */
    char buf[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (const char *p = buf;;) {
        const char *nl = strchr(p, '\n');
        printf("# %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
        if (!nl)
            break;
        p = nl + 1;
    }
    fflush(stdout);
}

int tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}
