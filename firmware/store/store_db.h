// SPDX-License-Identifier: Apache-2.0
/*
 * store_db — the SQLite connection of a store and its statement cache, for
 * the modules of firmware/store/ only: no file outside this folder includes
 * it (tests/integration/layout.t checks), so no SQL lives anywhere else.
 *
 * Every statement is prepared once per connection with
 * SQLITE_PREPARE_PERSISTENT and kept until the store closes. A module keeps
 * its SQL in static const strings and asks for the statement by that
 * string's address:
 *
 *     static const char SQL_GET[] = "SELECT value FROM meta WHERE key = ?1";
 *     sqlite3_stmt *st = store_db_stmt(d, SQL_GET, e);
 *
 * The statement comes back reset and unbound. Same thread rules as the
 * store: one connection belongs to one thread.
 */
#ifndef MB_STORE_DB_H
#define MB_STORE_DB_H

#include <sqlite3.h>

#include "firmware/base/err.h"

struct store_db;

/* Wraps an open connection (not owned: the caller closes it after
 * store_db_free). Returns NULL when out of memory. */
struct store_db *store_db_new(sqlite3 *h);

/* Finalises every cached statement and frees d (NULL-safe). */
void store_db_free(struct store_db *d);

/* The raw connection. */
sqlite3 *store_db_handle(struct store_db *d);

/*
 * The statement for sql, prepared on first use and cached by the address of
 * sql (which must be a string that lives as long as the program: a literal
 * or a static array). Returns it reset and with its bindings cleared, or
 * NULL with e set (ERR_INTERNAL with SQLite's message) when it does not
 * prepare.
 */
sqlite3_stmt *store_db_stmt(struct store_db *d, const char *sql, struct err *e);

/* Sets e from the connection's last error (ERR_FULL for a full disk,
 * ERR_BUSY for a lock, ERR_IO otherwise) as "what: SQLite's text";
 * returns -1. */
int store_db_fail(struct store_db *d, struct err *e, const char *what);

/* Steps st once, expecting no row or ignoring it, and resets it. Returns 0,
 * or -1 through store_db_fail. */
int store_db_step_done(struct store_db *d, sqlite3_stmt *st, struct err *e, const char *what);

/* Runs SQL without results (pragmas, BEGIN/COMMIT). Returns 0, or -1 with e
 * set ("sql: message"). */
int store_db_exec(struct store_db *d, const char *sql, struct err *e);

/* A copy of a text column (malloc'd), or NULL for NULL or out of memory. */
char *store_db_text(sqlite3_stmt *st, int col);

#endif
