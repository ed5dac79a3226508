#!/usr/bin/env bash
# Apply and destroy at scale against the ideal:
#
#   tools/bench-apply.sh [N] [PARALLELISM] [DELAY] [ROUNDS]   (defaults: 100, 10, 2s, 1)
#
# Starts a control plane whose simulated provisioning takes DELAY per
# transition, measures Terraform's fixed cost (an apply with nothing to do)
# and one environment's create and destroy, then times apply and destroy of N
# environments. The ideal is the fixed cost plus ceil(N / PARALLELISM) waves
# of one create (or destroy): what Terraform could do if the provider and the
# control plane added nothing. Prints the times and the ratios; with ROUNDS
# above 1, every measurement is repeated that many times, interleaved, and
# the medians are compared (one run moves by a tenth on a shared machine).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
n=${1:-100}
par=${2:-10}
delay=${3:-2s}
rounds=${4:-1}
. tools/lib.sh
make -s build >/dev/null

work=$(mktemp -d -t openclaw-bench-apply.XXXXXX)
trap 'stop_controlplane; rm -rf "$work"' EXIT
key=$(random_key)
start_controlplane "$work" "$key" "$delay"
use_local_provider "$work" "$root"
export OPENCLAW_ENDPOINT=$CP_ENDPOINT OPENCLAW_API_KEY=$key

config() { # config DIR COUNT
	mkdir -p "$1"
	cat >"$1/main.tf" <<TF
terraform {
  required_providers {
    openclaw = { source = "openclaw/openclaw" }
  }
}
resource "openclaw_environment" "fleet" {
  count  = $2
  name   = "$(basename "$1")-\${count.index}"
  region = "us-east"
}
TF
}
now() { date +%s%N; }
ms() { # ms DIR ARGS...: runs terraform, prints milliseconds
	local s
	s=$(now)
	terraform -chdir="$1" "${@:2}" -input=false -no-color -parallelism="$par" >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
	echo $(( ($(now) - s) / 1000000 ))
}

config "$work/one" 1
config "$work/fleet" "$n"
ms "$work/one" apply -auto-approve >/dev/null # warm caches
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
fixeds='' one_destroys='' one_creates='' applies='' destroys=''
for round in $(seq 1 "$rounds"); do
	fixeds+=" $(ms "$work/one" apply -auto-approve)" # nothing to do
	one_destroys+=" $(ms "$work/one" destroy -auto-approve)"
	one_creates+=" $(ms "$work/one" apply -auto-approve)"
	applies+=" $(ms "$work/fleet" apply -auto-approve)"
	destroys+=" $(ms "$work/fleet" destroy -auto-approve)"
	[ "$rounds" -gt 1 ] && echo "bench-apply: round $round of $rounds: fixed$fixeds; create$one_creates; destroy$one_destroys; apply$applies; destroy$destroys" >&2
done
ms "$work/one" destroy -auto-approve >/dev/null
fixed=$(echo "$fixeds" | median)
one_destroy=$(echo "$one_destroys" | median)
one_create=$(echo "$one_creates" | median)
apply=$(echo "$applies" | median)
destroy=$(echo "$destroys" | median)

waves=$(( (n + par - 1) / par ))
ideal_apply=$(( fixed + waves * (one_create - fixed) ))
ideal_destroy=$(( fixed + waves * (one_destroy - fixed) ))
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf 'environments=%d parallelism=%d simulated delay=%s waves=%d rounds=%d (medians), load average %s\n' "$n" "$par" "$delay" "$waves" "$rounds" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '  fixed cost (no-op apply) %6d ms; one create %d ms; one destroy %d ms\n' "$fixed" "$one_create" "$one_destroy"
printf '  apply    %6d ms   ideal %6d ms   ratio %s\n' "$apply" "$ideal_apply" "$(ratio "$apply" "$ideal_apply")"
printf '  destroy  %6d ms   ideal %6d ms   ratio %s\n' "$destroy" "$ideal_destroy" "$(ratio "$destroy" "$ideal_destroy")"
