// SPDX-License-Identifier: Apache-2.0
/*
 * bus — the daemon's in-process events and status.
 *
 * Events ("scan", "lead", "device", "sync" …) go to every subscriber in
 * publication order, synchronously, inside the loop thread: the UI's SSE
 * stream is one subscriber. Status providers each add one member to the
 * document `matchbooth status --json` prints ("devices", "sync" …).
 */
#ifndef MB_BUS_H
#define MB_BUS_H

struct cJSON;
struct bus;

typedef void (*bus_event_fn)(const char *type, const struct cJSON *data, void *ud);
/* Fills obj (an empty JSON object it owns) with the provider's status. */
typedef void (*bus_status_fn)(struct cJSON *obj, void *ud);

struct bus *bus_new(void);
void bus_free(struct bus *b);

/* Returns a subscription id (> 0), or -1 on ENOMEM. */
int bus_subscribe(struct bus *b, bus_event_fn fn, void *ud);
void bus_unsubscribe(struct bus *b, int id);

/* Delivers (type, data) to every subscriber; data stays the caller's. */
void bus_publish(struct bus *b, const char *type, const struct cJSON *data);

/* Adds a status member `name` produced by fn. Returns 0 or -1. */
int bus_status_add(struct bus *b, const char *name, bus_status_fn fn, void *ud);
void bus_status_remove(struct bus *b, const char *name);

/* Adds every provider's member to obj. */
void bus_status_fill(struct bus *b, struct cJSON *obj);

#endif
