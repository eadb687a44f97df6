#!/usr/bin/env bash
# unit.sh BUILD - runs every BUILD/tests/test_* (cmocka) from the project
# root, prints each binary's result and a closing
# "N passed, N failed, N skipped" line (tests, as cmocka counts them).
# Exits non-zero when a test failed or a binary crashed.
#
# Environment: SHARED_DIR (default ../shared) is passed through.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
export SHARED_DIR=${SHARED_DIR:-$(cd .. && pwd)/shared}
unset CMOCKA_MESSAGE_OUTPUT   # the summary lines below are cmocka's default format
timeout_s=${UNIT_TIMEOUT:-120}

shopt -s nullglob
bins=()
for t in "$build"/tests/test_*; do
	[ -f "$t" ] && [ -x "$t" ] && bins+=("$t")
done
shopt -u nullglob

passed=0 failed=0 skipped=0 bad=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "${bins[@]}"; do
	start=$(date +%s.%N)
	timeout -k 5 "$timeout_s" "$t" >"$log" 2>&1
	rc=$?
	[ "$rc" -eq 124 ] && echo "    (killed after ${timeout_s}s)" >>"$log"
	secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	# cmocka's summary, once per group: "[  PASSED  ] N test(s)."
	# "[  FAILED  ] N test(s), listed below:" "[  SKIPPED ] N test(s), ...".
	count() { awk -v tag="$1" 'index($0, "[  " tag) == 1 && match($0, /\] [0-9]+ test/) {
		n += substr($0, RSTART + 2, RLENGTH - 7) } END { print n + 0 }' "$log"; }
	p=$(count "PASSED  ]") f=$(count "FAILED  ]") s=$(count "SKIPPED ]")
	p=${p:-0} f=${f:-0} s=${s:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# crashed, or failed without a cmocka summary: count it as one failure
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	name=${t##*/}
	if [ "$rc" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "ok   $name: $p passed, $s skipped (${secs}s)"
	else
		bad=1
		echo "FAIL $name: exit $rc, $p passed, $f failed, $s skipped (${secs}s)"
		sed 's/^/    /' "$log" | tail -n 60
	fi
done
if [ ${#bins[@]} -eq 0 ]; then
	echo "unit: no test binaries in $build/tests"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$bad" -eq 0 ] && [ "$failed" -eq 0 ]
