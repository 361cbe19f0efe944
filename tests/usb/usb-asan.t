#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/usb/test_usb.c built with ASan+UBSan, under umockdev's preload (which
# must come before the ASan runtime, hence verify_asan_link_order=0). Leaks
# inside GLib/umockdev are suppressed (tests/usb/lsan.supp); ours are not.
cd "$(dirname "$0")/../.." || exit 1
# Its own output directory: usb.t runs at the same time.
exec env LD_PRELOAD=libumockdev-preload.so.0 MB_OUT=tests/out/usb-asan \
    ASAN_OPTIONS=verify_asan_link_order=0 \
    LSAN_OPTIONS="suppressions=$(pwd)/tests/usb/lsan.supp:print_suppressions=0" \
    "${MB_BUILD:-build}/asan/tests/usb/test_usb"
