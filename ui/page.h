// SPDX-License-Identifier: Apache-2.0
/*
 * page — the files compiled into the binary (ui/assets.h) as routes: "/" is
 * the kiosk (kiosk.html), "/admin" the admin page (admin.html), any other
 * path the asset of that name (/kiosk.js, /i18n-de.json …).
 */
#ifndef MB_UI_PAGE_H
#define MB_UI_PAGE_H

struct route_ctx;
struct route_req;
struct reply;

/* Route handler: the asset at q->path, or 404 "not found". */
void page_serve(const struct route_ctx *c, const struct route_req *q, struct reply *r);

#endif
