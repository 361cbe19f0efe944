# SPDX-License-Identifier: Apache-2.0
"""mbtest — shared helpers for matchbooth's integration tests (TAP output).

A test is an executable tests/integration/NAME.t (any language). Python
ones import this module:

    import mbtest
    t = mbtest.TAP()
    with mbtest.Daemon() as d:
        lead = d.capture("MECARD:N:Doe,Jane;;")
        t.ok(lead["created"], "a new lead")
    t.done()

The binary is $MB_BUILD/matchbooth (make check sets MB_BUILD), else
build/matchbooth from the repository root. Every daemon gets its own
temporary data directory and a free loopback port.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("MB_BUILD", os.path.join(ROOT, "build"))
BIN = os.path.join(BUILD, "matchbooth")


class TAP:
    """Plain TAP: ok/is_/diag, then done() prints the plan and exits."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name):
        self.n += 1
        print(("ok" if cond else "not ok") + " %d - %s" % (self.n, name), flush=True)
        if not cond:
            self.failed += 1
        return bool(cond)

    def is_(self, got, want, name):
        r = self.ok(got == want, name)
        if not r:
            self.diag("got  %r" % (got,))
            self.diag("want %r" % (want,))
        return r

    def diag(self, msg):
        for line in str(msg).splitlines() or [""]:
            print("# " + line, flush=True)

    def done(self):
        print("1..%d" % self.n, flush=True)
        sys.exit(1 if self.failed else 0)


def seeded_random(tap=None):
    """A random.Random seeded from $MB_SEED, else from the clock. The seed is
    printed (as a TAP comment), so that a run that failed can be replayed
    with the same data: MB_SEED=N tests/integration/NAME.t."""
    import random
    seed = int(os.environ.get("MB_SEED") or time.time_ns() % 2**32)
    print("# MB_SEED=%d (set it to replay this run's random data)" % seed, flush=True)
    return random.Random(seed)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(args, input=None, env=None, timeout=60):
    """Runs the matchbooth binary; returns (rc, stdout, stderr) as text."""
    p = subprocess.run([BIN] + list(args), input=input, capture_output=True,
                       env=env, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


SHOW = """
[show.demo]
name = Demo Fair
timezone = Asia/Hong_Kong
country = HK
"""


class Daemon:
    """A matchbooth daemon on a temporary data directory.

    extra: more config text appended (sections); kiosk: more [kiosk] lines;
    env: extra environment variables for the daemon.
    """

    def __init__(self, extra="", kiosk="", env=None, show=SHOW, start=True):
        self.dir = tempfile.mkdtemp(prefix="mb-it-")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.conf = os.path.join(self.dir, "matchbooth.conf")
        self.log = os.path.join(self.dir, "daemon.log")
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.proc = None
        self.write_config(extra=extra, kiosk=kiosk, show=show)
        if start:
            self.start()

    def write_config(self, extra="", kiosk="", show=SHOW):
        with open(self.conf, "w") as f:
            f.write("[kiosk]\ndata_dir = %s\nshow = demo\n%s\n[ui]\nlisten = 127.0.0.1:%d\n%s\n%s\n"
                    % (self.data, kiosk, self.port, show, extra))

    @property
    def socket_path(self):
        return os.path.join(self.data, "control.sock")

    def start(self, wait=True):
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen([BIN, "run", "--config", self.conf],
                                     stdout=self.logf, stderr=self.logf, env=self.env,
                                     stdin=subprocess.DEVNULL)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("daemon exited with %s:\n%s" % (self.proc.returncode,
                                                                   self.read_log()))
            try:
                if self.request({"cmd": "ping"}).get("ok"):
                    return
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError("daemon not ready after %ss:\n%s" % (timeout, self.read_log()))

    def read_log(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_log(self, text, timeout=60, after=0):
        """Polls the daemon's log (from byte offset after) until text shows
        up; True if it did within timeout. A wait for an event, not a sleep."""
        deadline = time.time() + timeout
        while True:
            if text in self.read_log()[after:]:
                return True
            if time.time() > deadline:
                return False
            time.sleep(0.05)

    def children(self):
        """Pids of the daemon's child processes (an export, a download)."""
        pids = []
        try:
            for task in os.listdir("/proc/%d/task" % self.proc.pid):
                with open("/proc/%d/task/%s/children" % (self.proc.pid, task)) as f:
                    pids += [int(p) for p in f.read().split()]
        except OSError:
            pass
        return pids

    def request(self, obj, timeout=10):
        """One request on the control socket, raw (no CLI)."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(self.socket_path)
            s.sendall(json.dumps(obj).encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            return json.loads(data)
        finally:
            s.close()

    def cli(self, *args, input=None, timeout=60):
        return run(list(args) + ["--config", self.conf], input=input, env=self.env,
                   timeout=timeout)

    def capture(self, payload, *args):
        """matchbooth capture PAYLOAD; returns the printed JSON (raises on failure)."""
        if isinstance(payload, bytes):
            rc, out, err = self.cli("capture", "-", *args, input=payload)
        else:
            rc, out, err = self.cli("capture", payload, *args)
        if rc != 0:
            raise RuntimeError("capture failed (%d): %s" % (rc, err))
        return json.loads(out)

    def leads(self):
        rc, out, err = self.cli("leads", "--json")
        if rc != 0:
            raise RuntimeError("leads failed: %s" % err)
        return [json.loads(l) for l in out.splitlines() if l.strip()]

    def kill(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=20)
        if getattr(self, "logf", None):
            self.logf.close()
            self.logf = None
        return self.proc.returncode if self.proc else None

    def stop(self):
        return self.kill(signal.SIGTERM)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        if not os.environ.get("MB_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)
