// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_common — what every decoder fuzz target shares: a set of show
 * profiles (the first input byte picks one, the rest is the payload), an
 * in-memory roster, and the checks made on every decoded record.
 */
#ifndef MB_FUZZ_COMMON_H
#define MB_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

struct decoder;

/*
 * Runs decoder d (NULL: the whole decode_payload) on data[1..n) with the
 * profile data[0] selects, then checks the record: every string valid UTF-8
 * without NUL, format set for decode_payload. Aborts on a violation, so
 * libFuzzer reports it. Always returns 0.
 */
int fuzz_one(const struct decoder *d, const uint8_t *data, size_t n);

#endif
