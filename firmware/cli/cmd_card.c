// SPDX-License-Identifier: Apache-2.0
/*
 * cmd_card — `matchbooth card` (see cmd.h).
 */
#include "firmware/cli/cmd.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/base/buf.h"
#include "firmware/base/err.h"
#include "firmware/card/card.h"
#include "firmware/cli/cli.h"
#include "firmware/config/config.h"
#include "firmware/runtime/ctl.h"
#include "firmware/decode/decode.h"

/* OCR of a large card on a slow kiosk, plus the store's commit. */
#define CARD_TIMEOUT_MS 60000

static int read_file(const char *path, struct buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_add(b, chunk, n) < 0) {
            fclose(f);
            errno = ENOMEM;
            return -1;
        }
    int err = ferror(f);
    fclose(f);
    return err ? -1 : 0;
}

/* The config for a dry run: the usual one if there is one, else defaults. */
static struct config *dry_config(const struct cli_args *a)
{
    const char *path = config_path(a->config);
    if (!a->config && access(path, R_OK) != 0)
        return config_defaults();
    return cli_load_config(a);
}

static void print_human(const cJSON *card, const cJSON *stored)
{
    const cJSON *bc = cJSON_GetObjectItem(card, "barcode");
    if (bc) {
        printf("barcode (%s): %s\n", cJSON_GetObjectItem(bc, "symbology")->valuestring,
               cJSON_GetObjectItem(bc, "payload")->valuestring);
    } else {
        const cJSON *rec = cJSON_GetObjectItem(card, "recognised");
        const cJSON *conf = cJSON_GetObjectItem(card, "confidence");
        static const char *const keys[] = {"full_name", "title", "company", "emails",
                                           "phones",    "urls",  "address"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            const cJSON *v = cJSON_GetObjectItem(rec, keys[i]);
            const cJSON *c = cJSON_GetObjectItem(conf, keys[i]);
            char *txt = NULL;
            if (cJSON_IsString(v))
                txt = strdup(v->valuestring);
            else if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0)
                txt = cJSON_PrintUnformatted(v);
            printf("%-10s %s", keys[i], txt ? txt : "-");
            if (cJSON_IsNumber(c))
                printf("  (%.2f)", c->valuedouble);
            putchar('\n');
            free(txt);
        }
    }
    const cJSON *ms = cJSON_GetObjectItem(card, "ms");
    if (cJSON_IsNumber(ms))
        printf("read in %.0f ms\n", ms->valuedouble);
    if (stored) {
        const cJSON *id = cJSON_GetObjectItem(stored, "id");
        printf("stored: %s\n", cJSON_IsString(id) ? id->valuestring : "as an unknown scan");
    }
}

static int dry_run(const struct cli_args *a, const struct buf *img)
{
    struct config *cfg = dry_config(a);
    if (!cfg)
        return 1;
    int rc = 1;
    struct err e = {0};
    struct card_reader *r = NULL;
    struct card_read rd = {0};
    cJSON *out = cJSON_CreateObject(), *card = cJSON_CreateObject();
    char section[256] = "";
    const char *show = config_str(cfg, "kiosk", "show");
    if (show && *show)
        snprintf(section, sizeof section, "show.%s", show);
    const char *langs = cli_opt(a, "languages");
    if (!langs)
        langs = *section ? config_str(cfg, section, "card_languages") : "eng";
    const char *country = cli_opt(a, "country");
    if (!country && *section)
        country = config_str(cfg, section, "country");
    if (!(r = card_reader_new(langs, &e))) {
        cli_fail_err(a, &e);
        goto out;
    }
    if (card_reader_read_mem(r, (const uint8_t *)img->data, img->len,
                             country && *country ? country : NULL, &rd, &e) < 0) {
        err_wrap(&e, "%s", a->argv[0]);
        cli_fail_err(a, &e);
        goto out;
    }
    cJSON_AddStringToObject(out, "file", a->argv[0]);
    cJSON_AddStringToObject(card, "languages", card_reader_langs(r));
    card_read_to_json(&rd, card);
    if (rd.coded) {
        struct lead_fields f = {0};
        struct decode_ctx ctx = {cfg, *section ? section : NULL, NULL};
        cJSON *dec = cJSON_AddObjectToObject(card, "decoded");
        if (decode_payload(&ctx, rd.payload, rd.len, &f, &e) == 0)
            lead_fields_to_json(&f, dec);
        lead_fields_free(&f);
    }
    cJSON_AddItemToObject(out, "card", card);
    card = NULL;
    if (cli_flag(a, "json"))
        cli_print_json(out, false);
    else
        print_human(cJSON_GetObjectItem(out, "card"), NULL);
    rc = 0;
out:
    card_read_free(&rd);
    card_reader_free(r);
    cJSON_Delete(card);
    cJSON_Delete(out);
    config_free(cfg);
    return rc;
}

int cmd_card_run(const struct cli_args *a)
{
    struct buf img = {0};
    int rc = 1;
    if (read_file(a->argv[0], &img) < 0) {
        cli_fail(a, "%s: %s", a->argv[0], strerror(errno));
        goto out;
    }
    if (!img.len) {
        cli_fail(a, "%s: empty file", a->argv[0]);
        goto out;
    }
    if (cli_flag(a, "dry-run") && cli_flag(a, "review")) {
        cli_fail(a, "--review hands the card to the running kiosk; --dry-run reads it here");
        rc = 2;
        goto out;
    }
    if (cli_flag(a, "dry-run")) {
        rc = dry_run(a, &img);
        goto out;
    }
    if (cli_opt(a, "languages") || cli_opt(a, "country")) {
        cli_fail(a, "--languages and --country go with --dry-run; the daemon uses the show's");
        rc = 2;
        goto out;
    }
    struct config *cfg = cli_load_config(a);
    if (!cfg)
        goto out;
    struct buf b64 = {0};
    buf_add_base64(&b64, (const uint8_t *)img.data, img.len);
    if (b64.len + 1024 > CTL_MAX_LINE) {
        cli_fail(a,
                 "%s: %zu bytes is too large for the control socket (at most %u as base64): "
                 "scale it down, or read it with --dry-run",
                 a->argv[0], img.len, (unsigned)CTL_MAX_LINE);
        buf_free(&b64);
        config_free(cfg);
        goto out;
    }
    const char *base = strrchr(a->argv[0], '/');
    char device[256];
    snprintf(device, sizeof device, "file:%s", base ? base + 1 : a->argv[0]);
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "cmd", cli_flag(a, "review") ? "card_review" : "card");
    cJSON_AddStringToObject(req, "image_base64", b64.data ? b64.data : "");
    cJSON_AddStringToObject(req, "device", cli_opt(a, "device") ? cli_opt(a, "device") : device);
    buf_free(&b64);
    cJSON *reply = cli_call(a, cfg, req, CARD_TIMEOUT_MS);
    cJSON_Delete(req);
    if (reply) {
        const cJSON *lead = cJSON_GetObjectItem(reply, "lead");
        if (cli_flag(a, "json"))
            cli_print_json(reply, false);
        else
            print_human(cJSON_GetObjectItem(reply, "card"),
                        lead ? lead : cJSON_GetObjectItem(reply, "scan"));
        if (!cli_flag(a, "json") && cli_flag(a, "review") && !lead &&
            !cJSON_GetObjectItem(reply, "scan"))
            printf("on the kiosk's screen for review\n");
        cJSON_Delete(reply);
        rc = 0;
    }
    config_free(cfg);
out:
    buf_free(&img);
    return rc;
}
