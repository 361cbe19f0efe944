#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# build-deb.sh — builds the matchbooth Debian package with Debian's own tools:
# lays the source package out in BUILD/deb/src (board/debian copied as its
# debian/ directory) and runs dpkg-buildpackage there; debian/rules builds
# and installs through the top-level Makefile (MB_TOP, MB_BUILD). Called by
# `make deb` (mk/board.mk), which has built the binary and the board files.
#
# Usage: board/deb/build-deb.sh BUILD ARCH VERSION
#   → BUILD/matchbooth_VERSION_ARCH.deb (its path is the last line printed),
#     and its debug symbols, BUILD/matchbooth-dbgsym_VERSION_ARCH.deb.
#
# A cross build (ARCH is not the machine's) runs `dpkg-buildpackage -a ARCH
# -d`: -d because three of the arm64 -dev packages cannot be installed beside
# their amd64 twins (board/install-deps.sh puts their link-time files aside),
# so dpkg-checkbuilddeps cannot see them. Depends is still computed from the
# arm64 libraries (dpkg-shlibdeps), and the strip is aarch64-linux-gnu-strip.
set -eu

build=${1:?usage: build-deb.sh BUILD ARCH VERSION}
arch=${2:?}
version=${3:?}
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$build/deb

# The changelog names the version the package gets; the Makefile the one the
# program prints. They must agree.
changelog=$(dpkg-parsechangelog -l "$top/board/debian/changelog" -S Version)
if [ "$changelog" != "$version" ]; then
	echo "build-deb: board/debian/changelog is at $changelog, the Makefile at $version:" \
		"add a changelog entry (dch -v $version) or fix VERSION" >&2
	exit 1
fi

rm -rf "$work"
mkdir -p "$work/src"
cp -R "$top/board/debian" "$work/src/debian"

host=$(dpkg --print-architecture)
opts="-b -us -uc"
if [ "$arch" != "$host" ]; then
	# -Pcross: the build profile of a cross build (the qemu Build-Depends).
	opts="$opts -a$arch -d -Pcross"
	CC=$(dpkg-architecture -a"$arch" -qDEB_HOST_GNU_TYPE 2>/dev/null)-gcc
	export CC # (dpkg-architecture warns when CC does not match the host)
fi
# The outer make's jobserver is not passed on: debian/rules runs its own make
# with DEB_BUILD_OPTIONS' parallel=. nocheck: the tests are `make check`'s,
# which builds this package (debian/rules runs none).
# shellcheck disable=SC2086 # one word per option
if ! (cd "$work/src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	MB_TOP="$top" MB_BUILD="$build" \
	DEB_BUILD_OPTIONS="nocheck parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage $opts >"$work/build.log" 2>&1); then
	tail -40 "$work/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed (the whole log: $work/build.log)" >&2
	exit 1
fi

out=$build/matchbooth_${version}_${arch}.deb
cp "$work/matchbooth_${version}_${arch}.deb" "$out"
# dh_strip's debug symbols, for a crash on a device.
dbg=$work/matchbooth-dbgsym_${version}_${arch}.deb
[ ! -f "$dbg" ] || cp "$dbg" "$build/"
echo "$out"
