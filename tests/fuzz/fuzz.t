#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs every decoder fuzz target for FUZZ_CHECK_SECONDS (default 3) from the
# seed corpus, so a crash found once cannot land again. TAP output.
set -u
build=${MB_BUILD:-build}
secs=${FUZZ_CHECK_SECONDS:-3}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/mb-fuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT
n=0
fail=0
# One seed directory for all targets (read only for them: libFuzzer adds what
# it finds to the first directory, each target's own).
sh "$here/seed.sh" "$work/seeds" >/dev/null
for bin in "$build"/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	n=$((n + 1))
	mkdir -p "$work/$name"
	if "$bin" -max_total_time="$secs" -max_len=131072 -artifact_prefix="$work/crash-$name-" \
		"$work/$name" "$work/seeds" >"$work/$name.log" 2>&1; then
		runs=$(grep -o 'Done [0-9]* runs' "$work/$name.log" | tail -1)
		echo "ok $n - $name: ${runs:-ran} in ${secs} s"
	else
		fail=1
		echo "not ok $n - $name crashed"
		sed 's/^/# /' "$work/$name.log" | tail -40
		for c in "$work"/crash-"$name"-*; do
			[ -e "$c" ] && echo "# input (base64): $(base64 -w0 "$c")"
		done
	fi
done
if [ "$n" -eq 0 ]; then
	echo "not ok 1 - no fuzz targets under $build/fuzz"
	n=1
fi
echo "1..$n"
exit $fail
