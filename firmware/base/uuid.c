// SPDX-License-Identifier: Apache-2.0
/*
 * uuid — UUIDv7 generation from the wall clock and getrandom(2).
 */
#include "firmware/base/uuid.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

int uuid_v7(int64_t ms, char out[UUID_STR_LEN])
{
    /* Monotonic within the process: same or earlier ms reuses the last ms
     * and bumps the 12-bit counter, so ids sort in creation order. */
    static int64_t last_ms = -1;
    static uint16_t counter;
    uint8_t r[10];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        return -1;
    if (ms <= last_ms) {
        ms = last_ms;
        if (++counter > 0xfff) {
            ms = ++last_ms;
            counter = r[0] & 0x1ff;
        }
    } else {
        last_ms = ms;
        counter = (uint16_t)((r[0] << 8 | r[1]) & 0x1ff); /* leave headroom */
    }
    uint8_t u[16];
    uint64_t t = (uint64_t)ms;
    for (int i = 0; i < 6; i++)
        u[i] = (uint8_t)(t >> (40 - 8 * i));
    u[6] = (uint8_t)(0x70 | (counter >> 8));
    u[7] = (uint8_t)counter;
    memcpy(u + 8, r + 2, 8);
    u[8] = (uint8_t)(0x80 | (u[8] & 0x3f));
    snprintf(out, UUID_STR_LEN,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
    return 0;
}

int uuid_valid(const char *s)
{
    if (!s || strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}
