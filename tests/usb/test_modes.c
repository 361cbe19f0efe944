// SPDX-License-Identifier: Apache-2.0
/*
 * test_modes — scanners chosen by what they present, through `matchbooth
 * run` under umockdev and the CLI, as staff would meet them:
 *
 *  - listed scanners in the "wrong" mode (a HID POS model typing as a
 *    keyboard, a keyboard model in HID POS mode, a HID POS model in USB
 *    serial mode) are read by the driver their interfaces call for, and each
 *    scan becomes a lead;
 *  - an unlisted HID POS scanner is shown as "scanner found, not enabled",
 *    not opened (no ioctl) and its scans not read, until `matchbooth devices
 *    enable ID`; then it is claimed, its scan stored, and it is remembered
 *    across a SIGHUP reload;
 *  - an unlisted keyboard (the kiosk's own) and an unlisted touch screen are
 *    never opened, nor can they be enabled.
 *
 * Runs under umockdev's preload (tests/usb/modes.t), like test_daemon.
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

static char conf[512], sock[512], bin[512], data_dir[256];

static void nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* `matchbooth ARGS… --config conf`: exit status, stdout in *out (g_free). */
static int run_cli(char **out, const char *const *args)
{
    const char *argv[12] = {bin};
    int n = 1;
    for (; args[n - 1] && n < 9; n++)
        argv[n] = args[n - 1];
    argv[n++] = "--config";
    argv[n++] = conf;
    argv[n] = NULL;
    int status = -1;
    gchar *o = NULL, *e = NULL;
    GError *err = NULL;
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &o, &e, &status,
                      &err)) {
        diag("spawn: %s", err->message);
        g_error_free(err);
        return -1;
    }
    if (e && *e)
        diag("%s: %s", args[0], g_strchomp(e));
    g_free(e);
    if (out)
        *out = o;
    else
        g_free(o);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The daemon's record of the device at usb:vid:pid@1-port, or NULL. */
static cJSON *device(const char *id)
{
    cJSON *req = cJSON_CreateObject(), *reply = NULL, *found = NULL;
    cJSON_AddStringToObject(req, "cmd", "devices");
    struct err e = {0};
    if (ctl_call(sock, req, &reply, 2000, &e) == 0) {
        const cJSON *it;
        cJSON_ArrayForEach(it, cJSON_GetObjectItem(reply, "devices"))
        {
            const char *d = cJSON_GetStringValue(cJSON_GetObjectItem(it, "id"));
            if (d && !strcmp(d, id)) {
                cJSON_Delete(found);
                found = cJSON_Duplicate(it, 1);
            }
        }
    }
    cJSON_Delete(req);
    cJSON_Delete(reply);
    return found;
}

static const char *member(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
    return s ? s : "";
}

/* Waits until device id is in state want; returns its record then (or NULL). */
static cJSON *await(const char *id, const char *want, int ms)
{
    for (int t = 0; t < ms; t += 20, nap(20)) {
        cJSON *d = device(id);
        if (d && !strcmp(member(d, "state"), want))
            return d;
        cJSON_Delete(d);
    }
    return NULL;
}

/* Waits for a lead with this email in `matchbooth leads --json`. */
static bool lead_with(const char *email, int ms)
{
    const char *args[] = {"leads", "--json", NULL};
    for (int t = 0; t < ms; t += 50, nap(50)) {
        char *out = NULL;
        bool found = run_cli(&out, args) == 0 && out && strstr(out, email);
        g_free(out);
        if (found)
            return true;
    }
    return false;
}

/* Types s on a boot keyboard set to the US layout, then Enter. */
static void type_us(struct emu *e, const char *s)
{
    static const char shifted_digits[] = ")!@#$%^&*(";
    for (; *s; s++) {
        char c = *s;
        const char *sd = strchr(shifted_digits, c);
        if (c >= 'a' && c <= 'z')
            emu_key(e, 0, (uint8_t)(0x04 + c - 'a'));
        else if (c >= 'A' && c <= 'Z')
            emu_key(e, 0x02, (uint8_t)(0x04 + c - 'A'));
        else if (c >= '1' && c <= '9')
            emu_key(e, 0, (uint8_t)(0x1e + c - '1'));
        else if (c == '0')
            emu_key(e, 0, 0x27);
        else if (sd && c != '\0')
            emu_key(e, 0x02,
                    (uint8_t)(sd == shifted_digits ? 0x27 : 0x1e + (sd - shifted_digits) - 1));
        else if (c == ';' || c == ':')
            emu_key(e, c == ':' ? 0x02 : 0, 0x33);
        else if (c == ',')
            emu_key(e, 0, 0x36);
        else if (c == '.')
            emu_key(e, 0, 0x37);
        else if (c == '-')
            emu_key(e, 0, 0x2d);
    }
    emu_key(e, 0, 0x28);
}

static GPid start_daemon(void)
{
    gchar **env = g_environ_setenv(g_get_environ(), "LD_PRELOAD", "libumockdev-preload.so.0", TRUE);
    char *argv[] = {bin, "run", "--config", conf, "--log-level", "warn", NULL};
    GPid pid = 0;
    GError *err = NULL;
    if (!g_spawn_async(NULL, argv, env, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &err)) {
        printf("Bail out! spawn daemon: %s\n", err->message);
        exit(1);
    }
    g_strfreev(env);
    for (int i = 0; i < 250; i++, nap(20)) {
        cJSON *req = cJSON_CreateObject(), *reply = NULL;
        cJSON_AddStringToObject(req, "cmd", "ping");
        struct err e = {0};
        int r = ctl_call(sock, req, &reply, 1000, &e);
        cJSON_Delete(req);
        cJSON_Delete(reply);
        if (r == 0)
            return pid;
    }
    printf("Bail out! the daemon does not answer\n");
    exit(1);
}

/* Plugs e in and checks that device id is claimed by driver. */
static void claimed_by(struct emu *e, const char *id, const char *driver, const char *what)
{
    emu_plug(e);
    cJSON *d = await(id, "ready", 5000);
    ok(d != NULL, "%s: claimed, ready", what);
    is_str(member(d, "driver"), driver, "read by the driver it presents");
    cJSON_Delete(d);
}

/* Listed models in the other modes: each read by the driver it presents. */
static void wrong_modes(struct emu *kbd, struct emu *pos, struct emu *acm)
{
    claimed_by(kbd, "usb:0c2e:0b61@1-1", "wedge", "HID POS model (0c2e:0b61) typing as a keyboard");
    type_us(kbd, "MECARD:N:Doe,Jane;EMAIL:jane@wedge-mode.example;;");
    ok(lead_with("jane@wedge-mode.example", 5000), "its typed scan is a lead");

    claimed_by(pos, "usb:0c2e:0b87@1-2", "hidpos", "keyboard model (0c2e:0b87) in HID POS mode");
    emu_scan_hidpos(pos, "MECARD:N:M\xc3\xbcller,Zo\xc3\xab;EMAIL:zoe@pos-mode.example;;");
    ok(lead_with("zoe@pos-mode.example", 5000), "its scan is a lead");

    claimed_by(acm, "usb:05e0:1300@1-3", "acm", "HID POS model (05e0:1300) in USB serial mode");
    ok(!emu_kernel_bound(acm), "cdc_acm detached from its data interface");
    static const char part1[] = "MECARD:N:Serial,Sam;EMAIL:sam@",
                      part2[] = "acm-mode.example;;\r\n";
    emu_queue(acm, (const uint8_t *)part1, strlen(part1));
    emu_queue(acm, (const uint8_t *)part2, strlen(part2));
    ok(lead_with("sam@acm-mode.example", 5000), "its scan, in two bulk reads, is one lead");
}

/* Unlisted devices: the scanner offered, keyboard and touch screen untouched. */
static void unlisted(struct emu *scanner, struct emu *kbd, struct emu *touch)
{
    emu_plug(scanner);
    cJSON *d = await("usb:2dd6:26ca@1-4", "scanner found, not enabled", 5000);
    ok(d != NULL, "unlisted HID POS scanner: \"scanner found, not enabled\"");
    ok(cJSON_IsFalse(cJSON_GetObjectItem(d, "enabled")), "status says enabled: false");
    is_str(member(d, "enable"), "devices-enable", "and names the control command that enables it");
    is_str(member(d, "kind"), "scanner", "kind scanner");
    cJSON_Delete(d);
    const char *st[] = {"status", "--json", NULL};
    char *out = NULL;
    cJSON *status = run_cli(&out, st) == 0 && out ? cJSON_Parse(out) : NULL;
    g_free(out);
    is_int(cJSON_GetNumberValue(
               cJSON_GetObjectItem(cJSON_GetObjectItem(status, "devices"), "scanners")),
           3, "status counts the three claimed scanners, not the one waiting");
    cJSON_Delete(status);
    emu_scan_hidpos(scanner, "MECARD:N:Late,Lee;EMAIL:lee@offered.example;;");
    nap(300);
    is_int(emu_count(scanner, "ioctl"), 0, "not opened: no ioctl reached it");
    ok(emu_kernel_bound(scanner), "its kernel driver stays bound");
    is_int(emu_pending(scanner), 1, "its scan is not read");

    emu_plug(kbd);
    emu_set_report_descriptor(touch, (const uint8_t[]){0x05, 0x0d, 0x09, 0x04, 0xa1, 0x01, 0xc0},
                              7);
    emu_plug(touch);
    d = await("usb:046d:c31c@1-5", "ignored", 5000);
    ok(d != NULL, "unlisted keyboard (the kiosk's own): ignored");
    cJSON_Delete(d);
    d = await("usb:0eef:0001@1-6", "ignored", 5000);
    ok(d != NULL, "unlisted touch screen (digitizer page): ignored, not offered");
    cJSON_Delete(d);
    is_int(emu_count(kbd, "ioctl") + emu_count(touch, "ioctl"), 0, "neither was opened");

    const char *list[] = {"devices", NULL};
    ok(run_cli(&out, list) == 0 && out &&
           strstr(out, "to use it: matchbooth devices enable usb:2dd6:26ca@1-4") &&
           !strstr(out, "enable usb:046d"),
       "matchbooth devices offers the scanner, and only it, with the command to enable it");
    if (out)
        diag("%s", g_strchomp(out));
    g_free(out);
    const char *no[] = {"devices", "enable", "usb:046d:c31c@1-5", NULL};
    ok(run_cli(NULL, no) != 0, "a keyboard cannot be enabled");
    ok(emu_count(kbd, "ioctl") == 0, "and was still not opened");

    const char *yes[] = {"devices", "enable", "usb:2dd6:26ca@1-4", NULL};
    ok(run_cli(&out, yes) == 0 && out && strstr(out, "enabled as hidpos"),
       "matchbooth devices enable ID");
    g_free(out);
    d = await("usb:2dd6:26ca@1-4", "ready", 5000);
    ok(d != NULL, "the scanner is claimed and ready");
    ok(cJSON_GetObjectItem(d, "enabled") == NULL, "no longer offered");
    cJSON_Delete(d);
    ok(lead_with("lee@offered.example", 5000), "the scan waiting in it is read and stored");
    char path[600];
    snprintf(path, sizeof(path), "%s/devices-enabled.txt", data_dir);
    gchar *text = NULL;
    ok(g_file_get_contents(path, &text, NULL, NULL) && strstr(text, "2dd6:26ca hidpos"),
       "remembered in <data_dir>/devices-enabled.txt");
    g_free(text);
}

int main(void)
{
    const char *build = getenv("MB_BUILD") ? getenv("MB_BUILD") : "build";
    snprintf(bin, sizeof(bin), "%s/matchbooth", build);
    char tmpl[] = "/tmp/mb-modes-XXXXXX";
    if (!mkdtemp(tmpl)) {
        printf("Bail out! mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    snprintf(data_dir, sizeof(data_dir), "%s", tmpl);
    snprintf(conf, sizeof(conf), "%s/matchbooth.conf", data_dir);
    snprintf(sock, sizeof(sock), "%s/control.sock", data_dir);
    FILE *f = fopen(conf, "w");
    fprintf(f,
            "[kiosk]\ndata_dir = %s\nshow = modes\n\n[ui]\nlisten = 127.0.0.1:%d\n\n"
            "[devices]\nallowlist = board/allowlist.txt\nrepeat_window_ms = 0\n\n"
            "[show.modes]\nname = Modes Fair\n",
            data_dir, 20000 + (int)((getpid() + 7) % 20000));
    fclose(f);

    UMockdevTestbed *tb = umockdev_testbed_new();
    struct emu *kbd_mode = emu_new(tb, EMU_KEYBOARD, 0x0c2e, 0x0b61, 1);
    struct emu *pos_mode = emu_new(tb, EMU_HIDPOS, 0x0c2e, 0x0b87, 2);
    struct emu *acm_mode = emu_new(tb, EMU_ACM, 0x05e0, 0x1300, 3);
    struct emu *stranger = emu_new(tb, EMU_HIDPOS, 0x2dd6, 0x26ca, 4);
    struct emu *keyboard = emu_new(tb, EMU_KEYBOARD, 0x046d, 0xc31c, 5);
    struct emu *touch = emu_new(tb, EMU_HIDPOS, 0x0eef, 0x0001, 6);
    GPid pid = start_daemon();

    wrong_modes(kbd_mode, pos_mode, acm_mode);
    unlisted(stranger, keyboard, touch);

    /* A reload forgets nothing staff enabled. */
    int detaches = emu_count(stranger, "detach");
    kill(pid, SIGHUP);
    for (int i = 0; i < 250 && emu_count(stranger, "detach") == detaches; i++)
        nap(20);
    cJSON *d = await("usb:2dd6:26ca@1-4", "ready", 5000);
    ok(d != NULL && emu_count(stranger, "detach") == detaches + 1,
       "after a SIGHUP reload the enabled scanner is claimed again");
    cJSON_Delete(d);
    emu_scan_hidpos(stranger, "MECARD:N:Again,Ada;EMAIL:ada@after-reload.example;;");
    ok(lead_with("ada@after-reload.example", 5000), "and its scans are stored");
    is_int(emu_count(keyboard, "ioctl"), 0,
           "the kiosk's keyboard was never opened, reload included");

    kill(pid, SIGTERM);
    int status = -1;
    for (int i = 0; i < 250 && waitpid(pid, &status, WNOHANG) != pid; i++)
        nap(20);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "daemon stops cleanly");
    struct emu *all[] = {kbd_mode, pos_mode, acm_mode, stranger, keyboard, touch};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        emu_remove(all[i]);
        emu_free(all[i]);
    }
    g_object_unref(tb);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", data_dir);
    if (system(cmd) != 0)
        diag("cleanup of %s failed", data_dir);
    return done_testing();
}
