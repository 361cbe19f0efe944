// SPDX-License-Identifier: Apache-2.0
/*
 * lineframe — scans out of a serial byte stream (see lineframe.h).
 */
#include "drivers/lineframe.h"

#include "drivers/dev_conf.h"

void lineframe_flush(struct lineframe *f, bool complete, lineframe_fn done, void *ud)
{
    if (f->line.len)
        done(ud, (const uint8_t *)f->line.data, f->line.len, complete);
    buf_reset(&f->line);
}

void lineframe_feed(struct lineframe *f, const uint8_t *p, size_t n, lineframe_fn done, void *ud)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        bool end = ((c == '\r' || c == '\n') && (f->suffix & SUFFIX_ENTER)) ||
                   (c == '\t' && (f->suffix & SUFFIX_TAB));
        if (end) {
            lineframe_flush(f, true, done, ud);
            continue;
        }
        if (f->line.len >= LINEFRAME_MAX) {
            lineframe_flush(f, false, done, ud);
            continue;
        }
        if (buf_addc(&f->line, (char)c) < 0)
            lineframe_flush(f, false, done, ud); /* out of memory: the scan is lost */
    }
}

bool lineframe_pending(const struct lineframe *f)
{
    return f->line.len > 0;
}

void lineframe_free(struct lineframe *f)
{
    buf_free(&f->line);
}
