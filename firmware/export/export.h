// SPDX-License-Identifier: Apache-2.0
/*
 * export — a show's leads as files for marketers and for other kiosks:
 * CSV, XLSX, vCard 4.0 and NDJSON (re-importable, see store_import.h).
 *
 * One row (card, line) per lead, read from one read snapshot of the store
 * (store_export.h: a few ordered queries merged by lead id, no query and no
 * JSON document per lead), written as it is read: memory stays flat however
 * many leads a show has. The formats are modules behind struct
 * export_format (see export_format.h), listed in one table in export.c.
 *
 * This is also the API for the admin page's downloads: call
 * export_write_fd() on the connection (or a pipe) with the format's mime
 * type and file name from export_format_find().
 *
 * Local times: the show's IANA zone is applied through the C library's TZ
 * database (TZ is set for the duration of an export and restored after), so
 * an export must run on the thread that owns the process (the daemon is
 * single-threaded; nothing else may call localtime() meanwhile).
 */
#ifndef MB_EXPORT_H
#define MB_EXPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "firmware/base/err.h"

struct store;
struct cJSON;
struct export_format;

struct export_request {
    const char *format;       /* "csv", "xlsx", "vcf" or "ndjson" */
    const char *show;         /* show id; NULL = every show */
    int64_t since_ms;         /* captured_at >= since (INT64_MIN: no bound) */
    int64_t until_ms;         /* captured_at < until (INT64_MAX: no bound) */
    const char *timezone;     /* IANA zone for local times; NULL/"" = UTC */
    const struct cJSON *form; /* the show's form (question texts, consents); may be NULL */
    const char *tmpdir;       /* XLSX scratch files; NULL = $TMPDIR or /tmp */
    /* Called every few hundred leads and at the end (may be NULL). */
    void (*progress)(int64_t done, int64_t total, void *ud);
    void *progress_ud;
};

struct export_result {
    int64_t leads;  /* leads written */
    uint64_t bytes; /* bytes of the file */
};

/* The format with this id ("csv" …), or NULL. */
const struct export_format *export_format_find(const char *id);
/* Ids, extensions and mime types, for UIs: NULL past the last index. */
const char *export_format_id(int i);
const char *export_format_ext(const struct export_format *f);
const char *export_format_mime(const struct export_format *f);

/* Space-separated ids of every format ("csv xlsx vcf ndjson"). */
const char *export_format_list(void);

/*
 * Streams the export to fd (a socket, a pipe, stdout). The caller owns fd.
 * On failure (-1, e set) part of the data may have been written: a download
 * must then be aborted, not completed. res may be NULL.
 */
int export_write_fd(struct store *s, const struct export_request *r, int fd,
                    struct export_result *res, struct err *e);

/*
 * Writes the export to path atomically: a temporary file in the same
 * directory, fsync, rename over path, fsync of the directory. On failure
 * nothing is left at path (an older file there is untouched) and no
 * temporary file remains; a full disk gives ERR_FULL. res may be NULL.
 */
int export_write_file(struct store *s, const struct export_request *r, const char *path,
                      struct export_result *res, struct err *e);

/*
 * A file name for an export: "<show>-<YYYYmmdd-HHMMSS>Z.<ext>" (show "all"
 * when NULL), made safe for FAT file systems. Writes into out (size >= 64).
 */
void export_file_name(const char *show, const struct export_format *f, int64_t now_ms, char *out,
                      size_t outsz);

#endif
