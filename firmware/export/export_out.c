// SPDX-License-Identifier: Apache-2.0
/*
 * export_out — buffered export output (see export_out.h).
 */
#include "firmware/export/export_out.h"

#include <errno.h>
#include <unistd.h>

int export_out_flush(struct export_out *o)
{
    size_t off = 0;
    while (off < o->len && !o->error) {
        ssize_t n = write(o->fd, o->buf + off, o->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            o->error = n < 0 ? errno : EIO;
            break;
        }
        off += (size_t)n;
        o->written += (uint64_t)n;
    }
    o->len = 0;
    return o->error ? -1 : 0;
}

int export_out_write_slow(struct export_out *o, const void *p, size_t n)
{
    if (o->error)
        return -1;
    if (o->len + n > o->cap) {
        if (export_out_flush(o) < 0)
            return -1;
        if (n > o->cap) {
            o->len = n; /* write big pieces straight through */
            char *save = o->buf;
            o->buf = (char *)p;
            int r = export_out_flush(o);
            o->buf = save;
            return r;
        }
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
    return 0;
}

int export_out_puts(struct export_out *o, const char *s)
{
    return export_out_write(o, s, strlen(s));
}
