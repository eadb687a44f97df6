#!/usr/bin/env bash
# bench/pg.sh - the same site on SQLite and on PostgreSQL, side by side. On
# this machine, loopback only:
#   1. the Reuters-21578 corpus ($SHARED_DIR/corpus, or 19,043 generated
#      articles from bench/gen_corpus.py) imported with `dateline import`
#      into a SQLite file (or $BENCH_SQLITE_DB, already imported, as
#      bench/run.sh passes it with its import time in
#      $BENCH_SQLITE_IMPORT_S) and into a PostgreSQL database on a private
#      server (scripts/pg.sh: fsync off, like the tests' servers), timed,
#      then dropped; then `dateline migrate` of the SQLite site into an
#      empty PostgreSQL database (timed): that copy is the one measured, so
#      that both stores hold the very same site, See-also lists included;
#   2. for each store, `dateline serve --no-cache`: $BENCH_PG_RENDER_N
#      (1,000) sequential GETs of different article pages over one
#      keep-alive connection (the same URLs for both), p50/p99;
#   3. $BENCH_PG_SEARCH_N (500) queries drawn from the corpus vocabulary
#      (one word, two words or a two-word phrase) to the search page and to
#      /api/v1/search, p50/p99; and how many API answers are byte for byte
#      the same on both stores;
#   4. a table of the figures.
# Environment: SHARED_DIR (default ../shared), BUILD (default build),
# DATELINE_BIN (this binary instead of building), BENCH_SQLITE_DB,
# BENCH_SQLITE_IMPORT_S, BENCH_PG_RENDER_N, BENCH_PG_SEARCH_N. Needs Debian's postgresql (initdb,
# pg_ctl) and psql; says so and exits 0 when they are absent.
set -euo pipefail
cd "$(dirname "$0")/.."

export SHARED_DIR=${SHARED_DIR:-$(cd .. && pwd)/shared}
build=${BUILD:-build}
render_n=${BENCH_PG_RENDER_N:-1000}
search_n=${BENCH_PG_SEARCH_N:-500}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dateline-pg-bench.XXXXXX")
chmod 755 "$tmp"
. bench/lib.sh
dl_pid="" pg_dir=""
cleanup() {
	stop_pid "$dl_pid"
	dl_pid=""
	[ -z "$pg_dir" ] || scripts/pg.sh stop "$pg_dir" || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v pg_config >/dev/null 2>&1; then
	echo "bench/pg.sh: PostgreSQL's server binaries are absent (Debian's postgresql); skipped"
	exit 0
fi
if ! command -v psql >/dev/null 2>&1; then
	echo "bench/pg.sh: psql is absent (Debian's postgresql-client); skipped"
	exit 0
fi

bench_binary
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# --- 1. the corpus in both stores ---
bench_corpus bench/pg.sh

# import STORE: `dateline import` of the corpus; prints its seconds.
import_into() {
	local t
	t=$(now)
	"$bin" import --db "$1" "$corpus" >"$tmp/import.log" 2>&1 || {
		tail -n 5 "$tmp/import.log" >&2
		echo "bench/pg.sh: import into $1 failed" >&2
		return 1
	}
	since "$t"
}

sq_import=${BENCH_SQLITE_IMPORT_S:-n/a}
if [ -n "${BENCH_SQLITE_DB:-}" ]; then
	sq_db=$BENCH_SQLITE_DB
	echo "== SQLite: $sq_db (imported already)"
else
	sq_db=$tmp/site.db
	echo "== import $n_articles articles ($corpus_name) into SQLite"
	sq_import=$(import_into "$sq_db")
	echo "SQLite import: ${sq_import} s"
fi

pg_dir=$tmp/pg
base=$(scripts/pg.sh start "$pg_dir")
echo "== PostgreSQL $(psql -X -A -t "${base}postgres" -c 'SHOW server_version') on ${base} (fsync off)"
psql -X -q "${base}postgres" -c "CREATE DATABASE bench_import" -c "CREATE DATABASE bench_site"
echo "== import $n_articles articles ($corpus_name) into PostgreSQL"
pg_import=$(import_into "${base}bench_import")
echo "PostgreSQL import: ${pg_import} s"
psql -X -q "${base}postgres" -c "DROP DATABASE bench_import WITH (FORCE)" || true

echo "== dateline migrate: the SQLite site into an empty PostgreSQL database (the one measured)"
pg_db=${base}bench_site
t=$(now)
if ! "$bin" migrate --from "$sq_db" --to "$pg_db" >"$tmp/migrate.out" 2>"$tmp/migrate.log"; then
	tail -n 5 "$tmp/migrate.log"
	echo "bench/pg.sh: dateline migrate failed" >&2
	exit 1
fi
migrate_s=$(since "$t")
migrate_rows=$(awk '$1 == "total" { print $2 }' "$tmp/migrate.out")
echo "migrate: ${migrate_rows} rows in ${migrate_s} s"
# The copied tables have no planner statistics until autovacuum comes by
# (within a minute or so); measure the site as it then runs.
psql -X -q "$pg_db" -c "ANALYZE"

# --- 2, 3. render and search, one store at a time ---
cat >"$tmp/client.py" <<'EOF'
import hashlib, http.client, json, random, re, sys, time, urllib.parse
mode, port, tmp = sys.argv[1], int(sys.argv[2]), sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

def get(path):
    global c
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    if r.will_close:
        c.close()
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    return r.status, body

def q(times, p):
    return times[min(len(times) - 1, int(round(p / 100 * (len(times) - 1))))]

if mode == "urls":       # article URLs from the listing pages, written once
    n = int(sys.argv[4])
    urls, seen = [], set()
    for page in range(1, 2000):
        st, body = get("/en/" if page == 1 else "/en/?page=%d" % page)
        if st != 200:
            break
        new = 0
        for m in re.finditer(rb'href="(?:https?://[^/"]+)?(/en/news/[^"#?]+)"', body):
            u = m.group(1).decode()
            if u not in seen:
                seen.add(u); urls.append(u); new += 1
        if new == 0 or len(urls) >= n:
            break
    open(tmp + "/urls", "w").write("\n".join(urls[:n]) + "\n")
    print("%d article URLs" % min(n, len(urls)))
elif mode == "queries":  # queries from the corpus vocabulary, written once
    corpus, n = sys.argv[4], int(sys.argv[5])
    rng = random.Random(500)
    lines = open(corpus, encoding="utf-8").read().splitlines()
    latin = re.compile(r"[^\W\d_]{4,}")
    out = []
    while len(out) < n:
        d = json.loads(rng.choice(lines))
        text = d["headlines"][0]["value"] + " " + " ".join(b["value"] for b in d.get("bodies", []))
        words = latin.findall(text)
        if len(words) < 2:
            continue
        k = rng.random()
        if k < 0.7:
            qs = rng.choice(words)
        elif k < 0.9:
            qs = "%s %s" % (rng.choice(words), rng.choice(words))
        else:
            i = rng.randrange(len(words) - 1)
            qs = '"%s %s"' % (words[i], words[i + 1])
        out.append(qs)
    open(tmp + "/queries", "w").write("\n".join(out) + "\n")
else:                    # measure: render, then search; figures as KEY=VALUE
    tag = sys.argv[4]
    urls = open(tmp + "/urls").read().split()
    times, bad = [], 0
    get(urls[0])          # one warm-up request (connections, prepared statements)
    for u in urls:
        t = time.perf_counter()
        st, _ = get(u)
        times.append((time.perf_counter() - t) * 1000)
        bad += st != 200
    times.sort()
    print("RENDER_P50=%.2f RENDER_P99=%.2f RENDER_N=%d RENDER_BAD=%d" % (q(times, 50), q(times, 99), len(times), bad))
    queries = open(tmp + "/queries").read().splitlines()
    for kind in ("page", "api"):
        times, bad, digests = [], 0, []
        for qs in queries:
            path = ("/en/search?q=" if kind == "page" else "/api/v1/search?limit=10&q=") + urllib.parse.quote(qs)
            t = time.perf_counter()
            st, body = get(path)
            times.append((time.perf_counter() - t) * 1000)
            bad += st not in (200, 400)
            if kind == "api":
                digests.append(hashlib.sha256(b"%d " % st + body).hexdigest())
        times.sort()
        print("%s_P50=%.2f %s_P99=%.2f %s_BAD=%d" % (kind.upper(), q(times, 50), kind.upper(), q(times, 99), kind.upper(), bad))
        if kind == "api":
            open(tmp + "/api." + tag, "w").write("\n".join(digests) + "\n")
EOF

serve() {   # serve STORE: dateline serve --no-cache on a free port
	dl_port=$(free_port)
	"$bin" serve --db "$1" --no-cache --listen "127.0.0.1:$dl_port" >"$tmp/serve.log" 2>&1 &
	dl_pid=$!
	wait_port "$dl_port" "$dl_pid" "$tmp/serve.log" 600
}

declare -A fig
measure() {   # measure TAG STORE
	local out k v
	serve "$2"
	out=$("$python" "$tmp/client.py" measure "$dl_port" "$tmp" "$1") || out=""
	stop_pid "$dl_pid"; dl_pid=""
	for kv in $out; do
		k=${kv%%=*} v=${kv#*=}
		fig[$1.$k]=$v
	done
}

serve "$sq_db"
"$python" "$tmp/client.py" urls "$dl_port" "$tmp" "$render_n"
stop_pid "$dl_pid"; dl_pid=""
"$python" "$tmp/client.py" queries 0 "$tmp" "$corpus" "$search_n"
echo "== render ($render_n article pages) and search ($search_n queries), --no-cache, one keep-alive connection"
measure sqlite "$sq_db"
measure pg "$pg_db"
same=$(paste -d' ' "$tmp/api.sqlite" "$tmp/api.pg" 2>/dev/null | awk '$1 == $2 { n++ } END { print n + 0 }')

v() { echo "${fig[$1]:-n/a}"; }
echo
echo "== SQLite and PostgreSQL side by side: $n_articles articles ($corpus_name), times in ms, loopback HTTP included"
printf '%-34s %12s %12s\n' "" SQLite PostgreSQL
printf '%-34s %12s %12s\n' "import (s)" "$sq_import" "$pg_import"
printf '%-34s %12s %12s\n' "article render p50, no cache" "$(v sqlite.RENDER_P50)" "$(v pg.RENDER_P50)"
printf '%-34s %12s %12s\n' "article render p99, no cache" "$(v sqlite.RENDER_P99)" "$(v pg.RENDER_P99)"
printf '%-34s %12s %12s\n' "search page p50" "$(v sqlite.PAGE_P50)" "$(v pg.PAGE_P50)"
printf '%-34s %12s %12s\n' "search page p99" "$(v sqlite.PAGE_P99)" "$(v pg.PAGE_P99)"
printf '%-34s %12s %12s\n' "search API p50" "$(v sqlite.API_P50)" "$(v pg.API_P50)"
printf '%-34s %12s %12s\n' "search API p99" "$(v sqlite.API_P99)" "$(v pg.API_P99)"
printf '%-34s %12s %12s\n' "non-200 answers (render/page/api)" \
    "$(v sqlite.RENDER_BAD)/$(v sqlite.PAGE_BAD)/$(v sqlite.API_BAD)" "$(v pg.RENDER_BAD)/$(v pg.PAGE_BAD)/$(v pg.API_BAD)"
echo "API answers identical on both stores: $same of $search_n queries"
echo "dateline migrate SQLite -> PostgreSQL: ${migrate_rows} rows in ${migrate_s} s"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
