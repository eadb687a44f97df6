#!/bin/sh
# eval.sh BIN - runs the two See-also evaluations of ../shared/eval
# (SHARED_DIR) with the dateline binary BIN and prints the scorer's output.
set -eu
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED_DIR:-$ROOT/../shared}
EVAL=$SHARED/eval
if [ ! -f "$EVAL/score_related.py" ]; then
	echo "eval: $EVAL is absent (set SHARED_DIR); skipped"
	exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
echo "== SemEval-2022 pairs (dev)"
"$BIN" similarity --pairs "$EVAL/semeval2022.pairs.dev.jsonl" > "$TMP/scores.jsonl"
python3 "$EVAL/score_related.py" pairs "$EVAL/semeval2022.pairs.dev.jsonl" "$TMP/scores.jsonl"
echo "== Reuters-21578 ranking (dev queries)"
"$BIN" import --db "$TMP/r.db" "$SHARED/corpus/reuters21578.ninjs.jsonl" > /dev/null 2>&1
"$BIN" related --db "$TMP/r.db" --all --limit 20 --format jsonl > "$TMP/related.jsonl"
python3 "$EVAL/score_related.py" ranking "$EVAL/reuters21578.topics.tsv" \
    "$EVAL/reuters21578.queries.dev.txt" "$TMP/related.jsonl"
