# SPDX-License-Identifier: Apache-2.0
# matchbooth — top-level build.
#
#   make               build build/matchbooth
#   make run           install what is missing, build, start the demo kiosk
#   make check         install, build, format-check, run every test (plain, ASan+UBSan,
#                      arm64 under qemu, the .deb in a chroot)
#   make test T=NAME   build what one test needs and run it: T=test_store (unit),
#                      T=asan/test_store (unit under ASan+UBSan), T=daemon
#                      (tests/integration/daemon.t), T=usb/daemon, T=arm64/test_store …
#   make tests         build every test program (not the .deb, not arm64)
#   make check-unit    the unit tests; check-asan: the same under ASan+UBSan;
#   make check-tests   the integration tests (tests/integration, usb, browser, sync, board …)
#   make format-check  clang-format --dry-run --Werror over every C file
#   make bench         run the benchmarks under tests/bench
#   make install       PREFIX=/usr DESTDIR=… (Debian layout)
#   make deps          install missing Debian packages (board/install-deps.sh)
#
# Sources are found by wildcard: every firmware/*/*.c, drivers/*.c, ui/*.c and
# sync/*.c (and sync/sinks/*.c) goes into the binary; every tests/unit/test_*.c becomes a TAP test
# program. Subsystems that need more (fuzzers, browser tests) add a fragment
# under mk/*.mk rather than editing this file. Every test runs through
# tests/run.pl (README.md, "Working on it").

VERSION   := 0.1.0
PREFIX    ?= /usr
DESTDIR   ?=
SYSCONFDIR ?= /etc
LOCALSTATEDIR ?= /var
ARCH      ?= $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
HOST_ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)

ifeq ($(ARCH),$(HOST_ARCH))
CC        ?= cc
BUILD     ?= build
PKG_CONFIG ?= pkg-config
else ifeq ($(ARCH),arm64)
CC        := aarch64-linux-gnu-gcc
AR        := aarch64-linux-gnu-ar
BUILD     ?= build/arm64
# /usr/local/…: link-time files of the -dev packages that do not co-install
# with their amd64 twins (board/install-deps.sh arm64 puts them there).
PKG_CONFIG := PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/local/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig pkg-config
else
$(error unsupported ARCH=$(ARCH) (amd64 or arm64))
endif

PKGS := sqlite3 libusb-1.0 libqrencode libmicrohttpd libcjson xlsxwriter inih libsystemd \
        libcurl zlib libcrypto tesseract lept zbar libv4l2 uchardet libpsl

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter -Wformat=2 -Wno-format-nonliteral
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DMB_VERSION=\"$(VERSION)\" $(WARN) $(CFLAGS) \
             -I. $(PKG_CFLAGS) -MMD -MP
LDLIBS   := $(PKG_LIBS) -lm -lpthread

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

SRC_DIRS := $(sort $(dir $(wildcard firmware/*/))) drivers ui sync sync/sinks
SRCS     := $(sort $(wildcard $(addsuffix /*.c,$(patsubst %/,%,$(SRC_DIRS)))))
MAIN_SRC := firmware/app/main.c
LIB_SRCS := $(filter-out $(MAIN_SRC),$(SRCS))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
BENCH_SRCS := $(sort $(wildcard tests/bench/bench_*.c))

OBJS      := $(SRCS:%.c=$(BUILD)/obj/%.o)
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
ASAN_LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/asan/obj/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
ASAN_UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/asan/tests/unit/%)
BENCH_BINS := $(BENCH_SRCS:tests/bench/%.c=$(BUILD)/tests/bench/%)
TAP_OBJ   := $(BUILD)/obj/tests/tap.o
ASAN_TAP_OBJ := $(BUILD)/asan/obj/tests/tap.o

# Test programs link the library objects from a static archive, so the linker
# takes only the objects a test references (test_afile does not pull in ui/ or
# sync/), and --as-needed drops the shared libraries nothing of it uses: small
# programs that link and start fast. The binary itself links every object.
LIB_A      := $(BUILD)/libmatchbooth.a
ASAN_LIB_A := $(BUILD)/asan/libmatchbooth.a
TEST_LDFLAGS := -Wl,--as-needed

# Files compiled into the binary (pages, scripts, styles, translations).
ASSETS    := $(sort $(wildcard ui/assets/*))
ASSET_C   := $(BUILD)/gen/assets.c

BIN := $(BUILD)/matchbooth

# V=1 shows the full compiler command lines.
Q := $(if $(V),,@)

.PHONY: all deps deps-build run check check-unit check-asan check-tests bench install \
        clean format format-check tests asan-tests
.DEFAULT_GOAL := all

all: $(BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/asan/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC-SAN  $<"
	$(Q)$(CC) $(ALL_CFLAGS) -O1 $(SAN_FLAGS) -c $< -o $@

# The embedded assets are one generated C file (a table of name, type, bytes).
$(ASSET_C): $(ASSETS) board/gen-assets.sh
	@mkdir -p $(@D)
	sh board/gen-assets.sh $@ $(ASSETS)
$(BUILD)/obj/gen/assets.o: $(ASSET_C)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -c $< -o $@
$(BUILD)/asan/obj/gen/assets.o: $(ASSET_C)
	@mkdir -p $(@D)
	@echo "  CC-SAN  $<"
	$(Q)$(CC) $(ALL_CFLAGS) -O1 $(SAN_FLAGS) -Wno-missing-prototypes -c $< -o $@

$(BIN): $(OBJS) $(BUILD)/obj/gen/assets.o
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/asan/matchbooth: $(OBJS:$(BUILD)/obj/%=$(BUILD)/asan/obj/%) $(BUILD)/asan/obj/gen/assets.o
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LDLIBS)

# Rebuilt from scratch: `ar r` would keep the member of a deleted source.
$(LIB_A): $(LIB_OBJS) $(BUILD)/obj/gen/assets.o
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcD $@ $^
$(ASAN_LIB_A): $(ASAN_LIB_OBJS) $(BUILD)/asan/obj/gen/assets.o
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcD $@ $^

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(TAP_OBJ) $(LIB_A)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(TEST_LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/asan/tests/unit/%: $(BUILD)/asan/obj/tests/unit/%.o $(ASAN_TAP_OBJ) $(ASAN_LIB_A)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $(TEST_LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/bench/%: $(BUILD)/obj/tests/bench/%.o $(TAP_OBJ) $(LIB_A)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(TEST_LDFLAGS) -o $@ $^ $(LDLIBS)

# Objects of test programs are intermediates of the pattern rules: keep them,
# or make deletes them after each build and recompiles them the next time.
# (Listed: a bare `.SECONDARY:` stops meaning "all" once a fragment lists any.)
TEST_OBJS := $(TAP_OBJ) $(ASAN_TAP_OBJ) $(UNIT_SRCS:%.c=$(BUILD)/obj/%.o) \
             $(UNIT_SRCS:%.c=$(BUILD)/asan/obj/%.o) $(BENCH_SRCS:%.c=$(BUILD)/obj/%.o)
.SECONDARY: $(TEST_OBJS)

# Only the object trees: build/ also holds package staging and chroots.
-include $(shell find $(BUILD)/obj $(BUILD)/asan/obj -name '*.d' -type f 2>/dev/null)
-include $(sort $(wildcard mk/*.mk))

deps:
	sh board/install-deps.sh all

deps-build:
	sh board/install-deps.sh build

# Every test program, built; not the .deb nor the arm64 build (MK_CHECK_BUILDS:
# `make check` builds those).
tests: $(BIN) $(UNIT_BINS) $(MK_TEST_TARGETS)
asan-tests: $(BUILD)/asan/matchbooth $(ASAN_UNIT_BINS)

# The demo kiosk: data under var/, UI on http://127.0.0.1:8080.
run: deps-build
	$(MAKE) all
	@mkdir -p var
	$(BIN) run --config board/demo/matchbooth.conf

# The tests, by kind. Fragments add theirs to MK_CHECK_TESTS (built by
# MK_TEST_TARGETS) or, when they need the .deb or the arm64 build, to
# MK_CHECK_BUILD_TESTS (built by MK_CHECK_BUILDS, in `make check` only).
RUNNER_TEST       := tests/run.t
INTEGRATION_TESTS := $(sort $(wildcard tests/integration/*.t))
CHECK_TESTS        = $(RUNNER_TEST) $(INTEGRATION_TESTS) $(MK_CHECK_TESTS)
RUN_TESTS          = MB_BUILD=$(abspath $(BUILD)) perl tests/run.pl

check-unit: $(UNIT_BINS)
	$(RUN_TESTS) $(UNIT_BINS)

check-asan: $(ASAN_UNIT_BINS)
	$(RUN_TESTS) $(ASAN_UNIT_BINS)

check-tests: tests $(BUILD)/asan/matchbooth
	$(RUN_TESTS) $(CHECK_TESTS)

# Every test, as TAP, through one runner (tests/run.pl) that fails on broken
# TAP, crashes, timeouts and unlisted skips, and ends with the distinct checks
# and the line CI reads: "N passed, N failed". Unit tests run plain, under
# ASan+UBSan and (mk/board.mk) under qemu-aarch64; integration tests (*.t)
# drive the real binary. format-check runs like a build step, before.
check: deps
	$(MAKE) tests asan-tests $(MK_CHECK_BUILDS)
	$(MAKE) format-check
	$(RUN_TESTS) $(UNIT_BINS) $(ASAN_UNIT_BINS) $(CHECK_TESTS) $(MK_CHECK_BUILD_TESTS)

# make test T=NAME: one test, found among what `make check` runs by its name
# (the first match in that order, so T=daemon is tests/integration/daemon.t;
# T=usb/daemon the other one), with only what it needs built: a unit test
# program itself; a script the binary plus its TEST_DEPS.<path> from a
# fragment. An unknown name lists near ones.
T_ALL  = $(UNIT_BINS) $(ASAN_UNIT_BINS) $(CHECK_TESTS) $(MK_CHECK_BUILD_TESTS) $(ARM64_WRAPS)
T_NAME = $(patsubst %.t,%,$(T))
T_MATCHES = $(filter $(BUILD)/tests/unit/$(T_NAME),$(UNIT_BINS)) \
    $(if $(filter asan/%,$(T_NAME)),$(filter $(BUILD)/asan/tests/unit/$(T_NAME:asan/%=%),$(ASAN_UNIT_BINS))) \
    $(if $(filter arm64/%,$(T_NAME)),$(filter %/qemu/$(T_NAME:arm64/%=%).t,$(ARM64_WRAPS))) \
    $(filter-out $(ASAN_UNIT_BINS) $(ARM64_WRAPS),\
      $(filter tests/$(T_NAME).t %/$(T_NAME).t %/$(T_NAME),$(T_ALL)))
T_PATH = $(firstword $(T_MATCHES))
T_DEPS = $(if $(TEST_DEPS.$(T_PATH)),$(TEST_DEPS.$(T_PATH)),\
           $(if $(filter $(BUILD)/%,$(T_PATH)),$(T_PATH),$(BIN)))

.PHONY: test test-build
test: test-build
	@$(RUN_TESTS) $(or $(T_PATH),--suggest '$(T)' $(sort $(T_ALL)))

test-build:
	@$(if $(T),,echo 'usage: make test T=NAME (e.g. T=test_store, T=asan/test_store, T=daemon)' >&2; exit 2)
	@$(if $(word 2,$(sort $(T_MATCHES))),echo "make test: T=$(T) is $(T_PATH) (also: $(filter-out $(T_PATH),$(sort $(T_MATCHES))))")
	@$(if $(T_PATH),$(MAKE) -s --no-print-directory $(T_DEPS))

bench: $(BIN) $(BENCH_BINS)
	@for b in $(BENCH_BINS) $(sort $(wildcard tests/bench/*.sh)); do \
	    echo "== $$b"; MB_BUILD=$(abspath $(BUILD)) $$b || exit 1; done

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(SYSCONFDIR)/matchbooth \
	    $(DESTDIR)$(PREFIX)/share/matchbooth $(DESTDIR)$(LOCALSTATEDIR)/lib/matchbooth
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/matchbooth
	install -m 0644 board/matchbooth.conf $(DESTDIR)$(SYSCONFDIR)/matchbooth/matchbooth.conf
	install -d $(DESTDIR)$(PREFIX)/share/matchbooth/demo
	install -m 0644 $(filter-out %.py,$(wildcard board/demo/*)) $(DESTDIR)$(PREFIX)/share/matchbooth/demo/
	install -m 0644 board/allowlist.txt $(DESTDIR)$(PREFIX)/share/matchbooth/ 2>/dev/null || true
	install -d $(DESTDIR)$(PREFIX)/share/doc/matchbooth
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/matchbooth/

# Every C file of the tree, found at the time of use (new files included).
C_FILES = $(shell find firmware drivers ui sync tests -name node_modules -prune -o \
                  -type f \( -name '*.c' -o -name '*.h' \) -print | LC_ALL=C sort)

format:
	clang-format -i $(C_FILES)

format-check:
	@echo "  FORMAT  $(words $(C_FILES)) C files"
	$(Q)clang-format --dry-run --Werror $(C_FILES)

clean:
	rm -rf build
