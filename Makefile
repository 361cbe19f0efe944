# SPDX-License-Identifier: Apache-2.0
# matchbooth — top-level build.
#
#   make            build build/matchbooth
#   make run        install what is missing, build, start the demo kiosk
#   make check      install, build, run every test (plain and ASan+UBSan)
#   make bench      run the benchmarks under tests/bench
#   make install    PREFIX=/usr DESTDIR=… (Debian layout)
#   make deps       install missing Debian packages (board/install-deps.sh)
#
# Sources are found by wildcard: every firmware/*/*.c, drivers/*.c, ui/*.c and
# sync/*.c (and sync/sinks/*.c) goes into the binary; every tests/unit/test_*.c becomes a TAP test
# program. Subsystems that need more (fuzzers, browser tests) add a fragment
# under mk/*.mk rather than editing this file.

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
BUILD     ?= build/arm64
# /usr/local/…: link-time files of the -dev packages that do not co-install
# with their amd64 twins (board/install-deps.sh arm64 puts them there).
PKG_CONFIG := PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/local/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig pkg-config
else
$(error unsupported ARCH=$(ARCH) (amd64 or arm64))
endif

PKGS := sqlite3 libusb-1.0 libqrencode libmicrohttpd libcjson xlsxwriter inih libsystemd \
        libcurl zlib libcrypto tesseract lept zbar libv4l2

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

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(LIB_OBJS) $(BUILD)/obj/gen/assets.o $(TAP_OBJ)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/asan/tests/unit/%: $(BUILD)/asan/obj/tests/unit/%.o $(ASAN_LIB_OBJS) $(BUILD)/asan/obj/gen/assets.o $(ASAN_TAP_OBJ)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/bench/%: $(BUILD)/obj/tests/bench/%.o $(LIB_OBJS) $(BUILD)/obj/gen/assets.o $(TAP_OBJ)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# Only the object trees: build/ also holds package staging and chroots.
-include $(shell find $(BUILD)/obj $(BUILD)/asan/obj -name '*.d' -type f 2>/dev/null)
-include $(sort $(wildcard mk/*.mk))

deps:
	sh board/install-deps.sh all

deps-build:
	sh board/install-deps.sh build

tests: $(BIN) $(UNIT_BINS) $(MK_TEST_TARGETS)
asan-tests: $(BUILD)/asan/matchbooth $(ASAN_UNIT_BINS)

# The demo kiosk: data under var/, UI on http://127.0.0.1:8080.
run: deps-build
	$(MAKE) all
	@mkdir -p var
	$(BIN) run --config board/demo/matchbooth.conf

# Every test, as TAP, through one harness that prints "N passed, N failed".
# Unit tests run twice: plain and under ASan+UBSan; integration tests (*.t)
# drive the real binary.
check: deps
	$(MAKE) tests asan-tests
	MB_BUILD=$(abspath $(BUILD)) perl tests/run.pl \
	    $(UNIT_BINS) $(ASAN_UNIT_BINS) $(sort $(wildcard tests/integration/*.t)) $(MK_CHECK_TESTS)

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

format:
	clang-format -i $(SRCS) $(wildcard */*.h firmware/*/*.h sync/sinks/*.h tests/*/*.c tests/*.c tests/*.h)

format-check:
	clang-format --dry-run --Werror $(SRCS) $(wildcard */*.h firmware/*/*.h sync/sinks/*.h tests/*/*.c tests/*.c tests/*.h)

clean:
	rm -rf build
