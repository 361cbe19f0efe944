#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# gen-man.sh — writes the manual page matchbooth(1) from the program's own
# help, with Debian's help2man: NAME and SYNOPSIS from `matchbooth --help`,
# DESCRIPTION from its list of commands (after the prose of matchbooth.h2m),
# OPTIONS from `matchbooth COMMAND --help` of every command in that list, and
# FILES, ENVIRONMENT and SEE ALSO from matchbooth.h2m. Run by make
# (mk/board.mk), so the page cannot drift from the program.
#
# Usage: board/man/gen-man.sh BINARY [RUNNER] > matchbooth.1
#   RUNNER  runs BINARY when it is built for another architecture
#           (qemu-aarch64-static for ARCH=arm64).
#
# The page's date is the latest entry of board/debian/changelog (or
# SOURCE_DATE_EPOCH when set, as dpkg-buildpackage does), not today: the same
# tree gives the same page.
set -eu

bin=${1:?usage: gen-man.sh BINARY [RUNNER]}
run=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The help text is UTF-8 (the em dash of its first line, "…" in a few
# arguments): read and written as such whatever the caller's locale.
export LC_ALL=C.UTF-8
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$here/../debian/changelog" -S Timestamp)
	export SOURCE_DATE_EPOCH
fi

# OMP_THREAD_LIMIT set: `run` and `card` do not re-execute themselves to set
# it (which fails under qemu-user, whose /proc/self/exe is qemu).
mb() { OMP_THREAD_LIMIT=1 $run "$bin" "$@"; }

# The first line is "matchbooth VERSION — SUMMARY": the summary is the NAME
# line; the rest, from "usage:", is what help2man parses (it knows the
# synopsis by a capital "Usage:").
version=$(mb --version)
mb --help >"$tmp/help.in"
first=$(head -1 "$tmp/help.in")
case "$first" in
"$version — "*) summary=${first#"$version — "} ;;
*)
	echo "gen-man: the first line of matchbooth --help is not \"$version — SUMMARY\": $first" >&2
	exit 1
	;;
esac
sed -n '/^usage:/,$p' "$tmp/help.in" | sed '1s/^usage:/Usage:/' >"$tmp/help"
grep -q '^Usage: ' "$tmp/help" || { echo "gen-man: no usage line in matchbooth --help" >&2; exit 1; }

# The commands: the first column of the "commands:" block, without its
# arguments (upper case, [optional], PAYLOAD|-, FILE…).
awk '/^commands:/ { f = 1; next } /^$/ { f = 0 } f' "$tmp/help" |
	sed -e 's/^  //' -e 's/  .*//' |
	awk '{ c = ""; for (i = 1; i <= NF && $i ~ /^[a-z][a-z-]*$/; i++) c = c (c ? " " : "") $i; print c }' \
		>"$tmp/commands"
[ -s "$tmp/commands" ] || { echo "gen-man: no commands in matchbooth --help" >&2; exit 1; }

# roff from one command's help: "usage: …" becomes a subsection, each
# "  --option ARG   text" line a tagged paragraph. --config and --help, which
# every command takes, are listed once, first.
to_roff() { # MODE (common|command)
	awk -v mode="$1" '
	function esc(s) { gsub(/\\/, "\\e", s); gsub(/-/, "\\-", s); return s }
	function item(opt, text,    n, w, i, head) {
		n = split(opt, w, " ")
		head = "\\fB" esc(w[1]) "\\fR"
		for (i = 2; i <= n; i++) head = head " \\fI" esc(w[i]) "\\fR"
		print ".TP"
		print head
		print esc(text)
	}
	/^usage: / { usage = substr($0, 8); next }
	/^  -/ {
		line = substr($0, 3)
		if (!match(line, /  +/)) { opt = line; text = "" }
		else { opt = substr(line, 1, RSTART - 1); text = substr(line, RSTART + RLENGTH) }
		common = (opt ~ /^--(config|help)( |$)/)
		if (opt == "--help") text = "print the usage and options of the command"
		if (mode == "common" && common) item(opt, text)
		if (mode == "command" && !common) { opts[++n] = opt; texts[n] = text }
	}
	END {
		if (mode != "command" || n == 0) exit
		print ".SS \"" esc(usage) "\""
		for (i = 1; i <= n; i++) item(opts[i], texts[i])
	}'
}

{
	echo "[OPTIONS]"
	echo "Every command takes:"
	mb "$(head -1 "$tmp/commands")" --help | to_roff common
	echo ".PP"
	echo "and its own options, if any:"
	while read -r cmd; do
		# shellcheck disable=SC2086 # "db check" is two words
		mb $cmd --help >"$tmp/cmd" || { echo "gen-man: matchbooth $cmd --help failed" >&2; exit 1; }
		to_roff command <"$tmp/cmd"
	done <"$tmp/commands"
} >"$tmp/include"

# help2man runs "PROGRAM --help" and "PROGRAM --version": a stand-in that
# answers the first with the text prepared above and runs the real program
# (under RUNNER) for the second.
cat >"$tmp/matchbooth" <<WRAP
#!/bin/sh
if [ "\$1" = --help ]; then exec cat "$tmp/help"; fi
exec $run "$bin" "\$@"
WRAP
chmod 0755 "$tmp/matchbooth"
help2man --locale=C.UTF-8 --no-info --section=1 --manual="matchbooth manual" --name="$summary" \
	--include="$tmp/include" --include="$here/matchbooth.h2m" "$tmp/matchbooth"
