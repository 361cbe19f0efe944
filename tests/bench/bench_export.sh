#!/bin/sh
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
# seconds and peak RSS (KiB) of a command: "secs kib"
measure() {
    /usr/bin/time -f "%e %M" -o "$T/time" "$@" >/dev/null 2>"$T/err" || { cat "$T/err" >&2; exit 1; }
    cat "$T/time"
}
set -- $(measure "$BIN" import --config "$T/mb.conf" "$T/in.ndjson")
echo "import of $N leads (NDJSON): $1 s, peak RSS $2 KiB"
DB="$T/data/leads.db"
set -- $(measure sh -c "sqlite3 -csv '$DB' 'SELECT * FROM leads ORDER BY captured_ms, id' >'$T/out/sqlite.csv'")
BASE=$1
printf '%-34s %8s %8s %12s %6s\n' "export of $N leads" seconds "x sqlite3" "peak RSS KiB" "MB"
printf '%-34s %8s %8s %12s %6s\n' "sqlite3 -csv, leads table" "$1" "1.00" "$2" \
    "$(du -m "$T/out/sqlite.csv" | cut -f1)"
# The same information as our CSV (children folded in), done by sqlite3.
set -- $(measure sh -c "sqlite3 -csv '$DB' \"SELECT l.*, \
  (SELECT group_concat(question || '=' || value, '; ') FROM answers a WHERE a.lead_id = l.id), \
  (SELECT group_concat(purpose || ':' || granted || ':' || text_version || ':' || language, '; ') \
     FROM consents c WHERE c.lead_id = l.id), \
  (SELECT group_concat(operator || ':' || note || ':' || ifnull(rating, '') || ':' || tags, '; ') \
     FROM notes n WHERE n.lead_id = l.id), \
  (SELECT group_concat(sink || ':' || state, '; ') FROM outbox o WHERE o.lead_id = l.id) \
  FROM leads l WHERE l.show_id = 'hkef' ORDER BY l.id\" >'$T/out/sqlite-children.csv'")
printf '%-34s %8s %8s %12s %6s\n' "sqlite3 -csv, leads + children" "$1" \
    "$(awk "BEGIN { printf \"%.2f\", $1 / ($BASE > 0 ? $BASE : 0.01) }")" "$2" \
    "$(du -m "$T/out/sqlite-children.csv" | cut -f1)"
for f in csv xlsx vcf ndjson; do
    set -- $(measure "$BIN" export --config "$T/mb.conf" --format $f --out "$T/out/leads.$f")
    printf '%-34s %8s %8s %12s %6s\n' "matchbooth export --format $f" "$1" \
        "$(awk "BEGIN { printf \"%.2f\", $1 / ($BASE > 0 ? $BASE : 0.01) }")" "$2" \
        "$(du -m "$T/out/leads.$f" | cut -f1)"
done
