// SPDX-License-Identifier: Apache-2.0
/*
 * rate — a sink's client-side request limit (see rate.h). The ring holds
 * the start times of the last max requests; the oldest one (at pos) says
 * whether another may start.
 */
#include "sync/rate.h"

#include <stdlib.h>
#include <string.h>

/* Times kept across worker restarts, per sink name, for the process's life.
 * A sink whose limit changed starts afresh. */
struct rate_kept {
    char *name;
    uint64_t *ring;
    int max, pos;
    struct rate_kept *next;
};
static struct rate_kept *rate_kept_list;

/* Takes over the kept times of name if its max is the same. */
static bool rate_adopt(struct rate *r, const char *name)
{
    for (struct rate_kept **p = &rate_kept_list; *p; p = &(*p)->next) {
        struct rate_kept *k = *p;
        if (strcmp(k->name, name))
            continue;
        *p = k->next;
        bool same = k->max == r->max;
        if (same) {
            r->ring = k->ring;
            r->pos = k->pos;
        } else {
            free(k->ring);
        }
        free(k->name);
        free(k);
        return same;
    }
    return false;
}

int rate_init(struct rate *r, const char *name, int max, uint64_t window_ms)
{
    *r = (struct rate){.max = max > 0 ? max : 0, .window_ms = window_ms};
    if (r->max == 0 || rate_adopt(r, name))
        return 0;
    if (!(r->ring = calloc((size_t)r->max, sizeof(uint64_t)))) {
        r->max = 0;
        return -1;
    }
    return 0;
}

bool rate_ok(const struct rate *r, uint64_t now_ms, uint64_t *wait_ms)
{
    if (!r->max)
        return true;
    uint64_t margin = r->window_ms / 20 > 250 ? r->window_ms / 20 : 250;
    uint64_t oldest = r->ring[r->pos];
    if (!oldest || now_ms >= oldest + r->window_ms + margin)
        return true;
    *wait_ms = oldest + r->window_ms + margin - now_ms;
    return false;
}

void rate_note(struct rate *r, uint64_t now_ms)
{
    if (!r->max)
        return;
    r->ring[r->pos] = now_ms;
    r->pos = (r->pos + 1) % r->max;
}

void rate_keep(struct rate *r, const char *name)
{
    if (!r->ring)
        return;
    struct rate_kept *k = calloc(1, sizeof *k);
    if (!k || !(k->name = strdup(name))) {
        free(k);
        free(r->ring);
    } else {
        k->ring = r->ring;
        k->max = r->max;
        k->pos = r->pos;
        k->next = rate_kept_list;
        rate_kept_list = k;
    }
    *r = (struct rate){0};
}
