#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""slip.t — the printed slips checked without our printer code.

tests/usb/test_usb.c compares what the emulated printers receive with
tests/usb/expected/slip_native.bin and slip_raster.bin byte for byte; a
golden file only says "the same as last time". This test says what those
bytes mean, with an ESC/POS reader of its own (written from Epson's command
reference, sharing nothing with drivers/slip.c): every command is known and
complete, the text is the slip test_usb.c prints (its slip_json) in the code
page the slip selects, the native QR commands (GS ( k) store and print each
supplier's URL, and the raster images (GS v 0) decode with zbarimg (zbar, an
independent QR reader) to the same URLs.

usage: slip.t [NATIVE.bin RASTER.bin]   (default: the committed goldens;
tests/usb/update-expected.sh passes newly printed slips before accepting them)
"""

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import mbtest  # noqa: E402

t = mbtest.TAP()
native_path, raster_path = (sys.argv[1:3] if len(sys.argv) == 3 else
                            [os.path.join(HERE, "expected", n)
                             for n in ("slip_native.bin", "slip_raster.bin")])

# What test_usb.c's slip_json asks for: the show, the greeting, five of the
# six suppliers (slip_suppliers = 5), the footer. Text the printer's code
# page cannot show becomes "?"; the ESC inside "Evil\x1b@ Corp" is dropped.
TITLE = "Hong Kong Electronics Fair"
GREETING = "Danke, Zoë Müller!"
SUPPLIERS = [("Müller Sensorik GmbH", "https://example.com/s/mueller"),
             ("???? Lee Trading", "https://example.com/s/lee"),
             ("Evil@ Corp", "https://example.com/s/evil"),
             ("No URL Ltd", None),
             ("Fifth", "https://example.com/s/5")]
FOOTER = "matchbooth • thank you"

# ESC t n: the character code tables a slip may select, as Python codecs.
CODE_PAGES = {0: "cp437", 2: "cp850", 16: "cp1252", 19: "cp858"}


class Slip:
    """What a printer would do with the bytes: text lines with their
    attributes, QR codes stored and printed, raster images, the cut."""

    def __init__(self, data):
        self.data = data
        self.errors = []  # malformed or unknown commands, stray bytes
        self.events = []  # ("line", text, bold, size, align) | ("qr", data) | ("image", w, h, bits) | ("cut",)
        self.status_queries = 0
        self.inits = 0
        self.code_page = "cp437"
        self.bold, self.size, self.align = False, 0, 0
        self.line = bytearray()
        self.qr = {}
        self._parse()

    def need(self, i, n, what):
        if i + n > len(self.data):
            self.errors.append("%s at %d: truncated (needs %d bytes)" % (what, i, n))
            return False
        return True

    def _parse(self):
        d, i = self.data, 0
        while i < len(d):
            b = d[i]
            if b == 0x0A:  # LF: print the line
                self.events.append(("line", bytes(self.line).decode(self.code_page), self.bold,
                                    self.size, self.align))
                self.line = bytearray()
                i += 1
            elif b == 0x10:
                i = self._dle(i)
            elif b == 0x1B:
                i = self._esc(i)
            elif b == 0x1D:
                i = self._gs(i)
            elif b < 0x20 or b == 0x7F:
                self.errors.append("stray control byte 0x%02x at %d" % (b, i))
                i += 1
            else:
                self.line.append(b)
                i += 1
        if self.line:
            self.errors.append("text at the end not ended by LF: %r" % bytes(self.line))

    def _dle(self, i):
        # DLE EOT n: real-time status request (n = 1..4).
        if self.need(i, 3, "DLE") and self.data[i + 1] == 0x04 and self.data[i + 2] in (1, 2, 3, 4):
            self.status_queries += 1
            return i + 3
        self.errors.append("unknown DLE command at %d: %s" % (i, self.data[i:i + 3].hex()))
        return i + 1

    def _esc(self, i):
        d = self.data
        if not self.need(i, 2, "ESC"):
            return len(d)
        c = d[i + 1]
        if c == 0x40:  # ESC @: initialise
            if self.line:
                self.errors.append("ESC @ at %d drops unprinted text" % i)
            self.inits += 1
            self.code_page, self.bold, self.size, self.align = "cp437", False, 0, 0
            return i + 2
        if c in (0x74, 0x61, 0x45) and self.need(i, 3, "ESC %c" % c):
            n = d[i + 2]
            if c == 0x74:  # ESC t n: code table
                if n not in CODE_PAGES:
                    self.errors.append("ESC t %d at %d: code table not known here" % (n, i))
                else:
                    self.code_page = CODE_PAGES[n]
            elif c == 0x61:  # ESC a n: justification
                if n not in (0, 1, 2, 48, 49, 50):
                    self.errors.append("ESC a %d at %d: no such justification" % (n, i))
                self.align = n % 48
            else:  # ESC E n: emphasis, bit 0
                self.bold = bool(n & 1)
            return i + 3
        self.errors.append("unknown ESC command at %d: %s" % (i, d[i:i + 3].hex()))
        return i + 2

    def _gs(self, i):
        d = self.data
        if not self.need(i, 2, "GS"):
            return len(d)
        c = d[i + 1]
        if c == 0x21 and self.need(i, 3, "GS !"):  # GS ! n: character size
            n = d[i + 2]
            if (n & 0x0F) > 7 or (n >> 4) > 7:
                self.errors.append("GS ! 0x%02x at %d: size out of range" % (n, i))
            self.size = n
            return i + 3
        if c == 0x56 and self.need(i, 3, "GS V"):  # GS V m [n]: cut
            m = d[i + 2]
            if m in (0, 1, 48, 49):
                self.events.append(("cut",))
                return i + 3
            if m in (65, 66, 97, 98, 103, 104) and self.need(i, 4, "GS V m n"):
                self.events.append(("cut",))
                return i + 4
            self.errors.append("GS V %d at %d: no such cut" % (m, i))
            return i + 3
        if c == 0x28 and self.need(i, 5, "GS (") and d[i + 2] == 0x6B:  # GS ( k
            return self._gs_k(i)
        if c == 0x76 and self.need(i, 8, "GS v 0") and d[i + 2] in (0x30, 0):  # GS v 0
            m, w, h = d[i + 3], d[i + 4] | d[i + 5] << 8, d[i + 6] | d[i + 7] << 8
            if m not in (0, 1, 2, 3, 48, 49, 50, 51) or not w or not h:
                self.errors.append("GS v 0 at %d: m=%d, %d x %d" % (i, m, w, h))
            if not self.need(i, 8 + w * h, "GS v 0 image"):
                return len(d)
            if self.line:
                self.errors.append("image at %d in the middle of a text line" % i)
            self.events.append(("image", w, h, bytes(d[i + 8:i + 8 + w * h])))
            return i + 8 + w * h
        self.errors.append("unknown GS command at %d: %s" % (i, d[i:i + 3].hex()))
        return i + 2

    def _gs_k(self, i):
        """GS ( k pL pH cn fn [params]: here only the QR code (cn 49)."""
        d = self.data
        n = d[i + 3] | d[i + 4] << 8
        if n < 2 or not self.need(i, 5 + n, "GS ( k"):
            self.errors.append("GS ( k at %d: length %d" % (i, n))
            return len(d)
        cn, fn, p = d[i + 5], d[i + 6], d[i + 7:i + 5 + n]
        if cn != 49:
            self.errors.append("GS ( k at %d: symbol %d is not a QR code" % (i, cn))
        elif fn == 65:  # model: n1 (49, 50, 51), n2 = 0
            if len(p) != 2 or p[0] not in (49, 50, 51) or p[1] != 0:
                self.errors.append("QR model at %d: %s" % (i, p.hex()))
            self.qr["model"] = p[0] - 48 if p else None
        elif fn == 67:  # module size 1..16
            if len(p) != 1 or not 1 <= p[0] <= 16:
                self.errors.append("QR module size at %d: %s" % (i, p.hex()))
            self.qr["size"] = p[0] if p else None
        elif fn == 69:  # error correction 48..51 (L, M, Q, H)
            if len(p) != 1 or not 48 <= p[0] <= 51:
                self.errors.append("QR error correction at %d: %s" % (i, p.hex()))
            self.qr["ecc"] = "LMQH"[p[0] - 48] if p and 48 <= p[0] <= 51 else None
        elif fn == 80:  # store: m = 48, then the data
            if len(p) < 2 or p[0] != 48 or len(p) - 1 > 7089:
                self.errors.append("QR store at %d: m=%s, %d bytes" % (i, p[:1].hex(), len(p) - 1))
            self.qr["data"] = bytes(p[1:])
        elif fn == 81:  # print the stored symbol: m = 48
            if len(p) != 1 or p[0] != 48:
                self.errors.append("QR print at %d: %s" % (i, p.hex()))
            if self.line:
                self.errors.append("QR at %d in the middle of a text line" % i)
            if "data" not in self.qr:
                self.errors.append("QR print at %d with nothing stored" % i)
            self.events.append(("qr", dict(self.qr)))
            self.qr.pop("data", None)
        else:
            self.errors.append("GS ( k at %d: QR function %d not expected on a slip" % (i, fn))
        return i + 5 + n

    def lines(self):
        return [e for e in self.events if e[0] == "line"]

    def texts(self):
        """Non-empty lines, in order."""
        return [e[1] for e in self.lines() if e[1]]


def check_common(name, s):
    t.is_(s.errors, [], "%s: every command known and complete, no stray byte" % name)
    t.ok(s.inits >= 1 and s.code_page == "cp1252",
         "%s: initialised, code page WPC1252 selected (ESC t 16)" % name)
    want = [TITLE, GREETING] + [n for n, _ in SUPPLIERS] + [FOOTER]
    t.is_(s.texts(), want, "%s: the text is the slip's: show, greeting, five suppliers, footer"
          % name)
    title = next((e for e in s.lines() if e[1] == TITLE), None)
    t.ok(title and title[3] == 0x11 and title[4] == 1,
         "%s: the show's name in double width and height, centred" % name)
    bold = [e[1] for e in s.lines() if e[2]]
    t.is_(bold, [n for n, _ in SUPPLIERS], "%s: the supplier names, and only they, in bold" % name)
    t.ok(s.events and s.events[-1] == ("cut",), "%s: ends with a cut" % name)
    t.ok(b"\x1b@ Corp" not in s.data and b"Sixth" not in s.data,
         "%s: no ESC smuggled from a name, no sixth supplier" % name)


def codes_after_names(s, kind):
    """For each supplier name line: the code(s) of the given kind that follow
    it before the next text line."""
    out, cur = [], None
    for e in s.events:
        if e[0] == "line" and e[1]:
            cur = None
            if e[2]:  # a bold line: a supplier
                cur = []
                out.append(cur)
        elif e[0] == kind and cur is not None:
            cur.append(e)
    return out


def zbar(w, h, bits, tmp, k):
    """Decodes a GS v 0 image (w bytes x h rows, 1 = black) with zbarimg."""
    path = os.path.join(tmp, "qr%d.pbm" % k)
    with open(path, "wb") as f:
        f.write(b"P4\n%d %d\n" % (w * 8, h) + bits)
    r = subprocess.run(["zbarimg", "--nodbus", "-q", "--raw", path], capture_output=True)
    return r.stdout.decode("utf-8", "replace").strip()


for path in (native_path, raster_path):
    if not os.path.exists(path):
        print("Bail out! %s is missing" % path)
        sys.exit(1)

with open(native_path, "rb") as f:
    native = Slip(f.read())
check_common("native QR slip", native)
t.ok(native.status_queries >= 1 and native.data.startswith(b"\x10\x04"),
     "native QR slip: asks the printer's status (DLE EOT) before printing")
per_name = codes_after_names(native, "qr")
t.is_([[q[1]["data"].decode() for q in qs] for qs in per_name],
      [[u] if u else [] for _, u in SUPPLIERS],
      "native QR slip: each supplier with a URL gets one QR code storing exactly that URL")
qrs = [e[1] for e in native.events if e[0] == "qr"]
t.ok(qrs and all(q.get("model") == 2 and q.get("size") and q.get("ecc") for q in qrs),
     "native QR slip: every QR sets model 2, a module size and error correction (%s)"
     % ", ".join("%s/%s/%s" % (q.get("model"), q.get("size"), q.get("ecc")) for q in qrs))

with open(raster_path, "rb") as f:
    raster = Slip(f.read())
check_common("raster QR slip", raster)
t.ok(not any(e[0] == "qr" for e in raster.events) and raster.status_queries == 0,
     "raster QR slip: no native QR command, no status query (the printer has neither)")
images = codes_after_names(raster, "image")
t.is_([len(x) for x in images], [1 if u else 0 for _, u in SUPPLIERS],
      "raster QR slip: one image after each supplier with a URL")
if not shutil.which("zbarimg"):
    t.ok(False, "zbarimg (zbar-tools) is installed: it decodes the raster QR codes")
else:
    tmp = tempfile.mkdtemp(prefix="mb-slip-")
    flat = [e for x in images for e in x]
    got = [zbar(e[1], e[2], e[3], tmp, k) for k, e in enumerate(flat)]
    t.is_(got, [u for _, u in SUPPLIERS if u],
          "raster QR slip: zbarimg decodes each image to its supplier's URL")
    t.ok(all(e[1] * 8 <= 576 for e in flat),
         "raster QR slip: images fit an 80 mm printer's 576 dots (%s)"
         % ", ".join("%dx%d" % (e[1] * 8, e[2]) for e in flat))
    shutil.rmtree(tmp, ignore_errors=True)
t.done()
