#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The USB/serial driver tests (tests/usb/test_usb.c) under umockdev's preload:
# libusb's real code path against emulated devices.
cd "$(dirname "$0")/../.." || exit 1
exec env LD_PRELOAD=libumockdev-preload.so.0 "${MB_BUILD:-build}/tests/usb/test_usb"
