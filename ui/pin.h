// SPDX-License-Identifier: Apache-2.0
/*
 * pin — the admin PIN, kept only as a salted PBKDF2-HMAC-SHA256 hash
 * (OpenSSL), in the form "pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX".
 *
 * The hash is found in [ui] admin_pin_hash, else in the store's meta table
 * (key "ui.admin_pin_hash", written by `matchbooth ui pin`).
 */
#ifndef MB_PIN_H
#define MB_PIN_H

#include <stddef.h>

#include "firmware/base/err.h"

struct store;

/* Work factor of new hashes: ~40 ms on the 2-core dev VM; verification runs
 * in the loop thread, so it must stay well under a second. */
#define PIN_ITERATIONS 60000
#define PIN_HASH_MAX   160

/*
 * Hashes pin with a fresh random salt into out (at least PIN_HASH_MAX bytes).
 * Refuses PINs shorter than 4 or longer than 64 characters. 0 or -1 with e.
 */
int pin_hash(const char *pin, char *out, size_t outsz, struct err *e);

/* 1 when pin matches stored, 0 when not, -1 when stored is malformed. */
int pin_verify(const char *pin, const char *stored);

/* Reads / writes the hash kept in the store's meta table. pin_load returns a
 * malloc'd string, or NULL when none is set (or on error). */
char *pin_load(struct store *s);
int pin_save(struct store *s, const char *hash, struct err *e);

#endif
