#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Scanners chosen by the interfaces they present, and unlisted scanners
# offered until enabled (tests/usb/test_modes.c): `matchbooth run` under
# umockdev's preload, driven through the CLI.
cd "$(dirname "$0")/../.." || exit 1
exec env LD_PRELOAD=libumockdev-preload.so.0 "${MB_BUILD:-build}/tests/usb/test_modes"
