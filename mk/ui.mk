# SPDX-License-Identifier: Apache-2.0
# mk/ui.mk — the kiosk UI's browser test (real Chromium via playwright-core,
# real daemon on loopback). Needs the binary; screenshots go to tests/out/.
MK_CHECK_TESTS += tests/browser/kiosk.t tests/browser/features.t
MK_TEST_TARGETS += $(BIN)
