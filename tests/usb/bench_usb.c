// SPDX-License-Identifier: Apache-2.0
/*
 * bench_usb — latency from a scan's last USB report to its lead committed
 * and its "lead" event sent, through the real path: libusb under umockdev
 * (an emulated HID POS scanner), the devices subsystem, the capture pipeline
 * and the SQLite store (WAL, synchronous=FULL) on the disk under MB_BENCH_DIR
 * (default build/bench-usb).
 *
 * Printed beside baselines measured in the same run on the same directory:
 * a bare write+fdatasync of 4 KiB, and a raw sqlite3 INSERT with the store's
 * pragmas (one transaction each). Run by `make bench` through
 * tests/bench/usb_latency.sh (under umockdev's preload).
 */
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "drivers/devices.h"
#include "firmware/runtime/bus.h"
#include "firmware/store/capture.h"
#include "firmware/config/config.h"
#include "firmware/base/log.h"
#include "firmware/runtime/loop.h"
#include "firmware/config/show.h"
#include "firmware/runtime/source.h"
#include "firmware/store/store.h"
#include "tests/usb/emu.h"

#define N 300

static struct loop *lp;
static struct capture *cap;
static uint64_t t_event, t_emit;
static int leads;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void stats(const char *name, double *v, int n, double *med, double *p99)
{
    qsort(v, (size_t)n, sizeof(double), cmp);
    *med = v[n / 2];
    *p99 = v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
    printf("%-44s median %7.3f ms   p99 %7.3f ms   (n=%d)\n", name, *med, *p99, n);
}

static void on_emit(void *ud, const struct source_scan *s)
{
    t_emit = now_ns();
    struct capture_in in = {.source = s->source,
                            .device = s->device,
                            .symbology = s->symbology,
                            .payload = s->data,
                            .len = s->len};
    cJSON *res = NULL;
    struct err e = {0};
    if (capture_scan(cap, &in, &res, &e) < 0)
        fprintf(stderr, "capture: %s\n", e.msg);
    cJSON_Delete(res);
}

static void on_bus(const char *type, const cJSON *data, void *ud)
{
    if (!strcmp(type, "lead")) {
        t_event = now_ns();
        leads++;
    }
}

static int want;
static struct loop_timer *tick_t;
static uint64_t deadline;
static void tick(struct loop *l, void *ud)
{
    if (leads >= want || loop_now_ms() > deadline) {
        loop_stop(l);
        return;
    }
    loop_timer_reset(tick_t, 0);
}

static void run_until_leads(int n)
{
    want = n;
    deadline = loop_now_ms() + 5000;
    tick_t = loop_timer_add(lp, 0, tick, NULL);
    loop_run(lp);
    loop_timer_del(tick_t);
}

static void queue_hidpos(struct emu *e, const uint8_t *p, size_t n)
{
    size_t off = 0;
    do {
        uint8_t r[64] = {0};
        size_t len = n - off > 56 ? 56 : n - off;
        r[0] = 0x02;
        r[1] = (uint8_t)len;
        memcpy(r + 2, "]Q1", 3);
        memcpy(r + 5, p + off, len);
        off += len;
        if (off < n)
            r[63] = 1;
        emu_queue(e, r, sizeof(r));
    } while (off < n);
}

int main(void)
{
    const char *dir = getenv("MB_BENCH_DIR") ? getenv("MB_BENCH_DIR") : "build/bench-usb";
    char cmd[600], conf[512], db[512], path[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0)
        return 1;
    log_set_level(LOG_WARN);
    snprintf(conf, sizeof(conf), "%s/bench.conf", dir);
    FILE *f = fopen(conf, "w");
    fprintf(f,
            "[kiosk]\ndata_dir = %s\nshow = bench\n\n[devices]\nallowlist = board/allowlist.txt\n"
            "\n[show.bench]\nname = Bench Fair\n",
            dir);
    fclose(f);
    struct err e = {0};
    struct config *cfg = config_load(conf, &e);
    struct show show;
    if (!cfg || show_load(cfg, "bench", &show, &e) < 0) {
        fprintf(stderr, "bench: %s\n", e.msg);
        return 1;
    }
    snprintf(db, sizeof(db), "%s/leads.db", dir);
    struct store *st = store_open(db, &e);
    if (!st || store_show_ensure(st, show.id, show.name, show.timezone, &e) < 0) {
        fprintf(stderr, "bench: %s\n", e.msg);
        return 1;
    }
    lp = loop_new();
    struct bus *bus = bus_new();
    cap = capture_new(cfg, &show, st, bus);
    bus_subscribe(bus, on_bus, NULL);

    UMockdevTestbed *tb = umockdev_testbed_new();
    struct emu *pos = emu_new(tb, EMU_HIDPOS, 0x0c2e, 0x0b61, 1);
    emu_plug(pos);
    struct source_host host = {lp, cfg, bus, on_emit, NULL};
    struct devices *dv = devices_start(&host, NULL, &e);
    if (!dv) {
        fprintf(stderr, "bench: %s\n", e.msg);
        return 1;
    }
    /* Let the scanner be claimed. */
    want = 1 << 30;
    deadline = loop_now_ms() + 500;
    tick_t = loop_timer_add(lp, 0, tick, NULL);
    loop_run(lp);
    loop_timer_del(tick_t);

    static double usb[N], drv[N], fsync_ms[N], sql[N];
    int got = 0;

    /* Baseline 1: write 4 KiB + fdatasync on the same file system. */
    snprintf(path, sizeof(path), "%s/fsync.bin", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char block[4096];
    memset(block, 'x', sizeof(block));

    /* Baseline 2: a raw INSERT with the store's pragmas, one transaction each. */
    snprintf(path, sizeof(path), "%s/raw.db", dir);
    sqlite3 *rdb;
    sqlite3_open(path, &rdb);
    sqlite3_exec(rdb,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                 "CREATE TABLE t(id INTEGER PRIMARY KEY, payload BLOB)",
                 NULL, NULL, NULL);
    sqlite3_stmt *ins;
    sqlite3_prepare_v2(rdb, "INSERT INTO t(payload) VALUES (?1)", -1, &ins, NULL);
    /* Interleaved, so that the disk's mood affects all three alike. */
    for (int i = 0; i < N; i++) {
        char badge[160];
        int n = snprintf(badge, sizeof(badge),
                         "MECARD:N:Bench,Visitor %d;ORG:Bench GmbH;EMAIL:visitor%d@example.com;;",
                         i, i);
        queue_hidpos(pos, (const uint8_t *)badge, (size_t)n);
        run_until_leads(i + 1);
        if (leads < i + 1) {
            fprintf(stderr, "bench: lead %d never arrived\n", i);
            break;
        }
        drv[got] = (double)(t_emit - emu_last_delivery_ns(pos)) / 1e6;
        usb[got++] = (double)(t_event - emu_last_delivery_ns(pos)) / 1e6;

        uint64_t t0 = now_ns();
        if (pwrite(fd, block, sizeof(block), (off_t)i * 4096) < 0 || fdatasync(fd) < 0)
            perror("fsync baseline");
        fsync_ms[i] = (double)(now_ns() - t0) / 1e6;

        t0 = now_ns();
        sqlite3_bind_blob(ins, 1, badge, n, SQLITE_TRANSIENT);
        sqlite3_step(ins);
        sqlite3_reset(ins);
        sql[i] = (double)(now_ns() - t0) / 1e6;
    }
    devices_stop(dv);
    close(fd);
    sqlite3_finalize(ins);
    sqlite3_close(rdb);

    double um, up, fm, fp, sm, sp, dm, dp;
    printf("data dir: %s\n", dir);
    stats("last USB report -> lead committed + event", usb, got, &um, &up);
    stats("  of which: last report -> scan emitted", drv, got, &dm, &dp);
    stats("baseline: 4 KiB write + fdatasync", fsync_ms, got, &fm, &fp);
    stats("baseline: raw sqlite3 INSERT (WAL, FULL)", sql, got, &sm, &sp);
    printf("ratio scan/fdatasync:     median %.2fx  p99 %.2fx\n", um / fm, up / fp);
    printf("ratio scan/sqlite-insert: median %.2fx  p99 %.2fx\n", um / sm, up / sp);
    printf("overhead beyond the raw insert: median %.3f ms  p99 %.3f ms "
           "(target: p99 < 5 ms + flush time, i.e. < %.3f ms here)\n",
           um - sm, up - sp, 5.0 + fp);
    printf("%s\n", up < 5.0 + fp ? "PASS: p99 within target" : "FAIL: p99 over target");

    emu_free(pos);
    g_object_unref(tb);
    capture_free(cap);
    bus_free(bus);
    loop_free(lp);
    store_close(st);
    show_free(&show);
    config_free(cfg);
    return got == N && up < 5.0 + fp ? 0 : 1;
}
