#!/usr/bin/env bash
# Runs a command with a quiet Terraform: an empty CLI config when the
# configured one is missing (every run would warn), and no update checks.
set -euo pipefail
if [ -z "${TF_CLI_CONFIG_FILE:-}" ] || [ ! -f "${TF_CLI_CONFIG_FILE}" ]; then
	rc=$(mktemp -t openclaw-terraformrc.XXXXXX)
	trap 'rm -f "$rc"' EXIT
	export TF_CLI_CONFIG_FILE="$rc"
fi
export CHECKPOINT_DISABLE=1
command -v terraform >/dev/null || { echo "terraform is not on PATH (Terraform 1.11 or later is needed)" >&2; exit 1; }
"$@"
