#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The USB/serial driver tests (tests/usb/test_usb.c) under umockdev's preload:
# libusb's real code path against emulated devices.
cd "$(dirname "$0")/../.." || exit 1
# Its own output directory: usb-asan.t runs at the same time.
exec env LD_PRELOAD=libumockdev-preload.so.0 MB_OUT=tests/out/usb "${MB_BUILD:-build}/tests/usb/test_usb"
