#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Printing that remembers (tests/usb/test_print.c): `matchbooth run` under
# umockdev's preload with emulated ESC/POS printers, driven through its
# kiosk API: the printer checked at start, the print log, a printer in no
# list reported.
cd "$(dirname "$0")/../.." || exit 1
exec env LD_PRELOAD=libumockdev-preload.so.0 "${MB_BUILD:-build}/tests/usb/test_print"
