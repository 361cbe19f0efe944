// SPDX-License-Identifier: Apache-2.0
/*
 * err — filling struct err with a code and a message that carries context.
 */
#include "firmware/base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(struct err *e, enum err_code code, const char *fmt, ...)
{
    if (!e)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    e->code = code;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int err_wrap(struct err *e, const char *fmt, ...)
{
    if (!e)
        return -1;
    char prefix[256], old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    /* Keep as much of both as fits; the tail of a long message goes. */
    size_t pl = strnlen(prefix, sizeof e->msg - 3);
    memcpy(e->msg, prefix, pl);
    memcpy(e->msg + pl, ": ", 2);
    size_t room = sizeof e->msg - pl - 3;
    size_t ol = strnlen(old, room);
    memcpy(e->msg + pl + 2, old, ol);
    e->msg[pl + 2 + ol] = '\0';
    if (e->code == ERR_OK)
        e->code = ERR_INTERNAL;
    return -1;
}

void err_clear(struct err *e)
{
    if (e) {
        e->code = ERR_OK;
        e->msg[0] = '\0';
    }
}

const char *err_code_name(enum err_code code)
{
    /* A switch without default: the compiler names a new code left out. */
    switch (code) {
    case ERR_OK:
        return "ok";
    case ERR_INVALID:
        return "invalid input";
    case ERR_NOTFOUND:
        return "not found";
    case ERR_IO:
        return "I/O error";
    case ERR_FULL:
        return "disk full";
    case ERR_BUSY:
        return "busy";
    case ERR_INTERNAL:
        return "internal error";
    }
    return "unknown error";
}
