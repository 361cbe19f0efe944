// SPDX-License-Identifier: Apache-2.0
/*
 * test_camera — the camera source's error paths (there is no camera on the
 * build machines; the stillness logic it runs is tested on card images in
 * test_still.c): a missing device and a device that is not V4L2 are refused
 * with the device named, and nothing is left registered.
 */
#include <string.h>

#include "drivers/camera.h"
#include "firmware/runtime/bus.h"
#include "firmware/runtime/loop.h"
#include "tests/tap.h"

static int stills;

static void on_still(void *ud, const uint8_t *gray, int w, int h, int stride, const char *dev)
{
    stills++;
}

int main(void)
{
    struct loop *l = loop_new();
    struct bus *b = bus_new();
    struct source_host host = {l, NULL, b, NULL, NULL};
    struct err e = {0};
    struct camera *c = camera_open(&host, "/nonexistent/video7", NULL, on_still, NULL, &e);
    ok(!c && strstr(e.msg, "/nonexistent/video7"), "missing device refused: %s", e.msg);
    err_clear(&e);
    c = camera_open(&host, "/dev/null", NULL, on_still, NULL, &e);
    ok(!c && strstr(e.msg, "/dev/null") && strstr(e.msg, "V4L2"),
       "a device that is not a camera is refused: %s", e.msg);
    camera_close(NULL); /* NULL-safe by contract: a crash here fails the program, no point needed */
    is_int(stills, 0, "no frame was delivered");
    bus_free(b);
    loop_free(l);
    return done_testing();
}
