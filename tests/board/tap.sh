# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# tap.sh — sourced by the shell tests of tests/board (`. "$(dirname "$0")/tap.sh"`):
# TAP output and where things are, so each test holds only its checks.
#
#   top      the source tree; build: its build directory ($MB_BUILD, else top/build)
#   ok STATUS NAME   one test point: "ok N - NAME" when STATUS is 0, else "not ok"
#   diag TEXT        a TAP comment line
#   bail TEXT        "Bail out! TEXT" and exit 1 (the harness counts a failure)
#   deb_under_test   sets deb: $MB_DEB, else the newest build/matchbooth_*_ARCH.deb
#                    of this machine's architecture; bails out if there is none
#   needs_root WHAT  unless root: the whole test is a TAP skip saying it needs
#                    root for WHAT (the harness prints the reason)
#   needs_tool CMD   bails out unless CMD is installed: a test that can run
#                    must not skip for a tool that make check installs
#   debian_base      sets cache (MB_CHROOT_CACHE, else top/build/chroot) and
#                    makes cache/base, a Debian 12 minbase root, once with
#                    debootstrap (~65 s); tests that want it at the same time
#                    take turns
#   done_testing     prints the plan and exits 1 if any point failed
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${MB_BUILD:-$top/build}
n=0
fail=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi
}
diag() { echo "# $*"; }
bail() {
	echo "Bail out! $*"
	exit 1
}
deb_under_test() {
	deb=${MB_DEB:-$(ls "$build"/matchbooth_*_"$(dpkg --print-architecture)".deb 2>/dev/null | tail -1)}
	[ -f "$deb" ] || bail "no package: make deb (or set MB_DEB)"
}
needs_root() {
	[ "$(id -u)" -eq 0 ] && return 0
	echo "1..0 # SKIP needs root ($1; running as $(id -un))"
	exit 0
}
needs_tool() {
	command -v "$1" >/dev/null || bail "$1 is not installed (board/install-deps.sh test)"
}
debian_base() {
	cache=${MB_CHROOT_CACHE:-$top/build/chroot}
	local mirror s
	mirror=${MB_MIRROR:-$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)}
	mirror=${mirror:-http://deb.debian.org/debian}
	mkdir -p "$cache"
	exec 9>"$cache/.lock"
	flock 9
	if [ ! -f "$cache/base/.complete" ]; then
		rm -rf "$cache/base"
		s=$(date +%s)
		debootstrap --variant=minbase bookworm "$cache/base" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
			bail "debootstrap from $mirror failed (see $cache/debootstrap.log)"
		touch "$cache/base/.complete"
		diag "debootstrap (minbase, bookworm): $(($(date +%s) - s)) s"
	fi
	flock -u 9
	exec 9>&-
}
done_testing() {
	echo "1..$n"
	exit $fail
}
