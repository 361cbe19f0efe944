// SPDX-License-Identifier: Apache-2.0
/*
 * bench_capture — capture end to end (a scan sent through the control
 * socket, decoded, committed durably, acknowledged) against the baseline of
 * a raw sqlite3 insert of the same row with the same pragmas (WAL,
 * synchronous=FULL, one transaction per row), measured in the same run on
 * the same disk. Prints scans per second, median and p99 latency, their
 * ratio, and the bytes written to disk per lead (write_bytes of /proc/PID/io)
 * for each.
 *
 * Usage: bench_capture [N]   (default 2000; MB_BUILD names the build dir)
 */
#include <cjson/cJSON.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "firmware/runtime/ctl.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long write_bytes(pid_t pid)
{
    char path[64], line[128];
    long long v = -1;
    snprintf(path, sizeof path, "/proc/%d/io", (int)pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "write_bytes: %lld", &v) == 1)
            break;
    if (f)
        fclose(f);
    return v;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, double *lat, int n, double total, long long bytes)
{
    qsort(lat, (size_t)n, sizeof *lat, cmp_double);
    printf("%-28s %8.0f /s   median %6.3f ms   p99 %6.3f ms   %7.0f bytes written/lead\n", name,
           n / total, lat[n / 2] * 1e3, lat[(int)(n * 0.99)] * 1e3, (double)bytes / n);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    const char *build = getenv("MB_BUILD") ? getenv("MB_BUILD") : "build";
    char dir[512], conf[600], sock[600], bin[600], db[600];
    /* On the build directory's disk, not tmpfs: bytes written must be real. */
    snprintf(dir, sizeof dir, "%s/bench-capture-XXXXXX", build);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(conf, sizeof conf, "%s/m.conf", dir);
    snprintf(sock, sizeof sock, "%s/data/control.sock", dir);
    snprintf(bin, sizeof bin, "%s/matchbooth", build);
    FILE *f = fopen(conf, "w");
    fprintf(f,
            "[kiosk]\ndata_dir = %s/data\nshow = b\nlog_level = warn\n[ui]\nlisten = "
            "127.0.0.1:%d\n[show.b]\nname = Bench\n",
            dir, 20000 + getpid() % 20000);
    fclose(f);

    pid_t pid = fork();
    if (pid == 0) {
        execl(bin, bin, "run", "--config", conf, (char *)NULL);
        _exit(127);
    }
    cJSON *ping = cJSON_CreateObject(), *reply = NULL;
    cJSON_AddStringToObject(ping, "cmd", "ping");
    struct err e = {0};
    for (int i = 0; i < 500 && ctl_call(sock, ping, &reply, 1000, &e) < 0; i++)
        usleep(10000);
    cJSON_Delete(reply);
    cJSON_Delete(ping);

    double *lat = calloc((size_t)n, sizeof *lat);
    long long w0 = write_bytes(pid);
    double t0 = now_s();
    int failures = 0;
    for (int i = 0; i < n; i++) {
        char payload[256];
        snprintf(payload, sizeof payload,
                 "MECARD:UID:BENCH%06d;N:Visitor,Number %d;ORG:Bench Trading Ltd;EMAIL:v%d@bench."
                 "example;TEL:+8529%07d;;",
                 i, i, i, i);
        cJSON *req = cJSON_CreateObject();
        cJSON_AddStringToObject(req, "cmd", "capture");
        cJSON_AddStringToObject(req, "payload", payload);
        double a = now_s();
        if (ctl_call(sock, req, &reply, 10000, &e) < 0 ||
            !cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok")))
            failures++;
        lat[i] = now_s() - a;
        cJSON_Delete(reply);
        cJSON_Delete(req);
    }
    double mb_total = now_s() - t0;
    long long mb_bytes = write_bytes(pid) - w0;
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);

    /* Baseline: the same row inserted with raw sqlite3, same pragmas. */
    snprintf(db, sizeof db, "%s/raw.db", dir);
    sqlite3 *h;
    sqlite3_open(db, &h);
    sqlite3_exec(h,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                 "CREATE TABLE leads(id TEXT PRIMARY KEY, show_id TEXT, identity TEXT, "
                 "full_name TEXT, company TEXT, emails TEXT, phones TEXT, captured_ms INTEGER, "
                 "boot_id TEXT, mono_ms INTEGER, UNIQUE(show_id, identity));"
                 "CREATE TABLE scans(id INTEGER PRIMARY KEY, lead_id TEXT, payload BLOB, "
                 "scanned_ms INTEGER);",
                 NULL, NULL, NULL);
    sqlite3_stmt *ins, *scan;
    sqlite3_prepare_v2(h,
                       "INSERT INTO leads VALUES (?1, 'b', ?2, ?3, 'Bench Trading Ltd', ?4, ?5, "
                       "?6, 'boot', ?6)",
                       -1, &ins, NULL);
    sqlite3_prepare_v2(h, "INSERT INTO scans(lead_id, payload, scanned_ms) VALUES (?1, ?2, ?3)", -1,
                       &scan, NULL);
    double *rlat = calloc((size_t)n, sizeof *rlat);
    long long r0 = write_bytes(getpid());
    t0 = now_s();
    for (int i = 0; i < n; i++) {
        char id[64], ident[64], name[64], em[96], ph[64], payload[256];
        snprintf(id, sizeof id, "01900000-0000-7000-8000-%012d", i);
        snprintf(ident, sizeof ident, "id:BENCH%06d", i);
        snprintf(name, sizeof name, "Number %d Visitor", i);
        snprintf(em, sizeof em, "[\"v%d@bench.example\"]", i);
        snprintf(ph, sizeof ph, "[\"+8529%07d\"]", i);
        snprintf(payload, sizeof payload, "MECARD:UID:BENCH%06d;…", i);
        double a = now_s();
        sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        sqlite3_bind_text(ins, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, ident, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, em, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, ph, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 6, (sqlite3_int64)(a * 1000));
        sqlite3_step(ins);
        sqlite3_reset(ins);
        sqlite3_bind_text(scan, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_blob(scan, 2, payload, (int)strlen(payload), SQLITE_STATIC);
        sqlite3_bind_int64(scan, 3, (sqlite3_int64)(a * 1000));
        sqlite3_step(scan);
        sqlite3_reset(scan);
        sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
        rlat[i] = now_s() - a;
    }
    double raw_total = now_s() - t0;
    long long raw_bytes = write_bytes(getpid()) - r0;
    sqlite3_finalize(ins);
    sqlite3_finalize(scan);
    sqlite3_close(h);

    printf("capture benchmark: %d scans, one durable commit each (WAL, synchronous=FULL)\n", n);
    report("matchbooth capture (socket)", lat, n, mb_total, mb_bytes);
    report("raw sqlite3 insert", rlat, n, raw_total, raw_bytes);
    printf("ratio (matchbooth time / raw sqlite3 time): %.2f; bytes written ratio: %.2f\n",
           mb_total / raw_total, raw_bytes > 0 ? (double)mb_bytes / (double)raw_bytes : 0.0);
    if (failures)
        printf("FAILED captures: %d\n", failures);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    free(lat);
    free(rlat);
    return failures ? 1 : 0;
}
