#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""card_valgrind.t — the card paths of the daemon under valgrind's memcheck:
warm reader at start, `matchbooth card` with a QR card and a text card, the
review round trip (card_read, card_store, card_get), a blank card, SIGHUP
(reader kept), SIGTERM: no leak, no error."""

import base64
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mbtest  # noqa: E402

t = mbtest.TAP()
if not shutil.which("valgrind"):
    print("1..0 # SKIP valgrind is not installed")
    sys.exit(0)

VG = ["valgrind", "--leak-check=full", "--show-leak-kinds=definite,indirect",
      "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99", "-q"]
CARDS = os.path.join(mbtest.ROOT, "tests", "cards")

with mbtest.Daemon(show=mbtest.SHOW + "card_keep_image = true\n", start=False) as d:
    vlog = os.path.join(d.dir, "valgrind.log")
    d.logf = open(d.log, "ab")
    d.proc = subprocess.Popen(VG + ["--log-file=" + vlog, mbtest.BIN, "run", "--config", d.conf],
                              stdout=d.logf, stderr=d.logf, stdin=subprocess.DEVNULL)
    d.wait_ready(timeout=120)
    rc, out, err = d.cli("card", os.path.join(CARDS, "card70-en-bar-rotated.jpg"), timeout=300)
    t.ok(rc == 0, "QR card under valgrind")
    rc, out, err = d.cli("card", os.path.join(CARDS, "card02-en-center-clean.png"), timeout=300)
    t.ok(rc == 0 and "stored:" in out, "text card under valgrind")
    with open(os.path.join(CARDS, "card09-en-left-clean.png"), "rb") as f:
        img = base64.b64encode(f.read()).decode()
    r = d.request({"cmd": "card_read", "image_base64": img}, timeout=300)
    rid = r.get("card", {}).get("read_id")
    r = d.request({"cmd": "card_store", "read_id": rid,
                   "fields": {"full_name": "Grace Lee", "emails": ["grace@example.com"]}},
                  timeout=60)
    t.ok(r.get("ok"), "review round trip under valgrind")
    r = d.request({"cmd": "card_get", "lead": r.get("lead", {}).get("id", "")}, timeout=60)
    t.ok(r.get("ok") and len(r.get("cards", [])) == 1, "card_get under valgrind")
    blank = subprocess.run(["convert", "-size", "600x350", "xc:white", "png:-"],
                           capture_output=True).stdout
    r = d.request({"cmd": "card_read", "image_base64": base64.b64encode(blank).decode()},
                  timeout=300)
    t.ok(r.get("ok"), "blank card under valgrind")
    mark = len(d.read_log())
    d.proc.send_signal(signal.SIGHUP)
    t.ok(d.wait_log("config reloaded", 120, mark), "SIGHUP reload (card service restarted) under valgrind")
    d.request({"cmd": "status"}, timeout=60)
    d.proc.send_signal(signal.SIGTERM)
    rc = d.proc.wait(timeout=120)
    with open(vlog) as f:
        report = f.read()
    t.is_(rc, 0, "daemon under valgrind exits 0 after SIGTERM (99 = leaks or errors)")
    t.ok(report.strip() == "", "valgrind reports nothing for the card paths")
    if report.strip():
        t.diag(report[:4000])
t.done()
