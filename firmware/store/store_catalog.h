// SPDX-License-Identifier: Apache-2.0
/*
 * store_catalog — the supplier catalog's tables (migration 4:
 * catalog_suppliers, catalog_categories and the FTS5 table catalog_fts with
 * the trigram tokenizer): replacing the whole catalog, matching by category,
 * full-text search, one supplier, the count. The file formats the catalog is
 * imported from are ui/catalog.c's; the SQL is here.
 *
 * A supplier as the readers return it (for the page): {"id", "name",
 * "country", "description", "url", "categories": […]}, name and description
 * in the asked language, else English, else the first language stored.
 * Same thread rules as the store.
 */
#ifndef MB_STORE_CATALOG_H
#define MB_STORE_CATALOG_H

#include "firmware/base/err.h"

struct store;
struct strv;
struct cJSON;

/* Search words used at most (later ones are ignored). */
#define STORE_CATALOG_WORDS 8

/*
 * Replaces the whole catalog with suppliers, in one transaction: on any
 * error nothing changes. suppliers is a JSON array of {"id", "names":
 * {lang: text}, "descriptions": {lang: text}, "categories": [text],
 * "country", "url", "line"} (borrowed); "line" (the row or position in the
 * source file) only names a bad supplier in the error. Each needs a
 * non-empty id, at least one name and an http(s) url; ids are unique.
 * Sets *count (may be NULL) to the number stored. 0, or -1 with e naming
 * the supplier (ERR_INVALID) or SQLite's error.
 */
int store_catalog_replace(struct store *s, const struct cJSON *suppliers, int *count,
                          struct err *e);

/* Number of suppliers, or -1 on error. */
int store_catalog_count(struct store *s);

/*
 * Suppliers having any of categories (compared case-insensitively), most
 * categories in common first; ties in an order that depends on seed. At
 * most limit. 0 with *out (a JSON array, the caller's), or -1 with e.
 */
int store_catalog_match(struct store *s, const struct strv *categories, const char *lang, int limit,
                        long long seed, struct cJSON **out, struct err *e);

/*
 * Suppliers whose names, descriptions, categories or country contain every
 * one of words (case-insensitive for what SQLite folds: ASCII, and the
 * trigram index's Unicode folding), by English name. Words of three
 * characters or more go through the trigram index; shorter ones (two Han
 * characters are a word) are matched with LIKE, % and _ taken literally
 * (dropped). No usable word gives an empty array. At most limit. 0 with
 * *out (the caller's), or -1 with e.
 */
int store_catalog_search(struct store *s, const struct strv *words, const char *lang, int limit,
                         struct cJSON **out, struct err *e);

/* One supplier: 0 with *out (the caller's), or -1 with e (ERR_NOTFOUND
 * when there is no such id). */
int store_catalog_get(struct store *s, const char *id, const char *lang, struct cJSON **out,
                      struct err *e);

#endif
