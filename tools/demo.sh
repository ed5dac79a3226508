#!/usr/bin/env bash
# make demo: start a local control plane (SQLite under ./.demo), apply
# examples/quickstart through the freshly built provider, show the result,
# prove the next plan is empty, stop the control plane.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\nmake demo: %s\n' "$*" >&2; exit 1; }

command -v terraform >/dev/null || fail "terraform is not on PATH. Install Terraform 1.11 or later (https://developer.hashicorp.com/terraform/install)."
command -v curl >/dev/null || fail "curl is not on PATH; it is used to wait for the control plane to be ready."
[ -x bin/openclaw-controlplane ] && [ -x bin/terraform-provider-openclaw ] || fail "bin/ has no binaries; run 'make demo' (it builds them) rather than this script."

demo="$root/.demo"
rm -rf "$demo"
mkdir -p "$demo"
. tools/lib.sh
key=$(random_key)

step "Starting the control plane (SQLite in .demo/data, simulated provisioning: 1s per transition)"
trap 'stop_controlplane; echo "control plane stopped (its log: .demo/controlplane.log)"' EXIT
start_controlplane "$demo" "$key" 1s || fail "see above"
endpoint=$CP_ENDPOINT
echo "listening on $endpoint"

step "Pointing Terraform at the provider in ./bin (dev_overrides, no registry download)"
use_local_provider "$demo" "$root"
cp -r examples/quickstart "$demo/quickstart"
export OPENCLAW_ENDPOINT="$endpoint"
export OPENCLAW_API_KEY="$key"
cat "$demo/terraformrc"

step "terraform apply examples/quickstart"
terraform -chdir="$demo/quickstart" apply -auto-approve -input=false -compact-warnings

step "terraform output"
terraform -chdir="$demo/quickstart" output

step "terraform plan -detailed-exitcode (a correct provider plans no changes)"
set +e
terraform -chdir="$demo/quickstart" plan -detailed-exitcode -input=false -compact-warnings
code=$?
set -e
case $code in
	0) echo "No changes: state and configuration agree." ;;
	2) fail "the second plan is not empty: that is a provider bug (perpetual diff)" ;;
	*) fail "terraform plan failed (exit $code)" ;;
esac

id=$(terraform -chdir="$demo/quickstart" output -raw environment_id)
step "What the simulator materialised: .demo/data/environments/$id/openclaw.json (the GPU pool is models.providers.local-llm)"
cat "$demo/data/environments/$id/openclaw.json"

step "The API itself: GET /v1/environments/$id (secrets show names and fingerprints only)"
curl -fsS -H "Authorization: Bearer $key" "$endpoint/v1/environments/$id"
echo

cat <<DONE

Demo complete. The state is in .demo/quickstart; the control plane's data in .demo/data.
To explore further, start the control plane again:
  OPENCLAW_BOOTSTRAP_KEY=... bin/openclaw-controlplane serve --data-dir .demo/data
DONE
