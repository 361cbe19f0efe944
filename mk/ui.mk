# SPDX-License-Identifier: Apache-2.0
# mk/ui.mk — the kiosk UI's browser tests (real Chromium via playwright-core,
# real daemon on loopback). Needs the binary; screenshots go to tests/out/.
# a11y.t runs axe-core (npm) on every screen, language and size; layout.t
# checks the element boxes of the same screens at 1280x800, 1080x1920 and
# 800x480.
MK_CHECK_TESTS += tests/browser/kiosk.t tests/browser/features.t tests/browser/a11y.t \
                  tests/browser/layout.t
MK_TEST_TARGETS += $(BIN)
