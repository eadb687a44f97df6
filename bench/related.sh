#!/bin/sh
# related.sh BIN - See-also engine figures on the Reuters-21578 corpus of
# ../shared (SHARED_DIR): import of all 19,043 articles plus computing all
# their lists (seconds), the peak memory of that run, and adding one
# article with the update of the lists it enters, p50 and p90 over 100
# additions to a database holding the other 18,943: warm (one process
# keeps the saved engine open, as a server would: `related --bench-add`)
# and cold (each a separate `dateline import` of one article, which loads
# the saved engine first).
set -eu
BIN=$(cd "$(dirname "${1:-build/dateline}")" && pwd)/$(basename "${1:-build/dateline}")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED_DIR:-$ROOT/../shared}
CORPUS=$SHARED/corpus/reuters21578.ninjs.jsonl
if [ ! -f "$CORPUS" ]; then
	echo "bench/related: $CORPUS is absent (set SHARED_DIR); skipped"
	exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
/usr/bin/time -v "$BIN" import --db "$TMP/all.db" "$CORPUS" > /dev/null 2> "$TMP/time.txt"
secs=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$TMP/time.txt" |
    awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/time.txt")
n=$(wc -l < "$CORPUS")
head -n $((n - 200)) "$CORPUS" > "$TMP/base.jsonl"
tail -n 200 "$CORPUS" | head -n 100 > "$TMP/warm.jsonl"
tail -n 100 "$CORPUS" | split -l 1 -a 3 - "$TMP/add."
"$BIN" import --db "$TMP/inc.db" "$TMP/base.jsonl" > /dev/null 2>&1
warm=$("$BIN" related --db "$TMP/inc.db" --bench-add "$TMP/warm.jsonl")
for f in "$TMP"/add.*; do
	s=$(date +%s%N)
	"$BIN" import --db "$TMP/inc.db" "$f" > /dev/null 2>&1
	e=$(date +%s%N)
	echo $(( (e - s) / 1000 ))
done | sort -n > "$TMP/add.txt"
p50=$(awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 1000 }' "$TMP/add.txt")
p90=$(awk '{ v[NR] = $1 } END { printf "%.1f", v[int(NR * 0.9)] / 1000 }' "$TMP/add.txt")
echo "related: import + all lists of $n Reuters articles: ${secs} s (goal < 60 s)"
echo "related: peak memory of that run: $((kb / 1024)) MB"
echo "related: add one article + update the lists it enters, warm (engine open): $warm (goal p50 < 50 ms)"
echo "related: the same, cold (one dateline import per article, engine loaded each time): p50 ${p50} ms, p90 ${p90} ms over 100"
