// SPDX-License-Identifier: Apache-2.0
/*
 * clock — wall clock + boot time stamps, and whether the wall clock can be
 * trusted (the kernel's NTP state through adjtimex).
 */
#include "firmware/base/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>

static int64_t ts_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *clock_boot_id(void)
{
    static char id[40];
    if (!id[0]) {
        FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
        if (!f || !fgets(id, sizeof id, f))
            snprintf(id, sizeof id, "unknown");
        if (f)
            fclose(f);
        id[strcspn(id, "\n")] = '\0';
    }
    return id;
}

/* The test override: MATCHBOOTH_CLOCK=file:PATH ("trusted|untrusted [skew]").
 * Returns 1 if it applied. */
static int clock_override(bool *trusted, int64_t *skew)
{
    const char *env = getenv("MATCHBOOTH_CLOCK");
    if (!env || strncmp(env, "file:", 5) != 0)
        return 0;
    FILE *f = fopen(env + 5, "r");
    if (!f)
        return 0;
    char word[32] = "";
    long long sk = 0;
    int n = fscanf(f, "%31s %lld", word, &sk);
    fclose(f);
    if (n < 1)
        return 0;
    *trusted = strcmp(word, "trusted") == 0;
    *skew = n == 2 ? sk : 0;
    return 1;
}

void clock_now(struct clock_stamp *out)
{
    bool trusted;
    int64_t skew = 0;
    if (!clock_override(&trusted, &skew)) {
        struct timex tx = {0};
        int state = adjtimex(&tx);
        trusted = state != TIME_ERROR && state >= 0 && !(tx.status & STA_UNSYNC);
    }
    out->real_ms = ts_ms(CLOCK_REALTIME) + skew;
    out->mono_ms = ts_ms(CLOCK_BOOTTIME);
    snprintf(out->boot_id, sizeof out->boot_id, "%s", clock_boot_id());
    out->trusted = trusted;
}

void clock_format_utc(int64_t ms, char *out, size_t outsz)
{
    time_t sec = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int frac = (int)(ms - (int64_t)sec * 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

int clock_parse_iso(const char *s, int64_t *out_ms)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
        return -1;
    const char *p = s + n;
    int64_t frac = 0;
    if (*p == 'T' || *p == ' ') {
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &n) != 2)
            return -1;
        p += 1 + n;
        if (*p == ':') {
            if (sscanf(p + 1, "%2d%n", &sec, &n) != 1)
                return -1;
            p += 1 + n;
        }
        if (*p == '.') {
            int digits = 0;
            for (p++; *p >= '0' && *p <= '9'; p++, digits++)
                if (digits < 3)
                    frac = frac * 10 + (*p - '0');
            for (; digits < 3; digits++)
                frac *= 10;
        }
    }
    int off_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om = 0;
        int sign = *p == '-' ? -1 : 1;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) == 2 ||
            sscanf(p + 1, "%2d%2d%n", &oh, &om, &n) == 2)
            p += 1 + n;
        else
            return -1;
        off_min = sign * (oh * 60 + om);
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec};
    time_t t = timegm(&tm);
    *out_ms = ((int64_t)t - off_min * 60) * 1000 + frac;
    return 0;
}
