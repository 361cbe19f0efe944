// SPDX-License-Identifier: Apache-2.0
/*
 * bus — synchronous in-process publish/subscribe and status providers.
 */
#include "firmware/runtime/bus.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

struct sub {
    int id;
    bus_event_fn fn;
    void *ud;
    struct sub *next;
};

struct provider {
    char *name;
    bus_status_fn fn;
    void *ud;
    struct provider *next;
};

struct bus {
    struct sub *subs;
    struct provider *providers;
    int next_id;
};

struct bus *bus_new(void)
{
    return calloc(1, sizeof(struct bus));
}

void bus_free(struct bus *b)
{
    if (!b)
        return;
    while (b->subs) {
        struct sub *s = b->subs;
        b->subs = s->next;
        free(s);
    }
    while (b->providers) {
        struct provider *p = b->providers;
        b->providers = p->next;
        free(p->name);
        free(p);
    }
    free(b);
}

int bus_subscribe(struct bus *b, bus_event_fn fn, void *ud)
{
    struct sub *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->id = ++b->next_id;
    s->fn = fn;
    s->ud = ud;
    /* Append, so subscribers hear events in the order they subscribed. */
    struct sub **p = &b->subs;
    while (*p)
        p = &(*p)->next;
    *p = s;
    return s->id;
}

void bus_unsubscribe(struct bus *b, int id)
{
    for (struct sub **p = &b->subs; *p; p = &(*p)->next) {
        if ((*p)->id == id) {
            struct sub *s = *p;
            *p = s->next;
            free(s);
            return;
        }
    }
}

void bus_publish(struct bus *b, const char *type, const cJSON *data)
{
    /* A subscriber may unsubscribe itself while handling: keep the next
     * pointer before calling. */
    for (struct sub *s = b->subs, *next; s; s = next) {
        next = s->next;
        s->fn(type, data, s->ud);
    }
}

int bus_status_add(struct bus *b, const char *name, bus_status_fn fn, void *ud)
{
    struct provider *p = calloc(1, sizeof *p);
    if (!p || !(p->name = strdup(name))) {
        free(p);
        return -1;
    }
    p->fn = fn;
    p->ud = ud;
    struct provider **pp = &b->providers;
    while (*pp)
        pp = &(*pp)->next;
    *pp = p;
    return 0;
}

void bus_status_remove(struct bus *b, const char *name)
{
    for (struct provider **pp = &b->providers; *pp; pp = &(*pp)->next) {
        if (!strcmp((*pp)->name, name)) {
            struct provider *p = *pp;
            *pp = p->next;
            free(p->name);
            free(p);
            return;
        }
    }
}

void bus_status_fill(struct bus *b, cJSON *obj)
{
    for (struct provider *p = b->providers; p; p = p->next) {
        cJSON *o = cJSON_CreateObject();
        if (!o)
            return;
        p->fn(o, p->ud);
        cJSON_AddItemToObject(obj, p->name, o);
    }
}
