// SPDX-License-Identifier: Apache-2.0
/*
 * bench_catalog — supplier search on a large catalog: catalog_search()
 * (FTS5 trigram index, the kiosk's search box) against the baseline of a
 * plain LIKE scan over the same names and descriptions in the same store,
 * measured in the same run. Also times category matching and the QR SVG
 * of a campaign link (both run on every matches screen).
 *
 * Usage: bench_catalog [N]   (N suppliers, default 20000)
 */
#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "firmware/base/buf.h"
#include "firmware/store/store.h"
#include "firmware/base/strv.h"
#include "ui/catalog.h"
#include "ui/qr.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static const char *const zh[] = {"耳機", "電池", "照明", "零件", "線材", "智能", "穿戴", "顯示屏"};
static const char *const en[] = {"Audio",  "Power", "Lighting",  "Components",
                                 "Cables", "Smart", "Wearables", "Displays"};
static const char *const cat[] = {"audio",  "power",      "lighting",  "components",
                                  "cables", "smart-home", "wearables", "displays"};

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    char path[] = "/tmp/mb-bench-catalog-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    struct err e = {0};
    struct store *s = store_open(path, &e);
    if (!s) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    struct buf csv = {0};
    buf_adds(&csv, "id,name_en,name_zh-Hant,description_en,categories,country,url\n");
    for (int i = 0; i < n; i++)
        buf_printf(&csv,
                   "S%d,Maker %d %s Co,廠商%d%s有限公司,%s maker number %d,%s;%s,HK,"
                   "https://s.example/%d\n",
                   i, i, en[i % 8], i, zh[i % 8], en[(i / 8) % 8], i, cat[i % 8], cat[(i / 8) % 8],
                   i);
    double t0 = now_ms();
    int got = 0;
    if (catalog_import_text(s, csv.data, csv.len, 0, &got, &e) < 0) {
        fprintf(stderr, "import: %s\n", e.msg);
        return 1;
    }
    double t_import = now_ms() - t0;
    buf_free(&csv);

    const char *queries[] = {"Wearables", "Components", "顯示屏", "智能家", "Maker 1234"};
    const int nq = 5, rounds = 20;
    int hits_fts = 0, hits_like = 0;
    t0 = now_ms();
    for (int r = 0; r < rounds; r++)
        for (int q = 0; q < nq; q++) {
            cJSON *out = NULL;
            catalog_search(s, queries[q], "en", 12, &out, &e);
            hits_fts += cJSON_GetArraySize(out);
            cJSON_Delete(out);
        }
    double t_fts = (now_ms() - t0) / (rounds * nq);

    sqlite3_stmt *st;
    sqlite3_prepare_v2(store_db(s),
                       "SELECT id, names, descriptions, categories, country, url FROM "
                       "catalog_suppliers WHERE names || descriptions || categories LIKE ?1 "
                       "ORDER BY sort_name LIMIT 12",
                       -1, &st, NULL);
    t0 = now_ms();
    for (int r = 0; r < rounds; r++)
        for (int q = 0; q < nq; q++) {
            char pat[128];
            snprintf(pat, sizeof pat, "%%%s%%", queries[q]);
            sqlite3_bind_text(st, 1, pat, -1, SQLITE_TRANSIENT);
            while (sqlite3_step(st) == SQLITE_ROW)
                hits_like++;
            sqlite3_reset(st);
        }
    double t_like = (now_ms() - t0) / (rounds * nq);
    sqlite3_finalize(st);

    struct strv cats = {0};
    strv_push(&cats, "audio");
    strv_push(&cats, "power");
    t0 = now_ms();
    for (int r = 0; r < rounds; r++) {
        cJSON *out = NULL;
        catalog_match(s, &cats, "en", 6, r, &out, &e);
        cJSON_Delete(out);
    }
    double t_match = (now_ms() - t0) / rounds;
    strv_free(&cats);

    struct buf svg = {0};
    const char *link =
        "https://suppliers.example/s/0001?utm_source=matchbooth&utm_medium=kiosk&"
        "utm_campaign=hkef-2026&mb_kiosk=demo-kiosk-1&mb_ref=0123456789abcdef01234567";
    t0 = now_ms();
    for (int r = 0; r < 200; r++) {
        buf_reset(&svg);
        qr_svg(link, &svg, &e);
    }
    double t_qr = (now_ms() - t0) / 200;

    printf("catalog benchmark: %d suppliers (import %.0f ms)\n", got, t_import);
    printf("search, FTS5 trigram (catalog_search): %.3f ms per query (%d hits)\n", t_fts, hits_fts);
    printf("search, baseline LIKE scan:            %.3f ms per query (%d hits)\n", t_like,
           hits_like);
    printf("ratio (trigram time / LIKE scan time): %.3f\n", t_like > 0 ? t_fts / t_like : 0);
    printf("category match (6 of %d): %.3f ms\n", got, t_match);
    printf("QR SVG of a %zu-byte campaign link: %.3f ms, %zu bytes\n", strlen(link), t_qr, svg.len);
    buf_free(&svg);
    store_close(s);
    char p2[300];
    unlink(path);
    snprintf(p2, sizeof p2, "%s-wal", path);
    unlink(p2);
    snprintf(p2, sizeof p2, "%s-shm", path);
    unlink(p2);
    return 0;
}
