/*
 * capture — decode → store → publish, for every scan source.
 */
#include "firmware/capture.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

#include "firmware/buf.h"
#include "firmware/bus.h"
#include "firmware/clock.h"
#include "firmware/decode.h"
#include "firmware/log.h"
#include "firmware/show.h"
#include "firmware/store.h"

struct capture {
    const struct config *cfg;
    const struct show *show;
    struct store *store;
    struct bus *bus;
};

struct capture *capture_new(const struct config *cfg, const struct show *show, struct store *st,
                            struct bus *bus)
{
    struct capture *c = calloc(1, sizeof *c);
    if (c)
        *c = (struct capture){cfg, show, st, bus};
    return c;
}

void capture_free(struct capture *c)
{
    free(c);
}

void capture_set_show(struct capture *c, const struct config *cfg, const struct show *show)
{
    c->cfg = cfg;
    c->show = show;
}

int capture_scan(struct capture *c, const struct capture_in *in, cJSON **result, struct err *e)
{
    struct lead_fields decoded = {0};
    const struct lead_fields *fields = in->fields;
    struct store_scan_result res;
    *result = NULL;
    /* Time first: the capture time is when the scan arrived, not when the
     * decoders finished. */
    struct store_scan sc = {.show_id = c->show->id,
                            .source = in->source,
                            .device = in->device,
                            .symbology = in->symbology,
                            .payload = in->payload,
                            .len = in->len};
    clock_now(&sc.when);
    if (!fields) {
        struct decode_ctx ctx = {c->cfg, c->show->section, store_db(c->store)};
        struct err de = {0};
        if (decode_payload(&ctx, in->payload, in->len, &decoded, &de) < 0) {
            /* Never lose a scan because it could not be decoded: keep its
             * bytes as an unknown scan and say why. */
            log_warn("capture", "decode failed (%s): keeping %zu bytes as an unknown scan",
                     de.msg, in->len);
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
