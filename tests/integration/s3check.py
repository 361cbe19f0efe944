# SPDX-License-Identifier: Apache-2.0
# s3check — an S3 endpoint on loopback for the sync tests that checks every
# request's AWS Signature Version 4 with an implementation that is not ours:
# botocore's (Debian's python3-botocore), recomputing the canonical request,
# the string to sign and the signature from what the server received, the
# way S3 and MinIO do:
#
#  * the signed headers are the ones the Authorization header lists, with the
#    values that arrived; a listed header that did not arrive is refused,
#    except `expect`, which MinIO (cmd/signature-v4-utils.go,
#    extractSignedHeaders) takes as "100-continue" — so a client that signs
#    an empty Expect it never sends is refused here as MinIO refuses it;
#  * the canonical URI is the path as sent (S3 does not normalise it), the
#    payload hash is x-amz-content-sha256, which must be the body's SHA-256,
#    and x-amz-date must be within 15 minutes of now;
#  * the credential scope names the access key, the region and "s3".
#
# Objects are files under root/BUCKET/KEY (so a Hive-style key gives the
# directories DuckDB reads). PUT honours If-None-Match: * (412 when the key
# exists), GET returns an object. Faults on demand: "lost" stores the object
# and then resets the connection (the answer is lost), "500" refuses.
import datetime
import hashlib
import hmac
import os
import socket
import struct
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials


class _Signer(S3SigV4Auth):
    """botocore's S3 signer, told which headers the client signed (a server
    takes the client's SignedHeaders list; botocore's own client would never
    sign Expect)."""

    def __init__(self, access, secret, region, signed):
        super().__init__(Credentials(access, secret), "s3", region)
        self._signed = signed

    def headers_to_sign(self, request):
        hm = HTTPHeaders()
        for name, value in self._signed:
            hm[name] = value
        return hm


def verify(method, raw_path, headers, body, keys, now=None):
    """Returns None if the request's SigV4 signature is valid for one of
    keys ({access: secret}), else the reason it is refused."""
    auth = headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "no AWS4-HMAC-SHA256 Authorization"
    try:
        parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
        access, day, region, service, term = parts["Credential"].split("/")
        names = parts["SignedHeaders"].split(";")
        got_sig = parts["Signature"]
    except (KeyError, ValueError):
        return "malformed Authorization"
    if access not in keys:
        return "InvalidAccessKeyId"
    if service != "s3" or term != "aws4_request":
        return "bad credential scope"
    amz_date = headers.get("x-amz-date", "")
    try:
        t = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc)
    except ValueError:
        return "bad x-amz-date"
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if abs((now - t).total_seconds()) > 900 or amz_date[:8] != day:
        return "RequestTimeTooSkewed"
    if "host" not in names or "x-amz-date" not in names:
        return "host and x-amz-date must be signed"
    payload = headers.get("x-amz-content-sha256")
    if payload is None or "x-amz-content-sha256" not in names:
        return "x-amz-content-sha256 missing or unsigned"
    if payload != hashlib.sha256(body).hexdigest():
        return "XAmzContentSHA256Mismatch"
    signed = []
    for n in names:
        vals = headers.get_all(n) if hasattr(headers, "get_all") else None
        if not vals:
            if n == "expect":  # MinIO's rule: a signed Expect that did not come
                vals = ["100-continue"]
            else:
                return "signed header %s not in the request" % n
        for v in vals:
            signed.append((n, v))
    req = AWSRequest(method=method, url="http://%s%s" % (headers.get("Host", ""), raw_path),
                     data=body)
    req.headers["X-Amz-Content-SHA256"] = payload
    req.context["timestamp"] = amz_date
    signer = _Signer(access, keys[access], region, signed)
    canonical = signer.canonical_request(req)
    want = signer.signature(signer.string_to_sign(req, canonical), req)
    if not hmac.compare_digest(want, got_sig):
        return "SignatureDoesNotMatch"
    return None


class S3State:
    def __init__(self, root, keys):
        self.lock = threading.Lock()
        self.root = root
        self.keys = dict(keys)
        self.requests = []  # dicts: method, path, key, status, refused (reason), headers
        self.refused = []  # reasons
        self.faults = []  # queued for the next PUTs: "lost", "500"
        self.fault_prefix = ""  # faults hit only keys starting with this


def _xml_error(code, msg):
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
            "<Message>%s</Message></Error>" % (code, msg)).encode()


class S3Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _reply(self, code, body=b"", ctype="application/xml"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _reset(self):
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def _bucket_key(self):
        path = self.path.split("?", 1)[0]
        bucket, _, key = path.lstrip("/").partition("/")
        return urllib.parse.unquote(bucket), urllib.parse.unquote(key)

    def _file(self, bucket, key):
        full = os.path.normpath(os.path.join(self.server.state.root, bucket, key))
        if not full.startswith(os.path.normpath(self.server.state.root) + os.sep) or not key:
            return None
        return full

    def _check(self, body):
        st = self.server.state
        why = verify(self.command, self.path, self.headers, body, st.keys)
        bucket, key = self._bucket_key()
        rec = {"method": self.command, "path": self.path, "key": key, "bucket": bucket,
               "headers": dict(self.headers), "refused": why,
               "expect": self.headers.get("Expect"), "len": len(body)}
        with st.lock:
            st.requests.append(rec)
            if why:
                st.refused.append(why)
        return why, bucket, key, rec

    def do_GET(self):
        why, bucket, key, _ = self._check(b"")
        if why:
            return self._reply(403, _xml_error("SignatureDoesNotMatch", why))
        f = self._file(bucket, key)
        if not f or not os.path.isfile(f):
            return self._reply(404, _xml_error("NoSuchKey", "The specified key does not exist."))
        with open(f, "rb") as fh:
            self._reply(200, fh.read(), "application/octet-stream")

    def do_PUT(self):
        st = self.server.state
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        why, bucket, key, rec = self._check(body)
        if why:
            code = "InvalidAccessKeyId" if why == "InvalidAccessKeyId" else "SignatureDoesNotMatch"
            rec["status"] = 403
            return self._reply(403, _xml_error(code, why))
        f = self._file(bucket, key)
        if not f:
            rec["status"] = 400
            return self._reply(400, _xml_error("InvalidArgument", "bad key"))
        with st.lock:
            fault = st.faults.pop(0) if st.faults and key.startswith(st.fault_prefix) else None
            rec["fault"] = fault
            exists = os.path.exists(f)
            if fault == "500":
                rec["status"] = 500
            elif self.headers.get("If-None-Match") == "*" and exists:
                rec["status"] = 412
            else:
                os.makedirs(os.path.dirname(f), exist_ok=True)
                with open(f + ".part", "wb") as fh:
                    fh.write(body)
                os.replace(f + ".part", f)
                rec["status"] = 200
        if fault == "500":
            return self._reply(500, _xml_error("InternalError", "test fault"))
        if rec["status"] == 412:
            return self._reply(412, _xml_error("PreconditionFailed",
                                               "At least one of the pre-conditions you "
                                               "specified did not hold"))
        if fault == "lost":
            return self._reset()
        etag = '"%s"' % hashlib.md5(body).hexdigest()
        self.send_response(200)
        self.send_header("ETag", etag)
        self.send_header("Content-Length", "0")
        self.end_headers()


class S3CheckServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, root, keys):
        super().__init__(("127.0.0.1", 0), S3Handler)
        self.state = S3State(root, keys)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def handle_error(self, request, client_address):
        pass  # resets are part of the tests

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]

    def objects(self, bucket):
        """Every stored key of bucket."""
        base = os.path.join(self.state.root, bucket)
        out = []
        for d, _, files in os.walk(base):
            for f in files:
                if not f.endswith(".part"):
                    out.append(os.path.relpath(os.path.join(d, f), base))
        return sorted(out)

    def close(self):
        self.shutdown()
        self.server_close()
