// SPDX-License-Identifier: Apache-2.0
/*
 * bench_sync — drains a queued backlog to a loopback webhook and compares
 * with the curl command-line tool sending the very same batches.
 *
 * For 10,000 and 100,000 queued leads: fills a fresh store through the store
 * API (synchronous=OFF while filling, which only the bench does), starts
 * `matchbooth run` with one signed, gzipped webhook sink, and times the drain
 * until nothing is pending. Prints leads per second, bytes on the wire per
 * lead (request line, headers and body, as the server counted them), and the
 * daemon's peak RSS (VmHWM) — which must not grow with the backlog, since
 * the worker reads one batch at a time. Then curl (the CLI, one process, one
 * kept-alive connection) sends the bodies the server saved, and the ratio of
 * the two times is printed.
 *
 * Needs $MB_BUILD (set by `make bench`), /usr/bin/python3 and curl.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "firmware/runtime/ctl.h"
#include "firmware/base/lead.h"
#include "firmware/store/store.h"
#include "firmware/base/strv.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pid_t spawn(char *const argv[], const char *out_path)
{
    pid_t p = fork();
    if (p == 0) {
        if (out_path) {
            FILE *f = freopen(out_path, "w", stdout);
            (void)f;
        }
        execv(argv[0], argv);
        _exit(127);
    }
    return p;
}

static int fill(const char *db, int n)
{
    struct err e = {0};
    struct store *s = store_open(db, &e);
    if (!s) {
        fprintf(stderr, "bench_sync: %s\n", e.msg);
        return -1;
    }
    struct strv sinks = {0};
    strv_push(&sinks, "hook");
    store_set_sinks(s, &sinks);
    strv_free(&sinks);
    sqlite3_exec(store_db(s), "PRAGMA synchronous = OFF", NULL, NULL, NULL);
    store_show_ensure(s, "bench", "Bench show", "UTC", &e);
    for (int i = 0; i < n; i++) {
        char payload[256], name[64], mail[64], uid[32], org[32];
        snprintf(name, sizeof name, "Tester%d", i);
        snprintf(mail, sizeof mail, "visitor%d@example.com", i);
        snprintf(uid, sizeof uid, "B%08d", i);
        snprintf(org, sizeof org, "Company %d GmbH", i % 997);
        snprintf(payload, sizeof payload, "MECARD:N:%s,Jo;ORG:%s;EMAIL:%s;UID:%s;;", name, org,
                 mail, uid);
        struct lead_fields f = {0};
        lead_set(&f.format, "mecard");
        lead_set(&f.badge_id, uid);
        lead_set(&f.family_name, name);
        lead_set(&f.given_name, "Jo");
        lead_set(&f.company, org);
        strv_push(&f.emails, mail);
        struct store_scan sc = {.show_id = "bench",
                                .source = LEAD_SRC_SCANNER,
                                .device = "bench",
                                .payload = (const uint8_t *)payload,
                                .len = strlen(payload),
                                .fields = &f};
        clock_now(&sc.when);
        struct store_scan_result r;
        int rc = store_scan_add(s, &sc, &r, &e);
        lead_fields_free(&f);
        if (rc < 0) {
            fprintf(stderr, "bench_sync: %s\n", e.msg);
            store_close(s);
            return -1;
        }
    }
    store_close(s);
    return 0;
}

static long vm_hwm_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6))
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}

static int wait_port(const char *file, double timeout)
{
    double end = now_s() + timeout;
    while (now_s() < end) {
        FILE *f = fopen(file, "r");
        int port = 0;
        if (f) {
            if (fscanf(f, "%d", &port) != 1)
                port = 0;
            fclose(f);
        }
        if (port > 0)
            return port;
        usleep(20000);
    }
    return -1;
}

static cJSON *stop_server(pid_t pid, const char *out)
{
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    FILE *f = fopen(out, "r");
    char line[1024] = "";
    if (f) {
        if (!fgets(line, sizeof line, f))
            line[0] = '\0';
        fclose(f);
    }
    return cJSON_Parse(line);
}

static double num(const cJSON *o, const char *k)
{
    return cJSON_GetNumberValue(cJSON_GetObjectItem(o, k));
}

struct result {
    double secs, curl_secs, bytes_per_lead, body_per_lead, plain_per_lead;
    long rss_kb;
    int distinct, leads, requests;
};

static int run_one(const char *build, const char *here, int n, struct result *res)
{
    char dir[] = "/tmp/mb-bench-sync-XXXXXX";
    if (!mkdtemp(dir))
        return -1;
    char path[512], conf[512], portf[512], out[512], saved[512], bin[512], srvpy[512];
    snprintf(path, sizeof path, "%s/data", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/data/leads.db", dir);
    snprintf(saved, sizeof saved, "%s/bodies", dir);
    mkdir(saved, 0755);
    snprintf(bin, sizeof bin, "%s/matchbooth", build);
    snprintf(srvpy, sizeof srvpy, "%s/sync_bench_server.py", here);
    double t0 = now_s();
    if (fill(path, n) < 0)
        return -1;
    printf("  queued %d leads in %.1f s\n", n, now_s() - t0);

    snprintf(portf, sizeof portf, "%s/port", dir);
    snprintf(out, sizeof out, "%s/server.json", dir);
    char *sargv[] = {"/usr/bin/python3", srvpy, portf, saved, NULL};
    pid_t srv = spawn(sargv, out);
    int port = wait_port(portf, 10);
    if (port < 0)
        return -1;
    snprintf(conf, sizeof conf, "%s/matchbooth.conf", dir);
    FILE *f = fopen(conf, "w");
    fprintf(f,
            "[kiosk]\ndata_dir = %s/data\nshow = bench\ndevice_id = bench-kiosk\nlog_level = "
            "warn\n\n[ui]\nlisten = 127.0.0.1:0\n\n[show.bench]\nname = Bench show\n\n"
            "[sink.hook]\ntype = webhook\nurl = http://127.0.0.1:%d/hook\nsecret = "
            "whsec_YmVuY2gtc2VjcmV0LWtleS1ieXRlcw==\n"
            "batch_size = 100\nbatch_max_age = 0\n",
            dir, port);
    fclose(f);
    char sock[600];
    snprintf(sock, sizeof sock, "%s/data/control.sock", dir);
    char *dargv[] = {bin, "run", "--config", conf, NULL};
    double start = now_s();
    pid_t d = spawn(dargv, NULL);
    long hwm = -1;
    for (;;) {
        usleep(200000); /* status counts the queue: do not make it the bottleneck */
        cJSON *req = cJSON_CreateObject(), *reply = NULL;
        cJSON_AddStringToObject(req, "cmd", "sync_status");
        struct err e = {0};
        int rc = ctl_call(sock, req, &reply, 5000, &e);
        cJSON_Delete(req);
        double pending = rc == 0 ? num(reply, "pending") : -1;
        cJSON_Delete(reply);
        long h = vm_hwm_kb(d);
        if (h > hwm)
            hwm = h;
        if (rc == 0 && pending == 0)
            break;
        if (now_s() - start > 600 || waitpid(d, NULL, WNOHANG) == d) {
            fprintf(stderr, "bench_sync: drain did not finish\n");
            return -1;
        }
    }
    res->secs = now_s() - start;
    res->rss_kb = hwm;
    kill(d, SIGTERM);
    waitpid(d, NULL, 0);
    cJSON *st = stop_server(srv, out);
    if (!st)
        return -1;
    res->requests = (int)num(st, "requests");
    res->leads = (int)num(st, "leads");
    res->distinct = (int)num(st, "distinct");
    res->bytes_per_lead = (num(st, "body_bytes") + num(st, "header_bytes")) / n;
    res->body_per_lead = num(st, "body_bytes") / n;
    res->plain_per_lead = num(st, "plain_bytes") / n;
    cJSON_Delete(st);

    /* The baseline: curl sends the same bodies, one process, keep-alive. */
    char portf2[512], out2[512], curlcfg[512];
    snprintf(portf2, sizeof portf2, "%s/port2", dir);
    snprintf(out2, sizeof out2, "%s/server2.json", dir);
    char *s2argv[] = {"/usr/bin/python3", srvpy, portf2, NULL};
    pid_t srv2 = spawn(s2argv, out2);
    int port2 = wait_port(portf2, 10);
    snprintf(curlcfg, sizeof curlcfg, "%s/curl.cfg", dir);
    f = fopen(curlcfg, "w");
    for (int i = 1; i <= res->requests; i++)
        fprintf(f,
                "%surl = \"http://127.0.0.1:%d/hook\"\ndata-binary = \"@%s/batch-%06d.body\"\n"
                "header = \"Content-Type: application/json\"\nheader = \"Content-Encoding: "
                "gzip\"\noutput = \"/dev/null\"\nsilent\n",
                i > 1 ? "next\n" : "", port2, saved, i);
    fclose(f);
    char *cargv[] = {"/usr/bin/curl", "-K", curlcfg, NULL};
    double c0 = now_s();
    pid_t c = spawn(cargv, NULL);
    int status = 0;
    waitpid(c, &status, 0);
    res->curl_secs = now_s() - c0;
    cJSON *st2 = stop_server(srv2, out2);
    int sent2 = st2 ? (int)num(st2, "requests") : -1;
    cJSON_Delete(st2);
    if (sent2 != res->requests)
        fprintf(stderr, "bench_sync: curl sent %d of %d batches\n", sent2, res->requests);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_sync: could not remove %s\n", dir);
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* children must not inherit unflushed lines */
    const char *build = getenv("MB_BUILD") ? getenv("MB_BUILD") : "build";
    char here[512];
    snprintf(here, sizeof here, "%s", __FILE__);
    char *slash = strrchr(here, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(here, sizeof here, ".");
    int sizes[] = {10000, 100000};
    struct result r[2] = {0};
    for (int i = 0; i < 2; i++) {
        printf("bench_sync: %d queued leads -> loopback webhook (batches of 100, gzip, HMAC)\n",
               sizes[i]);
        if (run_one(build, here, sizes[i], &r[i]) < 0)
            return 1;
        printf("  drained in %.2f s: %.0f leads/s, %d requests, %d distinct leads of %d sent\n",
               r[i].secs, sizes[i] / r[i].secs, r[i].requests, r[i].distinct, r[i].leads);
        printf("  on the wire: %.0f bytes per lead (%.0f of it body, gzipped from %.0f; the "
               "synthetic leads are very alike)\n",
               r[i].bytes_per_lead, r[i].body_per_lead, r[i].plain_per_lead);
        printf("  daemon peak RSS: %.1f MiB\n", r[i].rss_kb / 1024.0);
        printf("  curl CLI, same %d bodies, one connection: %.2f s (daemon / curl = %.2f)\n",
               r[i].requests, r[i].curl_secs, r[i].secs / r[i].curl_secs);
        if (r[i].distinct != sizes[i]) {
            fprintf(stderr, "bench_sync: server got %d distinct leads, expected %d\n",
                    r[i].distinct, sizes[i]);
            return 1;
        }
    }
    printf("peak RSS 100,000 / 10,000 queued = %.2f (1.00 = flat)\n",
           (double)r[1].rss_kb / (double)r[0].rss_kb);
    return 0;
}
