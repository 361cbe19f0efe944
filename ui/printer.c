// SPDX-License-Identifier: Apache-2.0
/*
 * printer — the printer's state from the bus status (see printer.h).
 */
#include "ui/printer.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "firmware/runtime/bus.h"

void printer_get(struct bus *bus, struct printer_info *p)
{
    cJSON *st = cJSON_CreateObject();
    memset(p, 0, sizeof *p);
    bus_status_fill(bus, st);
    const cJSON *pr = cJSON_GetObjectItem(cJSON_GetObjectItem(st, "devices"), "printer");
    if (cJSON_IsObject(pr) && cJSON_IsTrue(cJSON_GetObjectItem(pr, "present"))) {
        const cJSON *state = cJSON_GetObjectItem(pr, "state");
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(pr, "id"));
        snprintf(p->id, sizeof p->id, "%s", id ? id : "");
        p->present = true;
        p->ready = cJSON_IsTrue(cJSON_GetObjectItem(pr, "ready"));
        snprintf(p->state, sizeof p->state, "%s",
                 cJSON_IsString(state) ? state->valuestring
                 : p->ready            ? "ready"
                                       : "");
    }
    cJSON_Delete(st);
}

void printer_add(struct bus *bus, cJSON *o)
{
    struct printer_info p;
    printer_get(bus, &p);
    cJSON *x = cJSON_AddObjectToObject(o, "printer");
    cJSON_AddBoolToObject(x, "present", p.present);
    cJSON_AddBoolToObject(x, "ready", p.ready);
    cJSON_AddStringToObject(x, "state", p.state);
}
