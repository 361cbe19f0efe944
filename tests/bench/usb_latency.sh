#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# USB scan latency benchmark (tests/usb/bench_usb.c, built by mk/usb.mk):
# last report of an emulated HID POS scanner -> lead committed and "lead"
# event sent, beside fdatasync and raw sqlite3 baselines from the same run.
cd "$(dirname "$0")/../.." || exit 1
exec env LD_PRELOAD=libumockdev-preload.so.0 "${MB_BUILD:-build}/tests/usb/bench_usb"
