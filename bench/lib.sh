# bench/lib.sh - what the bash benchmarks share; sourced by bench/run.sh and
# bench/search.sh from the repository root, after they set $build (the
# build directory) and $tmp (their temporary directory). Sets $python.

python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3)

# bench_binary: $bin becomes $DATELINE_BIN when set (no build), else
# $build/dateline, built first; on a failed build shows the tail of the
# log and exits 1.
bench_binary() {
	if [ -n "${DATELINE_BIN:-}" ]; then
		bin=$(realpath "$DATELINE_BIN")
		echo "== binary: $bin"
	elif echo "== build ($build)" && ! make --no-print-directory -j2 BUILD="$build" "$build/dateline" >"$tmp/build.log" 2>&1; then
		tail -n 40 "$tmp/build.log"
		echo "bench: build failed" >&2
		exit 1
	else
		bin=$(realpath "$build/dateline")
	fi
}

# stop_pid PID: TERM, then KILL after 10 s; nothing for an empty PID.
stop_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# free_port: a loopback port nobody listens on now.
free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_port PORT PID LOG [TRIES]: waits until PORT accepts a connection,
# trying every 50 ms, TRIES times (300: 15 s). Fails, with the tail of LOG,
# when PID exits first or the port never opens.
wait_port() {
	local i
	for i in $(seq "${4:-300}"); do
		kill -0 "$2" 2>/dev/null || { echo "bench: server exited:" >&2; tail -n 20 "$3" >&2; return 1; }
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	echo "bench: server did not start on port $1" >&2
	tail -n 20 "$3" >&2
	return 1
}

# now: the time in seconds, for since().
now() { date +%s.%N; }

# bench_corpus WHO: $corpus becomes the Reuters-21578 ninjs of
# $SHARED_DIR/corpus, or 19,043 articles from bench/gen_corpus.py in $tmp
# when it is absent (WHO names the script in that message); sets
# $corpus_name and $n_articles.
bench_corpus() {
	corpus=$SHARED_DIR/corpus/reuters21578.ninjs.jsonl
	if [ -f "$corpus" ]; then
		corpus_name="Reuters-21578"
	else
		echo "$1: $corpus absent; generating 19,043 articles with bench/gen_corpus.py"
		"$python" bench/gen_corpus.py 19043 >"$tmp/corpus.jsonl"
		corpus=$tmp/corpus.jsonl
		corpus_name="generated (bench/gen_corpus.py)"
	fi
	n_articles=$(wc -l <"$corpus")
}
