// SPDX-License-Identifier: Apache-2.0
/*
 * err — the error value every fallible function fills: a status and a
 * message with context ("store: insert lead: database or disk is full").
 *
 * Functions return 0 on success or -1 on failure and, on failure, fill the
 * caller's struct err (when not NULL). Library messages (SQLite's errmsg,
 * curl_easy_strerror, strerror) are passed through inside the message.
 */
#ifndef MB_ERR_H
#define MB_ERR_H

#include <stddef.h>

enum err_code {
    ERR_OK = 0,
    ERR_INVALID,  /* bad input from a user, a file or a peer */
    ERR_NOTFOUND, /* no such lead, show, file */
    ERR_IO,       /* disk, socket, device */
    ERR_FULL,     /* disk full */
    ERR_BUSY,     /* try again later */
    ERR_INTERNAL  /* a bug or a library failure */
};

struct err {
    enum err_code code;
    char msg[512];
};

/* Sets e (if not NULL) and returns -1, so callers can `return err_set(...)`. */
int err_set(struct err *e, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes e->msg with "ctx: " (keeps the code); returns -1. NULL-safe. */
int err_wrap(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Clears e (NULL-safe). */
void err_clear(struct err *e);

/*
 * What kind of failure code is, in words for a person: "ok", "invalid
 * input", "not found", "I/O error", "disk full", "busy", "internal error";
 * "unknown error" for a value outside the enum. Never NULL; static storage.
 */
const char *err_code_name(enum err_code code);

#endif
