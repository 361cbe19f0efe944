// SPDX-License-Identifier: Apache-2.0
/*
 * test_enrol — first-boot enrolment: finding the file on the boot partition,
 * validating it before anything changes, installing it (and its form)
 * atomically with the old file's mode, deleting it from the boot partition,
 * and what counts as enrolled.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "firmware/base/buf.h"
#include "firmware/config/config.h"
#include "firmware/config/enrol.h"
#include "tests/tap.h"

static char root[64];

static void put(const char *rel, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    FILE *f = fopen(p, "w");
    if (!f) {
        diag("cannot write %s", p);
        return;
    }
    fputs(text, f);
    fclose(f);
}

static char *slurp(const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    FILE *f = fopen(p, "r");
    if (!f)
        return NULL;
    static char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static bool exists(const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    return access(p, F_OK) == 0;
}

static const char *abs_of(const char *rel)
{
    static char p[2][512];
    static int i;
    i = !i;
    snprintf(p[i], sizeof p[i], "%s/%s", root, rel);
    return p[i];
}

static const char *GOOD = "[kiosk]\n"
                          "device_id = booth-07\n"
                          "show = expo\n"
                          "[show.expo]\n"
                          "name = Expo 2027\n"
                          "timezone = Europe/Berlin\n"
                          "form = expo-form.json\n";

static const char *OLD = "[kiosk]\nshow = demo\ndemo = true\n[show.demo]\nname = Demo\n";

/* An enrolment that must be refused: nothing changes, the file stays. */
static void refused(const char *text, const char *want, const char *name)
{
    struct err e = {0};
    put("etc/matchbooth.conf", OLD);
    put("boot/firmware/matchbooth.conf", text);
    int rc = enrol_apply(abs_of("boot/firmware/matchbooth.conf"), abs_of("etc/matchbooth.conf"),
                         true, &e);
    ok(rc == -1 && strstr(e.msg, want), "%s: refused (%s)", name, e.msg);
    char *now = slurp("etc/matchbooth.conf");
    ok(now && !strcmp(now, OLD), "%s: the installed config is unchanged", name);
    ok(exists("boot/firmware/matchbooth.conf"), "%s: the enrolment file is left in place", name);
}

int main(void)
{
    struct err e = {0};
    snprintf(root, sizeof root, "/tmp/mb-test-enrol-XXXXXX");
    if (!mkdtemp(root))
        return 1;
    char d[600];
    snprintf(d, sizeof d, "%s/boot", root);
    mkdir(d, 0755);
    snprintf(d, sizeof d, "%s/boot/firmware", root);
    mkdir(d, 0755);
    snprintf(d, sizeof d, "%s/etc", root);
    mkdir(d, 0755);

    /* Finding the file. */
    char *f = enrol_find(root);
    ok(f == NULL, "no enrolment file: nothing found");
    free(f);
    put("boot/matchbooth.conf", GOOD);
    f = enrol_find(root);
    ok(f && !strcmp(f, abs_of("boot/matchbooth.conf")), "found on /boot");
    free(f);
    put("boot/firmware/matchbooth.conf", GOOD);
    f = enrol_find(root);
    ok(f && !strcmp(f, abs_of("boot/firmware/matchbooth.conf")),
       "/boot/firmware (Raspberry Pi OS) comes first");
    free(f);
    unlink(abs_of("boot/matchbooth.conf"));

    /* Refusals leave everything as it was. */
    put("boot/firmware/expo-form.json", "{\"questions\": []}");
    refused("[kiosk]\nshow = expo\n[show.expo]\nname = X\n", "device_id", "no device_id");
    refused("[kiosk]\ndevice_id = b1\n", "show", "no show");
    refused("[kiosk]\ndevice_id = b1\nshow = nope\n", "[show.nope]", "show without its section");
    refused("[kiosk]\ndevice_id = b1\nshow = expo\ndemo = true\n[show.expo]\n", "demo",
            "demo mode");
    refused("[kiosk]\ndevice_id = b1\nshow = expo\ncolour = red\n[show.expo]\n", "colour",
            "unknown key");
    refused("[kiosk]\ndevice_id = b1\nshow = expo\n[show.expo]\nform = ../etc/passwd\n", "no '/'",
            "form path outside the boot partition");
    refused("[kiosk]\ndevice_id = b1\nshow = expo\n[show.expo]\nform = missing.json\n",
            "missing.json", "missing form");
    put("boot/firmware/bad.json", "{not json");
    refused("[kiosk]\ndevice_id = b1\nshow = expo\n[show.expo]\nform = bad.json\n", "JSON",
            "form that is not JSON");
    refused("[kiosk]\ndevice_id = b1\nshow = expo\n[show.expo]\n[show.other]\nform = bad.json\n",
            "bad.json", "a bad form in another show");

    /* A good one: installed with the old file's mode, form beside it, removed. */
    put("etc/matchbooth.conf", OLD);
    chmod(abs_of("etc/matchbooth.conf"), 0600);
    put("boot/firmware/matchbooth.conf", GOOD);
    int rc = enrol_apply(abs_of("boot/firmware/matchbooth.conf"), abs_of("etc/matchbooth.conf"),
                         true, &e);
    is_int(rc, 0, "good enrolment applied");
    if (rc)
        diag("%s", e.msg);
    char *now = slurp("etc/matchbooth.conf");
    ok(now && !strcmp(now, GOOD), "config replaced by the enrolment file");
    struct stat st;
    ok(stat(abs_of("etc/matchbooth.conf"), &st) == 0 && (st.st_mode & 07777) == 0600,
       "the installed config keeps the old file's mode");
    now = slurp("etc/expo-form.json");
    ok(now && strstr(now, "questions"), "the show's form installed beside the config");
    ok(!exists("boot/firmware/matchbooth.conf"), "enrolment file deleted from the boot partition");
    ok(exists("boot/firmware/expo-form.json"), "the form is left on the boot partition");
    snprintf(d, sizeof d, "ls -a '%s/etc' | grep -c enrol- >/dev/null", root);
    ok(system(d) != 0, "no temporary file left");

    /* The installed config loads, and is enrolled. */
    struct config *c = config_load(abs_of("etc/matchbooth.conf"), &e);
    ok(c && enrol_is_enrolled(c), "installed config is enrolled");
    config_free(c);

    /* A new config (none before) gets 0640; --keep leaves the source. */
    unlink(abs_of("etc/matchbooth.conf"));
    put("boot/firmware/matchbooth.conf", GOOD);
    rc = enrol_apply(abs_of("boot/firmware/matchbooth.conf"), abs_of("etc/matchbooth.conf"), false,
                     &e);
    ok(rc == 0 && stat(abs_of("etc/matchbooth.conf"), &st) == 0 && (st.st_mode & 07777) == 0640,
       "a new config is 0640 (it may hold sync credentials)");
    ok(exists("boot/firmware/matchbooth.conf"), "keep: the enrolment file stays");
    rc = enrol_apply(abs_of("boot/nothing.conf"), abs_of("etc/matchbooth.conf"), true, &e);
    ok(rc == -1 && strstr(e.msg, "nothing.conf"), "a missing file is an error: %s", e.msg);

    /* What counts as enrolled. */
    ok(!enrol_is_enrolled(NULL), "no config: not enrolled");
    c = config_defaults();
    ok(c && !enrol_is_enrolled(c), "defaults (no device_id): not enrolled");
    config_free(c);
    put("etc/t.conf", "[kiosk]\ndevice_id = b1\ndemo = true\n");
    c = config_load(abs_of("etc/t.conf"), &e);
    ok(c && !enrol_is_enrolled(c), "demo mode: not enrolled");
    config_free(c);
    put("etc/t.conf", "[kiosk]\ndevice_id = b1\n");
    c = config_load(abs_of("etc/t.conf"), &e);
    ok(c && enrol_is_enrolled(c), "device_id and no demo: enrolled");
    config_free(c);

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        diag("cleanup failed");
    return done_testing();
}
