// SPDX-License-Identifier: Apache-2.0
/*
 * tap — minimal Test Anything Protocol output for the C unit tests, read by
 * tests/run.pl (prove's TAP::Harness).
 */
#ifndef MB_TAP_H
#define MB_TAP_H

#include <stdbool.h>

/* Prints "ok N - name" or "not ok N - name"; returns cond. */
bool tap_ok(bool cond, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool tap_is_int(long long got, long long want, const char *file, int line, const char *name);
bool tap_is_str(const char *got, const char *want, const char *file, int line, const char *name);
/* Prints a "# …" diagnostic line. */
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the plan "1..N"; returns the exit status (0 if all passed). */
int tap_done(void);

#define ok(cond, ...)           tap_ok((cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, name) tap_is_int((got), (want), __FILE__, __LINE__, (name))
#define is_str(got, want, name) tap_is_str((got), (want), __FILE__, __LINE__, (name))
#define diag(...)               tap_diag(__VA_ARGS__)
#define done_testing()          tap_done()

#endif
