#!/usr/bin/env bash
# Refresh speed and provider memory at scale, measured side by side:
#
#   tools/bench-plan.sh [N] [ROUNDS]      (defaults: 500, 3)
#
# Applies three configurations of N resources each: openclaw_environment
# (against a local control plane with no simulator delay), terraform_data
# (Terraform core only, no provider) and random_string (the random provider:
# the same plugin framework, no API at all). Then it times a refreshing
# `terraform plan` of each, interleaved ROUNDS times, and prints the medians,
# the ratios and each provider's peak RSS during the plan (VmHWM, read by a
# wrapper around the plugin binary).
#
# The random provider is built once with `go install` from the module path
# its go.mod declares, at a pinned pseudo-version (the hashicorp/... path
# resolves to an old v2 that does not build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
n=${1:-500}
rounds=${2:-3}
RANDOM_VERSION=v1.3.2-0.20260824155315-e1092b0cfc07
. tools/lib.sh

make -s build >/dev/null
tools_bin="${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-tf/bench-bin"
if [ ! -x "$tools_bin/terraform-provider-random" ]; then
	echo "bench-plan: building the random provider ($RANDOM_VERSION) once into $tools_bin" >&2
	GOBIN="$tools_bin" go install "github.com/terraform-providers/terraform-provider-random@$RANDOM_VERSION"
fi

work=$(mktemp -d -t openclaw-bench-plan.XXXXXX)
trap 'stop_controlplane; rm -rf "$work"' EXIT
key=$(random_key)
start_controlplane "$work" "$key" 0s
export OPENCLAW_ENDPOINT=$CP_ENDPOINT OPENCLAW_API_KEY=$key CHECKPOINT_DISABLE=1

# Each provider runs behind a wrapper that records its peak RSS in KiB.
wrap() {
	local name=$1 real=$2
	local dir=$work/providers/$name
	mkdir -p "$dir"
	cat >"$dir/$name" <<SH
#!/usr/bin/env bash
/usr/bin/time -f %M -o "$work/rss.$name.\$\$" "$real" "\$@"
SH
	chmod +x "$dir/$name"
}
wrap terraform-provider-openclaw "$root/bin/terraform-provider-openclaw"
wrap terraform-provider-random "$tools_bin/terraform-provider-random"
cat >"$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "registry.terraform.io/openclaw/openclaw" = "$work/providers/terraform-provider-openclaw"
    "registry.terraform.io/hashicorp/random"  = "$work/providers/terraform-provider-random"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE=$work/terraformrc

mk() {
	mkdir -p "$work/$1"
	cat >"$work/$1/main.tf"
}
mk openclaw <<TF
terraform {
  required_providers {
    openclaw = { source = "openclaw/openclaw" }
  }
}
resource "openclaw_environment" "fleet" {
  count  = $n
  name   = "fleet-\${count.index}"
  region = "us-east"
  labels = { fleet = "bench" }
}
TF
mk core <<TF
resource "terraform_data" "fleet" {
  count = $n
  input = { name = "fleet-\${count.index}", region = "us-east", labels = { fleet = "bench" } }
}
TF
mk random <<TF
terraform {
  required_providers {
    random = { source = "hashicorp/random" }
  }
}
resource "random_string" "fleet" {
  count  = $n
  length = 16
}
TF

tf() { terraform -chdir="$work/$1" "${@:2}" -input=false -no-color >"$work/out.$1" 2>&1 || { cat "$work/out.$1" >&2; return 1; }; }
for c in openclaw core random; do
	echo "bench-plan: applying $n resources ($c)" >&2
	tf "$c" apply -auto-approve -parallelism=20
done

now() { date +%s%N; }
declare -A times
peak_rss() { # largest VmHWM of a provider's runs since the last reset, MiB
	local f max=0 v
	for f in "$work"/rss."$1".*; do
		[ -e "$f" ] || continue
		v=$(tail -n1 "$f")
		((v > max)) && max=$v
		rm -f "$f"
	done
	awk -v k="$max" 'BEGIN { printf "%.0f", k / 1024 }'
}
rm -f "$work"/rss.*
declare -A rss
for r in $(seq 1 "$rounds"); do
	for c in openclaw core random; do
		s=$(now)
		tf "$c" plan -refresh=true -detailed-exitcode
		times[$c]+="$(( ($(now) - s) / 1000000 )) "
	done
	rss[openclaw]+="$(peak_rss terraform-provider-openclaw) "
	rss[random]+="$(peak_rss terraform-provider-random) "
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
o=$(echo "${times[openclaw]}" | median)
c=$(echo "${times[core]}" | median)
rnd=$(echo "${times[random]}" | median)
ro=$(echo "${rss[openclaw]}" | median)
rr=$(echo "${rss[random]}" | median)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf 'resources=%d rounds=%d (medians of interleaved refreshing plans)\n' "$n" "$rounds"
printf '  openclaw_environment  %6d ms   provider peak RSS %4d MiB\n' "$o" "$ro"
printf '  terraform_data        %6d ms   (no provider)\n' "$c"
printf '  random_string         %6d ms   provider peak RSS %4d MiB\n' "$rnd" "$rr"
printf '  ratio vs terraform_data %s   ratio vs random_string %s   RSS ratio vs random %s\n' \
	"$(ratio "$o" "$c")" "$(ratio "$o" "$rnd")" "$(ratio "$ro" "$rr")"
