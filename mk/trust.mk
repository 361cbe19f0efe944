# SPDX-License-Identifier: Apache-2.0
# mk/trust.mk — tests of the tests: the power-cut file system and the
# mutation run.
#
#   tests/powercut/powercut.t  the daemon on mbfs (FUSE, drops unsynced
#                              writes at a "power cut"): every acknowledged
#                              lead is there after the cut (needs root and
#                              /dev/fuse; says SKIP with the reason otherwise)
#   make mutate                tests/mutate.sh: six mutations of the code,
#                              each must make the tests that guard it fail
#   tests/usb/slip.t           the expected slips read by an ESC/POS parser
#                              of the test's own and zbarimg
#   make usb-expected          rewrite tests/usb/expected/ from the current
#                              drivers, after slip.t accepts the new bytes
#                              (the tests themselves never write them)

MBFS := $(BUILD)/tests/powercut/mbfs
FUSE3_CFLAGS := $(shell $(PKG_CONFIG) --cflags fuse3 2>/dev/null)
FUSE3_LIBS   := $(shell $(PKG_CONFIG) --libs fuse3 2>/dev/null)

$(MBFS): tests/powercut/mbfs.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(FUSE3_CFLAGS) -o $@ $< $(FUSE3_LIBS)

MK_TEST_TARGETS += $(MBFS)
MK_CHECK_TESTS  += tests/powercut/powercut.t tests/usb/slip.t

.PHONY: mutate usb-expected
mutate:
	sh tests/mutate.sh

usb-expected: $(BUILD)/tests/usb/test_usb
	MB_BUILD=$(abspath $(BUILD)) sh tests/usb/update-expected.sh
