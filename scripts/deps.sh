#!/bin/sh
# Installs the Debian packages dateline needs to build, test and benchmark,
# when they are missing. As root it runs apt-get; otherwise it names them.
set -eu
need=""
check_pc() { pkg-config --exists "$1" 2>/dev/null || need="$need $2"; }
check_file() { [ -e "$1" ] || need="$need $2"; }
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
command -v cc >/dev/null 2>&1 || need="$need gcc make"
check_pc libmicrohttpd libmicrohttpd-dev
check_pc sqlite3 libsqlite3-dev
check_pc libpq libpq-dev
check_pc jansson libjansson-dev
check_pc libcmark-gfm libcmark-gfm-dev
check_file /usr/include/cmark-gfm-core-extensions.h libcmark-gfm-extensions-dev
check_pc gumbo libgumbo-dev
check_pc libxml-2.0 libxml2-dev
check_pc libsodium libsodium-dev
check_pc icu-i18n libicu-dev
check_pc libcurl libcurl4-openssl-dev
check_pc libdeflate libdeflate-dev
check_pc libbrotlienc libbrotli-dev
check_pc inih libinih-dev
check_pc cmocka libcmocka-dev
check_file /usr/include/libstemmer.h libstemmer-dev
if [ "${DEPS_TEST:-0}" = 1 ]; then
	command -v chromium >/dev/null 2>&1 || need="$need chromium"
	[ -e /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc ] || need="$need fonts-noto-cjk"
	command -v node >/dev/null 2>&1 || need="$need nodejs"
	command -v npm >/dev/null 2>&1 || need="$need npm"
	[ -x /usr/bin/python3 ] || need="$need python3"
	command -v xmllint >/dev/null 2>&1 || need="$need libxml2-utils"
	command -v trang >/dev/null 2>&1 || need="$need trang"
	# the tests run on Debian's python3 (a python3 earlier in PATH may differ)
	py=/usr/bin/python3; [ -x "$py" ] || py=python3
	"$py" -c 'import aiosmtpd' 2>/dev/null || need="$need python3-aiosmtpd"
	"$py" -c 'import jsonschema' 2>/dev/null || need="$need python3-jsonschema"
	"$py" -c 'import psycopg2' 2>/dev/null || need="$need python3-psycopg2"
fi
# PostgreSQL's server (initdb, pg_ctl: scripts/pg.sh starts a private one
# for the tests and benchmarks) and its client programs (psql)
if [ "${DEPS_TEST:-0}" = 1 ] || [ "${DEPS_BENCH:-0}" = 1 ]; then
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$need postgresql"
	command -v psql >/dev/null 2>&1 || need="$need postgresql-client"
fi
if [ "${DEPS_BENCH:-0}" = 1 ]; then
	command -v nginx >/dev/null 2>&1 || need="$need nginx-light"
	command -v wrk >/dev/null 2>&1 || need="$need wrk"
fi
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "deps: installing$need" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq $need >/dev/null
else
	echo "deps: missing Debian packages; install them with: sudo apt-get install$need" >&2
	exit 1
fi
