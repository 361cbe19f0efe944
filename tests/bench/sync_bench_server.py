#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# A minimal loopback webhook for bench_sync: answers 200 to every POST as fast
# as http.server can, counts bytes on the wire (request line, headers, body),
# optionally keeps each body in SAVE_DIR (for the curl CLI baseline), and on
# SIGTERM prints one JSON line: requests, bytes, leads and distinct lead ids.
import gzip
import json
import os
import signal
import socket
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

port_file, save_dir = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "")
stats = {"requests": 0, "body_bytes": 0, "header_bytes": 0}
bodies = []


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Without this, the answer's header and body go out as two segments
        # and Nagle + delayed ACK cost 40 ms per request, for any client.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        stats["requests"] += 1
        stats["body_bytes"] += len(body)
        stats["header_bytes"] += len(self.requestline) + 2 + len(bytes(self.headers))
        if save_dir:
            p = os.path.join(save_dir, "batch-%06d.body" % stats["requests"])
            with open(p, "wb") as f:
                f.write(body)
            bodies.append((p, self.headers.get("Content-Encoding")))
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")


srv = HTTPServer(("127.0.0.1", 0), H)


def finish(*_):
    ids, leads, plain = set(), 0, 0
    for p, enc in bodies:
        raw = open(p, "rb").read()
        body = gzip.decompress(raw) if enc == "gzip" else raw
        plain += len(body)
        doc = json.loads(body)
        for lead in doc["leads"]:
            ids.add(lead["id"])
            leads += 1
    stats["leads"], stats["distinct"], stats["plain_bytes"] = leads, len(ids), plain
    stats["gzip"] = bool(bodies) and all(enc == "gzip" for _, enc in bodies)
    print(json.dumps(stats), flush=True)
    os._exit(0)


signal.signal(signal.SIGTERM, finish)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
