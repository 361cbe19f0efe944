// SPDX-License-Identifier: Apache-2.0
/*
 * qr — QR codes as SVG, made on the server with libqrencode, so the page
 * needs no script to draw them and the bytes on screen are exactly the URL.
 */
#ifndef MB_QR_H
#define MB_QR_H

#include "firmware/base/err.h"

struct buf;

/*
 * Appends to out an SVG document of text encoded at ECC level M, with a
 * 4-module quiet zone, one module = one user unit (the page scales it).
 * 0, or -1 with e (text too long for a QR code, ENOMEM).
 */
int qr_svg(const char *text, struct buf *out, struct err *e);

#endif
