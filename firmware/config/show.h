// SPDX-License-Identifier: Apache-2.0
/*
 * show — a show's profile: its [show.ID] section (name, time zone, country,
 * decoders …) and its form file (qualifier questions, consent purposes and
 * their texts per language, as JSON).
 */
#ifndef MB_SHOW_H
#define MB_SHOW_H

#include "firmware/base/err.h"

struct config;
struct cJSON;

struct show {
    char *id;           /* "hkef-2026" */
    char *section;      /* "show.hkef-2026" */
    char *name;         /* display name */
    char *timezone;     /* IANA name, "Asia/Hong_Kong" */
    char *country;      /* ISO 3166-1 alpha-2, default for phone numbers */
    struct cJSON *form; /* {"questions":[…],"consents":[…]} or an empty object */
};

/*
 * Loads show id from cfg (and its form file, if set). Returns 0, or -1 with
 * e naming the section or the file and what is wrong.
 */
int show_load(const struct config *cfg, const char *id, struct show *out, struct err *e);

void show_free(struct show *s);

#endif
