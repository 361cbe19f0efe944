// SPDX-License-Identifier: Apache-2.0
/*
 * camera — V4L2 capture through libv4l2, frames to the still detector
 * (see camera.h).
 */
#include "drivers/camera.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <libv4l2.h>
#include <linux/videodev2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "firmware/runtime/bus.h"
#include "firmware/base/log.h"
#include "firmware/runtime/loop.h"

/* Frames closer together than this are read and dropped unexamined: the
 * card does not move faster, and the kiosk has other work. */
#define EXAMINE_EVERY_MS 100

struct camera {
    struct source_host host;
    int fd;
    struct loop_fd *watch;
    char device[96]; /* "camera:/dev/video0" */
    uint8_t *frame;
    size_t frame_len;
    int w, h, stride;
    struct still still;
    camera_still_fn on_still;
    void *ud;
    uint64_t last_ms;
    long frames, takes;
    enum still_verdict last;
    bool status_added;
};

static void on_readable(struct loop *l, int fd, unsigned events, void *ud)
{
    struct camera *c = ud;
    ssize_t n = v4l2_read(c->fd, c->frame, c->frame_len);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR)
            return;
        log_error("camera", "%s: read: %s; camera stopped", c->device, strerror(errno));
        loop_fd_del(c->watch);
        c->watch = NULL;
        return;
    }
    if ((size_t)n < (size_t)c->stride * c->h)
        return; /* a short frame: skip it */
    uint64_t now = loop_now_ms();
    if (now - c->last_ms < EXAMINE_EVERY_MS)
        return;
    c->last_ms = now;
    c->frames++;
    c->last = still_feed(&c->still, c->frame, c->w, c->h, c->stride);
    if (c->last == STILL_TAKE) {
        c->takes++;
        log_info("camera", "%s: card still and sharp (%.0f): reading", c->device,
                 c->still.sharpness);
        c->on_still(c->ud, c->frame, c->w, c->h, c->stride, c->device);
    }
}

static void status(cJSON *obj, void *ud)
{
    struct camera *c = ud;
    cJSON_AddStringToObject(obj, "device", c->device);
    cJSON_AddBoolToObject(obj, "running", c->watch != NULL);
    cJSON_AddNumberToObject(obj, "width", c->w);
    cJSON_AddNumberToObject(obj, "height", c->h);
    cJSON_AddNumberToObject(obj, "frames", (double)c->frames);
    cJSON_AddNumberToObject(obj, "takes", (double)c->takes);
    cJSON_AddStringToObject(obj, "state", still_verdict_name(c->last));
    cJSON_AddNumberToObject(obj, "sharpness", (double)(int)c->still.sharpness);
}

struct camera *camera_open(const struct source_host *host, const char *device,
                           const struct still_params *sp, camera_still_fn on_still, void *ud,
                           struct err *e)
{
    struct camera *c = calloc(1, sizeof *c);
    if (!c) {
        err_set(e, ERR_INTERNAL, "camera: out of memory");
        return NULL;
    }
    c->host = *host;
    c->on_still = on_still;
    c->ud = ud;
    snprintf(c->device, sizeof c->device, "camera:%s", device);
    still_init(&c->still, sp);
    c->fd = v4l2_open(device, O_RDWR | O_NONBLOCK);
    if (c->fd < 0) {
        /* libv4l2 queries the capabilities on open: ENOTTY means the path
         * is some other kind of file or device (ENOSYS where the ioctl is
         * not implemented at all, as under qemu-user). */
        if (errno == ENOTTY || errno == EINVAL || errno == ENOSYS)
            err_set(e, ERR_INVALID, "camera %s: not a V4L2 capture device", device);
        else
            err_set(e, ERR_IO, "camera %s: %s", device, strerror(errno));
        goto fail;
    }
    struct v4l2_capability cap = {0};
    if (v4l2_ioctl(c->fd, VIDIOC_QUERYCAP, &cap) < 0 ||
        !(cap.capabilities & (V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_DEVICE_CAPS))) {
        err_set(e, ERR_INVALID, "camera %s: not a V4L2 capture device (%s)", device,
                strerror(errno ? errno : ENODEV));
        goto fail;
    }
    /* libv4l2 converts from the camera's own format (MJPEG, YUYV …). */
    struct v4l2_format fmt = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
    fmt.fmt.pix.width = 1280;
    fmt.fmt.pix.height = 720;
    fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_YUV420;
    fmt.fmt.pix.field = V4L2_FIELD_ANY;
    if (v4l2_ioctl(c->fd, VIDIOC_S_FMT, &fmt) < 0 ||
        fmt.fmt.pix.pixelformat != V4L2_PIX_FMT_YUV420) {
        err_set(e, ERR_IO, "camera %s: cannot set a YUV 4:2:0 format: %s", device, strerror(errno));
        goto fail;
    }
    c->w = (int)fmt.fmt.pix.width;
    c->h = (int)fmt.fmt.pix.height;
    c->stride = fmt.fmt.pix.bytesperline ? (int)fmt.fmt.pix.bytesperline : c->w;
    c->frame_len = fmt.fmt.pix.sizeimage ? fmt.fmt.pix.sizeimage : (size_t)c->stride * c->h * 3 / 2;
    if (!(c->frame = malloc(c->frame_len))) {
        err_set(e, ERR_INTERNAL, "camera: out of memory");
        goto fail;
    }
    if (!(c->watch = loop_fd_add(host->loop, c->fd, LOOP_READ, on_readable, c))) {
        err_set(e, ERR_INTERNAL, "camera: cannot watch %s", device);
        goto fail;
    }
    c->status_added = bus_status_add(host->bus, "camera", status, c) == 0;
    log_info("camera", "%s: %dx%d", c->device, c->w, c->h);
    /* libv4l2 starts streaming on the first read. */
    v4l2_read(c->fd, c->frame, c->frame_len);
    return c;
fail:
    camera_close(c);
    return NULL;
}

void camera_close(struct camera *c)
{
    if (!c)
        return;
    if (c->status_added)
        bus_status_remove(c->host.bus, "camera");
    loop_fd_del(c->watch);
    if (c->fd >= 0)
        v4l2_close(c->fd);
    still_free(&c->still);
    free(c->frame);
    free(c);
}
