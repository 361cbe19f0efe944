#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""valgrind.t — the daemon's main paths under valgrind's memcheck: start,
captures (new, re-scan, unknown), a note, status, the FIFO, SIGHUP reload
and a clean SIGTERM, with no leaks and no memory errors. The CLI's commands
run under valgrind too."""

import os
import re
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

with mbtest.Daemon(kiosk="dev_fifo = true", start=False) as d:
    vlog = os.path.join(d.dir, "valgrind.log")
    d.logf = open(d.log, "ab")
    d.proc = subprocess.Popen(VG + ["--log-file=" + vlog, mbtest.BIN, "run", "--config", d.conf],
                              stdout=d.logf, stderr=d.logf, stdin=subprocess.DEVNULL)
    d.wait_ready(timeout=60)
    a = d.capture("MECARD:N:Doe,Jane;ORG:Acme;EMAIL:jane@acme.example;;")
    d.capture("MECARD:N:Doe,Jane;TEL:+85291234567;EMAIL:jane@acme.example;;")
    d.capture(b"\x00\x01 unknown")
    d.cli("note", a["id"], "--operator", "alice", "--text", "x", "--rating", "3", "--tags", "a,b")
    d.cli("status")
    with open(os.path.join(d.data, "scan.fifo"), "w") as f:
        f.write("MECARD:N:Fifo,Frank;;\n")
    end = time.time() + 60
    while time.time() < end and not any(l["full_name"] == "Frank Fifo" for l in d.leads()):
        time.sleep(0.1)
    t.ok(any(l["full_name"] == "Frank Fifo" for l in d.leads()), "the FIFO scan stored under valgrind")
    mark = len(d.read_log())
    d.proc.send_signal(signal.SIGHUP)
    t.ok(d.wait_log("config reloaded", 60, mark), "SIGHUP reload done under valgrind")
    d.request({"cmd": "status"})
    d.proc.send_signal(signal.SIGTERM)
    rc = d.proc.wait(timeout=60)
    with open(vlog) as f:
        report = f.read()
    t.is_(rc, 0, "daemon under valgrind exits 0 after SIGTERM (99 = leaks or errors)")
    t.ok(report.strip() == "", "valgrind reports nothing for the daemon")
    if report.strip():
        t.diag(report[:4000])

    for args in (["leads", "--json", "--raw"], ["db", "check"], ["db", "stats"],
                 ["config", "check"]):
        p = subprocess.run(VG + [mbtest.BIN] + args + ["--config", d.conf], capture_output=True)
        t.ok(p.returncode == 0, "matchbooth %s is clean under valgrind" % " ".join(args))
        if p.returncode:
            t.diag(p.stderr.decode()[:3000])
t.done()
