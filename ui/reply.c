// SPDX-License-Identifier: Apache-2.0
/*
 * reply — handlers' answers and their queuing (see reply.h).
 */
#include "ui/reply.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

#include "firmware/base/log.h"

void reply_json(struct reply *r, unsigned code, cJSON *o)
{
    char *t = cJSON_PrintUnformatted(o);
    r->code = code;
    r->type = "application/json; charset=utf-8";
    buf_reset(&r->body);
    buf_adds(&r->body, t ? t : "{}");
    free(t);
    cJSON_Delete(o);
}

void reply_error(struct reply *r, unsigned code, const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", msg);
    reply_json(r, code, o);
}

void reply_err(struct reply *r, const struct err *e)
{
    unsigned code = e->code == ERR_INVALID    ? MHD_HTTP_BAD_REQUEST
                    : e->code == ERR_NOTFOUND ? MHD_HTTP_NOT_FOUND
                    : e->code == ERR_BUSY     ? MHD_HTTP_SERVICE_UNAVAILABLE
                                              : MHD_HTTP_INTERNAL_SERVER_ERROR;
    if (code == MHD_HTTP_INTERNAL_SERVER_ERROR)
        log_error("ui", "%s", e->msg);
    reply_error(r, code, e->msg[0] ? e->msg : "error");
}

void reply_ok(struct reply *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 1);
    reply_json(r, MHD_HTTP_OK, o);
}

void reply_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                            "form-action 'self'");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
}

enum MHD_Result reply_queue(struct MHD_Connection *conn, struct reply *r)
{
    struct MHD_Response *resp = r->stream;
    r->stream = NULL;
    if (!resp)
        resp = MHD_create_response_from_buffer(
            r->body.len, r->body.data ? r->body.data : (char *)"", MHD_RESPMEM_MUST_COPY);
    buf_free(&r->body);
    if (!resp)
        return MHD_NO;
    reply_headers(resp);
    MHD_add_response_header(resp, "Content-Type", r->type ? r->type : "text/plain; charset=utf-8");
    if (r->cookie[0])
        MHD_add_response_header(resp, "Set-Cookie", r->cookie);
    if (r->retry_after[0])
        MHD_add_response_header(resp, "Retry-After", r->retry_after);
    if (r->disposition)
        MHD_add_response_header(resp, "Content-Disposition", r->disposition);
    enum MHD_Result ret = MHD_queue_response(conn, r->code, resp);
    MHD_destroy_response(resp);
    return ret;
}

void reply_free(struct reply *r)
{
    buf_free(&r->body);
    if (r->stream)
        MHD_destroy_response(r->stream);
    r->stream = NULL;
}
