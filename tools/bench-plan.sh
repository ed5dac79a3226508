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
# the ratios, each provider's peak RSS and CPU time during the plan (read by
# a wrapper around the plugin binary), Terraform core's CPU time (Terraform's
# own, its providers' taken out) and the control plane's.
#
# With BENCH_PROFILE_DIR set, every openclaw provider run of the timed plans
# also writes a pprof CPU profile there (OPENCLAW_PROVIDER_CPUPROFILE, see
# main.go); with BENCH_MEMPROFILE=1, allocation profiles instead
# (OPENCLAW_PROVIDER_MEMPROFILE: every allocation recorded, so slow; take
# the times of such a run with a grain of salt).
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

# Each provider runs behind a wrapper that records its peak RSS in KiB and
# its user and system CPU seconds; a file named "profile" in the work
# directory turns the profile hook on for openclaw runs.
wrap() {
	local name=$1 real=$2
	local dir=$work/providers/$name
	mkdir -p "$dir"
	cat >"$dir/$name" <<SH
#!/usr/bin/env bash
if [ "$name" = terraform-provider-openclaw ] && [ -e "$work/profile" ]; then
	if [ -n "\${BENCH_MEMPROFILE:-}" ]; then
		export OPENCLAW_PROVIDER_MEMPROFILE="\$BENCH_PROFILE_DIR/mem.\$\$.pprof"
	else
		export OPENCLAW_PROVIDER_CPUPROFILE="\$BENCH_PROFILE_DIR/cpu.\$\$.pprof"
	fi
fi
/usr/bin/time -f '%M %U %S' -o "$work/rss.$name.\$\$" "$real" "\$@"
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

# tf DIR ARGS...: terraform in $work/DIR; with TF_TIME set, its user+system
# CPU seconds, its providers' included, go to that file.
tf() {
	local timer=()
	[ -n "${TF_TIME:-}" ] && timer=(/usr/bin/time -f '%U %S' -o "$TF_TIME")
	"${timer[@]}" terraform -chdir="$work/$1" "${@:2}" -input=false -no-color >"$work/out.$1" 2>&1 || { cat "$work/out.$1" >&2; return 1; }
}
# cpu_ms FILE: the CPU milliseconds /usr/bin/time wrote there.
cpu_ms() { tail -n1 "$1" | awk '{ printf "%d", ($1 + $2) * 1000 }'; }
for c in openclaw core random; do
	echo "bench-plan: applying $n resources ($c)" >&2
	tf "$c" apply -auto-approve -parallelism=20
done

now() { date +%s%N; }
declare -A times
# provider_usage NAME: "peak-RSS-MiB cpu-ms" of a provider's runs since the
# last call (largest peak, summed CPU), then forgets them.
provider_usage() {
	local f max=0 cpu=0 line
	for f in "$work"/rss."$1".*; do
		[ -e "$f" ] || continue
		line=$(tail -n1 "$f")
		read -r kib user sys <<<"$line"
		((kib > max)) && max=$kib
		cpu=$(awk -v c="$cpu" -v u="$user" -v s="$sys" 'BEGIN { printf "%d", c + (u + s) * 1000 }')
		rm -f "$f"
	done
	awk -v k="$max" -v c="$cpu" 'BEGIN { printf "%.0f %d", k / 1024, c }'
}
# cp_cpu_ms: the control plane's user+system CPU so far, in milliseconds.
cp_cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1000 / hz }' "/proc/$CP_PID/stat"; }
if [ -n "${BENCH_PROFILE_DIR:-}" ]; then
	mkdir -p "$BENCH_PROFILE_DIR"
	export BENCH_PROFILE_DIR
	touch "$work/profile"
fi
rm -f "$work"/rss.*
declare -A rss cpu core
for r in $(seq 1 "$rounds"); do
	for c in openclaw core random; do
		[ "$c" = openclaw ] && cp0=$(cp_cpu_ms)
		s=$(now)
		TF_TIME="$work/tfcpu.$c" tf "$c" plan -refresh=true -detailed-exitcode
		times[$c]+="$(( ($(now) - s) / 1000000 )) "
		[ "$c" = openclaw ] && cpu[cp]+="$(($(cp_cpu_ms) - cp0)) "
	done
	read -r m u <<<"$(provider_usage terraform-provider-openclaw)"
	rss[openclaw]+="$m " cpu[openclaw]+="$u "
	core[openclaw]+="$(($(cpu_ms "$work/tfcpu.openclaw") - u)) "
	read -r m u <<<"$(provider_usage terraform-provider-random)"
	rss[random]+="$m " cpu[random]+="$u "
	core[random]+="$(($(cpu_ms "$work/tfcpu.random") - u)) "
	core[core]+="$(cpu_ms "$work/tfcpu.core") "
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
o=$(echo "${times[openclaw]}" | median)
c=$(echo "${times[core]}" | median)
rnd=$(echo "${times[random]}" | median)
ro=$(echo "${rss[openclaw]}" | median)
rr=$(echo "${rss[random]}" | median)
co=$(echo "${cpu[openclaw]}" | median)
cr=$(echo "${cpu[random]}" | median)
ccp=$(echo "${cpu[cp]}" | median)
ko=$(echo "${core[openclaw]}" | median)
kc=$(echo "${core[core]}" | median)
kr=$(echo "${core[random]}" | median)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf 'resources=%d rounds=%d (medians of interleaved refreshing plans), load average %s\n' "$n" "$rounds" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %-21s %8s   %-14s %s\n' "" wall "provider RSS" "CPU: Terraform core, provider, control plane"
printf '  %-21s %6d ms   %10d MiB   %6d ms, %6d ms, %6d ms\n' openclaw_environment "$o" "$ro" "$ko" "$co" "$ccp"
printf '  %-21s %6d ms   %14s   %6d ms\n' terraform_data "$c" "" "$kc"
printf '  %-21s %6d ms   %10d MiB   %6d ms, %6d ms\n' random_string "$rnd" "$rr" "$kr" "$cr"
printf '  ratio vs terraform_data %s   ratio vs random_string %s   RSS ratio vs random %s   provider CPU ratio vs random %s\n' \
	"$(ratio "$o" "$c")" "$(ratio "$o" "$rnd")" "$(ratio "$ro" "$rr")" "$(ratio "$co" "$cr")"
