#!/usr/bin/env bash
# Control plane under load, on loopback, with cmd/openclaw-load:
#
#   tools/bench-load.sh [DURATION] [RATE] [DELAY]    (defaults: 10s, 200, 2s)
#   BASELINE=main tools/bench-load.sh ...            (also the control plane of a git ref)
#   BENCH_POSTGRES=1 tools/bench-load.sh ...         (on PostgreSQL instead of SQLite)
#
# Starts a control plane on SQLite (rate limit off, simulated provisioning of
# DELAY), then: GET of one environment with 32 workers, list of 500 with 4
# workers, and a burst of RATE creates per second for 20 s with the
# create-to-complete latency of each and the engine's steps per second. Each
# phase gets a fresh control plane. With BASELINE, the control plane built
# from that git ref runs each phase first, right before this tree's, so the
# two are compared under the same machine load. With BENCH_POSTGRES=1 each
# phase's control plane uses a fresh throwaway PostgreSQL (tools/postgres.sh,
# durability off) on the same machine instead of SQLite. The load generator shares the
# machine's cores with the server, as it does in the README's figures.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
d=${1:-10s}
rate=${2:-200}
delay=${3:-2s}
. tools/lib.sh
make -s build >/dev/null
go build -o bin/openclaw-load ./cmd/openclaw-load

work=$(mktemp -d -t openclaw-bench-load.XXXXXX)
pgdir=$work/pg
dbname=SQLite
[ -n "${BENCH_POSTGRES:-}" ] && dbname=PostgreSQL
stop_postgres() { if [ -d "$pgdir" ]; then tools/postgres.sh stop "$pgdir" >/dev/null 2>&1 || true; rm -rf "$pgdir"; fi; }
trap 'stop_controlplane; stop_postgres; rm -rf "$work"' EXIT
bins=("current=$root/bin/openclaw-controlplane")
if [ -n "${BASELINE:-}" ]; then
	mkdir -p "$work/baseline"
	git archive "$BASELINE" | tar -x -C "$work/baseline"
	(cd "$work/baseline" && go build -o "$work/openclaw-controlplane-baseline" ./cmd/openclaw-controlplane)
	bins=("baseline($BASELINE)=$work/openclaw-controlplane-baseline" "${bins[@]}")
fi

# phase NAME DELAY COMMAND...: runs the command against a fresh control plane
# of each binary in turn.
phase() {
	local name=$1 sim=$2
	shift 2
	for b in "${bins[@]}"; do
		local label=${b%%=*}
		CP_BIN=${b#*=}
		rm -rf "$work/cp" && mkdir -p "$work/cp"
		key=$(random_key)
		local db=()
		if [ -n "${BENCH_POSTGRES:-}" ]; then
			stop_postgres
			local port
			port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
			db=(--database "$(tools/postgres.sh start "$pgdir" "$port")")
		fi
		start_controlplane "$work/cp" "$key" "$sim" "${db[@]}"
		echo "== $name: $label on $dbname (load average $(cut -d' ' -f1-3 /proc/loadavg))"
		OPENCLAW_ENDPOINT=$CP_ENDPOINT OPENCLAW_API_KEY=$key "$@"
		stop_controlplane
		stop_postgres
	done
}

phase get 0s bin/openclaw-load get -c 32 -d "$d" -seed 50
phase list 0s sh -c "bin/openclaw-load seed -seed 500 && bin/openclaw-load list -c 4 -d '$d' -page-size 500"
phase burst "$delay" bin/openclaw-load burst -rate "$rate" -d 20s
