#!/bin/sh
# Installs every Debian 12 package matchbooth needs to build, run and test,
# and only the ones that are missing. Called by `make deps` (and so by
# `make run` and `make check`); safe to run again and again.
#
# Usage: board/install-deps.sh [build|test|all|arm64]   (default: all)
#   build  what `make` and `make run` need
#   test   build + what `make check` needs (browsers, emulators, consumers)
#   arm64  cross toolchain, qemu and the arm64 -dev libraries
set -eu

group=${1:-all}

# libcurl4-openssl-dev comes first on purpose: libtesseract-dev and others can
# pull another libcurl flavour, and apt would then remove the OpenSSL one.
BUILD="libcurl4-openssl-dev build-essential pkg-config ca-certificates
  libsqlite3-dev sqlite3 libusb-1.0-0-dev libqrencode-dev libmicrohttpd-dev
  libcjson-dev libxlsxwriter-dev libinih-dev libsystemd-dev zlib1g-dev
  libssl-dev libtesseract-dev libleptonica-dev libzbar-dev libv4l-dev
  tesseract-ocr-eng tesseract-ocr-chi-tra tesseract-ocr-chi-sim
  tesseract-ocr-hin tesseract-ocr-deu fonts-noto-cjk fonts-noto-core"

TEST="clang libclang-rt-14-dev clang-format valgrind umockdev libumockdev-dev
  libglib2.0-dev chromium zbar-tools qrencode python3
  python3-vobject libreoffice-calc-nogui openssl imagemagick
  systemd debootstrap dpkg-dev fakeroot file time"

ARM64="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static"
ARM64_LIBS="libcurl4-openssl-dev libsqlite3-dev libusb-1.0-0-dev
  libqrencode-dev libmicrohttpd-dev libcjson-dev libxlsxwriter-dev
  libinih-dev libsystemd-dev zlib1g-dev libssl-dev libtesseract-dev
  libleptonica-dev libzbar-dev libv4l-dev"

# Node.js may come from elsewhere (nodesource, nvm); Debian's nodejs and npm
# conflict with those, so they are wanted only when no node is on PATH.
NODE=
command -v node >/dev/null 2>&1 || NODE="nodejs"
command -v npm >/dev/null 2>&1 || NODE="$NODE npm"

case "$group" in
build) want="$BUILD" ;;
test | all) want="$BUILD $TEST $NODE" ;;
arm64) want="$ARM64" ;;
*) echo "install-deps: unknown group '$group' (build|test|all|arm64)" >&2; exit 2 ;;
esac

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
fi

installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'
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
		$SUDO apt-get update -q
	fi
	libs=
	for p in $ARM64_LIBS; do libs="$libs $p:arm64"; done
	want="$want"
	need=$(missing $want $libs)
else
	need=$(missing $want)
fi

# playwright-core for the browser tests, from npm, into tests/browser (no
# browser download: the tests use Debian's chromium). Runs whether or not
# Debian packages were missing: a fresh clone has none of node_modules.
npm_deps() {
	case "$group" in
	test | all)
		dir=$(cd "$(dirname "$0")/.." && pwd)/tests/browser
		if [ -f "$dir/package.json" ] && [ ! -d "$dir/node_modules/playwright-core" ] &&
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
		;;
	esac
}

if [ -z "$need" ]; then
	npm_deps
	exit 0
fi

echo "install-deps: installing:$need" >&2
export DEBIAN_FRONTEND=noninteractive
# One update per run, and only when something is missing.
$SUDO apt-get update -q
# The OpenSSL libcurl goes in on its own first, so that nothing later picks
# another flavour to satisfy a dependency.
case " $need " in
*" libcurl4-openssl-dev "*) $SUDO apt-get install -y -q --no-install-recommends libcurl4-openssl-dev ;;
esac
$SUDO apt-get install -y -q --no-install-recommends $need

npm_deps
