#!/usr/bin/env bash
# make test: every test of the repository.
#
#   - unit tests of every package
#   - acceptance tests (TF_ACC=1): real `terraform plan/apply` against an
#     in-process control plane per test
#   - the store suite against SQLite and against a throwaway PostgreSQL
#     started here (unless OPENCLAW_TEST_POSTGRES_URL points at one)
#   - the Kubernetes tests (driver, object builders, acceptance on the
#     Kubernetes driver) against a throwaway cluster started here with
#     tools/kubernetes.sh (unless OPENCLAW_TEST_KUBECONFIG points at one);
#     the first start on a machine builds Kubernetes from the Go module
#     proxy into a cache, several minutes. OPENCLAW_TEST_KUBE=0 skips them.
#   - a few acceptance tests on the process driver, with real OpenClaw
#     gateways (installed by tools/openclaw.sh unless OPENCLAW_BIN is set)
#
# Extra arguments go to `go test` (default: ./...).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

fail() { echo "make test: $*" >&2; exit 1; }
command -v go >/dev/null || fail "go is not on PATH"
tf=$(command -v terraform || true)
[ -n "$tf" ] || fail "terraform is not on PATH; the acceptance tests run real Terraform (1.11 or later)"

work=$(mktemp -d -t openclaw-test.XXXXXX)
pgdir="$work/pg"
kubedir="$work/kube"
cleanup() {
	if [ -d "$pgdir" ]; then tools/postgres.sh stop "$pgdir" >/dev/null 2>&1 || true; fi
	if [ -d "$kubedir/run" ]; then tools/kubernetes.sh stop "$kubedir" >/dev/null 2>&1 || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${OPENCLAW_TEST_POSTGRES_URL:-}" ]; then
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 55432)
	echo "make test: starting a throwaway PostgreSQL on 127.0.0.1:$port" >&2
	OPENCLAW_TEST_POSTGRES_URL=$(tools/postgres.sh start "$pgdir" "$port") || fail "could not start PostgreSQL (see above); set OPENCLAW_TEST_POSTGRES_URL to use an existing server"
	export OPENCLAW_TEST_POSTGRES_URL
fi

# The process-driver acceptance tests run real OpenClaw gateways: install
# Node 24 and openclaw from npm once (cached under ~/.cache/openclaw-tf).
if [ -z "${OPENCLAW_BIN:-}" ]; then
	echo "make test: installing (or reusing) OpenClaw for the process-driver tests" >&2
	OPENCLAW_BIN=$(tools/openclaw.sh | tail -n 1) || fail "could not install openclaw with tools/openclaw.sh (see above); the process-driver acceptance tests need it (or set OPENCLAW_BIN to an installed openclaw)"
	export OPENCLAW_BIN
fi

# One cluster for every package's Kubernetes tests; each test works in a
# namespace of its own.
if [ "${OPENCLAW_TEST_KUBE:-1}" = 0 ]; then
	echo "make test: OPENCLAW_TEST_KUBE=0: skipping the Kubernetes tests" >&2
	unset OPENCLAW_TEST_KUBECONFIG
elif [ -z "${OPENCLAW_TEST_KUBECONFIG:-}" ]; then
	echo "make test: starting a throwaway Kubernetes cluster (OPENCLAW_TEST_KUBE=0 skips its tests)" >&2
	OPENCLAW_TEST_KUBECONFIG=$(tools/kubernetes.sh start "$kubedir" | tail -n 1) || fail "could not start the Kubernetes cluster (see above); set OPENCLAW_TEST_KUBECONFIG to use an existing one, or OPENCLAW_TEST_KUBE=0 to skip the Kubernetes tests"
	export OPENCLAW_TEST_KUBECONFIG
fi

touch "$work/terraformrc"
export TF_CLI_CONFIG_FILE="$work/terraformrc"
export TF_ACC=1
export TF_ACC_TERRAFORM_PATH="$tf"
export CHECKPOINT_DISABLE=1

args=("$@")
[ ${#args[@]} -gt 0 ] || args=(./...)
start=$(date +%s)
go test -count=1 -timeout 45m "${args[@]}"
echo "make test: passed in $(( $(date +%s) - start ))s" >&2
