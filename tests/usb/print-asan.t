#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/usb/print.t again, against the daemon built with ASan+UBSan
# ($MB_BUILD/asan/matchbooth) under umockdev's preload (which must come
# before the ASan runtime, hence verify_asan_link_order=0): a memory error
# or a leak makes the daemon exit non-zero, which the test checks.
cd "$(dirname "$0")/../.." || exit 1
build=${MB_BUILD:-build}
[ -x "$build/asan/matchbooth" ] || { echo "1..0 # SKIP no ASan build"; exit 0; }
exec env LD_PRELOAD=libumockdev-preload.so.0 \
    ASAN_OPTIONS=verify_asan_link_order=0 \
    LSAN_OPTIONS="suppressions=$(pwd)/tests/usb/lsan.supp:print_suppressions=0" \
    MB_BUILD="$build/asan" "$build/tests/usb/test_print"
