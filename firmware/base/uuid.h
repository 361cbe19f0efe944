// SPDX-License-Identifier: Apache-2.0
/*
 * uuid — UUIDv7 (RFC 9562): 48 bits of Unix ms, then random bits, so ids sort
 * by creation time and never collide between kiosks.
 */
#ifndef MB_UUID_H
#define MB_UUID_H

#include <stdint.h>

#define UUID_STR_LEN 37 /* 36 characters + NUL */

/*
 * Writes a new UUIDv7 for time ms as lower-case text into out. Ids made in
 * one process within the same ms still sort in creation order (a counter
 * fills the rand_a bits). Returns 0, or -1 if no randomness is available.
 */
int uuid_v7(int64_t ms, char out[UUID_STR_LEN]);

/* True if s is a well-formed UUID (any version) in canonical text form. */
int uuid_valid(const char *s);

#endif
