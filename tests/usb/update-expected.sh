#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# update-expected.sh — rewrites tests/usb/expected/slip_*.bin from what the
# current drivers print (make usb-expected). The tests only ever read these
# files; this is the one way to change them, on purpose:
#
#   1. runs test_usb under umockdev with its own output directory, which
#      keeps every slip the emulated printers received;
#   2. checks the new slips with tests/usb/slip.t (an ESC/POS reader and
#      zbarimg, independent of drivers/slip.c) and stops if they are wrong;
#   3. copies them over the expected files and shows what changed.
#
# Review the diff (and slip.t's output) before committing new goldens.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${MB_BUILD:-$top/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$top"
# test_usb fails here when the bytes changed: that is expected.
env LD_PRELOAD=libumockdev-preload.so.0 MB_OUT="$tmp" "$build/tests/usb/test_usb" \
	>"$tmp/test_usb.tap" 2>&1 || true
for f in slip_native.bin slip_raster.bin; do
	[ -s "$tmp/$f" ] || {
		echo "update-expected: test_usb printed no $f; see:" >&2
		grep -v '^ok' "$tmp/test_usb.tap" | head -20 >&2
		exit 1
	}
done
if ! tests/usb/slip.t "$tmp/slip_native.bin" "$tmp/slip_raster.bin" >"$tmp/slip.tap"; then
	echo "update-expected: the new slips fail the independent check; nothing written:" >&2
	grep -A3 '^not ok' "$tmp/slip.tap" >&2
	exit 1
fi
for f in slip_native.bin slip_raster.bin; do
	if cmp -s "$tmp/$f" "tests/usb/expected/$f"; then
		echo "tests/usb/expected/$f: unchanged"
	else
		cp "$tmp/$f" "tests/usb/expected/$f"
		echo "tests/usb/expected/$f: rewritten ($(wc -c <"$tmp/$f") bytes)"
	fi
done
