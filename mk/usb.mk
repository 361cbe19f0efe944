# SPDX-License-Identifier: Apache-2.0
# mk/usb.mk — the USB driver tests and benchmark. They link libumockdev and
# GLib (only these programs need them) and run under umockdev's preload, so
# libusb's real code path talks to emulated scanners and printers.
#
#   tests/usb/usb.t        drivers in-process (plain build)
#   tests/usb/usb-asan.t   the same under ASan+UBSan
#   tests/usb/daemon.t     `matchbooth run` under emulation: plug, scan, lead stored
#   tests/usb/modes.t      scanners by the interfaces they present; unlisted ones offered
#   tests/usb/print.t      printing that remembers: checked at start, the print log, not configured
#   tests/usb/print-asan.t the same against the ASan+UBSan daemon
#   tests/usb/bed.c        not a test: the test bed tests/browser/devices.t drives (daemon + devices)
#   tests/bench/usb_latency.sh (make bench)  last report -> lead committed + event

UMOCKDEV_CFLAGS := $(shell $(PKG_CONFIG) --cflags umockdev-1.0 2>/dev/null)
UMOCKDEV_LIBS   := $(shell $(PKG_CONFIG) --libs umockdev-1.0 2>/dev/null)

USB_TEST_NAMES := test_usb test_daemon test_modes test_print bench_usb bed
USB_BINS       := $(USB_TEST_NAMES:%=$(BUILD)/tests/usb/%)
USB_ASAN_BINS  := $(BUILD)/asan/tests/usb/test_usb

$(BUILD)/obj/tests/usb/%.o: tests/usb/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(UMOCKDEV_CFLAGS) -c $< -o $@

$(BUILD)/asan/obj/tests/usb/%.o: tests/usb/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(UMOCKDEV_CFLAGS) -O1 $(SAN_FLAGS) -c $< -o $@

# Linked against the library archive (Makefile: LIB_A), like the unit tests.
$(BUILD)/tests/usb/%: $(BUILD)/obj/tests/usb/%.o $(BUILD)/obj/tests/usb/emu.o $(TAP_OBJ) $(LIB_A)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(TEST_LDFLAGS) -o $@ $^ $(LDLIBS) $(UMOCKDEV_LIBS)

$(BUILD)/asan/tests/usb/%: $(BUILD)/asan/obj/tests/usb/%.o $(BUILD)/asan/obj/tests/usb/emu.o \
		$(ASAN_TAP_OBJ) $(ASAN_LIB_A)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $(TEST_LDFLAGS) -o $@ $^ $(LDLIBS) $(UMOCKDEV_LIBS)

USB_OBJS := $(patsubst %,$(BUILD)/obj/tests/usb/%.o,$(USB_TEST_NAMES) emu) \
            $(BUILD)/asan/obj/tests/usb/test_usb.o $(BUILD)/asan/obj/tests/usb/emu.o
.SECONDARY: $(USB_OBJS)

MK_TEST_TARGETS += $(USB_BINS) $(USB_ASAN_BINS)
MK_CHECK_TESTS  += tests/usb/usb.t tests/usb/usb-asan.t tests/usb/daemon.t tests/usb/modes.t \
                   tests/usb/print.t tests/usb/print-asan.t
# What `make test T=…` builds for each (Makefile: T_DEPS).
TEST_DEPS.tests/usb/usb.t      := $(BUILD)/tests/usb/test_usb
TEST_DEPS.tests/usb/usb-asan.t := $(BUILD)/asan/tests/usb/test_usb
TEST_DEPS.tests/usb/daemon.t   := $(BUILD)/tests/usb/test_daemon $(BIN)
TEST_DEPS.tests/usb/modes.t    := $(BUILD)/tests/usb/test_modes $(BIN)
TEST_DEPS.tests/usb/print.t    := $(BUILD)/tests/usb/test_print $(BIN)
TEST_DEPS.tests/usb/print-asan.t := $(BUILD)/tests/usb/test_print $(BUILD)/asan/matchbooth

bench: $(BUILD)/tests/usb/bench_usb
