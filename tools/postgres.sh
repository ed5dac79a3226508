#!/usr/bin/env bash
# Throwaway PostgreSQL for tests.
#
#   tools/postgres.sh start DIR PORT   initialize DIR if needed, start the server
#                                      on 127.0.0.1:PORT, print its URL
#   tools/postgres.sh stop DIR         stop the server whose data is in DIR
#   tools/postgres.sh status DIR       exit 0 if it is running
#
# The printed URL (the only thing written to stdout) is
#   postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
# which is what OPENCLAW_TEST_POSTGRES_URL expects. Authentication is
# "trust" and durability is off: never point this at data you want to keep.
#
# The server binaries (initdb, pg_ctl, postgres; PostgreSQL 15 is what CI
# uses) are taken from $PG_BIN, else /usr/local/bin, else PATH. initdb
# refuses to run as root, so as root everything runs as the "postgres" user,
# which then owns DIR and is given search permission on DIR's ancestors where
# it lacks it (a note on stderr says so).
set -euo pipefail

prog=$(basename "$0")

die() {
	echo "$prog: $*" >&2
	exit 1
}

usage() {
	sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

find_bin() {
	local name=$1 dir
	for dir in ${PG_BIN:-} /usr/local/bin; do
		if [[ -x $dir/$name ]]; then
			echo "$dir/$name"
			return
		fi
	done
	command -v "$name" 2>/dev/null || true
}

INITDB= PG_CTL=
load_bins() {
	local missing=() name path
	for name in initdb pg_ctl postgres; do
		path=$(find_bin "$name")
		if [[ -z $path ]]; then
			missing+=("$name")
			continue
		fi
		case $name in
		initdb) INITDB=$path ;;
		pg_ctl) PG_CTL=$path ;;
		esac
	done
	if ((${#missing[@]})); then
		die "PostgreSQL server binaries not found: ${missing[*]} (looked in ${PG_BIN:+$PG_BIN, }/usr/local/bin and PATH; install PostgreSQL 15, e.g. apt-get install postgresql-15, or set PG_BIN)"
	fi
}

# as_pg runs a command as the server's owner.
as_pg() {
	if ((EUID == 0)); then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

abs_dir() {
	mkdir -p "$1"
	(cd "$1" && pwd)
}

prepare_dir() {
	local dir=$1
	if ((EUID == 0)); then
		id postgres >/dev/null 2>&1 || die "running as root, but there is no \"postgres\" user to run the server as (initdb refuses root)"
		chown postgres: "$dir"
		chmod 700 "$dir"
		# The server runs as postgres and must reach DIR: give it search
		# permission (x, not r) on the ancestors that deny it, such as the
		# 0700 directory mktemp -d makes. Top-down, so that each test sees
		# its parents already open.
		local ancestors=() d=$dir
		while [[ $d != / ]]; do
			d=$(dirname "$d")
			ancestors=("$d" "${ancestors[@]}")
		done
		for d in "${ancestors[@]}"; do
			if ! as_pg test -x "$d"; then
				chmod o+x "$d"
				echo "$prog: note: gave other users search permission (o+x) on $d so that user postgres can reach $dir" >&2
			fi
		done
		as_pg test -w "$dir" || die "user postgres cannot write $dir"
	fi
}

running() {
	as_pg "$PG_CTL" -D "$1" status >/dev/null 2>&1
}

cmd_start() {
	local dir port out pidport
	[[ $# -eq 2 ]] || usage
	port=$2
	[[ $port =~ ^[0-9]+$ ]] && ((port > 0 && port < 65536)) || die "invalid port: $port"
	load_bins
	dir=$(abs_dir "$1")
	# Check before prepare_dir changes the owner of a directory given by
	# mistake.
	if [[ ! -f $dir/PG_VERSION && -n $(ls -A "$dir") ]]; then
		die "$dir is neither empty nor a PostgreSQL data directory"
	fi
	prepare_dir "$dir"
	cd "$dir" # somewhere the postgres user can stand

	if [[ ! -f $dir/PG_VERSION ]]; then
		if ! out=$(as_pg "$INITDB" -D "$dir" -U postgres --auth=trust --no-sync --encoding=UTF8 --locale=C 2>&1); then
			echo "$out" >&2
			die "initdb failed in $dir"
		fi
	fi

	if running "$dir"; then
		pidport=$(sed -n 4p "$dir/postmaster.pid" 2>/dev/null || true)
		if [[ -n $pidport && $pidport != "$port" ]]; then
			die "the server in $dir is already running on port $pidport, not $port"
		fi
	else
		# The Unix socket lives in DIR unless that path is too long for a
		# socket address; TCP is what the URL uses anyway.
		local sockdir=$dir
		if ((${#dir} + 20 > 107)); then
			sockdir=
		fi
		if ! as_pg "$PG_CTL" -D "$dir" -l "$dir/log" -w -t 60 \
			-o "-c listen_addresses=127.0.0.1 -p $port -k '$sockdir' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
			start >/dev/null; then
			tail -n 20 "$dir/log" >&2 || true
			die "could not start PostgreSQL in $dir on port $port (log: $dir/log)"
		fi
	fi
	echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
}

cmd_stop() {
	local dir
	[[ $# -eq 1 ]] || usage
	[[ -d $1 ]] || die "no such directory: $1"
	load_bins
	dir=$(abs_dir "$1")
	[[ -f $dir/PG_VERSION ]] || die "$dir is not a PostgreSQL data directory"
	cd "$dir"
	if ! running "$dir"; then
		echo "$prog: PostgreSQL in $dir is not running" >&2
		return 0
	fi
	as_pg "$PG_CTL" -D "$dir" -m fast -w -t 60 stop >/dev/null
}

cmd_status() {
	local dir
	[[ $# -eq 1 ]] || usage
	load_bins
	[[ -d $1 ]] || die "no such directory: $1"
	dir=$(abs_dir "$1")
	cd "$dir"
	as_pg "$PG_CTL" -D "$dir" status
}

[[ $# -ge 1 ]] || usage
command=$1
shift
case $command in
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
status) cmd_status "$@" ;;
*) usage ;;
esac
