// SPDX-License-Identifier: Apache-2.0
/*
 * clock — capture time stamps that survive a kiosk without a real-time clock.
 *
 * Each stamp carries the wall-clock time (UTC ms), the boot id and the
 * CLOCK_BOOTTIME reading, and whether the wall clock was trustworthy
 * (NTP-synchronised, per adjtimex). When the clock becomes trustworthy, the
 * stamps of this boot that were not are corrected as
 *   real = now_real - (now_mono - stamp_mono)
 * by store_correct_clock().
 *
 * For tests, MATCHBOOTH_CLOCK=file:PATH makes the clock read PATH on every
 * call: "trusted" or "untrusted", optionally followed by a skew in ms added
 * to the wall clock ("untrusted -86400000" = a day behind).
 */
#ifndef MB_CLOCK_H
#define MB_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct clock_stamp {
    int64_t real_ms; /* wall clock, ms since the Unix epoch, UTC */
    int64_t mono_ms; /* CLOCK_BOOTTIME, ms */
    char boot_id[40];
    bool trusted;
};

/* Fills out with the current time. Never fails. */
void clock_now(struct clock_stamp *out);

/* The kernel's boot id (cached), or "unknown". */
const char *clock_boot_id(void);

/* Formats ms since the epoch as "2026-11-22T12:00:00.123Z" into out (>= 32). */
void clock_format_utc(int64_t ms, char *out, size_t outsz);

/* Parses an ISO 8601 / RFC 3339 time (Z or ±hh:mm) to ms; -1 on error. */
int clock_parse_iso(const char *s, int64_t *out_ms);

#endif
