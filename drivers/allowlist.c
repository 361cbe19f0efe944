// SPDX-License-Identifier: Apache-2.0
/*
 * allowlist — parser and lookup for board/allowlist.txt.
 */
#include "drivers/allowlist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/driver.h"

static int parse_hex16(const char *s, size_t n, uint16_t *out)
{
    if (n == 0 || n > 4)
        return -1;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + (unsigned)d;
    }
    *out = (uint16_t)v;
    return 0;
}

/* Next whitespace-separated token of *p; a value may be "quoted". Returns a
 * malloc'd string, NULL at the end of the line (or on ENOMEM: *oom set). */
static char *next_token(const char **p, bool *oom, bool *unterminated)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s || *s == '#') {
        *p = s;
        return NULL;
    }
    char *out = malloc(strlen(s) + 1);
    if (!out) {
        *oom = true;
        return NULL;
    }
    size_t n = 0;
    bool quoted = false;
    for (; *s; s++) {
        if (*s == '"') {
            quoted = !quoted;
            continue;
        }
        if (!quoted && (*s == ' ' || *s == '\t' || *s == '#'))
            break;
        out[n++] = *s;
    }
    out[n] = 0;
    if (quoted)
        *unterminated = true;
    *p = s;
    return out;
}

static int parse_line(struct allowlist *al, const char *line, const char *name, int lineno,
                      struct err *e)
{
    const char *p = line;
    bool oom = false, unterm = false;
    char *tok = next_token(&p, &oom, &unterm);
    if (!tok)
        return oom ? err_set(e, ERR_INTERNAL, "out of memory") : 0; /* blank or comment */
    struct allow_entry ent = {0};
    dev_conf_defaults(&ent.conf);
    int rc = -1;
    char *drv = NULL;
    const char *colon = strchr(tok, ':');
    if (!colon || parse_hex16(tok, (size_t)(colon - tok), &ent.vid) < 0) {
        err_set(e, ERR_INVALID, "%s:%d: expected VID:PID in hex, got '%s'", name, lineno, tok);
        goto out;
    }
    if (strcmp(colon + 1, "*") == 0)
        ent.pid = DRIVER_ANY_PID;
    else if (parse_hex16(colon + 1, strlen(colon + 1), &ent.pid) < 0) {
        err_set(e, ERR_INVALID, "%s:%d: expected VID:PID in hex, got '%s'", name, lineno, tok);
        goto out;
    }
    drv = next_token(&p, &oom, &unterm);
    if (!drv || !driver_find(drv)) {
        err_set(e, ERR_INVALID, "%s:%d: %s: unknown driver '%s' (wedge, hidpos, escpos)", name,
                lineno, tok, drv ? drv : "");
        goto out;
    }
    if (dev_conf_set(&ent.conf, "driver", drv, e) < 0)
        goto out;
    char *kv;
    while ((kv = next_token(&p, &oom, &unterm))) {
        char *eq = strchr(kv, '=');
        if (!eq) {
            err_set(e, ERR_INVALID, "%s:%d: expected key=value, got '%s'", name, lineno, kv);
            free(kv);
            goto out;
        }
        *eq = 0;
        if (dev_conf_set(&ent.conf, kv, eq + 1, e) < 0) {
            err_wrap(e, "%s:%d", name, lineno);
            free(kv);
            goto out;
        }
        free(kv);
    }
    if (oom) {
        err_set(e, ERR_INTERNAL, "out of memory");
        goto out;
    }
    if (unterm) {
        err_set(e, ERR_INVALID, "%s:%d: unterminated quote", name, lineno);
        goto out;
    }
    struct allow_entry *v = realloc(al->v, (al->n + 1) * sizeof(*v));
    if (!v) {
        err_set(e, ERR_INTERNAL, "out of memory");
        goto out;
    }
    al->v = v;
    al->v[al->n++] = ent;
    ent.conf = (struct dev_conf){0};
    rc = 0;
out:
    dev_conf_free(&ent.conf);
    free(tok);
    free(drv);
    return rc;
}

int allowlist_parse(struct allowlist *al, const char *text, const char *name, struct err *e)
{
    int lineno = 0;
    const char *p = text;
    while (*p) {
        lineno++;
        size_t n = strcspn(p, "\n");
        char *line = strndup(p, n);
        if (!line)
            return err_set(e, ERR_INTERNAL, "out of memory");
        size_t m = strlen(line);
        if (m && line[m - 1] == '\r')
            line[m - 1] = 0;
        int r = parse_line(al, line, name, lineno, e);
        free(line);
        if (r < 0)
            return -1;
        p += n;
        if (*p == '\n')
            p++;
    }
    return 0;
}

int allowlist_load(struct allowlist *al, const char *path, struct err *e)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return err_set(e, ERR_IO, "allow list %s: %s", path, strerror(errno));
    char *text = NULL;
    size_t cap = 0, len = 0;
    int rc = -1;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            size_t ncap = cap ? cap * 2 : 8192;
            if (ncap > 4u * 1024 * 1024) {
                err_set(e, ERR_INVALID, "allow list %s: too large", path);
                goto out;
            }
            char *t = realloc(text, ncap);
            if (!t) {
                err_set(e, ERR_INTERNAL, "out of memory");
                goto out;
            }
            text = t;
            cap = ncap;
        }
        size_t r = fread(text + len, 1, 4096, f);
        len += r;
        if (r < 4096)
            break;
    }
    if (ferror(f)) {
        err_set(e, ERR_IO, "allow list %s: read error", path);
        goto out;
    }
    text[len] = 0;
    rc = allowlist_parse(al, text, path, e);
out:
    free(text);
    fclose(f);
    return rc;
}

const struct allow_entry *allowlist_find(const struct allowlist *al, uint16_t vid, uint16_t pid)
{
    const struct allow_entry *vendor = NULL;
    for (size_t i = 0; i < al->n; i++) {
        if (al->v[i].vid != vid)
            continue;
        if (al->v[i].pid == pid)
            return &al->v[i];
        if (al->v[i].pid == DRIVER_ANY_PID && !vendor)
            vendor = &al->v[i];
    }
    return vendor;
}

void allowlist_free(struct allowlist *al)
{
    for (size_t i = 0; i < al->n; i++)
        dev_conf_free(&al->v[i].conf);
    free(al->v);
    al->v = NULL;
    al->n = 0;
}
