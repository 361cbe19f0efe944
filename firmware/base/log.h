// SPDX-License-Identifier: Apache-2.0
/*
 * log — one line per event on stderr, with a level.
 *
 * Lines look like "2026-11-22T12:00:00Z info store: lead 0190… captured".
 * Personal data (names, emails, phones, payload text) never goes out at info
 * level or above: log lead ids and byte counts instead. At debug level the
 * caller may log more, and log_sanitize() makes untrusted text printable.
 */
#ifndef MB_LOG_H
#define MB_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Sets the lowest level printed (default LOG_INFO). */
void log_set_level(enum log_level level);

/* Parses "debug", "info", "warn", "error"; returns -1 on anything else. */
int log_level_parse(const char *name);

/* Prints one line: time, level, tag, message. Never fails. */
void log_msg(enum log_level level, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_debug(tag, ...) log_msg(LOG_DEBUG, tag, __VA_ARGS__)
#define log_info(tag, ...)  log_msg(LOG_INFO, tag, __VA_ARGS__)
#define log_warn(tag, ...)  log_msg(LOG_WARN, tag, __VA_ARGS__)
#define log_error(tag, ...) log_msg(LOG_ERROR, tag, __VA_ARGS__)

/*
 * Copies at most n bytes of untrusted text into out (size outsz, always
 * NUL-terminated), replacing control characters and invalid UTF-8 by '?', so
 * a badge cannot forge log lines or terminal escapes.
 */
void log_sanitize(char *out, size_t outsz, const char *in, size_t n);

#endif
