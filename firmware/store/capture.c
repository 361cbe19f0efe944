// SPDX-License-Identifier: Apache-2.0
/*
 * capture — decode → store → publish, for every scan source.
 */
#include "firmware/store/capture.h"

#include <cjson/cJSON.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/base/buf.h"
#include "firmware/runtime/bus.h"
#include "firmware/base/clock.h"
#include "firmware/config/config.h"
#include "firmware/decode/decode.h"
#include "firmware/base/log.h"
#include "firmware/config/show.h"
#include "firmware/store/store.h"

struct capture {
    const struct config *cfg;
    const struct show *show;
    struct store *store;
    struct bus *bus;
    regex_t staff; /* [kiosk] staff_badges, when has_staff */
    bool has_staff;
};

struct capture *capture_new(const struct config *cfg, const struct show *show, struct store *st,
                            struct bus *bus)
{
    /* The staff pattern is compiled by capture_set_show(), which reports a
     * bad one; until then no payload is a staff badge. */
    struct capture *c = calloc(1, sizeof *c);
    if (c)
        *c = (struct capture){.cfg = cfg, .show = show, .store = st, .bus = bus};
    return c;
}

void capture_free(struct capture *c)
{
    if (c && c->has_staff)
        regfree(&c->staff);
    free(c);
}

int capture_set_show(struct capture *c, const struct config *cfg, const struct show *show,
                     struct err *e)
{
    const char *pat = config_str(cfg, "kiosk", "staff_badges");
    regex_t re;
    bool has = pat && *pat;
    if (has) {
        int rc = regcomp(&re, pat, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char msg[200];
            regerror(rc, &re, msg, sizeof msg);
            return err_set(e, ERR_INVALID, "%s: [kiosk] staff_badges: %s", config_file(cfg), msg);
        }
    }
    if (c->has_staff)
        regfree(&c->staff);
    c->has_staff = has;
    if (has)
        c->staff = re;
    c->cfg = cfg;
    c->show = show;
    return 0;
}

/* Is the payload a staff badge? Only text without NULs can match. */
static bool is_staff(struct capture *c, const uint8_t *p, size_t n, char **text)
{
    *text = NULL;
    if (!c->has_staff || n == 0 || n > 256 || memchr(p, 0, n))
        return false;
    char *t = strndup((const char *)p, n);
    if (!t)
        return false;
    t[strcspn(t, "\r\n")] = '\0';
    if (regexec(&c->staff, t, 0, NULL, 0) == 0) {
        *text = t;
        return true;
    }
    free(t);
    return false;
}

int capture_scan(struct capture *c, const struct capture_in *in, cJSON **result, struct err *e)
{
    struct lead_fields decoded = {0};
    const struct lead_fields *fields = in->fields;
    struct store_scan_result res;
    *result = NULL;
    /* Time first: the capture time is when the scan arrived, not when the
     * decoders finished. */
    char *op = NULL;
    if (!in->fields && is_staff(c, in->payload, in->len, &op)) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddBoolToObject(o, "staff", 1);
        cJSON_AddStringToObject(o, "operator", op);
        cJSON_AddStringToObject(o, "device", in->device ? in->device : "");
        log_info("capture", "staff badge from %s: staff mode", in->device ? in->device : "?");
        bus_publish(c->bus, "staff_badge", o);
        free(op);
        *result = o;
        return 0;
    }
    struct store_scan sc = {.show_id = c->show->id,
                            .source = in->source,
                            .device = in->device,
                            .symbology = in->symbology,
                            .payload = in->payload,
                            .len = in->len};
    clock_now(&sc.when);
    if (!fields) {
        struct decode_ctx ctx = {c->cfg, c->show->section, c->store};
        struct err de = {0};
        if (decode_payload(&ctx, in->payload, in->len, &decoded, &de) < 0) {
            /* Never lose a scan because it could not be decoded: keep its
             * bytes as an unknown scan and say why. */
            log_warn("capture", "decode failed (%s): keeping %zu bytes as an unknown scan", de.msg,
                     in->len);
            lead_fields_free(&decoded);
            if (lead_set(&decoded.format, "unknown") < 0 ||
                strv_push(&decoded.warnings, de.msg) < 0)
                return err_set(e, ERR_INTERNAL, "capture: out of memory");
        }
        fields = &decoded;
    }
    sc.fields = fields;
    int rc = store_scan_add(c->store, &sc, &res, e);
    if (rc < 0) {
        log_error("capture", "scan of %zu bytes from %s NOT stored: %s", in->len,
                  in->device ? in->device : lead_source_name(in->source), e ? e->msg : "?");
        goto out;
    }
    if (res.unknown) {
        cJSON *o = cJSON_CreateObject();
        struct buf b64 = {0};
        buf_add_base64(&b64, in->payload, in->len);
        cJSON_AddBoolToObject(o, "unknown", 1);
        cJSON_AddNumberToObject(o, "scan_id", (double)res.scan_id);
        cJSON_AddStringToObject(o, "show", c->show->id);
        cJSON_AddStringToObject(o, "format", "unknown");
        cJSON_AddStringToObject(o, "raw_base64", b64.data ? b64.data : "");
        cJSON_AddNumberToObject(o, "bytes", (double)in->len);
        buf_free(&b64);
        log_info("capture", "unknown scan %lld kept (%zu bytes, %s)", (long long)res.scan_id,
                 in->len, fields->format ? fields->format : "unknown");
        bus_publish(c->bus, "unknown_scan", o);
        *result = o;
    } else {
        cJSON *lead = NULL;
        if (store_lead_json(c->store, res.lead_id, false, &lead, e) < 0) {
            rc = -1; /* stored, but we cannot say what: still an error to report */
            goto out;
        }
        cJSON_AddBoolToObject(lead, "created", res.created);
        cJSON_AddNumberToObject(lead, "scan_id", (double)res.scan_id);
        /* The language the badge or roster gave (not stored): the kiosk
         * greets the visitor in it. */
        if (fields->lang)
            cJSON_AddStringToObject(lead, "lang", fields->lang);
        log_info("capture", "lead %s %s (scan %lld, count %lld)", res.lead_id,
                 res.created ? "captured" : "re-scanned", (long long)res.scan_id,
                 (long long)res.scan_count);
        bus_publish(c->bus, "lead", lead);
        *result = lead;
    }
out:
    lead_fields_free(&decoded);
    return rc;
}
