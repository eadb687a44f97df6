#!/usr/bin/env bash
# pg.sh - a private PostgreSQL server for the tests.
#
#   scripts/pg.sh start DIR   initdb into DIR/data, start a server on a free
#                             loopback port (unix socket in DIR), print its
#                             base URI: postgresql://postgres@127.0.0.1:PORT/
#   scripts/pg.sh stop DIR    stop that server and remove DIR
#
# The server is for tests only: trust authentication for the `postgres`
# role, fsync off, UTF-8 with the C.UTF-8 locale (the same order on every
# machine). initdb refuses to run as root, so as root the server runs as the
# `postgres` system user (Debian's postgresql package creates it) and DIR
# is given to that user. DIR must not hold a data directory yet; it is made
# when missing. The port, URI and server log are kept in DIR (port, uri, log).
#
# Environment: PG_BIN, the folder of initdb/pg_ctl/postgres (default the
# newest /usr/lib/postgresql/*/bin, else `pg_config --bindir`);
# PG_MAX_CONNECTIONS (default 300).
set -euo pipefail

usage() {
	echo "usage: scripts/pg.sh start DIR | stop DIR" >&2
	exit 2
}
[ $# -eq 2 ] || usage
cmd=$1 dir=$2

pg_bin() {
	local d
	if [ -n "${PG_BIN:-}" ]; then
		echo "$PG_BIN"
		return
	fi
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
		[ -x "$d/initdb" ] && { echo "$d"; return; }
	done
	if command -v pg_config >/dev/null 2>&1; then
		d=$(pg_config --bindir)
		[ -x "$d/initdb" ] && { echo "$d"; return; }
	fi
	echo "pg.sh: no PostgreSQL server binaries (initdb); install Debian's postgresql" >&2
	exit 1
}

# as_owner CMD...: runs CMD as the user that owns the data directory.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

free_port() {
	local py=/usr/bin/python3
	[ -x "$py" ] || py=python3
	"$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
	local bin port tries=0 opts
	bin=$(pg_bin)
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [ -e "$dir/data" ]; then
		echo "pg.sh: $dir/data exists; give start a new folder" >&2
		exit 1
	fi
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || {
			echo "pg.sh: running as root needs the postgres system user (Debian's postgresql package)" >&2
			exit 1
		}
		chown postgres "$dir"
		chmod 700 "$dir"
		if ! runuser -u postgres -- test -w "$dir"; then
			echo "pg.sh: the postgres user cannot reach $dir (a parent folder is private); use a folder under /tmp" >&2
			exit 1
		fi
	fi
	if ! as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
		--no-sync >"$dir/initdb.log" 2>&1; then
		echo "pg.sh: initdb failed:" >&2
		tail -n 20 "$dir/initdb.log" >&2
		exit 1
	fi
	# The port is free when chosen but may be taken before the server binds
	# it: try a few.
	while :; do
		port=$(free_port)
		opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off"
		opts="$opts -c synchronous_commit=off -c full_page_writes=off"
		opts="$opts -c max_connections=${PG_MAX_CONNECTIONS:-300} -c shared_buffers=32MB"
		if as_owner "$bin/pg_ctl" -D "$dir/data" -o "$opts" -l "$dir/log" -w -t 60 start \
			>"$dir/pg_ctl.log" 2>&1; then
			break
		fi
		tries=$((tries + 1))
		if [ $tries -ge 5 ]; then
			echo "pg.sh: the server did not start; its log:" >&2
			tail -n 20 "$dir/log" >&2 2>/dev/null || cat "$dir/pg_ctl.log" >&2
			exit 1
		fi
	done
	echo "$port" >"$dir/port"
	echo "postgresql://postgres@127.0.0.1:$port/" >"$dir/uri"
	cat "$dir/uri"
}

stop() {
	local bin
	[ -d "$dir" ] || return 0
	if [ -f "$dir/data/postmaster.pid" ]; then
		bin=$(pg_bin)
		as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
			echo "pg.sh: pg_ctl stop failed for $dir" >&2
	fi
	rm -rf "$dir"
}

case $cmd in
start) start ;;
stop) stop ;;
*) usage ;;
esac
