// SPDX-License-Identifier: Apache-2.0
/*
 * emu — emulated USB scanners and printers for the tests, on umockdev's
 * programmable ioctl handler: the program under test runs the real libusb
 * code path (usbdevfs ioctls) against these devices, in this process or in a
 * child started with the testbed's environment.
 *
 * Each device answers the ioctls libusb issues (capabilities, kernel-driver
 * query and detach, claim/release, submit/reap/discard URBs, clear halt),
 * delivers queued IN reports one per interrupt/bulk IN URB, records every
 * byte written to its bulk OUT endpoint, and for printers answers DLE EOT
 * status queries. Thread-safe: the handler runs on umockdev's thread.
 */
#ifndef MB_TEST_EMU_H
#define MB_TEST_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <umockdev.h>

/* EMU_ACM: a scanner in USB serial mode (CDC-ACM control + data interface,
 * bulk IN); the others as named. */
enum emu_kind { EMU_KEYBOARD, EMU_HIDPOS, EMU_PRINTER, EMU_ACM };

struct emu;

/* A device at bus 1, port `port` (1..99): /dev/bus/usb/001/(port+1). The
 * ioctl handler is attached at once; the device appears on emu_plug(). */
struct emu *emu_new(UMockdevTestbed *tb, enum emu_kind kind, uint16_t vid, uint16_t pid, int port);
void emu_free(struct emu *e);

/* Adds the device to the testbed (a hotplug "add" for a running program).
 * A HID device also gets its interface in sysfs with the HID device under
 * it and its report_descriptor, as the kernel's usbhid publishes them. */
void emu_plug(struct emu *e);
/* Unplugs: every URB in flight fails with ENODEV, then "remove". */
void emu_unplug(struct emu *e);
/* Forgets the device in sysfs once the program let go of it. */
void emu_remove(struct emu *e);

/* Queues one IN report (or status bytes for a printer). */
void emu_queue(struct emu *e, const uint8_t *p, size_t n);
/* The HID report descriptor answered to GET_DESCRIPTOR(Report) (a HID POS
 * descriptor for EMU_HIDPOS, a keyboard's for EMU_KEYBOARD by default). */
void emu_set_report_descriptor(struct emu *e, const uint8_t *p, size_t n);
/* The next IN URB fails with a STALL (EPIPE). */
void emu_queue_stall(struct emu *e);
/* Reports still waiting to be read by the program. */
int emu_pending(struct emu *e);
/* CLOCK_MONOTONIC ns at which the last queued report was handed over. */
uint64_t emu_last_delivery_ns(struct emu *e);

/* Printer status answers (DLE EOT 2 and 4); defaults 0x12 0x12 (ready). */
void emu_set_printer_status(struct emu *e, bool answers, uint8_t cause, uint8_t paper);

/* Copies (and clears) the bytes received on bulk OUT. Returns a g_malloc'd
 * buffer (*n bytes). */
uint8_t *emu_take_out(struct emu *e, size_t *n);

/* A printer's emu_take_out() without its DLE EOT status queries: the
 * number of slip bytes received since the last take. */
size_t emu_take_slip(struct emu *e);

/* A HID POS scanner reads payload: reports of id 2 with its length, the
 * AIM id "]Q1", up to 56 bytes and a "more" flag. */
void emu_scan_hidpos(struct emu *e, const char *payload);

/* Counters: "ioctl" (all), "detach", "attach", "claim", "release",
 * "clear_halt", "discard". */
int emu_count(struct emu *e, const char *what);
/* Whether usbhid/usblp is (still) bound. */
bool emu_kernel_bound(struct emu *e);

/* Boot-keyboard report helpers: press (mods, usage) then release. */
void emu_key(struct emu *e, uint8_t mods, uint8_t usage);

#endif
