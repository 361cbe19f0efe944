#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# man.t — the manual page matchbooth(1), generated from the program's help by
# board/man/gen-man.sh with help2man: man renders it without a warning; it
# names every command of `matchbooth --help` and every option of every
# command's --help; its date is the changelog's, so a rebuild gives the same
# page (and the built one is it); a help text that is not the expected shape
# stops the generator instead of giving a wrong page.
set -u
# shellcheck source=tests/board/tap.sh
. "$(dirname "$0")/tap.sh"
bin=$build/matchbooth
gen=$top/board/man/gen-man.sh
[ -x "$bin" ] || bail "no $bin: make"
command -v help2man >/dev/null || bail "help2man is not installed (board/install-deps.sh build)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C.UTF-8

sh "$gen" "$bin" >"$tmp/matchbooth.1" 2>"$tmp/err"
ok $? "gen-man.sh writes the page $(head -c 200 "$tmp/err")"

# man-db's own check, as lintian runs it: groff's warnings on stderr.
warn=$(MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$tmp/matchbooth.1" 2>&1 >/dev/null)
[ -z "$warn" ]
ok $? "man --warnings renders it without a warning"
[ -z "$warn" ] || echo "$warn" | sed 's/^/# /'
MANWIDTH=200 man -l "$tmp/matchbooth.1" 2>/dev/null >"$tmp/page"
grep -q '^NAME' "$tmp/page" && grep -q 'matchbooth - lead-capture kiosk firmware' "$tmp/page" &&
	grep -A1 '^SYNOPSIS' "$tmp/page" | grep -q 'matchbooth COMMAND'
ok $? "NAME and SYNOPSIS come from the help's first lines"

# Every command of the help, every option of every command.
cmds=$("$bin" --help | awk '/^commands:/ { f = 1; next } /^$/ { f = 0 } f' | sed -e 's/^  //' -e 's/  .*//')
missing=
while read -r c; do
	grep -qF -- "$c" "$tmp/page" || missing="$missing [$c]"
done <<<"$cmds"
[ -z "$missing" ]
ok $? "every command of matchbooth --help is in DESCRIPTION ($(echo "$cmds" | wc -l))$missing"
missing=
nopts=0
while read -r c; do
	set -- $c
	words=
	for w; do case $w in *[!a-z-]*) break ;; esac; words="$words $w"; done
	# shellcheck disable=SC2086 # "db check" is two words
	for o in $("$bin" $words --help | sed -n 's/^  \(--[a-z0-9-]*\).*/\1/p'); do
		nopts=$((nopts + 1))
		grep -q -- "^ *$o\b" "$tmp/page" || missing="$missing [$words $o]"
	done
done <<<"$cmds"
[ -z "$missing" ] && [ "$nopts" -gt 20 ]
ok $? "every option of every command is in OPTIONS ($nopts)$missing"
for s in OPTIONS FILES ENVIRONMENT 'SEE ALSO'; do
	grep -q "^$s" "$tmp/page"
	ok $? "section $s"
done

# The date is the changelog's: reproducible, and the built page is this one.
when=$(date -u -d "@$(dpkg-parsechangelog -l "$top/board/debian/changelog" -S Timestamp)" '+%B %Y')
grep -q "^\.TH MATCHBOOTH \"1\" \"$when\"" "$tmp/matchbooth.1"
ok $? "dated like the changelog's latest entry ($when)"
if [ -f "$build/man/matchbooth.1" ]; then
	cmp -s "$tmp/matchbooth.1" "$build/man/matchbooth.1"
	ok $? "the built page ($build/man/matchbooth.1) is the one the program's help gives"
fi

# A program whose help is not "matchbooth VERSION — SUMMARY" + usage stops
# the generator (the page would otherwise be wrong without anyone noticing).
printf '#!/bin/sh\n[ "$1" = --version ] && echo "matchbooth 9.9" && exit 0\necho "Usage: something else"\n' >"$tmp/fake"
chmod 0755 "$tmp/fake"
err=$(sh "$gen" "$tmp/fake" 2>&1 >/dev/null)
rc=$?
[ $rc -ne 0 ] && echo "$err" | grep -q 'gen-man: the first line'
ok $? "an unexpected help text stops gen-man.sh: $err"
done_testing
