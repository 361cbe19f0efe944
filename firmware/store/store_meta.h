// SPDX-License-Identifier: Apache-2.0
/*
 * store_meta — the store's meta table: small named values that belong to the
 * device rather than to a lead (the admin PIN hash "ui.admin_pin_hash", the
 * ETags of the last config and catalog pulls "sync.etag.*" …). Keys are
 * ASCII names with a dotted prefix naming the subsystem that owns them.
 */
#ifndef MB_STORE_META_H
#define MB_STORE_META_H

#include "firmware/base/err.h"

struct store;

/*
 * Reads key. Returns 0 with *value set (malloc'd, the caller frees), 1 when
 * the key is not there (*value NULL), or -1 with e set.
 */
int store_meta_get(struct store *s, const char *key, char **value, struct err *e);

/* Sets key to value (both copied), durably. Returns 0, or -1 with e set. */
int store_meta_set(struct store *s, const char *key, const char *value, struct err *e);

/* Removes key (absent is fine). Returns 0, or -1 with e set. */
int store_meta_delete(struct store *s, const char *key, struct err *e);

#endif
