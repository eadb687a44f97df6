#!/bin/sh
# bench/newsletter.sh [BIN] - newsletter speed: build and queue digests for
# 100,000 subscribers (seconds; goal under 60 s), then deliver 10,000 of
# them to a local SMTP server (Debian's python3-aiosmtpd, on a free
# loopback port) and print messages per second.
# Environment: NL_BENCH_SUBSCRIBERS (100000), NL_BENCH_DELIVER (10000).
set -eu
BIN=${1:-${DATELINE_BIN:-build/dateline}}
N=${NL_BENCH_SUBSCRIBERS:-100000}
D=${NL_BENCH_DELIVER:-10000}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
if ! "$PY" -c 'import aiosmtpd' 2>/dev/null; then
	echo "newsletter bench: skipped (needs python3-aiosmtpd)"
	exit 0
fi
dir=$(mktemp -d /tmp/dateline-nlbench-XXXXXX)
smtp_pid=
cleanup() {
	[ -n "$smtp_pid" ] && kill "$smtp_pid" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
printf '[newsletter]\ndaily =\nweekly =\n[mail]\nfrom = news@example.org\n' > "$dir/site.ini"

# a dozen articles published now, in the edition the subscribers read
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
i=0
: > "$dir/a.jsonl"
while [ $i -lt 12 ]; do
	printf '{"uri":"urn:bench:nl:%d","type":"text","language":"en","firstcreated":"%s","versioncreated":"%s","headlines":[{"role":"main","value":"Benchmark story number %d about the region"}],"descriptions":[{"role":"summary","contenttype":"text/plain","value":"A summary of benchmark story %d, one sentence long."}],"places":[{"name":"Japan"}],"subjects":[{"name":"Economy"}],"bodies":[{"role":"main","contenttype":"text/plain","value":"Body."}]}\n' \
	    $i "$now" "$now" $i $i >> "$dir/a.jsonl"
	i=$((i + 1))
done

setup() { # db subscribers
	"$PY" -c 'import sys; [print("reader%07d@example.com" % i) for i in range(int(sys.argv[1]))]' "$2" |
	    "$BIN" newsletter import --db "$1" --config "$dir/site.ini" >/dev/null 2>&1
	sleep 1   # articles strictly after the subscribers' start
	now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	sed "s/\"firstcreated\":\"[^\"]*\",\"versioncreated\":\"[^\"]*\"/\"firstcreated\":\"$now\",\"versioncreated\":\"$now\"/" \
	    "$dir/a.jsonl" > "$dir/b.jsonl"
	"$BIN" import --db "$1" "$dir/b.jsonl" >/dev/null 2>&1
}

setup "$dir/q.db" "$N"
t0=$(date +%s.%N)
out=$("$BIN" newsletter send --db "$dir/q.db" --config "$dir/site.ini" --now 2>"$dir/send.err")
t1=$(date +%s.%N)
echo "$out" | grep -q "$N digests queued" || { echo "newsletter bench: unexpected: $out" >&2; exit 1; }
secs=$(echo "$t1 - $t0" | bc)
printf 'newsletter: %d digests built and queued in %.1f s (goal < 60 s)\n' "$N" "$secs"

setup "$dir/d.db" "$D"
"$BIN" newsletter send --db "$dir/d.db" --config "$dir/site.ini" --now >/dev/null 2>&1
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$PY" -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Sink >/dev/null 2>&1 &
smtp_pid=$!
"$PY" -c 'import socket,sys,time
for _ in range(100):
    try: socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close(); break
    except OSError: time.sleep(0.05)' "$port"
out=$("$BIN" newsletter deliver --db "$dir/d.db" --config "$dir/site.ini" --smtp "smtp://127.0.0.1:$port" 2>"$dir/deliver.err")
echo "$out" | grep -q "^$D messages delivered" || { echo "newsletter bench: unexpected: $out" >&2; exit 1; }
echo "newsletter: $out"
