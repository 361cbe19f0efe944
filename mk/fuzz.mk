# SPDX-License-Identifier: Apache-2.0
# Fuzzing of the decoders with libFuzzer (clang).
#
#   make fuzz                 run every target for FUZZ_SECONDS (default 60)
#   make fuzz FUZZ_SECONDS=600 FUZZ_TARGETS="vcard json"
#
# Each tests/fuzz/fuzz_<name>.c is one target, linked with only the sources
# the decoders need. The seed corpus is tests/decode/*/*.in with a profile
# byte in front (tests/fuzz/seed.sh); what the fuzzer finds goes to
# build/fuzz/corpus/<name>, never into the repository. `make check` runs
# every target for a few seconds (tests/fuzz/fuzz.t).

FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 60
FUZZ_ALL      := $(patsubst tests/fuzz/fuzz_%.c,%,$(filter-out tests/fuzz/fuzz_common.c,$(sort $(wildcard tests/fuzz/fuzz_*.c))))
FUZZ_TARGETS  ?= $(FUZZ_ALL)
FUZZ_SRCS     := $(sort $(wildcard firmware/decode/decode*.c)) firmware/decode/charset.c firmware/decode/phone.c firmware/decode/country.c \
                 firmware/decode/roster.c firmware/base/lead.c firmware/base/strv.c firmware/base/buf.c firmware/base/err.c \
                 firmware/config/config.c firmware/base/log.c firmware/base/clock.c firmware/base/uuid.c \
                 firmware/store/store.c firmware/store/store_db.c firmware/store/store_schema.c \
                 firmware/store/store_outbox.c firmware/store/store_roster.c tests/fuzz/fuzz_common.c
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS   := -std=c11 -D_GNU_SOURCE -g -O1 $(WARN) -I. \
                 $(shell $(PKG_CONFIG) --cflags libcjson inih sqlite3 libcrypto uchardet 2>/dev/null)
FUZZ_LIBS     := $(shell $(PKG_CONFIG) --libs libcjson inih sqlite3 libcrypto uchardet 2>/dev/null) -lm
FUZZ_OBJS     := $(FUZZ_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)
FUZZ_BINS     := $(FUZZ_ALL:%=$(BUILD)/fuzz/fuzz_%)

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c $< -o $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -MF $@.d -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< $(FUZZ_OBJS) $(FUZZ_LIBS)

# Header dependencies (-MMD), so a changed header rebuilds the fuzzers'
# objects as it does the program's: stale objects made fuzz.t fail once.
-include $(shell find $(BUILD)/fuzz -name '*.d' -type f 2>/dev/null)

# Keep the objects: they are intermediates of the pattern rules, and make
# would delete them after every build.
.SECONDARY: $(FUZZ_OBJS)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	    echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	    sh tests/fuzz/seed.sh $(BUILD)/fuzz/corpus/$$t || exit 1; \
	    $(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=131072 \
	        -artifact_prefix=$(BUILD)/fuzz/crash-$$t- $(BUILD)/fuzz/corpus/$$t || exit 1; \
	done

MK_TEST_TARGETS += $(FUZZ_BINS)
MK_CHECK_TESTS  += tests/fuzz/fuzz.t
TEST_DEPS.tests/fuzz/fuzz.t := $(FUZZ_BINS)
