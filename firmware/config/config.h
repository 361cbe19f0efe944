// SPDX-License-Identifier: Apache-2.0
/*
 * config — the INI configuration: parsed with inih, checked against one
 * schema table (config.c), read through typed getters.
 *
 * Every key the program understands is a row of the schema, with its type,
 * default and one line of documentation; the shipped example config
 * (board/matchbooth.conf) documents each one. A section name may be fixed
 * ("kiosk") or a family with a name after a dot ("show.hkef", "sink.crm").
 * Unknown sections, unknown keys and bad values are errors naming
 * file:line:key, and nothing is guessed.
 *
 * File lookup (config_path()): --config FILE, else $MATCHBOOTH_CONFIG, else
 * /etc/matchbooth/matchbooth.conf. Relative paths inside the file (data_dir,
 * show files …) are taken relative to the directory the program runs in.
 */
#ifndef MB_CONFIG_H
#define MB_CONFIG_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include "firmware/base/err.h"
#include "firmware/base/strv.h"

#define CONFIG_DEFAULT_PATH "/etc/matchbooth/matchbooth.conf"

struct config;

/* Returns explicit if not NULL, else $MATCHBOOTH_CONFIG, else the default. */
const char *config_path(const char *explicit_path);

/*
 * Loads and validates path. On success returns a config the caller frees with
 * config_free(); on failure NULL with e->msg like
 * "board/x.conf:12: [ui] listen: expected HOST:PORT, got 'abc'".
 */
struct config *config_load(const char *path, struct err *e);

/* A config with every default and nothing else (for tests and tools). */
struct config *config_defaults(void);

void config_free(struct config *c);

/* The file the config came from ("" for config_defaults()). */
const char *config_file(const struct config *c);

/*
 * Typed getters. section is a full name ("kiosk", "sink.crm"); key must be in
 * the schema for that section (a programming error otherwise: NULL/0 and a
 * log line). A key not set in the file yields the schema default.
 * Returned strings belong to the config.
 */
const char *config_str(const struct config *c, const char *section, const char *key);
int64_t config_int(const struct config *c, const char *section, const char *key);
bool config_bool(const struct config *c, const char *section, const char *key);
/* Comma-separated list, appended to out (trimmed, empty items skipped). */
int config_list(const struct config *c, const char *section, const char *key, struct strv *out);
/* True if the key was written in the file (not just defaulted). */
bool config_isset(const struct config *c, const char *section, const char *key);

/*
 * Appends to out the full names of the sections present in the file whose
 * name starts with prefix ("sink." gives "sink.crm", "sink.usb" …), in file
 * order.
 */
int config_sections(const struct config *c, const char *prefix, struct strv *out);

/* Writes the documented example config (every key, its default, its doc). */
void config_print_example(FILE *out);

#endif
