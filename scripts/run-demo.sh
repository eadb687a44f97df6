#!/usr/bin/env bash
# run-demo.sh BIN - what `make run` does: loads the demo articles
# (demo/*.jsonl) into a fresh build/demo.db and serves them on
# 127.0.0.1:8080 with demo/dateline.ini.
#
# Environment: DEMO_DB (default build/demo.db), DEMO_PORT (default 8080).
set -euo pipefail

bin=${1:-}
if [ -z "$bin" ]; then
	echo "usage: scripts/run-demo.sh BIN" >&2
	exit 2
fi
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
cd "$(dirname "$0")/.."
if [ ! -x "$bin" ]; then
	echo "run-demo: $bin is not an executable; build it with 'make'" >&2
	exit 1
fi
db=${DEMO_DB:-build/demo.db}
port=${DEMO_PORT:-8080}
config=demo/dateline.ini

shopt -s nullglob
articles=(demo/*.jsonl)
shopt -u nullglob
if [ ${#articles[@]} -eq 0 ]; then
	echo "run-demo: no demo articles (demo/*.jsonl)" >&2
	exit 1
fi

# Something already answers on the port: say so instead of a bind error.
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
	echo "run-demo: port $port on 127.0.0.1 is already in use;" \
		"stop what listens there (ss -ltnp 'sport = :$port') or set DEMO_PORT" >&2
	exit 1
fi

mkdir -p "$(dirname "$db")"
rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
# The newsroom refuses POSTs from another origin than base_url, and links
# in mail name it: on another port, serve a copy of the config that says so.
if [ -f "$config" ] && [ "$port" != 8080 ]; then
	sed "s|^base_url = .*|base_url = http://127.0.0.1:$port|" "$config" > "$db.ini"
	config=$db.ini
fi
"$bin" import --db "$db" "${articles[@]}"
# A newsroom account for trying the editing pages: its one-time link sets
# the password.
cfg_args=()
[ -f "$config" ] && cfg_args=(--config "$config")
"$bin" user add --db "$db" "${cfg_args[@]}" --role admin editor@meridian.example

args=(serve --db "$db" --listen "127.0.0.1:$port")
if [ -f "$config" ]; then
	args+=(--config "$config")
else
	echo "run-demo: $config absent; serving with the built-in defaults" >&2
fi
echo "dateline demo: http://127.0.0.1:$port/"
exec "$bin" "${args[@]}"
