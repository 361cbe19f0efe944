#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# build-deb.sh — builds the matchbooth Debian package with dpkg-deb from a
# tree staged by `make install` (no debian/ source package: the Makefile is
# the build). Called by `make deb` (mk/board.mk), which has built everything.
#
# Usage: board/deb/build-deb.sh BUILD ARCH VERSION   → BUILD/matchbooth_VERSION_ARCH.deb
#
# Depends: is computed by dpkg-shlibdeps from the binary's libraries (for a
# cross build against the :arm64 libraries' shlibs), plus what the scripts
# and units need. The kiosk screen's cage, xwayland (Debian's cage 0.1.4
# refuses to start without it, and does not depend on it) and chromium
# (chromium-browser on some Raspberry Pi OS images) are Recommends, so a
# headless install (or a test chroot) works without them; `apt install
# ./matchbooth_*.deb` installs them.
set -eu

build=${1:?usage: build-deb.sh BUILD ARCH VERSION}
arch=${2:?}
version=${3:?}
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$build/deb
stage=$work/root
out=$build/matchbooth_${version}_${arch}.deb

case "$arch" in
amd64) strip="strip" ;;
arm64) strip=aarch64-linux-gnu-strip ;;
*) echo "build-deb: unsupported ARCH $arch" >&2; exit 2 ;;
esac

rm -rf "$work"
mkdir -p "$stage"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top" install install-board ARCH="$arch" BUILD="$build" PREFIX=/usr DESTDIR="$stage" >/dev/null

# The device's own config (demo show until enrolled) is the conffile; the
# generated, fully documented one is the example.
install -m 0644 "$top/board/device.conf" "$stage/etc/matchbooth/matchbooth.conf"
install -m 0644 "$top/board/matchbooth.conf" "$stage/usr/share/doc/matchbooth/matchbooth.conf.example"
# The state directory belongs to the system (postinst creates it, purge keeps
# the leads in it): a directory shipped by the package would be removed by dpkg.
rmdir "$stage/var/lib/matchbooth" "$stage/var/lib" "$stage/var" 2>/dev/null || true
$strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/bin/matchbooth"

# Depends from the libraries the binary really uses.
mkdir -p "$work/debian"
printf 'Source: matchbooth\n\nPackage: matchbooth\nArchitecture: any\n' >"$work/debian/control"
shlibs=$(cd "$work" && DEB_HOST_ARCH=$arch dpkg-shlibdeps -O -e root/usr/bin/matchbooth 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "build-deb: dpkg-shlibdeps found no libraries" >&2; exit 1; }

mkdir -p "$stage/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<CONTROL
Package: matchbooth
Version: $version
Architecture: $arch
Maintainer: matchbooth developers <matchbooth@localhost>
Installed-Size: $size
Depends: $shlibs, adduser, systemd, init-system-helpers (>= 1.52), procps
Recommends: cage, xwayland, chromium | chromium-browser, fonts-noto-core, fonts-noto-cjk
Section: misc
Priority: optional
Description: lead-capture kiosk for trade shows
 matchbooth turns a small Linux board with a touch screen, a USB barcode
 scanner and an optional receipt printer into a trade-show lead-capture
 kiosk: badge scans become leads in a local SQLite store, shown on a
 full-screen Chromium (cage) and synchronised when there is a network.
 .
 Runs the demo show until enrolled by a matchbooth.conf on the boot
 partition. Leads in /var/lib/matchbooth are never deleted by the package,
 not even on purge.
CONTROL
printf '/etc/matchbooth/matchbooth.conf\n/etc/pam.d/matchbooth-kiosk\n' >"$stage/DEBIAN/conffiles"
for s in postinst prerm postrm; do
	install -m 0755 "$top/board/deb/$s" "$stage/DEBIAN/$s"
done
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort |
	xargs md5sum >DEBIAN/md5sums)
chmod 0644 "$stage/DEBIAN/md5sums" "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles"

dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
echo "$out"
