// SPDX-License-Identifier: Apache-2.0
/*
 * page — static files from the binary (see page.h).
 */
#include "ui/page.h"

#include <microhttpd.h>
#include <string.h>

#include "ui/assets.h"
#include "ui/reply.h"
#include "ui/route.h"

static const struct asset *asset_find(const char *path)
{
    for (const struct asset *a = assets_table; a->path; a++)
        if (!strcmp(a->path, path))
            return a;
    return NULL;
}

void page_serve(const struct route_ctx *c, const struct route_req *q, struct reply *r)
{
    const struct asset *a = asset_find(!strcmp(q->path, "/")        ? "/kiosk.html"
                                       : !strcmp(q->path, "/admin") ? "/admin.html"
                                                                    : q->path);
    if (!a) {
        reply_error(r, MHD_HTTP_NOT_FOUND, "not found");
        return;
    }
    r->code = MHD_HTTP_OK;
    r->type = a->type;
    buf_add(&r->body, a->data, a->len);
}
