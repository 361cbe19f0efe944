// SPDX-License-Identifier: Apache-2.0
/*
 * pull — keeps a local file in step with a URL: the show form ([sync]
 * show_url into the show's form file) and the supplier catalog (catalog_url
 * into catalog_file). A pull is a GET with If-None-Match (the ETag of the
 * last download is kept in the store's meta table as "sync.etag:<file>",
 * and trusted only while the file is there). A 200 must be a JSON object or
 * array (or, for a .csv catalog, text with a header line); it then replaces
 * the file atomically and durably (afile.h) and a bus event "sync"
 * {pulled, file} tells the daemon, which imports a catalog; a new show form
 * is brought in by the daemon's SIGHUP reload. An error, a 304, an invalid
 * or oversized download, or one identical to the file keeps the file as it
 * is. Its answers count for the online/offline state like any transfer.
 */
#ifndef MB_PULL_H
#define MB_PULL_H

#include <stdbool.h>

#include "firmware/base/err.h"

struct bus;
struct config;
struct pull;
struct store;
struct xfer_multi;

/* What every pull needs; borrowed until pull_free(). */
struct pull_host {
    const struct config *cfg; /* [sync] pinned_pubkey */
    struct store *store;      /* the ETags */
    struct bus *bus;          /* the "sync" event */
    struct xfer_multi *multi;
};

/*
 * A pull of url into dest (both copied); what names it in logs and events
 * ("show form", "catalog"; borrowed: a string that outlives p); reload: a
 * new file needs the daemon's config reload (SIGHUP to this process). Returns NULL with e set when
 * dest is NULL or "" (ERR_INVALID) or when out of memory.
 */
struct pull *pull_new(const struct pull_host *h, const char *what, const char *url,
                      const char *dest, bool reload, struct err *e);

/* Starts a download unless one is on its way (a failure to start is
 * silent: the next pull_interval tries again). */
void pull_start(struct pull *p);

/* Aborts a download on its way and frees p (NULL-safe). */
void pull_free(struct pull *p);

#endif
