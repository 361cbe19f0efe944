#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/mutate.sh — do the tests catch what they are there to catch?
#
# Applies six mutations, one at a time, to a copy of the working tree
# (build/mutate/tree, never the tree itself), builds it, and runs the tests
# that must catch each one. A mutation is caught when every one of its tests
# fails AND one of its failed points matches the check that should have
# caught it (so a mutation caught by accident, by some other point, does not
# count). First the same tests run on the unmutated copy and must pass:
# otherwise a failure under a mutation would mean nothing.
#
#   wal-off         the store's journal_mode = WAL becomes DELETE
#   no-fsync        synchronous = FULL becomes NORMAL (in WAL mode: no
#                   fdatasync on commit, only at checkpoints)
#   migration-edit  a column added to a released migration (notes, schema 2)
#   staff-check     capture's staff-badge check removed
#   csv-neutralise  the CSV export's formula neutralisation removed
#   webhook-hmac    the webhook sink's signature (Standard Webhooks or hex
#                   HMAC) no longer added
#
# The code moves under other people's hands: each mutation finds its file by
# what it contains and checks that its pattern changed the file; a pattern
# that no longer applies fails the run loudly (update it here).
#
# Usage: tests/mutate.sh [NAME…]   (default: all six). `make mutate` runs it.
# Environment: MB_MUTATE_DIR (default build/mutate), MB_JOBS (make -j, 2).
# Exit status: 0 when every mutation was applied and caught, 1 otherwise.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
work=${MB_MUTATE_DIR:-$top/build/mutate}
tree=$work/tree
jobs=${MB_JOBS:-2}
log=$work/log
ALL="wal-off no-fsync migration-edit staff-check csv-neutralise webhook-hmac"
want=${*:-$ALL}

say() { printf '%s\n' "$*"; }
die() {
	say "mutate: $*" >&2
	exit 1
}

# ---- the mutations ------------------------------------------------------------
# Each prints "FILE<TAB>PERL-PROGRAM" (the program edits FILE in place) and,
# in tests_NAME, "PROGRAM<TAB>REGEX" lines: each PROGRAM must fail with a
# "not ok" line matching REGEX.

# The one file under DIRS (globs) whose text matches every regex given.
find_file() {
	dirs=$1
	shift
	# shellcheck disable=SC2086 # globs
	files=$(cd "$tree" && ls $dirs 2>/dev/null) || true
	for re in "$@"; do
		files=$(cd "$tree" && [ -n "$files" ] && grep -lP -- "$re" $files) || files=
	done
	n=$(printf '%s' "$files" | grep -c . || true)
	[ "$n" -eq 1 ] || {
		say "PATTERN NO LONGER APPLIES: $n files under $dirs match: $*" >&2
		return 1
	}
	printf '%s' "$files"
}

mut_wal_off() {
	f=$(find_file 'firmware/store/*.c' '(?i)PRAGMA\s+journal_mode\s*=\s*WAL') || return 1
	printf '%s\t%s\n' "$f" 's/(PRAGMA\s+journal_mode\s*=\s*)WAL/${1}DELETE/gi'
}
tests_wal_off() {
	printf '%s\t%s\n' build/tests/unit/test_store '(?i)WAL'
}

mut_no_fsync() {
	f=$(find_file 'firmware/store/*.c' '(?i)PRAGMA\s+synchronous\s*=\s*FULL') || return 1
	printf '%s\t%s\n' "$f" 's/(PRAGMA\s+synchronous\s*=\s*)FULL/${1}NORMAL/gi'
}
tests_no_fsync() {
	printf '%s\t%s\n' build/tests/unit/test_store 'fdatasync'
	printf '%s\t%s\n' tests/powercut/powercut.t 'acknowledged leads are there after the power cut'
}

# A new column in the notes table of a released migration: what someone does
# when they "just add a field" to the table's CREATE instead of appending a
# migration.
mut_migration_edit() {
	f=$(find_file 'firmware/store/*.c' 'CREATE TABLE notes \(' 'PRAGMA user_version') || return 1
	printf '%s\t%s\n' "$f" 's/("\s*CREATE TABLE notes \(\\n"\n)/$1        "  pinned INTEGER NOT NULL DEFAULT 0,\\n"\n/'
}
tests_migration_edit() {
	printf '%s\t%s\n' build/tests/unit/test_store 'never edited'
}

mut_staff_check() {
	f=$(find_file 'firmware/store/*.c' '\bis_staff\s*\(' 'capture_scan') || return 1
	printf '%s\t%s\n' "$f" 's/\bif\s*\(([^;{]*?\bis_staff\s*\()/if (0 \&\& $1/'
}
tests_staff_check() {
	printf '%s\t%s\n' tests/integration/daemon.t '(?i)staff badge'
}

mut_csv_neutralise() {
	f=$(find_file 'firmware/export/*.c' 'bool\s+neutralise\s*=') || return 1
	printf '%s\t%s\n' "$f" 's/(bool\s+neutralise\s*=\s*)/${1}0 \&\& /'
}
tests_csv_neutralise() {
	printf '%s\t%s\n' build/tests/unit/test_export '(?i)neutrali[sz]ed'
	printf '%s\t%s\n' tests/integration/export.t '(?i)formula|neutrali'
}

# The request goes out unsigned: the call that adds the signature headers
# (Standard Webhooks, or the older hex HMAC) is made dead code, kept in the
# source so that -Werror sees no unused function.
mut_webhook_hmac() {
	f=$(find_file 'sync/*.c sync/*/*.c' 'HMAC\(' 'webhook-signature' 'return\s+\w+->standard\s*\?') || return 1
	printf '%s\t%s\n' "$f" 's/return\s+(\w+->standard\s*\?[^;]*);/return 0 \&\& ($1);/'
}
tests_webhook_hmac() {
	printf '%s\t%s\n' tests/integration/sync_webhook.t '(?i)HMAC'
	printf '%s\t%s\n' tests/integration/sync_webhook_std.t '(?i)standardwebhooks verifies'
}

# ---- the copy ---------------------------------------------------------------------

copy_tree() {
	mkdir -p "$tree"
	# Keep the copy's build/ (only what changed is rebuilt), replace the rest.
	find "$tree" -mindepth 1 -maxdepth 1 ! -name build -exec rm -rf {} +
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
		tar -c --null -T - -f -) | (cd "$tree" && tar -x -f -)
	# The npm packages some tests run (git ignores them): the tree's own.
	for d in "$top"/tests/*/node_modules; do
		[ -d "$d" ] && ln -sfn "$d" "$tree/${d#"$top"/}"
	done
	return 0
}

build() {
	(cd "$tree" && nice make -s -j"$jobs" build/matchbooth build/tests/unit/test_store \
		build/tests/unit/test_export build/tests/powercut/mbfs) >>"$log" 2>&1
}

# Runs one test program in the copy; its TAP goes to $work/out/NAME.TAG.
# With a regex (a mutation run), the test is stopped as soon as it prints a
# failed point matching it: the mutation is caught, and the rest of the test
# would only wait out its deadlines. Returns the test's exit status (143
# when stopped).
run_test() {
	out="$work/out/$(basename "$1").$2"
	(cd "$tree" && MB_BUILD="$tree/build" exec setsid timeout 600 "./$1") </dev/null >"$out" 2>&1 &
	pid=$!
	if [ -n "${3:-}" ]; then
		while kill -0 "$pid" 2>/dev/null; do
			if grep '^not ok' "$out" | grep -v '# TODO' | grep -qP -- "$3"; then
				# Its own process group (setsid): the test and its daemons.
				if [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" = "$pid" ]; then
					kill -TERM "-$pid" 2>/dev/null || true
				else
					kill -TERM "$pid" 2>/dev/null || true
				fi
				break
			fi
			sleep 0.5
		done
	fi
	wait "$pid" 2>/dev/null
}

# ---- main ------------------------------------------------------------------------------

mkdir -p "$work/out"
# One run at a time per copy: two would mutate the same tree.
exec 9>"$work/lock"
flock -n 9 || die "another tests/mutate.sh is running on $work"
: >"$log"
for m in $want; do
	case " $ALL " in *" $m "*) ;; *) die "unknown mutation '$m' (one of: $ALL)" ;; esac
done
say "mutate: copying the working tree to $tree"
copy_tree
# Files mutated by an earlier run were restored with their old times: make
# them newer than their objects so that the baseline is really unmutated.
for m in $ALL; do
	fn=$(echo "$m" | tr - _)
	f=$("mut_$fn" 2>/dev/null | cut -f1) && [ -n "$f" ] && touch "$tree/$f"
done
say "mutate: building the copy (log: $log)"
build || die "the unmutated copy does not build (see $log)"

tests=$(for m in $want; do "tests_$(echo "$m" | tr - _)"; done | cut -f1 | sort -u)
say "mutate: baseline, every test unmutated: $(echo $tests)"
for t in $tests; do
	if ! run_test "$t" base; then
		say "mutate: BASELINE FAILS: $t fails without any mutation ($work/out/$(basename "$t").base):" >&2
		grep '^not ok' "$work/out/$(basename "$t").base" | head -5 >&2 || true
		exit 1
	fi
	# A test that skips could not catch anything: that is a failure here.
	if grep -Eq '^1\.\.0|# SKIP' "$work/out/$(basename "$t").base"; then
		say "mutate: BASELINE SKIPS: $t did not run what must catch a mutation:" >&2
		grep -E '^1\.\.0|# SKIP' "$work/out/$(basename "$t").base" | head -3 >&2
		exit 1
	fi
done

survived=0
for m in $want; do
	fn=$(echo "$m" | tr - _)
	say ""
	say "== $m"
	if ! spec=$("mut_$fn"); then
		say "   NOT APPLIED: its pattern no longer matches the code; update tests/mutate.sh"
		survived=$((survived + 1))
		continue
	fi
	file=$(printf '%s' "$spec" | cut -f1)
	prog=$(printf '%s' "$spec" | cut -f2-)
	cp "$tree/$file" "$work/pristine"
	perl -0 -i -pe "$prog" "$tree/$file"
	if cmp -s "$tree/$file" "$work/pristine"; then
		say "   NOT APPLIED: the edit changed nothing in $file; update tests/mutate.sh"
		survived=$((survived + 1))
		continue
	fi
	diff -u "$work/pristine" "$tree/$file" | sed -n '3,$p' | grep '^[-+]' | sed 's/^/   /' || true
	caught=1
	if ! build; then
		say "   THE MUTANT DOES NOT BUILD (a broken mutation proves nothing; see $log)"
		caught=0
	else
		"tests_$fn" | while IFS="$(printf '\t')" read -r t re; do
			o="$work/out/$(basename "$t").$m"
			rc=0
			run_test "$t" "$m" "$re" || rc=$?
			# Killed by a signal before it failed a single point: something
			# outside stopped it (the machine is shared). Once more.
			if [ "$rc" -gt 128 ] && ! grep -q '^not ok' "$o"; then
				say "   $t was killed (status $rc) before any result; running it again"
				rc=0
				run_test "$t" "$m" "$re" || rc=$?
			fi
			if [ "$rc" -eq 0 ]; then
				say "   SURVIVED $t: it passes with the mutation"
				echo fail >>"$work/verdict"
			elif grep '^not ok' "$o" | grep -v '# TODO' | grep -qP -- "$re"; then
				say "   caught by $t:"
				grep '^not ok' "$o" | grep -P -- "$re" | head -3 | sed 's/^/     /'
			else
				say "   $t failed, but not at the check that guards this (/$re/):"
				grep '^not ok' "$o" | head -3 | sed 's/^/     /'
				echo fail >>"$work/verdict"
			fi
		done
		[ ! -s "$work/verdict" ] || caught=0
		rm -f "$work/verdict"
	fi
	# Restore with a new time stamp, so that make rebuilds the real thing.
	cp "$work/pristine" "$tree/$file"
	[ "$caught" -eq 1 ] || survived=$((survived + 1))
done
build || true

say ""
n=$(echo $want | wc -w)
if [ "$survived" -eq 0 ]; then
	say "mutate: all $n mutations caught"
	exit 0
fi
say "mutate: $survived of $n mutations NOT caught (or not applied)"
exit 1
