// SPDX-License-Identifier: Apache-2.0
/*
 * qr — libqrencode's module matrix turned into one SVG path: each row's run
 * of dark modules is one "h" segment, which keeps a version-7 code near 4 KB.
 */
#include "ui/qr.h"

#include <errno.h>
#include <qrencode.h>
#include <string.h>

#include "firmware/base/buf.h"

#define QUIET 4

int qr_svg(const char *text, struct buf *out, struct err *e)
{
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q)
        return err_set(e, errno == ERANGE ? ERR_INVALID : ERR_INTERNAL, "qr: cannot encode: %s",
                       strerror(errno));
    int w = q->width, size = w + 2 * QUIET, rc = 0;
    rc |= buf_printf(out,
                     "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                     "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
                     "fill=\"#fff\"/><path fill=\"#000\" d=\"",
                     size, size, size, size);
    for (int y = 0; y < w; y++) {
        for (int x = 0; x < w;) {
            if (!(q->data[y * w + x] & 1)) {
                x++;
                continue;
            }
            int x0 = x;
            while (x < w && (q->data[y * w + x] & 1))
                x++;
            rc |= buf_printf(out, "M%d %dh%dv1h-%dz", x0 + QUIET, y + QUIET, x - x0, x - x0);
        }
    }
    rc |= buf_adds(out, "\"/></svg>");
    QRcode_free(q);
    return rc ? err_set(e, ERR_INTERNAL, "qr: out of memory") : 0;
}
