#!/usr/bin/env bash
# test.sh - what `make test` (and so CI, .ci/run) runs:
#   1. the Debian packages the tests need (scripts/deps.sh, DEPS_TEST=1);
#   2. two builds: the normal one ($BUILD, default build) and one with
#      AddressSanitizer + UBSan ($BUILD/asan, -O1 -g);
#   3. the cmocka unit tests of both builds (scripts/unit.sh);
#   4. every tests/http/test_*.py against both binaries (DATELINE_BIN);
#      a sanitizer report in a server log fails the test (harness.py);
#   5. the same unit tests (both builds) and HTTP tests (normal binary)
#      again on PostgreSQL: one private server (scripts/pg.sh) for the run,
#      DATELINE_TEST_PG set to its URI, so that every test database is a
#      fresh PostgreSQL database there (tests/unit/unit_db.h, harness.py);
#      labelled "pg";
#   6. the browser tests (tests/browser, headless Debian chromium).
# Every runner closes with "N passed, N failed[, N skipped]"; this script
# adds them up into one closing line and exits non-zero when a test failed,
# a runner crashed or a build broke.
#
# Environment: SHARED_DIR (default ../shared), TEST_OUTPUT (default
# test-output), BUILD (default build), TEST_JOBS (HTTP suites run for the
# two binaries at once when 2, the default; 1 runs them one after the other),
# HTTP_TIMEOUT (seconds per test file, default 600).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

export SHARED_DIR=${SHARED_DIR:-$(cd .. && pwd)/shared}
export TEST_OUTPUT=${TEST_OUTPUT:-$root/test-output}
build=${BUILD:-build}
asan=$build/asan
jobs=${TEST_JOBS:-2}
http_timeout=${HTTP_TIMEOUT:-600}
sanitize="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
# A sanitizer finding stops the process and fails the test that ran it.
san_env=(
	"ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=${DETECT_LEAKS:-1}:strict_init_order=1:check_initialization_order=1:print_summary=1"
	"UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:print_summary=1"
)
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3)

mkdir -p "$TEST_OUTPUT"
logs=$(mktemp -d "${TMPDIR:-/tmp}/dateline-test.XXXXXX")
pgdir=""
cleanup() {
	[ -n "$pgdir" ] && bash scripts/pg.sh stop "$pgdir"
	rm -rf "$logs"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

total_p=0 total_f=0 total_s=0
timings=()
t_all=$(date +%s.%N)

# abspath PATH: PATH from the project root, unless it is absolute
abspath() { case $1 in /*) echo "$1" ;; *) echo "$root/$1" ;; esac; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# tally NAME LOG RC SECONDS: adds the last "N passed, N failed[, N skipped]"
# line of LOG to the totals; a runner that exited non-zero without counting
# a failure, or printed no such line, counts as one failure.
tally() {
	local name=$1 log=$2 rc=$3 secs=$4 line p f s
	line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
	if [ -n "$line" ]; then
		p=$(sed -E 's/^([A-Za-z]+: )?([0-9]+) passed.*/\2/' <<<"$line")
		f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
		s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
		s=${s:-0}
	else
		p=0 f=0 s=0
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "FAIL $name: exited $rc without counting a failure (counted as 1 failure)"
	elif [ -z "$line" ]; then
		f=1
		echo "FAIL $name: printed no \"N passed, N failed\" line (counted as 1 failure)"
	fi
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
	timings+=("$(printf '%-44s %7ss  %4d passed %3d failed %3d skipped' "$name" "$secs" "$p" "$f" "$s")")
}

# build NAME DIR MAKE-ARGS...: a build whose output goes to a log, shown
# (its end) only when it fails.
build() {
	local name=$1 dir=$2 t rc
	shift 2
	t=$(date +%s.%N)
	echo "== build $name ($dir)"
	make --no-print-directory -j2 BUILD="$dir" "$@" >"$logs/build-$name.log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL build $name: make exited $rc; last lines:"
		tail -n 40 "$logs/build-$name.log" | sed 's/^/    /'
		total_f=$((total_f + 1))
	fi
	timings+=("$(printf '%-44s %7ss' "build $name" "$(elapsed "$t")")")
	return $rc
}

# suite NAME CMD...: runs a test runner, output to the terminal and a log.
suite() {
	local name=$1 t rc log
	shift
	log="$logs/suite-$(tr -c 'A-Za-z0-9_.-' _ <<<"$name").log"
	t=$(date +%s.%N)
	echo "== $name"
	"$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	tally "$name" "$log" "$rc" "$(elapsed "$t")"
}

echo "== deps"
if ! DEPS_TEST=1 scripts/deps.sh; then
	echo "test: scripts/deps.sh failed; cannot run the tests"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

normal_ok=0 asan_ok=0
build normal "$build" && normal_ok=1
build asan "$asan" SANITIZE="$sanitize" CFLAGS="-O1 -g" && asan_ok=1

# --- one PostgreSQL server for the "pg" runs (a database per test) ---
pg_uri=""
if [ $normal_ok = 1 ] || [ $asan_ok = 1 ]; then
	echo "== postgresql (scripts/pg.sh)"
	pgdir=$(mktemp -d /tmp/dateline-pg.XXXXXX)
	if pg_uri=$(bash scripts/pg.sh start "$pgdir" 2>"$logs/pg.log"); then
		echo "postgresql: $pg_uri"
	else
		echo "FAIL postgresql: scripts/pg.sh start failed; the pg runs are not done:"
		sed 's/^/    /' "$logs/pg.log"
		total_f=$((total_f + 1))
		pg_uri=""
	fi
fi

# --- unit tests (cmocka) ---
[ $normal_ok = 1 ] && suite "unit ($build)" scripts/unit.sh "$build"
[ -n "$pg_uri" ] && suite "unit pg ($build)" env DATELINE_TEST_PG="$pg_uri" scripts/unit.sh "$build"
[ $asan_ok = 1 ] && suite "unit ($asan)" env "${san_env[@]}" scripts/unit.sh "$asan"
[ $asan_ok = 1 ] && [ -n "$pg_uri" ] &&
	suite "unit pg ($asan)" env "${san_env[@]}" DATELINE_TEST_PG="$pg_uri" scripts/unit.sh "$asan"

# --- HTTP black-box tests, against both binaries ---
shopt -s nullglob
http_tests=(tests/http/test_*.py)
shopt -u nullglob

# http_all BIN TAG [ENV...]: every HTTP test file against BIN, one log per
# file in $logs/http-TAG-*.log with its exit status and time beside it.
http_all() {
	local bin=$1 tag=$2 f name t
	shift 2
	for f in "${http_tests[@]}"; do
		name=$(basename "$f" .py)
		t=$(date +%s.%N)
		env "$@" DATELINE_BIN="$(abspath "$bin")" \
			timeout -k 10 "$http_timeout" "$python" "$f" \
			>"$logs/http-$tag-$name.log" 2>&1
		echo $? >"$logs/http-$tag-$name.rc"
		elapsed "$t" >"$logs/http-$tag-$name.time"
	done
}

if [ ${#http_tests[@]} -eq 0 ]; then
	echo "== http: no tests/http/test_*.py"
else
	t_http=$(date +%s.%N)
	pids=()
	# the pg run follows the normal one, while the (slower) asan one runs
	if [ $normal_ok = 1 ]; then
		{
			http_all "$build/dateline" normal
			[ -n "$pg_uri" ] && http_all "$build/dateline" pg DATELINE_TEST_PG="$pg_uri"
		} &
		pids+=($!)
		[ "$jobs" -ge 2 ] || wait "${pids[@]}"
	fi
	if [ $asan_ok = 1 ]; then
		http_all "$asan/dateline" asan "${san_env[@]}" &
		pids+=($!)
	fi
	[ ${#pids[@]} -gt 0 ] && wait "${pids[@]}"
	for tag in normal pg asan; do
		[ "$tag" = normal ] && [ $normal_ok = 0 ] && continue
		[ "$tag" = pg ] && [ -z "$pg_uri" ] && continue
		[ "$tag" = asan ] && [ $asan_ok = 0 ] && continue
		for f in "${http_tests[@]}"; do
			name=$(basename "$f" .py)
			log="$logs/http-$tag-$name.log"
			echo "== http $name ($tag)"
			cat "$log"
			rc=$(cat "$logs/http-$tag-$name.rc")
			[ "$rc" = 124 ] && echo "FAIL http $name ($tag): killed after ${http_timeout}s"
			tally "http $name ($tag)" "$log" "$rc" "$(cat "$logs/http-$tag-$name.time")"
		done
	done
	timings+=("$(printf '%-44s %7ss' "http, wall clock" "$(elapsed "$t_http")")")
fi

# --- browser tests (headless chromium through playwright-core) ---
browser_deps() {
	local d=tests/browser
	if [ ! -f "$d/node_modules/.package-lock.json" ] ||
		[ "$d/package-lock.json" -nt "$d/node_modules/.package-lock.json" ] ||
		[ "$d/package.json" -nt "$d/node_modules/.package-lock.json" ]; then
		echo "browser: npm ci --prefix $d"
		npm ci --prefix "$d" --no-audit --no-fund >"$logs/npm.log" 2>&1 ||
			{ cat "$logs/npm.log"; return 1; }
	fi
}
browser_tests=(tests/browser/test_*.mjs)
if [ ${#browser_tests[@]} -gt 0 ]; then
	if [ $normal_ok = 0 ]; then
		echo "== browser: skipped, the normal build failed"
	elif browser_deps; then
		for t in "${browser_tests[@]}"; do
			suite "browser $(basename "$t" .mjs)" env DATELINE_BIN="$(abspath "$build/dateline")" \
				timeout -k 10 600 node "$t"
		done
	else
		echo "FAIL browser: npm ci failed"
		total_f=$((total_f + 1))
	fi
fi

if [ -n "$pgdir" ]; then
	bash scripts/pg.sh stop "$pgdir"
	pgdir=""
fi

echo
echo "== timing"
printf '%s\n' "${timings[@]}"
printf '%-44s %7ss\n' "total" "$(elapsed "$t_all")"
echo
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ]
