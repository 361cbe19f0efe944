// SPDX-License-Identifier: Apache-2.0
/*
 * export_out — the buffered output of an export to a file descriptor (a
 * file, a pipe, stdout). It remembers the first write error instead of
 * failing every call, so a format module writes a whole lead and the export
 * checks once.
 */
#ifndef MB_EXPORT_OUT_H
#define MB_EXPORT_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct export_out {
    int fd;
    char *buf; /* cap bytes, the caller's */
    size_t len, cap;
    uint64_t written;
    int error; /* errno of the first failed write, 0 if none */
};

/* Writes the buffered bytes to fd (retrying on EINTR and short writes) and
 * empties the buffer. Returns 0, or -1 with o->error set. */
int export_out_flush(struct export_out *o);

/* Appends (flushing when full; a piece bigger than the buffer is written
 * straight through). Returns 0, or -1 with o->error set. */
int export_out_write_slow(struct export_out *o, const void *p, size_t n);

/* Appends n bytes; inline because the CSV writer calls it a few dozen
 * times per lead. Returns 0, or -1 with o->error set. */
static inline int export_out_write(struct export_out *o, const void *p, size_t n)
{
    if (o->error || o->len + n > o->cap)
        return export_out_write_slow(o, p, n);
    memcpy(o->buf + o->len, p, n);
    o->len += n;
    return 0;
}

/* Appends the string s. Returns 0, or -1 with o->error set. */
int export_out_puts(struct export_out *o, const char *s);

#endif
