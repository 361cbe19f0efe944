// SPDX-License-Identifier: Apache-2.0
/*
 * bench_decode — decodes 10,000 mixed payloads (the corpus of tests/decode,
 * badge-sized ones: at most 3 KB, what a QR code can hold, each with its
 * show's profile and the roster of show "ids") and prints the time beside
 * two baselines over the same bytes: memcpy plus a strlen-like scan, and
 * cJSON_Parse of the JSON payloads. Target: under 1 s on one core.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "firmware/base/buf.h"
#include "firmware/config/config.h"
#include "firmware/decode/decode.h"
#include "firmware/decode/roster.h"
#include "firmware/store/store.h"

#define N_PAYLOADS 10000
#define MAX_BADGE  3072

struct item {
    char section[300]; /* "" for the default profile */
    struct buf data;
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t load(const char *root, struct item *items, size_t max)
{
    size_t n = 0;
    DIR *d = opendir(root);
    struct dirent *s;
    while (d && (s = readdir(d)) && n < max) {
        if (s->d_name[0] == '.')
            continue;
        char dir[600];
        snprintf(dir, sizeof dir, "%s/%s", root, s->d_name);
        DIR *dd = opendir(dir);
        struct dirent *f;
        while (dd && (f = readdir(dd)) && n < max) {
            size_t l = strlen(f->d_name);
            if (l < 4 || strcmp(f->d_name + l - 3, ".in"))
                continue;
            char path[1200];
            snprintf(path, sizeof path, "%s/%s", dir, f->d_name);
            FILE *fp = fopen(path, "rb");
            if (!fp)
                continue;
            struct item *it = &items[n];
            memset(it, 0, sizeof *it);
            char chunk[4096];
            size_t k;
            while ((k = fread(chunk, 1, sizeof chunk, fp)) > 0)
                buf_add(&it->data, chunk, k);
            fclose(fp);
            if (it->data.len > MAX_BADGE) {
                buf_free(&it->data);
                continue;
            }
            if (strcmp(s->d_name, "default"))
                snprintf(it->section, sizeof it->section, "show.%s", s->d_name);
            n++;
        }
        if (dd)
            closedir(dd);
    }
    if (d)
        closedir(d);
    return n;
}

int main(void)
{
    static struct item items[512];
    const char *root = "tests/decode";
    size_t n = load(root, items, 512);
    if (n == 0) {
        fprintf(stderr, "bench_decode: no payloads under %s (run from the repository root)\n",
                root);
        return 1;
    }
    struct err e = {0};
    struct config *cfg = config_load("tests/decode/decode.conf", &e);
    char tmp[] = "/tmp/mb-bench-decode-XXXXXX", db[600];
    if (!cfg || !mkdtemp(tmp)) {
        fprintf(stderr, "bench_decode: %s\n", e.msg);
        return 1;
    }
    snprintf(db, sizeof db, "%s/leads.db", tmp);
    struct store *st = store_open(db, &e);
    struct roster_stats rs;
    if (!st || roster_import(st, "ids", "tests/decode/roster.csv", NULL, &rs, &e) < 0) {
        fprintf(stderr, "bench_decode: %s\n", e.msg);
        return 1;
    }

    size_t bytes = 0, unknown = 0;
    double t0 = now();
    for (int i = 0; i < N_PAYLOADS; i++) {
        struct item *it = &items[i % n];
        struct decode_ctx ctx = {*it->section ? cfg : NULL, *it->section ? it->section : NULL, st};
        struct lead_fields f = {0};
        const uint8_t *p = it->data.data ? (const uint8_t *)it->data.data : (const uint8_t *)"";
        if (decode_payload(&ctx, p, it->data.len, &f, &e) < 0) {
            fprintf(stderr, "bench_decode: %s\n", e.msg);
            return 1;
        }
        unknown += !strcmp(f.format, "unknown");
        bytes += it->data.len;
        lead_fields_free(&f);
    }
    double t_decode = now() - t0;

    /* Baseline 1: copy every payload and scan it byte by byte. */
    volatile size_t sink = 0;
    char *copy = malloc(MAX_BADGE + 1);
    t0 = now();
    for (int i = 0; i < N_PAYLOADS; i++) {
        struct item *it = &items[i % n];
        memcpy(copy, it->data.data ? it->data.data : "", it->data.len);
        copy[it->data.len] = 0;
        sink += strlen(copy);
    }
    double t_scan = now() - t0;

    /* Baseline 2: cJSON_Parse of the same count of JSON payloads. */
    size_t njson = 0;
    for (size_t i = 0; i < n; i++)
        if (items[i].data.len && (items[i].data.data[0] == '{' || items[i].data.data[0] == '['))
            njson++;
    double t_json = 0;
    if (njson) {
        t0 = now();
        for (int i = 0, done = 0; done < N_PAYLOADS; i++) {
            struct item *it = &items[(size_t)i % n];
            if (!it->data.len || (it->data.data[0] != '{' && it->data.data[0] != '['))
                continue;
            cJSON *j = cJSON_ParseWithLength(it->data.data, it->data.len);
            sink += j != NULL;
            cJSON_Delete(j);
            done++;
        }
        t_json = now() - t0;
    }
    free(copy);

    printf("decode: %d payloads (%zu distinct, %zu bytes, %zu unknown) in %.3f s = %.1f us each "
           "(target < 1 s)\n",
           N_PAYLOADS, n, bytes, unknown, t_decode, t_decode * 1e6 / N_PAYLOADS);
    printf("baseline memcpy+strlen of the same bytes: %.4f s; decode/baseline = %.0fx\n", t_scan,
           t_scan > 0 ? t_decode / t_scan : 0);
    if (njson)
        printf("baseline cJSON_Parse x %d: %.3f s; decode/cJSON_Parse = %.1fx\n", N_PAYLOADS,
               t_json, t_json > 0 ? t_decode / t_json : 0);
    printf("%s\n", t_decode < 1.0 ? "PASS: under 1 s" : "FAIL: over 1 s");

    for (size_t i = 0; i < n; i++)
        buf_free(&items[i].data);
    store_close(st);
    config_free(cfg);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        return 1;
    return t_decode < 1.0 ? 0 : 1;
}
