// SPDX-License-Identifier: Apache-2.0
/*
 * cmd_devices — the CLI side of the devices subsystem (drivers/devices.c):
 * it only formats what the daemon answers to "devices", "devices-enable" and
 * "print-test".
 */
#include "firmware/cli/cmd.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "firmware/cli/cli.h"
#include "firmware/config/config.h"

#define CALL_TIMEOUT_MS 10000

/* Sends {"cmd": cmd} (with "id": id when not NULL) to the daemon. */
static cJSON *call(const struct cli_args *a, const char *cmd, const char *id)
{
    struct config *cfg = cli_load_config(a);
    if (!cfg)
        return NULL;
    cJSON *req = cJSON_CreateObject();
    cJSON *reply = NULL;
    if (req && cJSON_AddStringToObject(req, "cmd", cmd) &&
        (!id || cJSON_AddStringToObject(req, "id", id)))
        reply = cli_call(a, cfg, req, CALL_TIMEOUT_MS);
    else
        cli_fail(a, "out of memory");
    cJSON_Delete(req);
    config_free(cfg);
    return reply;
}

static const char *str(const cJSON *o, const char *k, const char *def)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : def;
}

int cmd_devices_list(const struct cli_args *a)
{
    cJSON *r = call(a, "devices", NULL);
    if (!r)
        return 1;
    if (cli_flag(a, "json")) {
        cli_print_json(r, false);
        cJSON_Delete(r);
        return 0;
    }
    const char *usb = str(r, "usb", "?");
    if (strcmp(usb, "ok") != 0)
        printf("usb: %s\n", usb);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(r, "devices");
    if (cJSON_GetArraySize(list) == 0)
        printf("no scanners or printers found\n");
    const cJSON *d;
    cJSON_ArrayForEach(d, list)
    {
        const char *name = str(d, "name", str(d, "model", ""));
        printf("%-28s %-8s %-7s %-20s %s\n", str(d, "id", "?"), str(d, "kind", "?"),
               str(d, "driver", "-"), str(d, "state", "?"), name);
        if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(d, "enabled")))
            printf("%-28s to use it: matchbooth devices enable %s\n", "", str(d, "id", "?"));
    }
    cJSON_Delete(r);
    return 0;
}

int cmd_devices_print_test(const struct cli_args *a)
{
    cJSON *r = call(a, "print-test", NULL);
    if (!r)
        return 1;
    printf("test slip queued on %s\n", str(r, "printer", "the printer"));
    cJSON_Delete(r);
    return 0;
}

int cmd_devices_enable(const struct cli_args *a)
{
    cJSON *r = call(a, "devices-enable", a->argv[0]);
    if (!r)
        return 1;
    if (cli_flag(a, "json"))
        cli_print_json(r, false);
    else
        printf("%s enabled as %s: %s\n", str(r, "id", "?"), str(r, "driver", "?"),
               str(r, "state", "?"));
    cJSON_Delete(r);
    return 0;
}
