// SPDX-License-Identifier: Apache-2.0
/*
 * dev_conf — per-device settings shared by the allow list and the config.
 */
#include "drivers/dev_conf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drivers/wedge.h"

void dev_conf_defaults(struct dev_conf *c)
{
    memset(c, 0, sizeof(*c));
    c->layout = WEDGE_US;
    c->suffix = SUFFIX_ENTER | SUFFIX_TAB;
    c->gap_ms = 100;
    c->qr = QR_NATIVE;
    c->dots = 512;
    c->qr_module = 6;
    c->status = true;
    c->poll_ms = 5000;
    c->baud = 9600;
}

void dev_conf_free(struct dev_conf *c)
{
    free(c->name);
    free(c->model);
    free(c->driver);
    free(c->path);
    c->name = c->model = c->driver = c->path = NULL;
}

static int dup_str(char **dst, const char *src)
{
    *dst = NULL;
    if (!src)
        return 0;
    *dst = strdup(src);
    return *dst ? 0 : -1;
}

int dev_conf_copy(struct dev_conf *dst, const struct dev_conf *src)
{
    *dst = *src;
    if (dup_str(&dst->name, src->name) < 0 || dup_str(&dst->model, src->model) < 0 ||
        dup_str(&dst->driver, src->driver) < 0 || dup_str(&dst->path, src->path) < 0) {
        dev_conf_free(dst);
        return -1;
    }
    return 0;
}

static int set_str(char **slot, const char *v, struct err *e)
{
    char *c = strdup(v);
    if (!c)
        return err_set(e, ERR_INTERNAL, "out of memory");
    free(*slot);
    *slot = c;
    return 0;
}

static int set_int(int *slot, const char *key, const char *v, long lo, long hi, struct err *e)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < lo || n > hi)
        return err_set(e, ERR_INVALID, "%s: expected a number from %ld to %ld, got '%s'", key, lo,
                       hi, v);
    *slot = (int)n;
    return 0;
}

static int set_bool(bool *slot, const char *key, const char *v, struct err *e)
{
    if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "on"))
        *slot = true;
    else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0") ||
             !strcasecmp(v, "off"))
        *slot = false;
    else
        return err_set(e, ERR_INVALID, "%s: expected yes or no, got '%s'", key, v);
    return 0;
}

static int set_suffix(unsigned *slot, const char *v, struct err *e)
{
    unsigned bits = 0;
    const char *p = v;
    while (*p) {
        size_t n = strcspn(p, ",");
        while (n && (*p == ' ' || *p == '\t'))
            p++, n--;
        size_t m = n;
        while (m && (p[m - 1] == ' ' || p[m - 1] == '\t'))
            m--;
        if (m == 5 && !strncasecmp(p, "enter", 5))
            bits |= SUFFIX_ENTER;
        else if (m == 3 && !strncasecmp(p, "tab", 3))
            bits |= SUFFIX_TAB;
        else if (m == 4 && !strncasecmp(p, "none", 4))
            ;
        else if (m)
            return err_set(e, ERR_INVALID, "suffix: expected enter, tab or none, got '%s'", v);
        p += n;
        if (*p == ',')
            p++;
    }
    *slot = bits;
    return 0;
}

int dev_conf_set(struct dev_conf *c, const char *key, const char *v, struct err *e)
{
    if (!strcmp(key, "model"))
        return set_str(&c->model, v, e);
    if (!strcmp(key, "driver"))
        return set_str(&c->driver, v, e);
    if (!strcmp(key, "path"))
        return set_str(&c->path, v, e);
    if (!strcmp(key, "layout")) {
        int l = wedge_layout_parse(v);
        if (l < 0)
            return err_set(e, ERR_INVALID, "layout: expected us, de or fr, got '%s'", v);
        c->layout = l;
        return 0;
    }
    if (!strcmp(key, "suffix"))
        return set_suffix(&c->suffix, v, e);
    if (!strcmp(key, "gap_ms"))
        return set_int(&c->gap_ms, key, v, 0, 10000, e);
    if (!strcmp(key, "qr")) {
        if (!strcasecmp(v, "native"))
            c->qr = QR_NATIVE;
        else if (!strcasecmp(v, "raster"))
            c->qr = QR_RASTER;
        else
            return err_set(e, ERR_INVALID, "qr: expected native or raster, got '%s'", v);
        return 0;
    }
    if (!strcmp(key, "dots"))
        return set_int(&c->dots, key, v, 96, 4096, e);
    if (!strcmp(key, "module"))
        return set_int(&c->qr_module, key, v, 1, 16, e);
    if (!strcmp(key, "status"))
        return set_bool(&c->status, key, v, e);
    if (!strcmp(key, "poll_ms"))
        return set_int(&c->poll_ms, key, v, 0, 3600000, e);
    if (!strcmp(key, "baud"))
        return set_int(&c->baud, key, v, 1200, 921600, e);
    return err_set(e, ERR_INVALID, "unknown key '%s'", key);
}
