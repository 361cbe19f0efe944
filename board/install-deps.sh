#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs every Debian 12 package matchbooth needs to build, run and test,
# and only the ones that are missing. Called by `make deps` (and so by
# `make run` and `make check`); safe to run again and again.
#
# Usage: board/install-deps.sh [build|test|all|arm64]   (default: all)
#   build  what `make`, `make run` (and `make mail`, the demo's mail
#          catcher), `make install` (help2man for the manual page) and
#          `make deb` (debhelper) need
#   test   build + what `make check` needs (browsers, emulators, consumers,
#          lintian and appstreamcli for the package)
#   arm64  build + cross toolchain, qemu and the arm64 libraries
#
# arm64 notes (measured on Debian 12): most -dev packages are Multi-Arch:
# same and install as :arm64 beside the amd64 ones. libleptonica-dev is not,
# and libzbar-dev pulls libmagick++-dev, which is not either: apt would remove
# the amd64 ones (and so break the native build). For those three only the
# arm64 runtime libraries are installed; their link-time files (the .pc file
# and the unversioned .so link) are taken from the arm64 -dev package into
# $ARM64_DEVDIR, which the Makefile puts on PKG_CONFIG_LIBDIR. Their headers
# are the amd64 package's, which are the same files on both architectures.
set -eu

group=${1:-all}

# libcurl4-openssl-dev comes first on purpose: libtesseract-dev and others can
# pull another libcurl flavour, and apt would then remove the OpenSSL one.
BUILD="libcurl4-openssl-dev build-essential pkg-config ca-certificates
  libsqlite3-dev sqlite3 libusb-1.0-0-dev libqrencode-dev libmicrohttpd-dev
  libcjson-dev libxlsxwriter-dev libinih-dev libsystemd-dev zlib1g-dev
  libssl-dev libtesseract-dev libleptonica-dev libzbar-dev libv4l-dev
  tesseract-ocr-eng tesseract-ocr-chi-tra tesseract-ocr-chi-sim
  tesseract-ocr-hin tesseract-ocr-deu fonts-noto-cjk fonts-noto-core
  help2man debhelper libuchardet-dev libpsl-dev tesseract-ocr-script-latn
  python3-aiosmtpd"

TEST="tesseract-ocr-rus tesseract-ocr-ell tesseract-ocr-jpn tesseract-ocr-kor
  tesseract-ocr clang libclang-rt-14-dev clang-format valgrind umockdev libumockdev-dev
  libglib2.0-dev chromium zbar-tools qrencode python3
  python3-vobject python3-botocore python3-jwt libreoffice-calc-nogui openssl imagemagick
  systemd systemd-container debootstrap dpkg-dev fakeroot file time cage xwayland
  lintian appstream libfuse3-dev fuse3 python3-botocore"

ARM64="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static"
ARM64_LIBS="libcurl4-openssl-dev libsqlite3-dev libusb-1.0-0-dev
  libqrencode-dev libmicrohttpd-dev libcjson-dev libxlsxwriter-dev
  libinih-dev libsystemd-dev zlib1g-dev libssl-dev libv4l-dev
  libarchive-dev liblept5 libtesseract5 libzbar0 libuchardet-dev libpsl-dev"
# -dev packages that cannot be co-installed with their amd64 twin (see above).
ARM64_DEVLINKS="libleptonica-dev libtesseract-dev libzbar-dev"
ARM64_DEVDIR=/usr/local/lib/aarch64-linux-gnu

# Node.js may come from elsewhere (nodesource, nvm); Debian's nodejs and npm
# conflict with those, so they are wanted only when no node is on PATH.
NODE=
command -v node >/dev/null 2>&1 || NODE="nodejs"
command -v npm >/dev/null 2>&1 || NODE="$NODE npm"

case "$group" in
build) want="$BUILD" ;;
test | all) want="$BUILD $TEST $NODE" ;;
arm64) want="$BUILD $ARM64" ;;
*) echo "install-deps: unknown group '$group' (build|test|all|arm64)" >&2; exit 2 ;;
esac

# Wait for another apt (a parallel checkout, unattended-upgrades) to finish.
APT_LOCK="-o DPkg::Lock::Timeout=300"
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
fi

# One line per installed architecture: once arm64 is a foreign architecture,
# a Multi-Arch: same package installed for both prints two, and a plain name
# means the native one (or an Architecture: all package).
NATIVE=$(dpkg --print-architecture)
installed() {
	case "$1" in
	*:*) dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$' ;;
	*) dpkg-query -W -f='${Architecture} ${Status}\n' "$1" 2>/dev/null |
		grep -Eq "^($NATIVE|all) install ok installed$" ;;
	esac
}

missing() {
	out=
	for p in "$@"; do
		installed "$p" || out="$out $p"
	done
	echo "$out"
}

if [ "$group" = arm64 ]; then
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		$SUDO dpkg --add-architecture arm64
		$SUDO apt-get $APT_LOCK update -q
	fi
	libs=
	for p in $ARM64_LIBS; do libs="$libs $p:arm64"; done
	need=$(missing $want $libs)
else
	need=$(missing $want)
fi

# Link-time files of $ARM64_DEVLINKS into $ARM64_DEVDIR (see the top).
arm64_devlinks() {
	[ -f "$ARM64_DEVDIR/pkgconfig/.matchbooth-devlinks" ] && return 0
	tmp=$(mktemp -d)
	chmod 0755 "$tmp" # apt's download user must be able to write there
	pkgs=
	for p in $ARM64_DEVLINKS; do pkgs="$pkgs $p:arm64"; done
	# shellcheck disable=SC2086 # one word per package
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root $pkgs)
	$SUDO mkdir -p "$ARM64_DEVDIR/pkgconfig"
	for deb in "$tmp"/*.deb; do
		dpkg-deb -x "$deb" "$tmp/root"
	done
	lib="$tmp/root/usr/lib/aarch64-linux-gnu"
	for pc in "$lib"/pkgconfig/*.pc; do
		sed "s|^libdir=.*|libdir=$ARM64_DEVDIR|" "$pc" |
			$SUDO tee "$ARM64_DEVDIR/pkgconfig/$(basename "$pc")" >/dev/null
	done
	# The unversioned links point at the runtime libraries installed as :arm64.
	for so in "$lib"/*.so; do
		to=$(readlink "$so")
		case "$to" in
		*.so) ;; # a link to another unversioned link: keep it relative
		*) to="/usr/lib/aarch64-linux-gnu/$to" ;;
		esac
		$SUDO ln -sfn "$to" "$ARM64_DEVDIR/$(basename "$so")"
	done
	echo "$ARM64_DEVLINKS" | $SUDO tee "$ARM64_DEVDIR/pkgconfig/.matchbooth-devlinks" >/dev/null
	rm -rf "$tmp"
}

# playwright-core and axe-core for the browser tests, from npm, into
# tests/browser (no browser download: the tests use Debian's chromium). Runs
# whether or not Debian packages were missing: a fresh clone has none of
# node_modules, an older one may lack a package added since.
npm_deps() {
	case "$group" in
	test | all)
		dir=$(cd "$(dirname "$0")/.." && pwd)/tests/browser
		if [ -f "$dir/package.json" ] && { [ ! -d "$dir/node_modules/playwright-core" ] ||
			[ ! -d "$dir/node_modules/axe-core" ]; } &&
			command -v npm >/dev/null 2>&1; then
			(cd "$dir" && npm ci --no-audit --no-fund --silent 2>/dev/null ||
				npm install --no-audit --no-fund --silent)
		fi
		# s3rver, an S3-compatible server, for the s3 sink's test.
		dir=$(cd "$(dirname "$0")/.." && pwd)/tests/s3
		if [ -f "$dir/package.json" ] && [ ! -d "$dir/node_modules/s3rver" ] &&
			command -v npm >/dev/null 2>&1; then
			(cd "$dir" && npm ci --no-audit --no-fund --silent 2>/dev/null ||
				npm install --no-audit --no-fund --silent)
		fi
		# The sync tests' independent checkers: standardwebhooks verifies
		# webhooks, DuckDB (its platform binary comes in the npm package)
		# queries the lake.
		dir=$(cd "$(dirname "$0")/.." && pwd)/tests/sync
		if [ -f "$dir/package.json" ] && { [ ! -d "$dir/node_modules/standardwebhooks" ] ||
			[ ! -d "$dir/node_modules/@duckdb/node-api" ]; } &&
			command -v npm >/dev/null 2>&1; then
			(cd "$dir" && npm ci --no-audit --no-fund --silent 2>/dev/null ||
				npm install --no-audit --no-fund --silent)
		fi
		;;
	esac
}

if [ -z "$need" ]; then
	if [ "$group" = arm64 ]; then arm64_devlinks; fi
	npm_deps
	exit 0
fi

echo "install-deps: installing:$need" >&2
export DEBIAN_FRONTEND=noninteractive
# One update per run, and only when something is missing.
$SUDO apt-get $APT_LOCK update -q
# The OpenSSL libcurl goes in on its own first, so that nothing later picks
# another flavour to satisfy a dependency.
case " $need " in
*" libcurl4-openssl-dev "*) $SUDO apt-get $APT_LOCK install -y -q --no-install-recommends libcurl4-openssl-dev ;;
esac
$SUDO apt-get $APT_LOCK install -y -q --no-install-recommends $need
if [ "$group" = arm64 ]; then arm64_devlinks; fi

npm_deps
