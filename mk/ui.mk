# mk/ui.mk — the kiosk UI's browser test (real Chromium via playwright-core,
# real daemon on loopback). Needs the binary; screenshots go to tests/out/.
MK_CHECK_TESTS += tests/browser/kiosk.t
MK_TEST_TARGETS += $(BIN)
