#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Exports 100,000 leads (each with two answers, a consent, a note, a raw
# scan) in every format and prints wall time and peak RSS beside
# `sqlite3 -csv` dumping the leads table of the same database (the
# baseline, measured in the same run), and beside sqlite3 -csv of a query
# with the same information as our CSV (children folded in with
# group_concat). Target: our CSV no slower than the baseline.
# N=… overrides the number of leads.
set -eu
BIN=${MB_BUILD:-build}/matchbooth
N=${N:-100000}
T=$(mktemp -d /tmp/mb-bench-export-XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cat >"$T/mb.conf" <<CONF
[kiosk]
data_dir = $T/data
show = hkef
[show.hkef]
name = HK Electronics Fair
timezone = Asia/Hong_Kong
form = $ROOT/board/demo/form.json
CONF
mkdir -p "$T/data" "$T/out"
/usr/bin/python3 - "$N" >"$T/in.ndjson" <<'PY'
import json, sys
n = int(sys.argv[1])
t0 = 1795000000000
for i in range(n):
    ms = t0 + i * 2600
    print(json.dumps({
        "id": "01900000-0000-7000-8000-%012d" % i, "show": "hkef", "source": "scanner",
        "identity": "email:v%d@example.com" % i, "captured_at_ms": ms, "last_seen_at_ms": ms + 5000,
        "clock_trusted": True, "scan_count": 1 + i % 3, "format": "mecard",
        "full_name": "訪客 Visitor %d" % i, "given_name": "Visitor", "family_name": "%d" % i,
        "company": "Company %d, Ltd" % (i % 5000), "title": "Buyer",
        "emails": ["v%d@example.com" % i], "phones": ["+8529%07d" % i], "country": "HK",
        "answers": {"interest": ["audio", "power"], "volume": ["sample", "small", "large"][i % 3]},
        "consents": [{"purpose": "contact", "granted": True, "text_version": "2026-09-01",
                      "language": "en", "given_at_ms": ms}],
        "notes": [{"operator": "amy", "note": "met at booth", "rating": 1 + i % 5, "tags": ["vip"],
                   "updated_at_ms": ms}],
        "scans": [{"source": "scanner", "format": "mecard", "scanned_at_ms": ms,
                   "payload_base64": "TUVDQVJEOk46RG9lLEphbmU7RU1BSUw6amFuZUBhY21lLmV4YW1wbGU7Ow=="}],
    }, ensure_ascii=False))
PY
# Wall seconds, CPU seconds (user+sys) and peak RSS (KiB) of a command,
# best of $RUNS (the machine is shared; the fastest run is the least
# disturbed one): "secs cpu kib"
RUNS=${RUNS:-3}
measure() {
    best=
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -f "%e %U %S %M" -o "$T/time" "$@" >/dev/null 2>"$T/err" ||
            { cat "$T/err" >&2; exit 1; }
        read -r secs user sys kib <"$T/time"
        if [ -z "$best" ] || awk "BEGIN { exit !($secs < $best) }"; then
            best=$secs
            cpu=$(awk "BEGIN { printf \"%.2f\", $user + $sys }")
            rss=$kib
        fi
    done
    echo "$best $cpu $rss"
}
set -- $(RUNS=1 measure "$BIN" import --config "$T/mb.conf" "$T/in.ndjson")
echo "import of $N leads (NDJSON): $1 s, peak RSS $3 KiB"
DB="$T/data/leads.db"
set -- $(measure sh -c "sqlite3 -csv '$DB' 'SELECT * FROM leads ORDER BY captured_ms, id' >'$T/out/sqlite.csv'")
BASE=$1 BASECPU=$2
ratio() { awk "BEGIN { printf \"%.2f\", $1 / ($2 > 0 ? $2 : 0.01) }"; }
row() { # label wall cpu rss file
    printf '%-34s %7s %7s %7s %7s %10s %5s\n' "$1" "$2" "$(ratio "$2" "$BASE")" "$3" \
        "$(ratio "$3" "$BASECPU")" "$4" "$(du -m "$5" | cut -f1)"
}
printf '%-34s %7s %7s %7s %7s %10s %5s\n' "export of $N leads" wall "x" cpu "x" "RSS KiB" MB
row "sqlite3 -csv, leads table" "$1" "$2" "$3" "$T/out/sqlite.csv"
# The same information as our CSV (children folded in), done by sqlite3.
set -- $(measure sh -c "sqlite3 -csv '$DB' \"SELECT l.*, \
  (SELECT group_concat(question || '=' || value, '; ') FROM answers a WHERE a.lead_id = l.id), \
  (SELECT group_concat(purpose || ':' || granted || ':' || text_version || ':' || language, '; ') \
     FROM consents c WHERE c.lead_id = l.id), \
  (SELECT group_concat(operator || ':' || note || ':' || ifnull(rating, '') || ':' || tags, '; ') \
     FROM notes n WHERE n.lead_id = l.id), \
  (SELECT group_concat(sink || ':' || state, '; ') FROM outbox o WHERE o.lead_id = l.id) \
  FROM leads l WHERE l.show_id = 'hkef' ORDER BY l.id\" >'$T/out/sqlite-children.csv'")
row "sqlite3 -csv, leads + children" "$1" "$2" "$3" "$T/out/sqlite-children.csv"
for f in csv xlsx vcf ndjson; do
    set -- $(measure "$BIN" export --config "$T/mb.conf" --format $f --out "$T/out/leads.$f")
    row "matchbooth export --format $f" "$1" "$2" "$3" "$T/out/leads.$f"
done
