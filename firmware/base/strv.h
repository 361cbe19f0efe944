// SPDX-License-Identifier: Apache-2.0
/*
 * strv — a growable, owned vector of NUL-terminated strings (emails, phones,
 * warnings …). Zero-initialised storage is an empty vector.
 */
#ifndef MB_STRV_H
#define MB_STRV_H

#include <stddef.h>

struct strv {
    char **v;
    size_t n, cap;
};

/* Appends a copy of s (NULL is ignored). Returns 0, or -1 on ENOMEM. */
int strv_push(struct strv *sv, const char *s);

/* Appends a copy of s unless an equal string (strcmp) is already there. */
int strv_push_unique(struct strv *sv, const char *s);

/* Index of s in sv, or -1. */
long strv_find(const struct strv *sv, const char *s);

/* Frees every string and the array; leaves sv empty and reusable. */
void strv_free(struct strv *sv);

/* Splits s at every sep into trimmed, non-empty items appended to sv. */
int strv_split(struct strv *sv, const char *s, char sep);

#endif
