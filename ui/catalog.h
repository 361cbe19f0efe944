// SPDX-License-Identifier: Apache-2.0
/*
 * catalog — the local supplier catalog as the kiosk and the CLI use it:
 * import from CSV or JSON files, matching by category, and full-text search
 * (SQLite FTS5 with the trigram tokenizer, so Chinese and Hindi text is
 * found too: unicode61 would treat a whole run of Han characters as one
 * token). This module reads the file formats and the visitor's query; the
 * tables and their SQL are firmware/store/store_catalog.c's, whose contracts
 * the reads below share. Same thread rules as the store.
 *
 * A supplier as JSON (for the page): {"id","name","country","description",
 * "url","categories":[…]}, name and description in the asked language, else
 * English, else any language the file had.
 */
#ifndef MB_CATALOG_H
#define MB_CATALOG_H

#include <stddef.h>

#include "firmware/base/err.h"

struct store;
struct strv;
struct cJSON;

/*
 * Replaces the whole catalog with the suppliers in path, in one transaction.
 * A file ending in .json is JSON (an array, or {"suppliers": […]}), anything
 * else CSV with a header row: id, name (or name_<lang>), description (or
 * description_<lang>), categories (separated by ; or |), country, url.
 * Every supplier needs an id, a name and an http(s) url. Sets *count.
 * 0, or -1 with e naming the row.
 */
int catalog_import_file(struct store *s, const char *path, int *count, struct err *e);

/* Imports from text already in memory (json: 1 for JSON, 0 for CSV). */
int catalog_import_text(struct store *s, const char *text, size_t len, int json, int *count,
                        struct err *e);

/* Number of suppliers, or -1. */
int catalog_count(struct store *s);

/*
 * Suppliers having any of categories, most categories in common first; ties
 * in an order that depends on seed (so visitors with the same interests do
 * not all see the same few suppliers, yet one visitor always sees the same
 * list). At most limit. *out (the caller's) is a JSON array.
 */
int catalog_match(struct store *s, const struct strv *categories, const char *lang, int limit,
                  long long seed, struct cJSON **out, struct err *e);

/*
 * Suppliers whose names, descriptions, categories or country contain every
 * word of query (words separated by blanks, the first STORE_CATALOG_WORDS
 * used; case-insensitive, any language). At most limit.
 */
int catalog_search(struct store *s, const char *query, const char *lang, int limit,
                   struct cJSON **out, struct err *e);

/* One supplier, or ERR_NOTFOUND. */
int catalog_get(struct store *s, const char *id, const char *lang, struct cJSON **out,
                struct err *e);

#endif
