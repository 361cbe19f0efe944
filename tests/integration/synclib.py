# SPDX-License-Identifier: Apache-2.0
# synclib — shared parts of the sync integration tests (tests/integration/sync_*.t):
#
#  * TAP output helpers;
#  * certificates made with the openssl CLI at test time (a CA, a server
#    certificate for localhost/127.0.0.1, and a second CA nobody trusts);
#  * RecordingServer: an HTTP(S) server on loopback (http.server + ssl) that
#    records every request, un-gzips bodies, checks HMAC-SHA256 signatures,
#    de-duplicates leads by id, serves files with ETag, and injects faults on
#    demand: 500, 503 + Retry-After, 429, 408, a connection reset in the
#    middle of the request body, a stalled response, 400 with a reason, an
#    accepted request whose answer is lost, and a certificate from an
#    untrusted CA;
#  * Daemon: `matchbooth run` in a temp dir, restartable, SIGKILL-able, with a
#    control-socket client for captures and sync commands.
import gzip
import hashlib
import hmac
import json
import os
import random
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# ---- TAP -----------------------------------------------------------------------

_n = 0
_failed = 0


def ok(cond, name):
    global _n, _failed
    _n += 1
    if not cond:
        _failed += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (_n, name), flush=True)
    return cond


def is_(got, want, name):
    r = ok(got == want, name)
    if not r:
        diag("got: %r" % (got,))
        diag("want: %r" % (want,))
    return r


def diag(msg):
    for line in str(msg).splitlines():
        print("# " + line, flush=True)


def done():
    print("1..%d" % _n, flush=True)
    sys.exit(1 if _failed else 0)


def wait_for(cond, timeout, step=0.05):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(step)
    return cond()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


# ---- certificates -------------------------------------------------------------------


def _run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_ca(d, name):
    key, crt = os.path.join(d, name + ".key"), os.path.join(d, name + ".pem")
    _run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=" + name,
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    return key, crt


def make_cert(d, name, ca_key, ca_crt):
    key, csr = os.path.join(d, name + ".key"), os.path.join(d, name + ".csr")
    crt, ext = os.path.join(d, name + ".pem"), os.path.join(d, name + ".ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    _run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
    _run("openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
         "-CAcreateserial", "-out", crt, "-days", "2", "-extfile", ext)
    return key, crt


def pubkey_pin(crt):
    """sha256//BASE64 of the certificate's SubjectPublicKeyInfo, as curl wants."""
    der = subprocess.run(["openssl", "x509", "-in", crt, "-pubkey", "-noout"], check=True,
                         capture_output=True).stdout
    spki = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=der,
                          check=True, capture_output=True).stdout
    import base64
    return "sha256//" + base64.b64encode(hashlib.sha256(spki).digest()).decode()


class Certs:
    def __init__(self, d):
        self.dir = d
        self.ca_key, self.ca = make_ca(d, "test-ca")
        self.key, self.crt = make_cert(d, "server", self.ca_key, self.ca)
        self.evil_ca_key, self.evil_ca = make_ca(d, "evil-ca")
        self.evil_key, self.evil_crt = make_cert(d, "evil", self.evil_ca_key, self.evil_ca)


# ---- the recording server ----------------------------------------------------------

FAULTS = ("500", "503", "429", "408", "reset", "stall", "400", "lost", "lost_reset")


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []  # dicts: method, path, headers, body (decoded), fault
        self.leads = {}  # id -> newest document
        self.deliveries = {}  # id -> number of times a document for it was accepted
        self.bad_signatures = 0
        self.faults = []  # queued faults for the next requests
        self.fault_path = ""  # faults hit only requests under this path
        self.chaos = 0.0  # probability of a random fault per request
        self.chaos_faults = FAULTS
        self.untrusted = False  # present the evil certificate
        self.impostor_conns = 0  # connections that got it
        self.secret = None
        self.secret_path = ""  # signatures are checked under this path
        self.sigv4 = None  # (access key, secret key): check AWS SigV4 on every request
        self.sigv4_bad = 0
        self.stall_s = 3.0
        self.retry_after = "1"
        self.files = {}  # path -> (bytes, etag)
        self.on_request = None  # hook(handler) called before a POST/PUT is answered
        self.inflight = 0
        self.rate = []  # arrival times


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        try:  # one segment per answer: no Nagle + delayed-ACK stalls
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def _reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _reset(self):
        # SO_LINGER 0: close sends a TCP RST, as a crashing peer or a middlebox would.
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            raw = self.connection
            if isinstance(raw, ssl.SSLSocket):
                raw = socket.socket(fileno=raw.detach())
            raw.close()
        except OSError:
            pass

    def do_GET(self):
        st = self.server.state
        with st.lock:
            st.requests.append({"method": "GET", "path": self.path,
                                "headers": dict(self.headers), "fault": None})
            f = st.files.get(self.path)
        if not f:
            return self._reply(404, b'{"message":"no such file"}')
        data, etag = f
        if self.headers.get("If-None-Match") == etag:
            return self._reply(304, b"", [("ETag", etag)])
        self._reply(200, data, [("ETag", etag), ("Content-Type", "application/json")])

    def do_PUT(self):
        self.do_POST()

    def do_POST(self):
        st = self.server.state
        with st.lock:
            if not self.path.startswith(st.fault_path):
                fault = None
            elif st.faults:
                fault = st.faults.pop(0)
            elif st.chaos and random.random() < st.chaos:
                fault = random.choice(st.chaos_faults)
            else:
                fault = None
            st.inflight += 1
            st.rate.append(time.time())
        try:
            self._handle(st, fault)
        finally:
            with st.lock:
                st.inflight -= 1

    def _handle(self, st, fault):
        n = int(self.headers.get("Content-Length") or 0)
        if fault == "reset":
            self.rfile.read(n // 2)
            with st.lock:
                st.requests.append({"method": self.command, "path": self.path, "fault": fault,
                                    "headers": dict(self.headers), "time": time.time()})
            return self._reset()
        raw = self.rfile.read(n)
        if st.on_request:
            st.on_request(self)
        if fault in ("500", "503", "429", "408", "400", "stall"):
            with st.lock:
                st.requests.append({"method": self.command, "path": self.path, "fault": fault,
                                    "headers": dict(self.headers), "time": time.time()})
            if fault == "stall":
                time.sleep(st.stall_s)
                return self._reset()
            if fault == "400":
                return self._reply(400, json.dumps(
                    {"message": "field 'email' is not valid (test fault)"}).encode(),
                    [("Content-Type", "application/json")])
            hdr = [("Retry-After", st.retry_after)] if fault in ("503", "429") else []
            return self._reply(int(fault), b'{"message":"try again"}', hdr)
        if st.sigv4 and not self._sigv4_ok(raw, *st.sigv4):
            with st.lock:
                st.sigv4_bad += 1
            return self._reply(403, b'{"message":"SignatureDoesNotMatch"}')
        body = raw
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(raw)
        sig_ok = None
        if st.secret is not None and self.path.startswith(st.secret_path):
            want = "sha256=" + hmac.new(st.secret.encode(), body, hashlib.sha256).hexdigest()
            sig_ok = hmac.compare_digest(want, self.headers.get("X-Matchbooth-Signature", ""))
            if not sig_ok:
                # Recorded too: a check over st.requests sees refused requests.
                with st.lock:
                    st.bad_signatures += 1
                    st.requests.append({"method": self.command, "path": self.path,
                                        "fault": None, "headers": dict(self.headers),
                                        "body": body, "raw_len": len(raw), "sig_ok": False,
                                        "time": time.time(), "leads": 0})
                return self._reply(401, b'{"message":"bad signature"}')
        docs = self._leads(body)
        with st.lock:
            st.requests.append({"method": self.command, "path": self.path, "fault": fault,
                                "headers": dict(self.headers), "body": body, "raw_len": len(raw),
                                "sig_ok": sig_ok, "time": time.time(), "leads": len(docs)})
            for d in docs:
                lid = d.get("id")
                if lid is None:
                    continue
                st.deliveries[lid] = st.deliveries.get(lid, 0) + 1
                old = st.leads.get(lid)
                if old is None or d.get("version", 0) >= old.get("version", 0):
                    st.leads[lid] = d
        if fault == "slow":  # processed, answered late (not in FAULTS: it is no failure)
            time.sleep(st.stall_s)
        if fault == "lost":  # processed, but the answer never arrives in one piece
            return self._reply(500, b'{"message":"answer lost"}')
        if fault == "lost_reset":
            return self._reset()
        self._reply(200, b'{"ok":true}', [("Content-Type", "application/json")])

    def _sigv4_ok(self, body, access, secret):
        """Checks AWS Signature Version 4 the way S3 does (header form)."""
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return False
        parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
        cred = parts["Credential"].split("/")
        if cred[0] != access or cred[4] != "aws4_request":
            return False
        payload = self.headers.get("x-amz-content-sha256", "")
        if payload != hashlib.sha256(body).hexdigest():
            return False
        signed = parts["SignedHeaders"].split(";")
        if "host" not in signed or "x-amz-date" not in signed:
            return False
        path, _, query = self.path.partition("?")
        q = "&".join(sorted(query.split("&"))) if query else ""
        canon = "\n".join([self.command, path, q]
                          + ["%s:%s" % (h, " ".join(self.headers.get(h, "").split()))
                             for h in signed]
                          + ["", ";".join(signed), payload])
        date = self.headers["x-amz-date"]
        scope = "/".join(cred[1:])
        sts = "\n".join(["AWS4-HMAC-SHA256", date, scope,
                         hashlib.sha256(canon.encode()).hexdigest()])
        k = ("AWS4" + secret).encode()
        for part in cred[1:]:
            k = hmac.new(k, part.encode(), hashlib.sha256).digest()
        want = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(want, parts["Signature"])

    def _leads(self, body):
        ctype = self.headers.get("Content-Type", "")
        if "ndjson" in ctype:
            return [json.loads(l) for l in body.decode().splitlines() if l.strip()]
        if "json" in ctype:
            o = json.loads(body)
            if isinstance(o, dict) and isinstance(o.get("leads"), list):
                return o["leads"]
        return []


class RecordingServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, certs=None, port=0):
        super().__init__(("127.0.0.1", port), Handler)
        self.state = State()
        self.certs = certs
        if certs:
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(certs.crt, certs.key)
            self.evil_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.evil_ctx.load_cert_chain(certs.evil_crt, certs.evil_key)
        self.conns = set()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.certs:
            ctx = self.evil_ctx if self.state.untrusted else self.ctx
            if self.state.untrusted:
                self.state.impostor_conns += 1
            # The handshake happens in the handler's thread (first read), so
            # a stalled client never blocks accept().
            sock = ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        with self.state.lock:
            self.conns.add(sock)
        return sock, addr

    def set_untrusted(self, on):
        """Switches the certificate new connections get, and drops the open
        ones so that the client has to shake hands again."""
        with self.state.lock:
            self.state.untrusted = on
            conns, self.conns = self.conns, set()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address):
        pass  # resets and aborted handshakes are part of the tests

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % ("https" if self.certs else "http", self.server_address[1])

    def close(self):
        self.shutdown()
        self.server_close()


# ---- the daemon ----------------------------------------------------------------------


class Daemon:
    def __init__(self, tmp, conf_extra, show="t1", wrapper=()):
        self.tmp = tmp
        self.wrapper = list(wrapper)
        self.env_extra = {}
        self.bin = os.path.join(os.environ.get("MB_BUILD", "build"), "matchbooth")
        self.data = os.path.join(tmp, "data")
        self.conf = os.path.join(tmp, "matchbooth.conf")
        self.log = open(os.path.join(tmp, "daemon.log"), "ab")
        with open(self.conf, "w") as f:
            f.write("[kiosk]\ndata_dir = %s\nshow = %s\ndevice_id = test-kiosk\nlog_level = %s\n\n"
                    "[ui]\nlisten = 127.0.0.1:%d\n\n[show.%s]\nname = Test show\n\n"
                    % (self.data, show, os.environ.get("MB_LOG", "info"), free_port(), show))
            f.write(conf_extra)
        self.proc = None
        self.sock = os.path.join(self.data, "control.sock")

    def start(self):
        # A proxy from the environment would carry loopback test traffic
        # elsewhere: the daemon sees only the proxies a test sets itself.
        env = {k: v for k, v in os.environ.items()
               if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
        env.update(self.env_extra)
        self.proc = subprocess.Popen(self.wrapper + [self.bin, "run", "--config", self.conf],
                                     stdout=self.log, stderr=self.log, env=env)
        if not wait_for(lambda: self._ping(), 60 if self.wrapper else 15):
            raise RuntimeError("daemon did not start; see %s/daemon.log" % self.tmp)

    def _ping(self):
        if self.proc.poll() is not None:
            raise RuntimeError("daemon exited with %s; see %s/daemon.log"
                               % (self.proc.returncode, self.tmp))
        try:
            return self.call({"cmd": "ping"}).get("ok")
        except OSError:
            return False

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60 if self.wrapper else 10)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode if self.proc else None

    def call(self, req, timeout=30):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(timeout)
        try:
            s.connect(self.sock)
            s.sendall(json.dumps(req).encode() + b"\n")
            buf = b""
            while not buf.endswith(b"\n"):
                c = s.recv(65536)
                if not c:
                    raise ConnectionResetError("daemon closed the connection")
                buf += c
            return json.loads(buf)
        finally:
            s.close()

    def cli(self, *args):
        return subprocess.run([self.bin] + list(args) + ["--config", self.conf],
                              capture_output=True, text=True, timeout=60)

    def leads(self):
        r = self.cli("leads", "--json")
        return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]

    def capture(self, payload):
        return self.call({"cmd": "capture", "payload": payload, "device": "test"})


class Capturer:
    """Captures many leads over one control connection (fast), reconnecting
    across daemon restarts and sending again a capture that got no answer."""

    def __init__(self, daemon):
        self.d = daemon
        self.s = None
        self.buf = b""
        self.acked = {}  # payload -> lead json

    def _conn(self):
        while True:
            try:
                s = socket.socket(socket.AF_UNIX)
                s.settimeout(30)
                s.connect(self.d.sock)
                return s
            except OSError:
                s.close()
                time.sleep(0.05)

    def capture(self, payload):
        while True:
            if self.s is None:
                self.s, self.buf = self._conn(), b""
            try:
                self.s.sendall(json.dumps({"cmd": "capture", "payload": payload,
                                           "device": "test"}).encode() + b"\n")
                while b"\n" not in self.buf:
                    c = self.s.recv(65536)
                    if not c:
                        raise ConnectionResetError()
                    self.buf += c
                line, self.buf = self.buf.split(b"\n", 1)
                r = json.loads(line)
                if r.get("ok"):
                    self.acked[payload] = r["lead"]
                    return r["lead"]
                raise RuntimeError(r.get("error"))
            except OSError:
                self.s.close()
                self.s = None
                time.sleep(0.05)


def mecard(i):
    return "MECARD:N:Tester%d,Jo;ORG:Acme %d;EMAIL:jo%d@example.com;UID:B%06d;;" % (i, i % 7, i, i)


def tmpdir(name):
    return tempfile.mkdtemp(prefix="mb-%s-" % name)
