#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""powercut.t — every acknowledged lead survives a power cut.

The daemon runs with its data directory on mbfs (tests/powercut/mbfs.c, a
FUSE file system that keeps unsynced writes in memory and throws them away
at a "cut"). The test captures leads, kills the daemon and cuts the power
right after the last acknowledgement, mounts the disk again, starts the
daemon on it and looks for every lead it was told was stored. Three rounds,
so recovery after a cut is cut too. First it shows that the file system
really loses what is not synced, with plain files and with an SQLite
database that does not sync: a check that could not see a missing fsync
would prove nothing.

Needs /dev/fuse and the right to mount (root, as in CI); otherwise it says
SKIP with the reason.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import mbtest  # noqa: E402

MBFS = os.path.join(mbtest.BUILD, "tests", "powercut", "mbfs")


def skip(why):
    print("1..0 # SKIP %s" % why)
    sys.exit(0)


if not os.path.exists(MBFS):
    print("Bail out! %s is not built (make %s)" % (MBFS, os.path.relpath(MBFS, mbtest.ROOT)))
    sys.exit(1)
if not os.path.exists("/dev/fuse"):
    skip("no /dev/fuse on this machine: FUSE is needed for the power-cut model")
if os.geteuid() != 0 and not os.access("/dev/fuse", os.R_OK | os.W_OK):
    skip("not root and no access to /dev/fuse: cannot mount the power-cut file system")

t = mbtest.TAP()


class Disk:
    """A backing directory (the disk) and mbfs mounted over it."""

    def __init__(self, top):
        self.top = top
        self.backing = os.path.join(top, "disk")
        self.mnt = os.path.join(top, "mnt")
        self.log = os.path.join(top, "mbfs.log")
        os.makedirs(self.backing, exist_ok=True)
        os.makedirs(self.mnt, exist_ok=True)
        self.proc = None

    def mount(self):
        self.proc = subprocess.Popen([MBFS, self.backing, self.mnt, "--log", self.log],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 30
        while time.time() < deadline:
            if os.path.ismount(self.mnt):
                return True
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace")
                raise RuntimeError("mbfs exited with %s: %s" % (self.proc.returncode, err))
            time.sleep(0.02)
        raise RuntimeError("mbfs did not mount %s within 30 s" % self.mnt)

    def cut(self):
        """The power cut: mbfs unmounts and drops everything not synced."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if os.path.ismount(self.mnt):
            subprocess.run(["umount", "-l", self.mnt], stderr=subprocess.DEVNULL)
        self.proc = None

    def log_lines(self):
        try:
            with open(self.log) as f:
                return f.read().splitlines()
        except OSError:
            return []


top = tempfile.mkdtemp(prefix="mb-powercut-")
disk = Disk(top)
try:
    disk.mount()
except RuntimeError as e:
    if os.geteuid() != 0:
        skip("mounting FUSE as a user failed (%s)" % e)
    raise

try:
    # --- the model loses what is not synced --------------------------------------
    m = disk.mnt
    with open(os.path.join(m, "unsynced"), "w") as f:
        f.write("lost at the cut")
    fd = os.open(os.path.join(m, "synced"), os.O_CREAT | os.O_WRONLY, 0o600)
    os.write(fd, b"kept")
    os.fsync(fd)
    os.close(fd)
    dfd = os.open(m, os.O_RDONLY)
    os.fsync(dfd)
    os.close(dfd)
    with open(os.path.join(m, "synced"), "r+") as f:  # an overwrite nobody syncs
        f.write("XX")
    with open(os.path.join(m, "never-linked"), "w") as f:  # created after the dir fsync
        f.write("x")
        f.flush()
        os.fsync(f.fileno())
    db = sqlite3.connect(os.path.join(m, "nosync.db"))
    db.execute("PRAGMA synchronous = OFF")  # first: nothing is ever synced, not even the dir
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE t(x)")
    for i in range(20):
        db.execute("INSERT INTO t VALUES (?)", (i,))
        db.commit()
    t.is_(db.execute("SELECT count(*) FROM t").fetchone()[0], 20,
          "an SQLite store without fsync (synchronous=OFF) commits 20 rows")
    disk.cut()
    disk.mount()
    t.is_(open(os.path.join(m, "synced")).read(), "kept",
          "after the cut: fsync'ed data is there, the later unsynced overwrite is not")
    t.is_(open(os.path.join(m, "unsynced")).read(), "",
          "after the cut: a file's unsynced contents are gone")
    t.ok(not os.path.exists(os.path.join(m, "never-linked")),
         "after the cut: a file created after the last fsync of its directory is gone")
    try:
        db = sqlite3.connect(os.path.join(m, "nosync.db"))
        rows = db.execute("SELECT count(*) FROM t").fetchone()[0]
        db.close()
    except sqlite3.Error:
        rows = 0
    t.ok(rows < 20, "after the cut: the store without fsync lost committed rows (%d of 20 left)"
         % rows)

    # --- the daemon on the cut-prone disk ---------------------------------------
    class FuseDaemon(mbtest.Daemon):
        @property
        def socket_path(self):
            return os.path.join(self.dir, "control.sock")

    os.makedirs(os.path.join(m, "data"))
    d = FuseDaemon(start=False)
    d.data = os.path.join(m, "data")
    d.write_config(kiosk="control_socket = %s\n" % d.socket_path)
    acked = {}  # id -> full name, every lead the daemon acknowledged
    noted = set()
    round_results = []
    with d:
        for rnd in range(3):
            syncs_before = sum(1 for l in disk.log_lines() if "leads.db-wal" in l and "sync" in l)
            d.start()
            writes = 0
            for i in range(5):
                name = "Cut%d Visitor%d" % (rnd, i)
                lead = d.capture("MECARD:UID:PC-%d-%d;N:Visitor%d,Cut%d;ORG:Power Co;;"
                                 % (rnd, i, i, rnd))
                acked[lead["id"]] = name
                writes += 1
            first = next(iter(acked))
            rc, out, err = d.cli("note", first, "--operator", "op%d" % rnd, "--text", "round %d" % rnd)
            if rc == 0:
                noted.add("op%d" % rnd)
                writes += 1
            d.kill(signal.SIGKILL)  # right after the last acknowledgement
            syncs = sum(1 for l in disk.log_lines() if "leads.db-wal" in l and "sync" in l)
            disk.cut()
            cutline = [l for l in disk.log_lines() if l.startswith("cut:")][-1]
            t.diag("round %d: %d WAL syncs for %d acknowledged writes; %s"
                   % (rnd + 1, syncs - syncs_before, writes, cutline))
            t.ok(syncs - syncs_before >= writes,
                 "round %d: the WAL was fdatasync'ed at least once per acknowledged write (%d >= %d)"
                 % (rnd + 1, syncs - syncs_before, writes))
            disk.mount()
            d.start()  # recovery runs on the cut disk, and is cut next round
            found = {l["id"]: l for l in d.leads()}
            missing = [n for i, n in acked.items() if i not in found]
            t.ok(not missing, "round %d: all %d acknowledged leads are there after the power cut%s"
                 % (rnd + 1, len(acked), (" (missing: %s)" % ", ".join(missing)) if missing else ""))
            ops = {n["operator"] for n in found.get(first, {}).get("notes", [])}
            t.ok(noted <= ops, "round %d: every acknowledged note is there (%s)"
                 % (rnd + 1, ", ".join(sorted(noted))))
            rc, out, _ = d.cli("db", "check")
            t.ok(rc == 0 and out.startswith("OK"), "round %d: db check after the cut: %s"
                 % (rnd + 1, out.strip()))
            d.kill(signal.SIGKILL)
finally:
    disk.cut()
    if not os.environ.get("MB_KEEP"):
        subprocess.run(["rm", "-rf", top])

t.done()
