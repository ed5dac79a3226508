#!/usr/bin/env bash
# Speed at hundreds of resources, measured with real Terraform:
#
#   tools/bench-scale.sh [N] [PARALLELISM]     (defaults: 200, 10)
#
# Starts a control plane with no simulator delay, then times terraform apply
# of N environments, a refreshing plan that must be empty, and destroy. Build
# first (make build). Prints one line per phase in seconds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
n=${1:-200}
par=${2:-10}
[ -x bin/openclaw-controlplane ] && [ -x bin/terraform-provider-openclaw ] || { echo "run make build first" >&2; exit 1; }
. tools/lib.sh

work=$(mktemp -d -t openclaw-bench.XXXXXX)
trap 'stop_controlplane; rm -rf "$work"' EXIT
key=$(random_key)
start_controlplane "$work" "$key" 0s
use_local_provider "$work" "$root"
export OPENCLAW_ENDPOINT=$CP_ENDPOINT OPENCLAW_API_KEY=$key
mkdir "$work/tf"
cat >"$work/tf/main.tf" <<TF
terraform {
  required_providers {
    openclaw = { source = "openclaw/openclaw" }
  }
}
provider "openclaw" {}
resource "openclaw_environment" "fleet" {
  count  = $n
  name   = "fleet-\${count.index}"
  region = "us-east"
  labels = { fleet = "bench" }
}
TF

since() { awk -v s="$1" -v e="$(date +%s%N)" 'BEGIN { printf "%.2f", (e - s) / 1e9 }'; }
seconds() { local s; s=$(date +%s%N); "$@" >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }; since "$s"; }
tf() { terraform -chdir="$work/tf" "$@" -input=false -parallelism="$par" -compact-warnings; }

apply=$(seconds tf apply -auto-approve)
plan_start=$(date +%s%N)
set +e
tf plan -detailed-exitcode >"$work/out" 2>&1
code=$?
set -e
plan=$(since "$plan_start")
[ "$code" = 0 ] || { cat "$work/out" >&2; echo "the plan after apply is not empty (exit $code)" >&2; exit 1; }
destroy=$(seconds tf destroy -auto-approve)
printf 'environments=%d parallelism=%d apply=%ss plan(refresh,empty)=%ss destroy=%ss\n' "$n" "$par" "$apply" "$plan" "$destroy"
