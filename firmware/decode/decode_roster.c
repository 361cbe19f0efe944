// SPDX-License-Identifier: Apache-2.0
/*
 * decode_roster — a badge that carries only an attendee id ("SB12345",
 * "0002427"). The show's id_pattern (POSIX ERE, anchor it) says what an id
 * looks like; its first subexpression, if any, is the id. The id is looked up
 * in the show's roster (roster.c) by decode_payload, which does so for every
 * decoder that finds a badge id; here we only recognise it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/decode/decode_util.h"

#define ID_MAX 256

static int roster_decode(const struct decode_ctx *ctx, const uint8_t *u, size_t n,
                         struct lead_fields *out)
{
    const char *p = (const char *)u;
    while (n && isspace((unsigned char)*p))
        p++, n--;
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    if (n == 0 || n > ID_MAX || memchr(p, 0, n))
        return 0;
    if (!decode_util_utf8_valid((const uint8_t *)p, n))
        return 0;
    char text[ID_MAX + 1];
    memcpy(text, p, n);
    text[n] = 0;
    char *id = NULL;
    int m = decode_util_regex(ctx, "id_pattern", text, &id);
    if (m != 1) {
        free(id);
        return m == -1 ? -1 : 0;
    }
    if (!*id) {
        free(id);
        return 0;
    }
    if (lead_set(&out->format, "roster") < 0) {
        free(id);
        return -1;
    }
    out->badge_id = id;
    return 1;
}

const struct decoder decode_roster = {"roster", roster_decode};
