#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# lintian.t — Debian's package checker on the .deb that `make deb` built:
# no E: (error) and no W: (warning) line at all. Each one found is printed as
# a diagnostic, with lintian's explanation of the tag. Overrides
# (board/debian/matchbooth.lintian-overrides, if any) are allowed only with a
# comment saying why, and must each still match a tag (lintian reports the
# others as unused). The check is shown to bite: a package assembled without
# a copyright file gets an E: line.
#
# Needs lintian (board/install-deps.sh test); ~15 s. As root lintian says it
# is "not recommended": that line goes to stderr and is ignored.
set -u
# shellcheck source=tests/board/tap.sh
. "$(dirname "$0")/tap.sh"
command -v lintian >/dev/null || bail "lintian is not installed (board/install-deps.sh test)"
deb_under_test
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# -I: info tags too, so that unused overrides show; the limit off, so that
# every instance of a tag is listed.
lintian -I --show-overrides --tag-display-limit 0 "$deb" >"$tmp/out" 2>"$tmp/err"
rc=$?
# 0: nothing at or above --fail-on (error); 1: errors; 2: lintian failed.
[ $rc -le 1 ]
ok $? "lintian ran on $(basename "$deb") (exit $rc; $(grep -c '^I: ' "$tmp/out") I: lines, not checked)"
[ $rc -le 1 ] || sed 's/^/# /' "$tmp/err"

for level in E W; do
	hits=$(grep "^$level: " "$tmp/out")
	[ -z "$hits" ]
	ok $? "no $level: line ($(echo -n "$hits" | grep -c .))"
	if [ -n "$hits" ]; then
		echo "$hits" | sed 's/^/# /'
		for tag in $(echo "$hits" | awk '{ print $3 }' | sort -u); do
			lintian-explain-tags "$tag" 2>/dev/null | sed 's/^/#   /' | head -12
		done
	fi
done
# Overridden tags are listed with O:, so they can be seen here too.
sed -n 's/^O: /# overridden: /p' "$tmp/out"

overrides=$top/board/debian/matchbooth.lintian-overrides
if [ -f "$overrides" ]; then
	# Every override line follows a comment (lintian's own convention: the
	# comment just above an override is its justification).
	awk '/^[[:space:]]*$/ { c = 0; next } /^#/ { c = 1; next } { if (!c) { print FILENAME ":" FNR ": " $0; bad = 1 } }
		END { exit bad }' "$overrides" >"$tmp/bare"
	ok $? "every lintian override says why (a comment above it)"
	sed 's/^/# /' "$tmp/bare"
	unused=$(grep -E '^I: .*(unused-override|mismatched-override)' "$tmp/out")
	[ -z "$unused" ]
	ok $? "every override still matches a tag"
	[ -z "$unused" ] || echo "$unused" | sed 's/^/# /'
fi

# The check bites: a package without copyright file, changelog or manual page,
# as the hand-assembled one was, gets E: lines.
mkdir -p "$tmp/bad/DEBIAN" "$tmp/bad/usr/bin"
printf '#!/bin/sh\necho hello\n' >"$tmp/bad/usr/bin/mb-bad"
chmod 0755 "$tmp/bad/usr/bin/mb-bad"
printf 'Package: mb-bad\nVersion: 1.0\nArchitecture: all\nMaintainer: nobody <nobody@localhost>\nDescription: broken on purpose\n lintian.t checks that lintian finds its faults.\n' \
	>"$tmp/bad/DEBIAN/control"
dpkg-deb --root-owner-group --build "$tmp/bad" "$tmp/bad.deb" >/dev/null 2>&1
lintian --tag-display-limit 0 "$tmp/bad.deb" 2>/dev/null | grep -q '^E: mb-bad: no-copyright-file'
ok $? "the same check finds E: no-copyright-file in a package made without debhelper"
done_testing
