#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# layout.t — the layout's rules (README.md, docs/ARCHITECTURE.md), checked on
# every source file of the tree:
#   - includes: drivers/, ui/ and sync/ include only firmware/ headers (not
#     firmware/app or firmware/cli) and their own folder, never each other;
#     within firmware/ only app/ and cli/ include drivers/, ui/ or sync/, and
#     only they include app/ or cli/ headers; firmware/base includes only base;
#     nothing outside firmware/store/ includes <sqlite3.h> or store_db.h;
#   - SQL only in firmware/store/: no sqlite3_ identifier (outside comments
#     and strings) in any .c/.h elsewhere (tests excepted);
#   - an SPDX line in the first three lines of every source file;
#   - no source file over 1,000 lines, no C function over 120 (a body runs
#     from a "{" at column 0 to the next "}" at column 0: clang-format's
#     Linux brace style).
# What breaks a rule today is listed below with who removes it (the branch
# that is moving that code) or why it stays (sync-split and ui-split are
# merged: their entries are gone). An entry that is no longer
# needed fails too: delete it when the branch is merged.
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MAX_FILE_LINES = 1000
MAX_FUNC_LINES = 120

# SQL outside firmware/store/ (the sqlite3_ identifiers, and <sqlite3.h> or
# store_db.h included): file -> the branch that moves it into the store.
SQL_ALLOW = {
}

# Files over 1,000 lines: file -> why (a branch name: it is splitting the file).
BIG_FILES = {
}

# C functions over 120 lines: "file:function" -> why.
LONG_FUNCS = {
    "tests/usb/emu.c:on_ioctl": "one switch over the USB ioctls the emulated devices answer",
    "tests/usb/test_usb.c:main": "a test's main: one linear script of checks",
    "tests/usb/test_daemon.c:main": "a test's main: one linear script of checks",
    "tests/unit/test_export.c:main": "a test's main: one linear script of checks",
    "tests/unit/test_card_fields.c:main": "a test's main: one linear script of checks",
    "tests/unit/test_card_service.c:main": "a test's main: one linear script of checks",
    "tests/unit/test_store.c:test_capture_and_merge": "one scenario: capture, re-scan, merge",
    "tests/bench/bench_capture.c:main": "a benchmark's main: setup, two measured loops, report",
}

SOURCE_EXT = {".c", ".h", ".py", ".pl", ".pm", ".t", ".sh", ".js", ".mjs", ".cjs", ".css",
              ".html", ".mk", ".service", ".socket", ".timer", ".path", ".rules"}
SOURCE_NAMES = {"Makefile"}
NOT_SOURCE_EXT = {".png", ".jpg", ".jpeg", ".pbm", ".bin", ".json", ".in", ".csv", ".md", ".svg",
                  ".txt", ".conf", ".supp", ".deb"}
C_AREAS = ("firmware/", "drivers/", "ui/", "sync/")

n = 0
failed = 0


def ok(cond, name, *diag):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, name), flush=True)
    if not cond:
        failed += 1
        for d in diag:
            for line in str(d).splitlines():
                print("#   " + line)
    return cond


def note(msg):
    for line in msg.splitlines():
        print("# " + line)


def listing(items, limit=40):
    items = list(items)
    more = ["... %d more" % (len(items) - limit)] if len(items) > limit else []
    return "\n".join(items[:limit] + more)


def tree_files():
    """Every file of the tree: tracked, plus new ones git does not ignore."""
    try:
        out = subprocess.run(["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], capture_output=True, check=True).stdout
        files = [f for f in out.decode().split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for d, subdirs, names in os.walk(ROOT):
            subdirs[:] = [s for s in subdirs if s not in (".git", "build", "var", "node_modules")]
            files += [os.path.relpath(os.path.join(d, x), ROOT) for x in names]
    return sorted(f for f in set(files) if os.path.isfile(os.path.join(ROOT, f))
                  and "/node_modules/" not in "/" + f)


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8", errors="replace") as f:
        return f.read()


def is_source(path):
    base = os.path.basename(path)
    ext = os.path.splitext(base)[1]
    if base in SOURCE_NAMES or ext in SOURCE_EXT:
        return True
    if ext in NOT_SOURCE_EXT or base.startswith("."):
        return False
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read(2) == b"#!"


def strip_c(text):
    """C text with comments and string/char literals blanked, lines kept."""
    out, i, n_ = [], 0, len(text)
    while i < n_:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n_ if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n_ if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n_ and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n_)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + c)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def includes(path, text):
    """(line, target, system) for each #include; quoted targets resolved to a
    path from the root when they name a file of the tree."""
    res = []
    for no, line in enumerate(text.splitlines(), 1):
        m = re.match(r'\s*#\s*include\s*([<"])([^>"]+)[>"]', line)
        if not m:
            continue
        target, system = m.group(2), m.group(1) == "<"
        if not system:
            local = os.path.normpath(os.path.join(os.path.dirname(path), target))
            if not os.path.exists(os.path.join(ROOT, target)) and \
                    os.path.exists(os.path.join(ROOT, local)):
                target = local
        res.append((no, target, system))
    return res


def area(path):
    """'drivers', 'ui', 'sync', 'firmware/<sub>', or None."""
    parts = path.split("/")
    if parts[0] in ("drivers", "ui", "sync"):
        return parts[0]
    if parts[0] == "firmware" and len(parts) > 2:
        return "firmware/" + parts[1]
    return None


files = tree_files()
sources = [f for f in files if is_source(f)]
c_files = [f for f in sources if f.endswith((".c", ".h"))]
product_c = [f for f in c_files if f.startswith(C_AREAS)]
texts = {f: read(f) for f in c_files}

# ---- includes -----------------------------------------------------------------

bad = {"outer": [], "firmware": [], "base": [], "root": [], "sql": []}
sql_files = {}
for f in product_c:
    mine = area(f)
    for no, target, system in includes(f, texts[f]):
        where = "%s:%d: %s" % (f, no, target)
        if system:
            if target == "sqlite3.h" and not f.startswith("firmware/store/"):
                sql_files.setdefault(f, []).append(where)
            continue
        theirs = area(target)
        if target == "firmware/store/store_db.h" and not f.startswith("firmware/store/"):
            sql_files.setdefault(f, []).append(where)
        if theirs is None:
            continue
        if mine in ("drivers", "ui", "sync"):
            if theirs != mine and not (theirs.startswith("firmware/")
                                       and theirs not in ("firmware/app", "firmware/cli")):
                bad["outer"].append(where)
        elif mine.startswith("firmware/"):
            if mine not in ("firmware/app", "firmware/cli"):
                if theirs in ("drivers", "ui", "sync"):
                    bad["firmware"].append(where)
                if theirs in ("firmware/app", "firmware/cli"):
                    bad["root"].append(where)
            if mine == "firmware/base" and theirs != "firmware/base":
                bad["base"].append(where)

ok(not bad["outer"], "includes: drivers/, ui/, sync/ include firmware/ headers (not app/, cli/) "
   "and their own folder only, never each other", listing(bad["outer"]))
ok(not bad["firmware"], "includes: in firmware/, only app/ and cli/ include drivers/, ui/ or sync/",
   listing(bad["firmware"]))
ok(not bad["root"], "includes: only firmware/app and firmware/cli include their headers "
   "(the composition root)", listing(bad["root"]))
ok(not bad["base"], "includes: firmware/base includes only firmware/base", listing(bad["base"]))

# ---- SQL only in firmware/store/ ------------------------------------------------

for f in c_files:
    if f.startswith(("firmware/store/", "tests/")):
        continue
    for no, line in enumerate(strip_c(texts[f]).splitlines(), 1):
        for m in re.finditer(r"\bsqlite3_\w*", line):
            sql_files.setdefault(f, []).append("%s:%d: %s" % (f, no, m.group(0)))
            break
unlisted = [w for f, ws in sorted(sql_files.items()) if f not in SQL_ALLOW for w in ws]
ok(not unlisted, "SQL only in firmware/store/: no sqlite3_ identifier, <sqlite3.h> or store_db.h "
   "elsewhere (tests excepted)",
   "new SQL outside the store: put it in a firmware/store/ module (store_db.h) behind a "
   "function with a contract\n" + listing(unlisted))
stale = ["%s (%s)" % (f, b) for f, b in sorted(SQL_ALLOW.items()) if f not in sql_files]
ok(not stale, "SQL allowlist: every entry still has SQL",
   "no SQL left in these (or gone): delete their SQL_ALLOW entries\n" + listing(stale))
for b in sorted(set(SQL_ALLOW.values())):
    mine = sorted(f for f, x in SQL_ALLOW.items() if x == b and f in sql_files)
    if mine:
        note("SQL allowed until %s is merged: %s" % (b, ", ".join(mine)))

# ---- SPDX ---------------------------------------------------------------------------

no_spdx = [f for f in sources
           if "SPDX-License-Identifier:" not in "\n".join(read(f).splitlines()[:3])]
ok(not no_spdx, "SPDX line in the first three lines of each of the %d source files" % len(sources),
   listing(no_spdx))

# ---- sizes --------------------------------------------------------------------------

big = {}
for f in sources:
    lines = len(read(f).splitlines())
    if lines > MAX_FILE_LINES:
        big[f] = lines
over = ["%s: %d lines" % (f, x) for f, x in sorted(big.items()) if f not in BIG_FILES]
ok(not over, "no source file over {:,} lines".format(MAX_FILE_LINES), listing(over))
stale = [f for f in sorted(BIG_FILES) if f not in big]
ok(not stale, "big-file exceptions: every entry still over %d lines" % MAX_FILE_LINES,
   "delete these BIG_FILES entries:\n" + listing(stale))
for f in sorted(set(big) & set(BIG_FILES)):
    note("allowed: %s, %d lines: %s" % (f, big[f], BIG_FILES[f]))


def functions(text):
    """(name, first line, body lines) of each function: "{" at column 0 to the
    next "}" at column 0; the name is the identifier before the first "(" of
    the lines above the "{" (the signature)."""
    lines = strip_c(text).splitlines()
    res, start = [], None
    for i, line in enumerate(lines):
        if line.startswith("{"):
            j = i - 1
            sig = []
            while j >= 0 and lines[j].strip() and not lines[j].rstrip().endswith((";", "}")) \
                    and not lines[j].startswith("#"):
                sig.insert(0, lines[j])
                j -= 1
            s = re.sub(r"__attribute__\s*\(\(.*?\)\)", " ", " ".join(sig))
            m = re.search(r"(\w+)\s*\(", s)
            start = (m.group(1) if m else "?", i + 1)
        elif line.startswith("}") and start:
            res.append((start[0], start[1], i + 1 - start[1] - 1))
            start = None
    return res


long_funcs = {}
for f in c_files:
    for name, line, body in functions(texts[f]):
        if body > MAX_FUNC_LINES:
            long_funcs["%s:%s" % (f, name)] = (line, body)
over = ["%s (line %d): %d lines" % (k, v[0], v[1]) for k, v in sorted(long_funcs.items())
        if k not in LONG_FUNCS]
ok(not over, "no C function over %d lines" % MAX_FUNC_LINES, listing(over))
stale = [k for k in sorted(LONG_FUNCS) if k not in long_funcs]
ok(not stale, "long-function exceptions: every entry still over %d lines" % MAX_FUNC_LINES,
   "delete these LONG_FUNCS entries:\n" + listing(stale))
for k in sorted(set(long_funcs) & set(LONG_FUNCS)):
    note("allowed: %s, %d lines: %s" % (k, long_funcs[k][1], LONG_FUNCS[k]))

# ---- the rules catch what they are for (so a green run means something) ------------

probe = 'static int f(void)\n{\n    /* sqlite3_exec in a comment */\n    return g("sqlite3_x");\n}\n'
ok(not re.search(r"\bsqlite3_", strip_c(probe)) and
   re.search(r"\bsqlite3_step", strip_c(probe.replace("return g", "return sqlite3_step"))),
   "the SQL scan skips comments and strings, and sees code")
body = "int main(void)\n{\n" + "    x();\n" * 121 + "}\nstatic void\nshort_one(int a,\n          int b)\n{\n}\n"
ok(functions(body) == [("main", 2, 121), ("short_one", 128, 0)],
   "the function scan measures bodies and finds names over several lines", functions(body))
ok(area("sync/sinks/s3.c") == "sync" and area("firmware/base/err.h") == "firmware/base",
   "sync/sinks/ counts as sync/; firmware subfolders are told apart")

print("1..%d" % n)
sys.exit(1 if failed else 0)
