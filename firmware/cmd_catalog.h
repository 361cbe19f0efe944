/*
 * cmd_catalog — `matchbooth catalog import FILE` (CSV or JSON) and
 * `matchbooth catalog search QUERY`, on the lead store's supplier catalog.
 */
#ifndef MB_CMD_CATALOG_H
#define MB_CMD_CATALOG_H

struct cli_args;

int cmd_catalog_import(const struct cli_args *a);
int cmd_catalog_search(const struct cli_args *a);

#endif
