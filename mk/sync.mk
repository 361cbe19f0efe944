# SPDX-License-Identifier: Apache-2.0
# mk/sync.mk — the sync worker's extra checks. The integration tests in
# tests/integration/sync_*.t run through the wildcard; this adds the daemon's
# sync paths under valgrind (tests/sync/sync_valgrind.t). s3rver for
# sync_s3.t is installed by board/install-deps.sh into tests/s3, and the
# independent checkers of tests/sync/package.json (standardwebhooks,
# @duckdb/node-api) into tests/sync.
MK_CHECK_TESTS += tests/sync/sync_valgrind.t tests/sync/sync_smtp_valgrind.t
# The same scenarios against the ASan+UBSan daemon.
MK_CHECK_TESTS += tests/sync/sync_webhook_asan.t tests/sync/sync_sinks_asan.t \
                  tests/sync/sync_s3_asan.t tests/sync/sync_crm_asan.t \
                  tests/sync/sync_webhook_std_asan.t tests/sync/sync_smtp_asan.t
TEST_DEPS.tests/sync/sync_webhook_asan.t     := $(BUILD)/asan/matchbooth
TEST_DEPS.tests/sync/sync_sinks_asan.t       := $(BUILD)/asan/matchbooth
TEST_DEPS.tests/sync/sync_s3_asan.t          := $(BUILD)/asan/matchbooth
TEST_DEPS.tests/sync/sync_crm_asan.t         := $(BUILD)/asan/matchbooth
TEST_DEPS.tests/sync/sync_webhook_std_asan.t := $(BUILD)/asan/matchbooth
TEST_DEPS.tests/sync/sync_smtp_asan.t        := $(BUILD)/asan/matchbooth

# `make mail`: the demo's mail catcher (board/demo/mailcatcher.py), where the
# demo config's [sink.followup] sends the follow-up e-mails of `make run`:
# each is printed and kept as var/mail/N.eml. Run it in another terminal.
.PHONY: mail
mail: deps-build
	/usr/bin/python3 board/demo/mailcatcher.py --port 2525 --dir var/mail
