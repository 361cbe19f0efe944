// SPDX-License-Identifier: Apache-2.0
/*
 * control — the sync worker's control commands (one JSON object per line on
 * the control socket, firmware/runtime/ctl.h):
 *   sync_status {}                      -> the worker's status in detail
 *   sync_retry  {"sink"?, "lead"?}      -> {"requeued": N}
 *   sync_now    {}                      -> {"sinks": N}
 * ctl has no unregister, so the commands are registered once per ctl and
 * outlive a reload (SIGHUP stops and starts the worker): they act on the
 * worker attached last, and answer ERR_BUSY "sync is not running" while
 * none is.
 */
#ifndef MB_CONTROL_H
#define MB_CONTROL_H

#include "firmware/base/err.h"

struct ctl;
struct sync;

/* Registers the commands on ctl unless they already are. Returns 0, or -1
 * with e set when out of memory. */
int control_register(struct ctl *ctl, struct err *e);

/* The worker the commands act on from now on (borrowed until
 * control_detach). */
void control_attach(struct sync *s);

/* s is going away: the commands answer "not running" (if s is the one
 * attached; NULL-safe). */
void control_detach(struct sync *s);

#endif
