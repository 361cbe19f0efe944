// SPDX-License-Identifier: Apache-2.0
/*
 * test_daemon — `matchbooth run` itself under umockdev: the daemon is started
 * with the test bed's environment and umockdev's preload, a HID POS scanner
 * is plugged in while it runs, a badge (MECARD with non-ASCII text) is
 * scanned, and the lead is read back with `matchbooth leads --json`, as an
 * operator would. Also `matchbooth devices`, `matchbooth status`,
 * `matchbooth print-test` with and without a printer, and unplugging.
 *
 * This harness runs under the preload too (tests/usb/daemon.t): without it
 * umockdev's uevent sender cannot find the device in the test bed's sysfs and
 * hotplug events never reach the daemon.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "firmware/runtime/ctl.h"
#include "tests/tap.h"
#include "tests/usb/emu.h"

static char conf[512], sock[512], bin[512];

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Runs the CLI with args; returns its exit status, *out its stdout. */
static int cli(char **out, const char *a1, const char *a2)
{
    char *argv[] = {bin, (char *)a1, (char *)a2, "--config", conf, NULL};
    if (!a2) {
        argv[2] = "--config";
        argv[3] = conf;
        argv[4] = NULL;
    }
    int status = -1;
    gchar *o = NULL, *e = NULL;
    GError *err = NULL;
    if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &o, &e, &status, &err)) {
        diag("spawn %s: %s", bin, err->message);
        g_error_free(err);
        return -1;
    }
    if (e && *e)
        diag("%s: %s", a1, g_strchomp(e));
    g_free(e);
    if (out)
        *out = o;
    else
        g_free(o);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static cJSON *call(const char *cmd)
{
    cJSON *req = cJSON_CreateObject(), *reply = NULL;
    cJSON_AddStringToObject(req, "cmd", cmd);
    struct err e = {0};
    if (ctl_call(sock, req, &reply, 2000, &e) < 0)
        reply = NULL;
    cJSON_Delete(req);
    return reply;
}

/* The state of device vid:pid in the daemon's "devices" answer, or "". */
static char *state_of(const char *vid, const char *pid)
{
    cJSON *r = call("devices");
    char *st = g_strdup("");
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "devices"))
    {
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(it, "vid"));
        const char *p = cJSON_GetStringValue(cJSON_GetObjectItem(it, "pid"));
        if (v && p && !strcmp(v, vid) && !strcmp(p, pid)) {
            g_free(st);
            st = g_strdup(cJSON_GetStringValue(cJSON_GetObjectItem(it, "state")));
        }
    }
    cJSON_Delete(r);
    return st;
}

static bool wait_state(const char *vid, const char *pid, const char *want, int ms)
{
    for (int t = 0; t < ms; t += 20) {
        char *st = state_of(vid, pid);
        bool r = !strcmp(st, want);
        g_free(st);
        if (r)
            return true;
        sleep_ms(20);
    }
    return false;
}

static void queue_hidpos(struct emu *e, const char *aim, const uint8_t *p, size_t n)
{
    size_t off = 0;
    do {
        uint8_t r[64] = {0};
        size_t len = n - off > 56 ? 56 : n - off;
        r[0] = 0x02;
        r[1] = (uint8_t)len;
        memcpy(r + 2, aim, 3);
        memcpy(r + 5, p + off, len);
        off += len;
        if (off < n)
            r[63] = 1;
        emu_queue(e, r, sizeof(r));
    } while (off < n);
}

int main(void)
{
    const char *build = getenv("MB_BUILD") ? getenv("MB_BUILD") : "build";
    snprintf(bin, sizeof(bin), "%s/matchbooth", build);
    char tmpl[] = "/tmp/mb-usbd-XXXXXX";
    char *dir = mkdtemp(tmpl);
    if (!dir) {
        printf("Bail out! mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    snprintf(conf, sizeof(conf), "%s/matchbooth.conf", dir);
    snprintf(sock, sizeof(sock), "%s/control.sock", dir);
    FILE *f = fopen(conf, "w");
    fprintf(f,
            "[kiosk]\ndata_dir = %s\nshow = usbtest\n\n[ui]\nlisten = 127.0.0.1:%d\n\n"
            "[devices]\nallowlist = board/allowlist.txt\n\n"
            "[show.usbtest]\nname = USB Test Fair\n",
            dir, 20000 + (int)(getpid() % 20000));
    fclose(f);

    UMockdevTestbed *tb = umockdev_testbed_new(); /* sets UMOCKDEV_DIR for the child */
    struct emu *pos = emu_new(tb, EMU_HIDPOS, 0x0c2e, 0x0b61, 1);
    struct emu *prn = emu_new(tb, EMU_PRINTER, 0x04b8, 0x0202, 2);

    gchar **env = g_get_environ();
    env = g_environ_setenv(env, "LD_PRELOAD", "libumockdev-preload.so.0", TRUE);
    char *argv[] = {bin, "run", "--config", conf, "--log-level", "warn", NULL};
    GPid pid;
    GError *err = NULL;
    if (!g_spawn_async(NULL, argv, env, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &err)) {
        printf("Bail out! spawn daemon: %s\n", err->message);
        return 1;
    }
    g_strfreev(env);
    cJSON *pong = NULL;
    for (int i = 0; i < 250 && !(pong = call("ping")); i++)
        sleep_ms(20);
    ok(pong != NULL, "daemon runs under umockdev and answers on its control socket");
    cJSON_Delete(pong);

    char *out = NULL;
    ok(cli(&out, "devices", NULL) == 0 && strstr(out, "no scanners or printers found"),
       "matchbooth devices: nothing plugged in yet");
    g_free(out);

    emu_plug(pos);
    ok(wait_state("0c2e", "0b61", "ready", 5000), "scanner plugged into the running daemon: ready");
    ok(!emu_kernel_bound(pos), "its kernel driver was detached");
    ok(cli(&out, "devices", NULL) == 0 && strstr(out, "usb:0c2e:0b61@1-1") &&
           strstr(out, "ready") && strstr(out, "hidpos"),
       "matchbooth devices lists it");
    if (out)
        diag("%s", g_strchomp(out));
    g_free(out);
    ok(cli(&out, "status", "--json") == 0, "matchbooth status --json");
    cJSON *st = out ? cJSON_Parse(out) : NULL;
    is_int(
        cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(st, "devices"), "scanners")),
        1, "status shows one scanner");
    cJSON_Delete(st);
    g_free(out);

    static const uint8_t badge[] =
        "MECARD:N:M\xc3\xbcller,Zo\xc3\xab;ORG:M\xc3\xbcller Sensorik GmbH;"
        "EMAIL:zoe.mueller@example.com;TEL:+49301234567;;";
    queue_hidpos(pos, "]Q1", badge, sizeof(badge) - 1);
    cJSON *lead = NULL;
    for (int i = 0; i < 250 && !lead; i++) {
        sleep_ms(20);
        out = NULL;
        if (cli(&out, "leads", "--json") == 0 && out && *out) {
            char *nl = strchr(out, '\n');
            if (nl)
                *nl = 0;
            lead = cJSON_Parse(out);
        }
        g_free(out);
    }
    ok(lead != NULL, "the scanned badge is a lead in the store (matchbooth leads --json)");
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(lead, "full_name"));
    const char *fam = cJSON_GetStringValue(cJSON_GetObjectItem(lead, "family_name"));
    ok((name && strstr(name, "Zo\xc3\xab")) || (fam && !strcmp(fam, "M\xc3\xbcller")),
       "its name kept the non-ASCII letters (%s)",
       name  ? name
       : fam ? fam
             : "null");
    const cJSON *emails = cJSON_GetObjectItem(lead, "emails");
    is_str(cJSON_GetStringValue(cJSON_GetArrayItem(emails, 0)), "zoe.mueller@example.com",
           "email decoded");
    is_str(cJSON_GetStringValue(cJSON_GetObjectItem(lead, "source")), "scanner", "source scanner");
    cJSON_Delete(lead);
    ok(cli(&out, "leads", "--json") == 0 && strstr(out, "zoe.mueller@example.com"), "leads again");
    g_free(out);

    ok(cli(&out, "print-test", NULL) == 1, "print-test without a printer fails");
    g_free(out);
    emu_plug(prn);
    ok(wait_state("04b8", "0202", "ready", 5000), "printer plugged in: ready");
    ok(cli(&out, "print-test", NULL) == 0 && strstr(out, "usb:04b8:0202"),
       "print-test queues a slip on it");
    g_free(out);
    size_t n = 0;
    uint8_t *bytes = NULL;
    for (int i = 0; i < 100; i++) {
        sleep_ms(20);
        g_free(bytes);
        bytes = emu_take_out(prn, &n);
        if (n > 100)
            break;
    }
    ok(n > 100 && memmem(bytes, n, "Printer test", 12) && memmem(bytes, n, "\x1dV", 2),
       "the printer received the test slip (%zu bytes) ending in a cut", n);
    g_free(bytes);

    /* SIGHUP: the devices stop (usbhid given back) and start again. */
    int detaches = emu_count(pos, "detach");
    kill(pid, SIGHUP);
    for (int i = 0; i < 250 && emu_count(pos, "detach") == detaches; i++)
        sleep_ms(20);
    ok(emu_count(pos, "attach") >= 1 && emu_count(pos, "detach") == detaches + 1,
       "SIGHUP reload: scanner given back to the kernel, then claimed again");
    ok(wait_state("0c2e", "0b61", "ready", 5000), "and ready after the reload");
    static const char again[] = "MECARD:N:After,Reload;EMAIL:r@example.com;;";
    queue_hidpos(pos, "]Q1", (const uint8_t *)again, strlen(again));
    bool found = false;
    for (int i = 0; i < 250 && !found; i++) {
        sleep_ms(20);
        out = NULL;
        found = cli(&out, "leads", "--json") == 0 && out && strstr(out, "r@example.com");
        g_free(out);
    }
    ok(found, "a scan after the reload is stored");

    emu_unplug(pos);
    ok(wait_state("0c2e", "0b61", "removed", 5000), "scanner unplugged: removed");

    kill(pid, SIGTERM);
    int status = -1;
    for (int i = 0; i < 250; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            break;
        sleep_ms(20);
    }
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "daemon stops cleanly on SIGTERM");
    emu_remove(pos);
    emu_free(pos);
    emu_free(prn);
    g_object_unref(tb);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        diag("cleanup of %s failed", dir);
    return done_testing();
}
