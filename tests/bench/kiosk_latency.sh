#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make bench: the time from a scan to the visitor's name on the kiosk screen,
# in Debian's Chromium, beside the capture alone (tests/bench/kiosk_latency.js).
dir=$(cd "$(dirname "$0")" && pwd)
if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null 2>&1 ||
	[ ! -d "$dir/../browser/node_modules/playwright-core" ]; then
	echo "kiosk_latency: chromium, node or playwright-core missing (make deps); not measured"
	exit 0
fi
exec node "$dir/kiosk_latency.js"
