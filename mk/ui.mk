# SPDX-License-Identifier: Apache-2.0
# mk/ui.mk — the kiosk UI's browser tests (real Chromium via playwright-core,
# real daemon on loopback). Needs the binary; screenshots go to tests/out/.
# a11y.t runs axe-core (npm) on every screen, language and size; layout.t
# checks the element boxes of the same screens at 1280x800, 1080x1920 and
# 800x480.
MK_CHECK_TESTS += tests/browser/kiosk.t tests/browser/features.t tests/browser/a11y.t \
                  tests/browser/layout.t tests/browser/devices.t
MK_TEST_TARGETS += $(BIN)
# devices.t: the admin page's printer and "Enable scanner", the kiosk's print
# log, with the real daemon under umockdev (tests/usb/bed.c, mk/usb.mk).
TEST_DEPS.tests/browser/devices.t := $(BUILD)/tests/usb/bed $(BIN)
