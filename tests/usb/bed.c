// SPDX-License-Identifier: Apache-2.0
/*
 * bed — a USB test bed for the browser tests (tests/browser/devices.t): the
 * real daemon under umockdev's preload, with emulated devices a test plugs,
 * unplugs and runs out of paper by writing lines to this program's stdin.
 * Not a TAP test: a helper the browser test drives.
 *
 *     LD_PRELOAD=libumockdev-preload.so.0 bed CONFIG
 *
 * Starts `matchbooth run --config CONFIG` (output in CONFIG's folder,
 * daemon.log) with these devices, none plugged yet:
 *
 *     printer   04b8:0e15 on port 1, an ESC/POS printer of the allow list
 *     stranger  1fc9:2016 on port 2, a printer in no list
 *     scanner   2dd6:26ca on port 3, a HID POS scanner in no list
 *
 * and prints "ready" once the daemon answers its control socket. Then each
 * command line gets one answer line ("ok …", or "error …"):
 *
 *     plug NAME | unplug NAME     the device arrives or leaves
 *     paper out | paper in        the printer's paper sensor
 *     slip                        "ok N": slip bytes the printer received
 *                                 since the last "slip" (status queries left out)
 *     scan TEXT                   the scanner reads TEXT (HID POS reports)
 *     quit                        SIGTERM to the daemon: "ok EXIT-STATUS"
 *
 * End of input is "quit".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "firmware/runtime/ctl.h"
#include "tests/usb/emu.h"

struct named {
    const char *name;
    struct emu *e;
};

static void nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static bool answers(const char *sock)
{
    cJSON *req = cJSON_CreateObject(), *reply = NULL;
    cJSON_AddStringToObject(req, "cmd", "ping");
    struct err e = {0};
    bool up = ctl_call(sock, req, &reply, 1000, &e) == 0;
    cJSON_Delete(req);
    cJSON_Delete(reply);
    return up;
}

static GPid start_daemon(const char *bin, const char *conf, const char *log)
{
    gchar **env = g_environ_setenv(g_get_environ(), "LD_PRELOAD", "libumockdev-preload.so.0", TRUE);
    char *argv[] = {(char *)bin, "run", "--config", (char *)conf, NULL};
    GPid pid = 0;
    GError *err = NULL;
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    bool ok = g_spawn_async_with_fds(NULL, argv, env, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                                     -1, fd, fd, &err);
    close(fd);
    g_strfreev(env);
    if (!ok) {
        printf("error spawn: %s\n", err->message);
        exit(1);
    }
    return pid;
}

static struct emu *find(struct named *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].name, name))
            return v[i].e;
    return NULL;
}

/* One command line; false after "quit". */
static bool command(char *line, struct named *v, size_t n, GPid pid)
{
    line[strcspn(line, "\r\n")] = '\0';
    char *arg = strchr(line, ' ');
    if (arg)
        *arg++ = '\0';
    struct emu *e = arg ? find(v, n, arg) : NULL;
    struct emu *printer = find(v, n, "printer");
    if (!strcmp(line, "plug") && e) {
        emu_plug(e);
    } else if (!strcmp(line, "unplug") && e) {
        emu_unplug(e);
        nap(300); /* the daemon lets go, then sysfs forgets it */
        emu_remove(e);
    } else if (!strcmp(line, "paper") && arg) {
        emu_set_printer_status(printer, true, 0x12, !strcmp(arg, "out") ? 0x72 : 0x12);
    } else if (!strcmp(line, "slip")) {
        printf("ok %zu\n", emu_take_slip(printer));
        return true;
    } else if (!strcmp(line, "scan") && arg) {
        emu_scan_hidpos(find(v, n, "scanner"), arg);
    } else if (!strcmp(line, "quit")) {
        kill(pid, SIGTERM);
        int status = -1;
        for (int i = 0; i < 500 && waitpid(pid, &status, WNOHANG) != pid; i++)
            nap(20);
        printf("ok %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return false;
    } else {
        printf("error unknown command\n");
        return true;
    }
    printf("ok\n");
    return true;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bed CONFIG\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *build = getenv("MB_BUILD") ? getenv("MB_BUILD") : "build";
    char bin[512], sock[600], log[600], dir[512];
    snprintf(bin, sizeof bin, "%s/matchbooth", build);
    snprintf(dir, sizeof dir, "%s", argv[1]);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    snprintf(log, sizeof log, "%s/daemon.log", slash ? dir : ".");
    snprintf(sock, sizeof sock, "%s/var/control.sock", slash ? dir : ".");
    UMockdevTestbed *tb = umockdev_testbed_new();
    struct named v[] = {
        {"printer", emu_new(tb, EMU_PRINTER, 0x04b8, 0x0e15, 1)},
        {"stranger", emu_new(tb, EMU_PRINTER, 0x1fc9, 0x2016, 2)},
        {"scanner", emu_new(tb, EMU_HIDPOS, 0x2dd6, 0x26ca, 3)},
    };
    size_t n = sizeof v / sizeof v[0];
    GPid pid = start_daemon(bin, argv[1], log);
    int i = 0;
    for (; i < 500 && !answers(sock); i++)
        nap(20);
    if (i == 500) {
        printf("error the daemon does not answer (see %s)\n", log);
        kill(pid, SIGKILL);
        return 1;
    }
    printf("ready\n");
    char line[1024];
    bool more = true;
    while (more && fgets(line, sizeof line, stdin))
        more = command(line, v, n, pid);
    if (more) {
        char quit[] = "quit";
        command(quit, v, n, pid);
    }
    for (size_t k = 0; k < n; k++) {
        emu_remove(v[k].e);
        emu_free(v[k].e);
    }
    g_object_unref(tb);
    return 0;
}
