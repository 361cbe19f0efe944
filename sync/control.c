// SPDX-License-Identifier: Apache-2.0
/*
 * control — the sync worker's control commands (see control.h).
 */
#include "sync/control.h"

#include <cjson/cJSON.h>
#include <stddef.h>

#include "firmware/runtime/ctl.h"
#include "sync/sync.h"

/* The running worker, which sync_stop() detaches, and the ctl the commands
 * are registered on. */
static struct sync *control_current;
static struct ctl *control_registered;

static int cmd_status(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    if (!control_current)
        return err_set(e, ERR_BUSY, "sync is not running");
    sync_status(control_current, reply, true);
    return 0;
}

static int cmd_now(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    if (!control_current)
        return err_set(e, ERR_BUSY, "sync is not running");
    cJSON_AddNumberToObject(reply, "sinks", (double)sync_now(control_current));
    return 0;
}

static int cmd_retry(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    if (!control_current)
        return err_set(e, ERR_BUSY, "sync is not running");
    const cJSON *sink = cJSON_GetObjectItemCaseSensitive(req, "sink");
    const cJSON *lead = cJSON_GetObjectItemCaseSensitive(req, "lead");
    int64_t n = sync_retry(control_current, cJSON_IsString(sink) ? sink->valuestring : NULL,
                           cJSON_IsString(lead) ? lead->valuestring : NULL, e);
    if (n < 0)
        return -1;
    cJSON_AddNumberToObject(reply, "requeued", (double)n);
    return 0;
}

int control_register(struct ctl *ctl, struct err *e)
{
    if (!ctl || control_registered == ctl)
        return 0;
    if (ctl_register(ctl, "sync_status", cmd_status, NULL) < 0 ||
        ctl_register(ctl, "sync_retry", cmd_retry, NULL) < 0 ||
        ctl_register(ctl, "sync_now", cmd_now, NULL) < 0)
        return err_set(e, ERR_INTERNAL, "out of memory");
    control_registered = ctl;
    return 0;
}

void control_attach(struct sync *s)
{
    control_current = s;
}

void control_detach(struct sync *s)
{
    if (s && control_current == s)
        control_current = NULL;
}
