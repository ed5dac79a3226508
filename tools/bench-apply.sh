#!/usr/bin/env bash
# Apply and destroy at scale against the ideal:
#
#   tools/bench-apply.sh [N] [PARALLELISM] [DELAY]     (defaults: 100, 10, 2s)
#
# Starts a control plane whose simulated provisioning takes DELAY per
# transition, measures Terraform's fixed cost (an apply with nothing to do)
# and one environment's create and destroy, then times apply and destroy of N
# environments. The ideal is the fixed cost plus ceil(N / PARALLELISM) waves
# of one create (or destroy): what Terraform could do if the provider and the
# control plane added nothing. Prints the times and the ratios.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
n=${1:-100}
par=${2:-10}
delay=${3:-2s}
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
fixed=$(ms "$work/one" apply -auto-approve)   # nothing to do
one_destroy=$(ms "$work/one" destroy -auto-approve)
one_create=$(ms "$work/one" apply -auto-approve)
ms "$work/one" destroy -auto-approve >/dev/null
apply=$(ms "$work/fleet" apply -auto-approve)
destroy=$(ms "$work/fleet" destroy -auto-approve)

waves=$(( (n + par - 1) / par ))
ideal_apply=$(( fixed + waves * (one_create - fixed) ))
ideal_destroy=$(( fixed + waves * (one_destroy - fixed) ))
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf 'environments=%d parallelism=%d simulated delay=%s waves=%d\n' "$n" "$par" "$delay" "$waves"
printf '  fixed cost (no-op apply) %6d ms; one create %d ms; one destroy %d ms\n' "$fixed" "$one_create" "$one_destroy"
printf '  apply    %6d ms   ideal %6d ms   ratio %s\n' "$apply" "$ideal_apply" "$(ratio "$apply" "$ideal_apply")"
printf '  destroy  %6d ms   ideal %6d ms   ratio %s\n' "$destroy" "$ideal_destroy" "$(ratio "$destroy" "$ideal_destroy")"
