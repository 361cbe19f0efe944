#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `matchbooth run` under umockdev (tests/usb/test_daemon.c): the harness holds
# the test bed and starts the daemon; both run under umockdev's preload (the
# harness needs it to send hotplug uevents the daemon's libusb can see).
cd "$(dirname "$0")/../.." || exit 1
exec env LD_PRELOAD=libumockdev-preload.so.0 "${MB_BUILD:-build}/tests/usb/test_daemon"
