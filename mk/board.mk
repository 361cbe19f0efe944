# SPDX-License-Identifier: Apache-2.0
# board.mk — board support: systemd units, udev rules, the kiosk session, the
# Debian package, and the arm64 cross build with its tests under qemu.
#
#   make deb [ARCH=arm64]   build/[arm64/]matchbooth_VERSION_ARCH.deb, by
#                           dpkg-buildpackage from board/debian (see
#                           board/deb/build-deb.sh)
#   make check-deb          lintian on it, its files against `make install`'s;
#                           install it into a Debian 12 chroot, check, purge;
#                           boot it with systemd-nspawn (~3 min the first
#                           time, with debootstrap; ~2 min after; also part of
#                           `make check` unless MB_CHECK_DEB=0)
#   make ARCH=arm64         cross-build build/arm64/matchbooth
#   make check-arm64        the unit tests of the arm64 build under qemu
#
# `make check` also runs the board tests (tests/board/*.t: unit files, udev
# rules, the manual page, the kiosk session; the package unless
# MB_CHECK_DEB=0)
# and, unless MB_ARM64=0, the arm64 build with its unit tests under
# qemu-aarch64-static, through the same harness.

UNITDIR      ?= /lib/systemd/system
UDEVRULESDIR ?= /lib/udev/rules.d
LIBEXECDIR   ?= $(PREFIX)/lib/matchbooth
MB_ARM64     ?= 1
MB_CHECK_DEB ?= 1

BOARD_UNITS := $(sort $(wildcard board/systemd/*.service))
BOARD_RULES := $(sort $(wildcard board/udev/*.rules))
# The allow list comes from the USB drivers; without it the rules admit no device.
ALLOWLIST   := $(or $(wildcard board/allowlist.txt),/dev/null)
UDEV_RULES  := $(BUILD)/udev/70-matchbooth.rules
# AppStream metadata: the allow list's devices as modalias provides.
METAINFO    := $(BUILD)/metainfo/matchbooth.metainfo.xml
MANPAGE     := $(BUILD)/man/matchbooth.1
# The manual page is made from the program's help: a cross-built binary
# answers under qemu (board/install-deps.sh arm64 installs it).
MB_RUNNER   := $(if $(filter $(HOST_ARCH),$(ARCH)),,qemu-aarch64-static)
# 1 when debian/rules installs: the units and udev rules are then left to
# dh_installsystemd and dh_installudev (board/debian/rules), which install
# them from debian/ and write the code that enables them.
MB_DEBHELPER ?= 0

.PHONY: board install-board install-units install-udev install-kiosk install-doc \
        deb check-deb check-arm64 arm64-tests deps-arm64

# Everything generated for the board (debian/rules builds it with `all`).
board: $(UDEV_RULES) $(METAINFO) $(MANPAGE)

$(UDEV_RULES): $(wildcard board/allowlist.txt) board/udev/gen-rules.sh
	@mkdir -p $(@D)
	sh board/udev/gen-rules.sh $(ALLOWLIST) > $@.tmp && mv $@.tmp $@

$(METAINFO): $(wildcard board/allowlist.txt) board/udev/gen-rules.sh
	@mkdir -p $(@D)
	sh board/udev/gen-rules.sh --metainfo $(ALLOWLIST) > $@.tmp && mv $@.tmp $@

$(MANPAGE): $(BIN) board/man/gen-man.sh board/man/matchbooth.h2m board/debian/changelog
	@mkdir -p $(@D)
	sh board/man/gen-man.sh $(BIN) $(MB_RUNNER) > $@.tmp && mv $@.tmp $@

install: install-board
install-board: install-kiosk install-doc $(if $(filter 1,$(MB_DEBHELPER)),,install-units install-udev)

# Units name /usr/bin/matchbooth and /usr/lib/matchbooth: rewritten for PREFIX.
install-units:
	install -d $(DESTDIR)$(UNITDIR)
	for u in $(BOARD_UNITS); do \
	    sed -e 's|/usr/bin/matchbooth|$(PREFIX)/bin/matchbooth|g' \
	        -e 's|/usr/lib/matchbooth/|$(LIBEXECDIR)/|g' $$u > $(DESTDIR)$(UNITDIR)/$${u##*/}; \
	    chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/}; done

# The generated rules are 70-: after 50-udev-default, whose GROUP= and MODE=
# they override. Hand-written rules (the USB stick export) run late: after
# 60-persistent-storage, which sets the ID_FS_* they match on. debian/rules
# gives dh_installudev the same numbers.
install-udev: $(UDEV_RULES)
	install -d $(DESTDIR)$(UDEVRULESDIR)
	install -m 0644 $(UDEV_RULES) $(DESTDIR)$(UDEVRULESDIR)/
	for r in $(BOARD_RULES); do \
	    install -m 0644 $$r $(DESTDIR)$(UDEVRULESDIR)/99-$${r##*/}; done

install-kiosk:
	install -d $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(SYSCONFDIR)/pam.d
	install -m 0755 board/kiosk/kiosk-browser $(DESTDIR)$(LIBEXECDIR)/
	install -m 0644 board/kiosk/pam.matchbooth-kiosk $(DESTDIR)$(SYSCONFDIR)/pam.d/matchbooth-kiosk

install-doc: $(MANPAGE) $(METAINFO)
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/metainfo
	install -m 0644 $(MANPAGE) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(METAINFO) $(DESTDIR)$(PREFIX)/share/metainfo/

deb: $(BIN) board
	sh board/deb/build-deb.sh $(abspath $(BUILD)) $(ARCH) $(VERSION)

# lintian with no E: or W: (lintian.t); the package's files against `make
# install`'s (deb-files.t); a Debian 12 root from debootstrap (cached under
# build/chroot), the package installed, checked and purged in it
# (deb-chroot.t), and booted with systemd-nspawn to check the units under a
# real systemd (deb-boot.t). The last two need root (else they say so and
# skip).
DEB_TESTS := tests/board/lintian.t tests/board/deb-files.t tests/board/deb-chroot.t \
             tests/board/deb-boot.t
check-deb: deb
	MB_BUILD=$(abspath $(BUILD)) MB_DEB=$(abspath $(BUILD))/matchbooth_$(VERSION)_$(ARCH).deb \
	    perl tests/run.pl $(DEB_TESTS)

deps-arm64: deps
	sh board/install-deps.sh arm64

# The unit tests of the arm64 build, each run by a wrapper .t under qemu
# (binfmt is not registered here, and -L /usr/aarch64-linux-gnu made
# libusb_init hang: the arm64 libraries come from multiarch /usr/lib).
ARM64_BUILD := build/arm64
ARM64_WRAPS := $(UNIT_SRCS:tests/unit/%.c=$(ARM64_BUILD)/qemu/%.t)

arm64-tests:
	$(MAKE) ARCH=arm64 BUILD=$(ARM64_BUILD) $(ARM64_BUILD)/matchbooth \
	    $(UNIT_SRCS:tests/unit/%.c=$(ARM64_BUILD)/tests/unit/%)
	@mkdir -p $(ARM64_BUILD)/qemu
	@for t in $(UNIT_SRCS:tests/unit/%.c=%); do \
	    printf '#!/bin/sh\n# %s of the arm64 build under qemu (mk/board.mk)\nexec qemu-aarch64-static %s "$$@"\n' \
	        $$t $(abspath $(ARM64_BUILD))/tests/unit/$$t > $(ARM64_BUILD)/qemu/$$t.t; \
	    chmod +x $(ARM64_BUILD)/qemu/$$t.t; done

check-arm64: deps-arm64
	$(MAKE) arm64-tests
	MB_BUILD=$(abspath $(BUILD)) perl tests/run.pl $(ARM64_WRAPS) tests/board/arm64.t

# In `make check`: the board tests always, the arm64 part unless MB_ARM64=0.
# The .deb and the arm64 build are MK_CHECK_BUILDS: `make check` builds them,
# `make tests` does not (a plain test build stays quick).
MK_CHECK_TESTS += $(sort $(filter-out $(DEB_TESTS) tests/board/arm64.t,\
                    $(wildcard tests/board/*.t)))
MK_TEST_TARGETS += board
# What `make test T=…` builds for each (Makefile: T_DEPS).
$(foreach t,$(filter-out $(DEB_TESTS) tests/board/arm64.t,$(wildcard tests/board/*.t)),\
    $(eval TEST_DEPS.$(t) := $(BIN) board))
$(foreach t,$(DEB_TESTS),$(eval TEST_DEPS.$(t) := deb))
$(foreach t,tests/board/arm64.t $(ARM64_WRAPS),$(eval TEST_DEPS.$(t) := $(BIN) arm64-tests))
ifneq ($(MB_CHECK_DEB),0)
MK_CHECK_BUILDS += deb
MK_CHECK_BUILD_TESTS += $(DEB_TESTS)
endif
ifneq ($(MB_ARM64),0)
ifeq ($(ARCH),$(HOST_ARCH))
check: deps-arm64
MK_CHECK_BUILDS += arm64-tests
MK_CHECK_BUILD_TESTS += $(ARM64_WRAPS) tests/board/arm64.t
endif
endif
