#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Fills DIR with the fuzz seed corpus: every payload of tests/decode, once per
# fuzz profile (the first byte selects the profile, see fuzz_common.c).
# Usage: tests/fuzz/seed.sh DIR
set -eu
dir=$1
src=$(dirname "$0")/../decode
mkdir -p "$dir"
for f in "$src"/*/*.in; do
	[ -e "$f" ] || continue
	base=$(basename "$(dirname "$f")")_$(basename "$f" .in)
	for k in 0 1 2 3; do
		out="$dir/seed-$k-$base"
		[ -e "$out" ] && continue
		{ printf "\\$(printf '%03o' "$k")"; cat "$f"; } >"$out"
	done
done
