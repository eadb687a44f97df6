#!/usr/bin/env bash
# bench/search.sh - full-text search speed. On this machine, loopback only:
#   1. the Reuters-21578 corpus and the three multilingual samples
#      ($SHARED_DIR/corpus, about 37,000 articles) imported into a temporary
#      database (the import indexes as it goes), then the index rebuilt from
#      scratch with `dateline search --rebuild` (index build time), and the
#      database size;
#   2. $BENCH_SEARCH_N (1,000) queries drawn from the corpus vocabulary
#      (words and two-character strings of random articles: one word, two
#      words, or a two-word phrase), each sent twice over one keep-alive
#      connection: to /api/v1/search (10 results with snippets, JSON) and to
#      the search page (20 results with snippets, HTML); p50 and p99;
#   3. the same with $BENCH_SEARCH_GEN (200,000) generated articles
#      (bench/gen_search_corpus.py: Zipf-distributed vocabulary).
# Environment: SHARED_DIR (default ../shared), BUILD (default build),
# DATELINE_BIN (benchmark this binary instead of building), BENCH_SEARCH_N,
# BENCH_SEARCH_GEN (0 skips step 3), BENCH_SEARCH_REAL_MODE ("import", the
# default, or "load": see run_set). The generated set is loaded with
# bench/search_load.py: `dateline import` would spend most of an hour on
# See-also lists at 200,000 articles.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

export SHARED_DIR=${SHARED_DIR:-$(cd .. && pwd)/shared}
build=${BUILD:-build}
nq=${BENCH_SEARCH_N:-1000}
ngen=${BENCH_SEARCH_GEN:-200000}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dateline-search-bench.XXXXXX")
. bench/lib.sh
dl_pid=""
cleanup() {
	stop_pid "$dl_pid"
	dl_pid=""
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_binary

since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.0f MB", b / 1048576 }'; }

# run_set NAME CORPUS MODE: MODE "import" loads with `dateline import`
# (indexing as it goes, then the See-also lists), "load" with
# bench/search_load.py (rows only: see there why); then the index rebuild,
# size and queries. Appends to $tmp/summary.
run_set() {
	local name=$1 corpus=$2 mode=$3 db=$tmp/db-$$.db n t import_s rebuild_s out
	n=$(wc -l <"$corpus")
	echo
	echo "== $name: $n articles"
	t=$(now)
	if [ "$mode" = import ]; then
		"$bin" import --db "$db" "$corpus" >"$tmp/import.log" 2>&1 || { tail -n 5 "$tmp/import.log"; echo "bench: import failed" >&2; return 1; }
		import_s=$(since "$t")
		tail -n 1 "$tmp/import.log"
		echo "dateline import (search index and See-also lists included): ${import_s} s"
	else
		"$bin" search --db "$db" --rebuild >/dev/null 2>&1   # creates the schema
		"$python" bench/search_load.py "$db" "$corpus"
		import_s=$(since "$t")
		echo "bench/search_load.py (rows only): ${import_s} s"
	fi
	t=$(now)
	"$bin" search --db "$db" --rebuild
	rebuild_s=$(since "$t")
	echo "index rebuild (dateline search --rebuild, whole run): ${rebuild_s} s"
	"$python" - "$db" <<-'EOF' || true
	import sqlite3, sys
	c = sqlite3.connect(sys.argv[1])
	print("index: %d rows; database %.0f MB (pages: %d x %d bytes)" % (
	    c.execute("SELECT count(*) FROM search_fts").fetchone()[0],
	    c.execute("PRAGMA page_count").fetchone()[0] * c.execute("PRAGMA page_size").fetchone()[0] / 1048576,
	    c.execute("PRAGMA page_count").fetchone()[0], c.execute("PRAGMA page_size").fetchone()[0]))
	EOF
	"$bin" search --db "$db" --limit 1 x >/dev/null 2>&1 || true   # checkpoint the WAL
	local size
	size=$(mb "$db")
	port=$(free_port)
	"$bin" serve --db "$db" --listen "127.0.0.1:$port" >"$tmp/serve.log" 2>&1 &
	dl_pid=$!
	wait_port "$port" "$dl_pid" "$tmp/serve.log" 600
	out=$("$python" - "$port" "$corpus" "$nq" "$dl_pid" <<-'EOF'
	import http.client, json, os, random, re, sys, time, urllib.parse
	port, corpus, n, pid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
	def cpu_ms():   # the server's user + system CPU time
	    f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
	    return (int(f[11]) + int(f[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")
	rng = random.Random(1000)
	lines = open(corpus, encoding="utf-8").read().splitlines()
	editions = {"en", "it", "es", "zh"}
	cjk = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]{2,}")
	latin = re.compile(r"[^\W\d_]{4,}")
	queries = []
	while len(queries) < n:
	    d = json.loads(rng.choice(lines))
	    lang = d.get("language", "en")
	    text = d["headlines"][0]["value"] + " " + " ".join(b["value"] for b in d.get("bodies", []))
	    if lang in ("zh", "ja"):
	        runs = cjk.findall(text)
	        if not runs:
	            continue
	        words = []
	        for _ in range(2):
	            r = rng.choice(runs)
	            i = rng.randrange(len(r) - 1)
	            words.append(r[i:i + 2])
	    else:
	        words = latin.findall(text)
	        if len(words) < 2:
	            continue
	    k = rng.random()
	    if k < 0.7:
	        qs = rng.choice(words)
	    elif k < 0.9 or lang in ("zh", "ja"):
	        qs = "%s %s" % (rng.choice(words), rng.choice(words))
	    else:
	        i = rng.randrange(len(words) - 1)
	        qs = '"%s %s"' % (words[i], words[i + 1])
	    queries.append((qs, lang if lang in editions else None))
	c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
	def run(kind):
	    times, bad, hits = [], 0, 0
	    cpu0 = cpu_ms()
	    for qs, lang in queries:
	        if kind == "api":
	            path = "/api/v1/search?limit=10&q=" + urllib.parse.quote(qs) + ("&lang=" + lang if lang else "")
	        else:
	            path = ("/%s/search?q=" % lang if lang else "/search?q=") + urllib.parse.quote(qs)
	        t = time.perf_counter()
	        c.request("GET", path)
	        r = c.getresponse()
	        body = r.read()
	        times.append((time.perf_counter() - t) * 1000)
	        if r.status not in (200, 400):
	            bad += 1
	        elif kind == "api" and r.status == 200 and json.loads(body)["total"] > 0:
	            hits += 1
	    cpu = (cpu_ms() - cpu0) / len(times)
	    times.sort()
	    q = lambda p: times[min(len(times) - 1, int(round(p / 100 * (len(times) - 1))))]
	    print("%-4s %d queries: p50 %.2f ms, p99 %.2f ms, max %.2f ms, mean %.2f ms, server CPU %.2f ms/query%s%s" % (
	        kind, len(times), q(50), q(99), times[-1], sum(times) / len(times), cpu,
	        (", %d with results" % hits) if kind == "api" else "", (", %d errors" % bad) if bad else ""))
	    print("%s_P50=%.2f %s_P99=%.2f" % (kind.upper(), q(50), kind.upper(), q(99)))
	run("api")
	run("page")
	EOF
	) || out="queries: the client failed"
	stop_pid "$dl_pid"; dl_pid=""
	grep -v '_P50=' <<<"$out"
	local ap50 ap99 pp50 pp99
	ap50=$(sed -n 's/^API_P50=\([^ ]*\) .*/\1/p' <<<"$out")
	ap99=$(sed -n 's/^API_P50=.* API_P99=\(.*\)/\1/p' <<<"$out")
	pp50=$(sed -n 's/^PAGE_P50=\([^ ]*\) .*/\1/p' <<<"$out")
	pp99=$(sed -n 's/^PAGE_P50=.* PAGE_P99=\(.*\)/\1/p' <<<"$out")
	printf '%-28s %8s %9s %9s  api p50 %6s p99 %6s ms  page p50 %6s p99 %6s ms\n' "$name" "$n" \
	    "${import_s}s" "${rebuild_s}s" "${ap50:-n/a}" "${ap99:-n/a}" "${pp50:-n/a}" "${pp99:-n/a}" >>"$tmp/summary"
	printf '%-28s %8s db %s\n' "" "" "$size" >>"$tmp/summary"
	rm -f "$db" "$db-wal" "$db-shm"
}

# --- 1. the shared corpora ---
real=$tmp/real.jsonl
if [ -f "$SHARED_DIR/corpus/reuters21578.ninjs.jsonl" ]; then
	"$python" - "$SHARED_DIR/corpus" "$real" "$root/tests/http" <<-'EOF'
	import os, sys
	sys.path.insert(0, sys.argv[3])
	import search_corpus
	src, dst = sys.argv[1], sys.argv[2]
	n = 0
	with open(dst, "w", encoding="utf-8") as out:
	    for rel in ("reuters21578.ninjs.jsonl", "multilingual/zh-thucnews.ninjs.jsonl",
	                "multilingual/ja-livedoor.ninjs.jsonl", "multilingual/it-dice.ninjs.jsonl"):
	        p = os.path.join(src, rel)
	        if os.path.exists(p):
	            search_corpus.prepare(p, dst + ".part")
	            with open(dst + ".part", encoding="utf-8") as f:
	                for line in f:
	                    out.write(line)
	                    n += 1
	os.remove(dst + ".part")
	print("corpus: %d articles (Reuters-21578, zh-thucnews, ja-livedoor, it-dice)" % n)
	EOF
	run_set "shared corpora" "$real" "${BENCH_SEARCH_REAL_MODE:-import}"
	rm -f "$real"
else
	echo "bench: $SHARED_DIR/corpus absent; skipping the real corpora"
fi

# --- 2. generated ---
if [ "$ngen" -gt 0 ]; then
	gen=$tmp/gen.jsonl
	t=$(now)
	"$python" bench/gen_search_corpus.py "$ngen" >"$gen"
	echo
	echo "generated $ngen articles in $(since "$t") s ($(mb "$gen"))"
	run_set "generated" "$gen" load
	rm -f "$gen"
fi

echo
echo "== summary (load: dateline import or bench/search_load.py; rebuild: the search index alone)"
printf '%-28s %8s %9s %9s\n' corpus articles load rebuild
cat "$tmp/summary"
echo "goals at 200,000 articles: p50 < 2 ms, p99 < 20 ms, index build < 2 min"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (latency is wall clock; the server CPU per query above is not shared)"
