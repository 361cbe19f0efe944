// SPDX-License-Identifier: Apache-2.0
/*
 * export_notice — the "export_done" control command and the "export" bus
 * event and status member (see export_notice.h).
 */
#include "firmware/export/export_notice.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/runtime/bus.h"
#include "firmware/base/clock.h"
#include "firmware/runtime/ctl.h"
#include "firmware/base/log.h"

struct export_notice {
    struct bus *bus;
    cJSON *last; /* the last notice, or NULL */
};

static void status_fn(cJSON *obj, void *ud)
{
    struct export_notice *n = ud;
    if (n->last)
        cJSON_AddItemToObject(obj, "last", cJSON_Duplicate(n->last, 1));
}

/* Keeps only the members we know, with the types we expect. */
static int on_done(const cJSON *req, cJSON *reply, void *ud, struct err *e)
{
    struct export_notice *n = ud;
    const cJSON *target = cJSON_GetObjectItemCaseSensitive(req, "target");
    const cJSON *dir = cJSON_GetObjectItemCaseSensitive(req, "dir");
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(req, "files");
    const cJSON *leads = cJSON_GetObjectItemCaseSensitive(req, "leads");
    if (!cJSON_IsString(target) || !cJSON_IsString(dir) || !cJSON_IsArray(files) ||
        !cJSON_IsNumber(leads))
        return err_set(e, ERR_INVALID, "export_done: expected target, dir, files, leads");
    cJSON *o = cJSON_CreateObject();
    cJSON *fl = cJSON_AddArrayToObject(o, "files");
    const cJSON *f;
    cJSON_ArrayForEach(f, files) if (cJSON_IsString(f))
        cJSON_AddItemToArray(fl, cJSON_CreateString(f->valuestring));
    cJSON_AddStringToObject(o, "target", target->valuestring);
    cJSON_AddStringToObject(o, "dir", dir->valuestring);
    cJSON_AddNumberToObject(o, "leads", leads->valuedouble);
    struct clock_stamp now;
    clock_now(&now);
    char iso[40];
    clock_format_utc(now.real_ms, iso, sizeof iso);
    cJSON_AddStringToObject(o, "at", iso);
    log_info("export", "%s: %d files, %.0f leads written", target->valuestring,
             cJSON_GetArraySize(fl), leads->valuedouble);
    bus_publish(n->bus, "export", o);
    cJSON_Delete(n->last);
    n->last = o;
    return 0;
}

struct export_notice *export_notice_new(struct ctl *c, struct bus *b)
{
    struct export_notice *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->bus = b;
    if (ctl_register(c, "export_done", on_done, n) < 0 ||
        bus_status_add(b, "export", status_fn, n) < 0) {
        free(n);
        return NULL;
    }
    return n;
}

void export_notice_free(struct export_notice *n)
{
    if (!n)
        return;
    bus_status_remove(n->bus, "export");
    cJSON_Delete(n->last);
    free(n);
}

int export_notice_send(const char *socket_path, const char *target, const char *dir,
                       const struct strv *files, int64_t leads, struct err *e)
{
    cJSON *req = cJSON_CreateObject(), *reply = NULL;
    cJSON_AddStringToObject(req, "cmd", "export_done");
    cJSON_AddStringToObject(req, "target", target);
    cJSON_AddStringToObject(req, "dir", dir);
    cJSON *fl = cJSON_AddArrayToObject(req, "files");
    for (size_t i = 0; i < files->n; i++)
        cJSON_AddItemToArray(fl, cJSON_CreateString(files->v[i]));
    cJSON_AddNumberToObject(req, "leads", (double)leads);
    int r = ctl_call(socket_path, req, &reply, 3000, e);
    if (r == 0 && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"))) {
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(reply, "error");
        r = err_set(e, ERR_INVALID, "daemon: %s",
                    cJSON_IsString(msg) ? msg->valuestring : "refused");
    }
    cJSON_Delete(req);
    cJSON_Delete(reply);
    return r;
}
