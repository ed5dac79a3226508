#!/usr/bin/env bash
# make demo: start a local control plane (SQLite under ./.demo) on the
# process driver (real OpenClaw gateways; installed by tools/openclaw.sh),
# apply examples/quickstart through the freshly built provider, show the
# live gateway answering next to Terraform's outputs, prove the next plan is
# empty, stop the control plane (and with it the gateway). When openclaw
# cannot be installed it says why and runs on the simulator instead.
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

step "Installing (or reusing) a real OpenClaw for the process driver: tools/openclaw.sh"
driver=simulator
driver_flags=()
if openclaw_bin=$(tools/openclaw.sh 2>"$demo/openclaw-install.log" | tail -n 1) && [ -x "$openclaw_bin" ]; then
	driver=process
	driver_flags=(--driver process --openclaw-bin "$openclaw_bin" --stop-gateways-on-exit)
	echo "openclaw: $openclaw_bin ($("$openclaw_bin" --version 2>/dev/null | head -n 1))"
else
	tail -n 5 "$demo/openclaw-install.log" >&2 || true
	echo "make demo: could not install openclaw (see above and .demo/openclaw-install.log): FALLING BACK TO THE SIMULATOR DRIVER, where nothing really runs." >&2
fi

if [ "$driver" = process ]; then
	step "Starting the control plane (SQLite in .demo/data, process driver: a real openclaw gateway per environment)"
else
	step "Starting the control plane (SQLite in .demo/data, SIMULATOR driver: simulated provisioning, 1s per transition)"
fi
trap 'stop_controlplane; echo "control plane stopped, gateways drained (its log: .demo/controlplane.log)"' EXIT
start_controlplane "$demo" "$key" 1s "${driver_flags[@]}" || fail "see above"
endpoint=$CP_ENDPOINT
echo "listening on $endpoint"

step "Pointing Terraform at the provider in ./bin (dev_overrides, no registry download)"
use_local_provider "$demo" "$root"
cp -r examples/quickstart "$demo/quickstart"
export OPENCLAW_ENDPOINT="$endpoint"
export OPENCLAW_API_KEY="$key"
cat "$demo/terraformrc"

step "terraform apply examples/quickstart (a real gateway takes 10 s to a few minutes to be ready, depending on the machine)"
terraform -chdir="$demo/quickstart" apply -auto-approve -input=false -compact-warnings

step "terraform output"
terraform -chdir="$demo/quickstart" output

gateway_url=$(terraform -chdir="$demo/quickstart" output -raw gateway_url)
if [ "$driver" = process ]; then
	step "The live gateway at $gateway_url answers"
	echo "\$ curl $gateway_url/healthz"
	curl -fsS "$gateway_url/healthz"
	echo
	echo "\$ curl $gateway_url/readyz"
	curl -fsS "$gateway_url/readyz" | head -c 300
	echo
else
	echo "(simulator driver: $gateway_url is a made-up address; nothing answers there)"
fi

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
step "The gateway's config: .demo/data/environments/$id/openclaw.json (the GPU pool is models.providers.local-llm)"
cat "$demo/data/environments/$id/openclaw.json"

if [ "$driver" = process ]; then
	step "The gateway's last log lines: GET /v1/environments/$id/logs?tail=8"
	curl -fsS -H "Authorization: Bearer $key" "$endpoint/v1/environments/$id/logs?tail=8"
	echo
fi

step "The API itself: GET /v1/environments/$id (secrets show names and fingerprints only)"
curl -fsS -H "Authorization: Bearer $key" "$endpoint/v1/environments/$id"
echo

cat <<DONE

Demo complete. The state is in .demo/quickstart; the control plane's data in .demo/data.
To explore further, start the control plane again (it starts the gateway again on the same state directory):
  OPENCLAW_BOOTSTRAP_KEY=... bin/openclaw-controlplane serve --data-dir .demo/data ${driver_flags[*]:-}
DONE
