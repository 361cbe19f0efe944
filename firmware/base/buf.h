// SPDX-License-Identifier: Apache-2.0
/*
 * buf — a growable byte buffer, always NUL-terminated after its length, for
 * building messages, JSON and files.
 */
#ifndef MB_BUF_H
#define MB_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
    char *data; /* NULL until the first append */
    size_t len, cap;
};

/* Appends n bytes. Returns 0 or -1 on ENOMEM (buf unchanged). */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Makes sure cap >= len + extra + 1. */
int buf_reserve(struct buf *b, size_t extra);

/* Drops the first n bytes (n <= len). */
void buf_consume(struct buf *b, size_t n);

/* Hands the data to the caller (who frees it) and empties b. Never NULL. */
char *buf_steal(struct buf *b);

void buf_reset(struct buf *b); /* len = 0, keeps memory */
void buf_free(struct buf *b);

/* Standard base64 (with padding). Returns 0 or -1 on ENOMEM. */
int buf_add_base64(struct buf *b, const uint8_t *p, size_t n);

/*
 * Decodes standard or URL-safe base64 (padding optional, whitespace skipped)
 * and appends the bytes. Returns 0, or -1 on an invalid character.
 */
int buf_add_unbase64(struct buf *b, const char *s, size_t n);

#endif
