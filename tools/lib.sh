# Shared shell helpers of tools/demo.sh and tools/bench-scale.sh.
# Source it; it defines functions only.

# start_controlplane DIR KEY SIM_DELAY [FLAGS...]: starts
# bin/openclaw-controlplane (or $CP_BIN) on a free localhost port with SQLite under
# DIR/data (and any extra serve flags, such as --driver process), waits until
# it is ready, and sets CP_PID and CP_ENDPOINT. The log is DIR/controlplane.log.
start_controlplane() {
	local dir=$1 key=$2 delay=$3
	shift 3
	OPENCLAW_BOOTSTRAP_KEY="$key" "${CP_BIN:-bin/openclaw-controlplane}" serve \
		--listen 127.0.0.1:0 --data-dir "$dir/data" --addr-file "$dir/addr" --sim-delay "$delay" --rate-limit 0 "$@" \
		>"$dir/controlplane.log" 2>&1 &
	CP_PID=$!
	for _ in $(seq 1 300); do
		[ -s "$dir/addr" ] && break
		if ! kill -0 "$CP_PID" 2>/dev/null; then
			cat "$dir/controlplane.log" >&2
			echo "the control plane exited during start-up (log above)" >&2
			return 1
		fi
		sleep 0.1
	done
	[ -s "$dir/addr" ] || { echo "the control plane did not start within 30s; see $dir/controlplane.log" >&2; return 1; }
	CP_ENDPOINT="http://$(cat "$dir/addr")"
	curl -fsS "$CP_ENDPOINT/readyz" >/dev/null || { echo "the control plane at $CP_ENDPOINT is not ready; see $dir/controlplane.log" >&2; return 1; }
}

stop_controlplane() {
	if [ -n "${CP_PID:-}" ] && kill -0 "$CP_PID" 2>/dev/null; then
		kill "$CP_PID" && wait "$CP_PID" 2>/dev/null || true
	fi
}

# use_local_provider DIR ROOT: writes DIR/terraformrc with a dev_overrides
# entry for the provider built into ROOT/bin and exports TF_CLI_CONFIG_FILE.
use_local_provider() {
	local dir=$1 root=$2
	cat >"$dir/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "registry.terraform.io/openclaw/openclaw" = "$root/bin"
  }
  direct {}
}
RC
	export TF_CLI_CONFIG_FILE="$dir/terraformrc"
	export CHECKPOINT_DISABLE=1
}

random_key() {
	echo "ocp_local_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
}
