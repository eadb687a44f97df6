#!/usr/bin/env bash
# bench/run.sh - what `make bench` runs. On this machine, against loopback only:
#   1. import the Reuters-21578 corpus ($SHARED_DIR/corpus, or 19,043
#      generated articles from bench/gen_corpus.py) into a temporary database;
#   2. requests/s with wrk (-t2 -c64) for one article page: dateline, plain and
#      gzip, against nginx serving the same bytes from a file (gzip_static),
#      with 1 and then 2 worker processes; ratios dateline/nginx;
#   3. render time with the page cache off (--no-cache): 1,000 sequential GETs
#      of different article pages over one keep-alive connection, p50/p99;
#   4. the server's resident memory (VmRSS) with every article loaded;
#   5. bench/pg.sh (the same site on SQLite and PostgreSQL side by side:
#      uncached render and search p50/p99), then bench/related.sh,
#      bench/search.sh and bench/newsletter.sh.
# Environment: SHARED_DIR (default ../shared), BUILD (default build),
# BENCH_SECONDS (wrk duration per run, default 10), BENCH_RENDER_N (1000),
# DATELINE_BIN (benchmark this binary instead of building $BUILD/dateline).
set -euo pipefail
cd "$(dirname "$0")/.."

export SHARED_DIR=${SHARED_DIR:-$(cd .. && pwd)/shared}
build=${BUILD:-build}
secs=${BENCH_SECONDS:-10}
render_n=${BENCH_RENDER_N:-1000}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dateline-bench.XXXXXX")
chmod 755 "$tmp"   # nginx workers may run as another user
. bench/lib.sh
dl_pid="" ngx_pid=""
cleanup() {
	stop_pid "$dl_pid"
	stop_pid "$ngx_pid"
	dl_pid="" ngx_pid=""
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DEPS_BENCH=1 scripts/deps.sh
bench_binary

since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# --- 1. corpus and import ---
bench_corpus bench
[ "$corpus_name" = Reuters-21578 ] && corpus_name="Reuters-21578 ($corpus)"
db=$tmp/bench.db
echo "== import $n_articles articles: $corpus_name"
t=$(now)
"$bin" import --db "$db" "$corpus" >"$tmp/import.log" 2>&1 || { tail -n 20 "$tmp/import.log"; echo "bench: import failed" >&2; exit 1; }
import_s=$(since "$t")
echo "import: ${import_s} s ($(awk -v n="$n_articles" -v s="$import_s" 'BEGIN { printf "%.0f", n / s }') articles/s), db $(du -h "$db" | cut -f1)"

# --- 2. dateline against nginx ---
start_dateline() {   # start_dateline [ARGS...]
	dl_port=$(free_port)
	"$bin" serve --db "$db" --listen "127.0.0.1:$dl_port" "$@" >"$tmp/dateline.log" 2>&1 &
	dl_pid=$!
	wait_port "$dl_port" "$dl_pid" "$tmp/dateline.log"
}
start_dateline

# One article page: the first /en/news/ link of /en/; its exact bytes.
"$python" - "$dl_port" "$tmp" <<'EOF'
import http.client, re, sys
port, tmp = int(sys.argv[1]), sys.argv[2]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
c.request("GET", "/en/")
r = c.getresponse(); home = r.read().decode("utf-8", "replace")
if r.status != 200:
    sys.exit("bench: GET /en/ answered %d" % r.status)
m = re.search(r'href="((?:https?://[^/"]+)?/en/news/[^"#?]+)"', home)
if not m:
    sys.exit("bench: no /en/news/ link on /en/")
path = re.sub(r"^https?://[^/]+", "", m.group(1))
c.request("GET", path)
r = c.getresponse(); body = r.read()
if r.status != 200:
    sys.exit("bench: GET %s answered %d" % (path, r.status))
if (r.getheader("Content-Encoding") or "identity") != "identity":
    sys.exit("bench: %s came compressed without Accept-Encoding" % path)
open(tmp + "/path", "w").write(path)
open(tmp + "/page", "wb").write(body)
c.request("GET", path, headers={"Accept-Encoding": "gzip"})
r = c.getresponse(); gz = r.read()
open(tmp + "/gzenc", "w").write(r.getheader("Content-Encoding") or "not compressed")
print("page: %s, %d bytes; with Accept-Encoding: gzip, %d bytes (%s)" % (
    path, len(body), len(gz), r.getheader("Content-Encoding") or "not compressed"))
EOF
page_path=$(cat "$tmp/path")
mkdir -p "$tmp/www"
cp "$tmp/page" "$tmp/www/page"
gzip -9 -k "$tmp/www/page"
chmod 755 "$tmp/www" && chmod 644 "$tmp/www/page" "$tmp/www/page.gz"
echo "nginx file: $(stat -c %s "$tmp/www/page") bytes, page.gz $(stat -c %s "$tmp/www/page.gz") bytes (gzip -9)"

# wrk_rps NAME URL [HEADER]: requests/s; checks there were no errors.
declare -A rps
wrk_rps() {
	local name=$1 url=$2 out errs
	shift 2
	out=$(wrk -t2 -c64 -d"${secs}s" "$@" "$url" 2>&1) || { echo "$out"; echo "bench: wrk failed" >&2; return 1; }
	rps[$name]=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	errs=$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ' || true)
	printf '%-22s %12s req/s  %s\n' "$name" "${rps[$name]}" "${errs:+($errs)}"
}

echo "== wrk -t2 -c64 -d${secs}s (wrk and the server share the 2 cores)"
wrk_rps "dateline plain" "http://127.0.0.1:$dl_port$page_path"
wrk_rps "dateline gzip" "http://127.0.0.1:$dl_port$page_path" -H 'Accept-Encoding: gzip'
dl_rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$dl_pid/status")
stop_pid "$dl_pid"; dl_pid=""

start_nginx() {   # start_nginx WORKERS
	ngx_port=$(free_port)
	mkdir -p "$tmp/nginx"
	cat >"$tmp/nginx/nginx.conf" <<-EOF
	daemon off;
	master_process on;
	worker_processes $1;
	pid $tmp/nginx/nginx.pid;
	error_log $tmp/nginx/error.log warn;
	events { worker_connections 1024; }
	http {
	    access_log off;
	    sendfile on;
	    tcp_nopush on;
	    keepalive_requests 1000000;
	    client_body_temp_path $tmp/nginx/body;
	    proxy_temp_path $tmp/nginx/proxy;
	    fastcgi_temp_path $tmp/nginx/fastcgi;
	    uwsgi_temp_path $tmp/nginx/uwsgi;
	    scgi_temp_path $tmp/nginx/scgi;
	    server {
	        listen 127.0.0.1:$ngx_port;
	        location = /page {
	            root $tmp/www;
	            default_type text/html;
	            gzip_static on;
	        }
	    }
	}
	EOF
	nginx -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" >"$tmp/nginx/stdout.log" 2>&1 &
	ngx_pid=$!
	wait_port "$ngx_port" "$ngx_pid" "$tmp/nginx/error.log"
}

for w in 1 2; do
	start_nginx "$w"
	# same bytes as dateline, and gzip_static really answers gzip
	"$python" - "$ngx_port" "$tmp/page" <<-'EOF'
	import http.client, sys
	c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
	c.request("GET", "/page"); r = c.getresponse(); b = r.read()
	assert r.status == 200 and b == open(sys.argv[2], "rb").read(), "nginx: wrong page (%d)" % r.status
	c.request("GET", "/page", headers={"Accept-Encoding": "gzip"}); r = c.getresponse(); r.read()
	assert r.getheader("Content-Encoding") == "gzip", "nginx: gzip_static not answering"
	EOF
	wrk_rps "nginx ${w}w plain" "http://127.0.0.1:$ngx_port/page"
	wrk_rps "nginx ${w}w gzip" "http://127.0.0.1:$ngx_port/page" -H 'Accept-Encoding: gzip'
	stop_pid "$ngx_pid"; ngx_pid=""
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "== requests/s (one article page, $(stat -c %s "$tmp/page") bytes)"
printf '%-10s %14s %14s\n' "" plain gzip
printf '%-10s %14s %14s\n' dateline "${rps[dateline plain]}" "${rps[dateline gzip]}"
printf '%-10s %14s %14s\n' "nginx 1w" "${rps[nginx 1w plain]}" "${rps[nginx 1w gzip]}"
printf '%-10s %14s %14s\n' "nginx 2w" "${rps[nginx 2w plain]}" "${rps[nginx 2w gzip]}"
r1p=$(ratio "${rps[dateline plain]}" "${rps[nginx 1w plain]}")
r1g=$(ratio "${rps[dateline gzip]}" "${rps[nginx 1w gzip]}")
r2p=$(ratio "${rps[dateline plain]}" "${rps[nginx 2w plain]}")
r2g=$(ratio "${rps[dateline gzip]}" "${rps[nginx 2w gzip]}")
echo "dateline/nginx 1 worker:  plain ${r1p}x  gzip ${r1g}x"
echo "dateline/nginx 2 workers: plain ${r2p}x  gzip ${r2g}x"

# --- 3. render time, cache off ---
echo
echo "== render time with --no-cache: $render_n sequential GETs of different article pages, one keep-alive connection"
render_out=""
if start_dateline --no-cache; then
	render_out=$("$python" - "$dl_port" "$render_n" <<'EOF'
import http.client, re, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
def get(path):
    c.request("GET", path)
    r = c.getresponse()
    return r, r.read()
# Article URLs from the listing: /en/ and its following pages (bounded).
urls, seen = [], set()
for page in range(1, 400):
    r, body = get("/en/" if page == 1 else "/en/?page=%d" % page)
    if r.status != 200:
        break
    new = 0
    for m in re.finditer(rb'href="(?:https?://[^/"]+)?(/en/news/[^"#?]+)"', body):
        u = m.group(1).decode()
        if u not in seen:
            seen.add(u); urls.append(u); new += 1
    if new == 0 or len(urls) >= n:
        break
if not urls:
    sys.exit("no article links on the listing")
times, reconnects, bad = [], 0, 0
for i in range(n):
    u = urls[i % len(urls)]
    t = time.perf_counter()
    r, body = get(u)
    times.append((time.perf_counter() - t) * 1000)
    if r.status != 200:
        bad += 1
    if r.will_close:
        reconnects += 1
        c.close()
times.sort()
q = lambda p: times[min(len(times) - 1, int(round(p / 100 * (len(times) - 1))))]
print("%d requests over %d distinct articles: p50 %.2f ms, p99 %.2f ms, max %.2f ms, mean %.2f ms (%d non-200, %d connection closes; includes loopback HTTP)" % (
    n, len(urls), q(50), q(99), times[-1], sum(times) / len(times), bad, reconnects))
print("P50=%.2f P99=%.2f" % (q(50), q(99)))
EOF
	) || render_out="render: the client failed"
	nc_rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$dl_pid/status")
	stop_pid "$dl_pid"; dl_pid=""
else
	render_out="render: dateline serve --no-cache did not start"
	nc_rss_kb=""
fi
grep -v '^P50=' <<<"$render_out"
p50=$(sed -n 's/^P50=\([^ ]*\) .*/\1/p' <<<"$render_out")
p99=$(sed -n 's/.*P99=\(.*\)/\1/p' <<<"$render_out")

# --- 4. memory ---
mb() { awk -v k="$1" 'BEGIN { if (k == "") print "n/a"; else printf "%.1f MB", k / 1024 }'; }
echo
echo "== resident memory (VmRSS), $n_articles articles in the database"
echo "dateline with the page cache, after the wrk runs: $(mb "$dl_rss_kb")"
echo "dateline --no-cache, after the render run:        $(mb "$nc_rss_kb")"

echo
echo "== summary"
echo "corpus:            $n_articles articles, $corpus_name"
echo "import:            ${import_s} s"
echo "page:              $page_path, $(stat -c %s "$tmp/page") bytes (gzip $(stat -c %s "$tmp/www/page.gz"))"
echo "requests/s:        dateline ${rps[dateline plain]} plain, ${rps[dateline gzip]} gzip (answered: $(cat "$tmp/gzenc")) (wrk -t2 -c64 -d${secs}s)"
echo "                   nginx 1w ${rps[nginx 1w plain]} / ${rps[nginx 1w gzip]}, 2w ${rps[nginx 2w plain]} / ${rps[nginx 2w gzip]}"
echo "dateline/nginx:    1w ${r1p}x plain, ${r1g}x gzip; 2w ${r2p}x plain, ${r2g}x gzip"
echo "render, no cache:  p50 ${p50:-n/a} ms, p99 ${p99:-n/a} ms ($render_n GETs, loopback HTTP included)"
echo "memory (VmRSS):    $(mb "$dl_rss_kb") cached, $(mb "$nc_rss_kb") no-cache"

# --- the other benchmarks, each printing its own figures (bench/pg.sh
# serves the SQLite database imported above beside a PostgreSQL one) ---
for b in bench/pg.sh bench/related.sh bench/search.sh bench/newsletter.sh; do
	[ -x "$b" ] || continue
	echo
	echo "== $b"
	BENCH_SQLITE_DB=$db BENCH_SQLITE_IMPORT_S=$import_s "$b" || echo "$b: failed (exit $?)"
done
