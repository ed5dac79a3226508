#!/usr/bin/env bash
# Control plane under load, on loopback, with cmd/openclaw-load:
#
#   tools/bench-load.sh [DURATION] [RATE] [DELAY]    (defaults: 10s, 200, 2s)
#
# Starts a control plane on SQLite (rate limit off, simulated provisioning of
# DELAY), then: GET of one environment with 32 workers, list of 500 with 4
# workers, and a burst of RATE creates per second for 30 s with the
# create-to-complete latency of each. The load generator shares the machine's
# cores with the server, as it does in the README's figures.
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
trap 'stop_controlplane; rm -rf "$work"' EXIT
key=$(random_key)
start_controlplane "$work" "$key" "$delay"
export OPENCLAW_ENDPOINT=$CP_ENDPOINT OPENCLAW_API_KEY=$key

bin/openclaw-load get -c 32 -d "$d" -seed 50
bin/openclaw-load seed -seed 450 # 500 with the GET step's 50
bin/openclaw-load list -c 4 -d "$d" -page-size 500
bin/openclaw-load burst -rate "$rate" -d 30s
