#!/usr/bin/env bash
# Throwaway Kubernetes cluster for tests.
#
#   tools/kubernetes.sh start DIR   build what is missing (once per machine),
#                                   start a cluster with its state in DIR,
#                                   print the admin kubeconfig's path
#   tools/kubernetes.sh stop DIR    stop the cluster in DIR (apiserver before etcd)
#   tools/kubernetes.sh status DIR  exit 0 if every component in DIR is running
#   tools/kubernetes.sh build       only build the cache; print its directory
#
# The cluster is etcd, kube-apiserver, kube-controller-manager, kube-scheduler
# and kwok with one fake node ("kwok-node-0"): pods are scheduled and reported
# Running, but no container ever runs. Everything listens on 127.0.0.1 only.
# There is no volume provisioner: a claim binds to a PersistentVolume that the
# test creates. The admin kubeconfig (DIR/kubeconfig, the last line printed on
# stdout) authenticates with a static token of a system:masters user.
#
# Kubernetes v1.36.3 (apiserver, controller manager, scheduler) is built from
# the Go module proxy by the module in tools/kubernetes, kwok v0.8.0 and etcd
# v3.6.8 by the ones in tools/kubernetes/kwok and tools/kubernetes/etcd, into
# $OPENCLAW_KUBE_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/openclaw-tf/kubernetes),
# at nice 19: minutes on 2 idle cores, up to an hour on busy ones. Not
# Debian's etcd 3.4: it cannot answer watch progress requests, and without
# them every client of the cluster sees events tens of seconds late. $ETCD_BIN
# names another etcd (3.5 or later).
set -euo pipefail

prog=$(basename "$0")
root=$(cd "$(dirname "$0")/.." && pwd)
module_dir=$root/tools/kubernetes
k8s_version=v1.36.3
node_name=kwok-node-0

die() {
	echo "$prog: $*" >&2
	exit 1
}

note() {
	echo "$prog: $*" >&2
}

usage() {
	sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

abs_dir() {
	mkdir -p "$1"
	(cd "$1" && pwd)
}

# cache_dir is keyed by the modules' go.mod and go.sum and by this script's
# build recipe, so that changing either builds anew instead of reusing
# binaries of another version.
cache_dir() {
	local base=${OPENCLAW_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-tf/kubernetes}
	local key
	key=$( (cat "$module_dir"/go.{mod,sum} "$module_dir"/{kwok,etcd}/go.{mod,sum}; declare -f build_into) | sha256sum | cut -c1-12)
	echo "$base/$k8s_version-$key"
}

# build_into OUT builds the binaries into OUT/bin and copies kwok's stage
# files into OUT/stages.
build_into() {
	local out=$1 kwok_dir stage
	mkdir -p "$out/bin" "$out/stages"
	# Clients refuse a server whose version is not a release's, and the
	# module build leaves it unset: stamp it as the release scripts do.
	(cd "$module_dir" && nice -n 19 go build -trimpath \
		-ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=36" \
		-o "$out/bin/" \
		k8s.io/kubernetes/cmd/kube-apiserver \
		k8s.io/kubernetes/cmd/kube-controller-manager \
		k8s.io/kubernetes/cmd/kube-scheduler)
	(cd "$module_dir/kwok" && nice -n 19 go build -trimpath -ldflags "-s -w" -o "$out/bin/" sigs.k8s.io/kwok/cmd/kwok)
	(cd "$module_dir/etcd" && nice -n 19 go build -trimpath -ldflags "-s -w" -o "$out/bin/etcd" .)
	# kwok does nothing without stages; these are the ones kwokctl uses.
	kwok_dir=$(cd "$module_dir/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
	for stage in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
		pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
		cp "$kwok_dir/kustomize/stage/$stage.yaml" "$out/stages/"
	done
}

# ensure_built prints the cache directory, building it first if needed.
# A lock keeps two concurrent starts from building twice.
ensure_built() {
	local dir tmp start
	dir=$(cache_dir)
	if [[ -f $dir/complete ]]; then
		echo "$dir"
		return
	fi
	command -v go >/dev/null || die "go is not on PATH; it builds the Kubernetes binaries"
	mkdir -p "$(dirname "$dir")"
	exec 9>"$dir.lock"
	flock 9
	if [[ ! -f $dir/complete ]]; then
		note "building Kubernetes $k8s_version, kwok and etcd into $dir (once per machine; several minutes)"
		start=$(date +%s)
		tmp=$(mktemp -d "$dir.tmp.XXXXXX")
		if ! build_into "$tmp" >"$tmp.log" 2>&1; then
			tail -n 30 "$tmp.log" >&2
			rm -rf "$tmp"
			die "building the Kubernetes binaries failed (full log: $tmp.log)"
		fi
		rm -rf "$dir" "$tmp.log"
		mv "$tmp" "$dir"
		touch "$dir/complete"
		note "built in $(($(date +%s) - start))s"
	fi
	exec 9>&-
	echo "$dir"
}

free_ports() {
	python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# The components, in start order; stop goes backwards.
components=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

pid_of() {
	local file=$1/run/$2.pid pid
	[[ -f $file ]] || return 1
	pid=$(<"$file")
	# The pid must still be that component, not a reused number.
	[[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2" || return 1
	echo "$pid"
}

running() {
	pid_of "$1" "$2" >/dev/null
}

# launch DIR NAME BIN ARGS... starts a component in its own session with
# stdin, stdout and stderr detached from the caller (a test reading our
# stdout must see EOF when we exit).
launch() {
	local dir=$1 name=$2 pid i
	shift 2
	setsid "$@" </dev/null >"$dir/logs/$name.log" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/run/$name.pid"
	# Until it has exec'd, the child is a copy of this script, whose command
	# line does not name the component: on a busy machine pid_of would take
	# the slow exec for an exit. Wait for the exec (or the exit).
	for ((i = 0; i < 200; i++)); do
		if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$name" || ! kill -0 "$pid" 2>/dev/null; then
			return 0
		fi
		sleep 0.05
	done
}

# wait_for DIR NAME SECONDS CMD... polls CMD every 0.1s until it succeeds,
# failing early if the component has exited.
wait_for() {
	local dir=$1 name=$2 seconds=$3 i
	shift 3
	for ((i = 0; i < seconds * 10; i++)); do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		if ! running "$dir" "$name"; then
			tail -n 30 "$dir/logs/$name.log" >&2 || true
			fail_start "$dir" "$name exited during start-up (log: $dir/logs/$name.log)"
		fi
		sleep 0.1
	done
	tail -n 30 "$dir/logs/$name.log" >&2 || true
	fail_start "$dir" "$name was not ready within ${seconds}s (log: $dir/logs/$name.log)"
}

fail_start() {
	stop_components "$1"
	die "$2"
}

# api DIR METHOD PATH [BODY] calls the API server as the admin.
api() {
	local dir=$1 method=$2 path=$3
	shift 3
	curl -fsS --cacert "$dir/pki/ca.crt" -H "Authorization: Bearer $(<"$dir/pki/admin.token")" \
		-H 'Content-Type: application/json' -X "$method" "$(<"$dir/run/server")$path" "$@"
}

make_pki() {
	local pki=$1/pki
	mkdir -p "$pki"
	chmod 700 "$pki"
	(
		cd "$pki"
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 \
			-subj "/CN=openclaw-test-ca" 2>/dev/null
		openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr \
			-subj "/CN=kube-apiserver" 2>/dev/null
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' >apiserver.ext
		openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
			-out apiserver.crt -days 30 -extfile apiserver.ext 2>/dev/null
		openssl genrsa -out sa.key 2048 2>/dev/null
		openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
		head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >admin.token
		echo "$(<admin.token),admin,admin,system:masters" >tokens.csv
	)
}

write_kubeconfig() {
	local dir=$1 server=$2
	cat >"$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: openclaw-test
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 <"$dir/pki/ca.crt")
users:
- name: admin
  user:
    token: $(<"$dir/pki/admin.token")
contexts:
- name: openclaw-test
  context:
    cluster: openclaw-test
    user: admin
current-context: openclaw-test
EOF
	chmod 600 "$dir/kubeconfig"
}

node_json() {
	cat <<EOF
{
  "apiVersion": "v1",
  "kind": "Node",
  "metadata": {
    "name": "$node_name",
    "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
    "labels": {"kubernetes.io/hostname": "$node_name", "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "type": "kwok"}
  },
  "status": {
    "allocatable": {"cpu": "64", "memory": "256Gi", "pods": "110"},
    "capacity": {"cpu": "64", "memory": "256Gi", "pods": "110"}
  }
}
EOF
}

node_ready() {
	api "$1" GET "/api/v1/nodes/$node_name" | tr -d ' \n' | grep -q '"type":"Ready","status":"True"'
}

cmd_start() {
	[[ $# -eq 1 ]] || usage
	local dir cache etcd_client etcd_peer api_port server
	dir=$(abs_dir "$1")
	if [[ -f $dir/run/server ]]; then
		local all=1 name
		for name in "${components[@]}"; do running "$dir" "$name" || all=0; done
		if ((all)); then
			echo "$dir/kubeconfig"
			return
		fi
		note "the cluster in $dir is partly running; restarting it"
		stop_components "$dir"
	fi
	command -v openssl >/dev/null || die "openssl is not on PATH; it makes the cluster's certificates"
	command -v curl >/dev/null || die "curl is not on PATH"
	command -v python3 >/dev/null || die "python3 is not on PATH; it picks free ports"
	cache=$(ensure_built)
	local etcd=${ETCD_BIN:-$cache/bin/etcd}
	[[ -x $etcd ]] || die "etcd ($etcd) is not an executable"
	mkdir -p "$dir/logs" "$dir/run"
	rm -rf "$dir/etcd" "$dir/pki"
	make_pki "$dir"

	read -r etcd_client etcd_peer api_port <<<"$(free_ports 3)"
	server="https://127.0.0.1:$api_port"
	echo "$server" >"$dir/run/server"
	write_kubeconfig "$dir" "$server"

	local started
	started=$(date +%s%N)
	launch "$dir" etcd "$etcd" --name default --data-dir "$dir/etcd" \
		--listen-client-urls "http://127.0.0.1:$etcd_client" --advertise-client-urls "http://127.0.0.1:$etcd_client" \
		--listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
		--initial-cluster "default=http://127.0.0.1:$etcd_peer" --logger zap --log-level warn
	wait_for "$dir" etcd 30 curl -fsS "http://127.0.0.1:$etcd_client/health"

	# --endpoint-reconciler-type=none: the "kubernetes" Service's endpoints
	# may not be a loopback address, and nothing in the tests uses them.
	launch "$dir" kube-apiserver "$cache/bin/kube-apiserver" \
		--etcd-servers "http://127.0.0.1:$etcd_client" \
		--bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
		--endpoint-reconciler-type none \
		--tls-cert-file "$dir/pki/apiserver.crt" --tls-private-key-file "$dir/pki/apiserver.key" \
		--client-ca-file "$dir/pki/ca.crt" --token-auth-file "$dir/pki/tokens.csv" \
		--authorization-mode RBAC \
		--service-account-issuer https://kubernetes.default.svc --service-account-key-file "$dir/pki/sa.pub" \
		--service-account-signing-key-file "$dir/pki/sa.key" \
		--service-cluster-ip-range 10.96.0.0/16 --allow-privileged=true --profiling=false
	wait_for "$dir" kube-apiserver 60 api "$dir" GET /readyz

	launch "$dir" kube-controller-manager "$cache/bin/kube-controller-manager" \
		--kubeconfig "$dir/kubeconfig" --leader-elect=false --secure-port 0 \
		--service-account-private-key-file "$dir/pki/sa.key" --root-ca-file "$dir/pki/ca.crt" \
		--use-service-account-credentials=false --profiling=false
	launch "$dir" kube-scheduler "$cache/bin/kube-scheduler" \
		--kubeconfig "$dir/kubeconfig" --leader-elect=false --secure-port 0 --profiling=false
	local stages
	stages=$(printf '%s,' "$cache"/stages/*.yaml)
	launch "$dir" kwok "$cache/bin/kwok" \
		--kubeconfig "$dir/kubeconfig" --config "${stages%,}" \
		--manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
		--node-ip 127.0.0.1 --node-lease-duration-seconds 40

	api "$dir" POST /api/v1/nodes -d "$(node_json)" >/dev/null || fail_start "$dir" "could not create node $node_name"
	wait_for "$dir" kwok 60 node_ready "$dir"
	# Pods need the namespace's default ServiceAccount, which the controller
	# manager makes: once it exists, the controllers are running.
	wait_for "$dir" kube-controller-manager 60 api "$dir" GET /api/v1/namespaces/default/serviceaccounts/default
	running "$dir" kube-scheduler || fail_start "$dir" "kube-scheduler exited (log: $dir/logs/kube-scheduler.log)"
	note "cluster ready at $server in $((($(date +%s%N) - started) / 1000000))ms"
	echo "$dir/kubeconfig"
}

# stop_pid NAME PID sends SIGTERM and waits up to 30s, then SIGKILL.
stop_pid() {
	local name=$1 pid=$2 i
	kill "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 300; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	note "$name (pid $pid) did not stop within 30s; killing it"
	kill -9 "$pid" 2>/dev/null || true
}

# stop_components stops in reverse start order: the API server goes before
# etcd, so it never runs without its storage.
stop_components() {
	local dir=$1 i name pid
	for ((i = ${#components[@]} - 1; i >= 0; i--)); do
		name=${components[i]}
		if pid=$(pid_of "$dir" "$name"); then
			stop_pid "$name" "$pid"
		fi
		rm -f "$dir/run/$name.pid"
	done
}

cmd_stop() {
	[[ $# -eq 1 ]] || usage
	[[ -d $1 ]] || die "no such directory: $1"
	local dir
	dir=$(abs_dir "$1")
	[[ -d $dir/run ]] || die "$dir holds no cluster"
	stop_components "$dir"
}

cmd_status() {
	[[ $# -eq 1 ]] || usage
	local dir name rc=0
	dir=$(abs_dir "$1")
	for name in "${components[@]}"; do
		if running "$dir" "$name"; then
			echo "$name: running"
		else
			echo "$name: stopped"
			rc=1
		fi
	done
	return $rc
}

[[ $# -ge 1 ]] || usage
command=$1
shift
case $command in
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
status) cmd_status "$@" ;;
build)
	[[ $# -eq 0 ]] || usage
	ensure_built
	;;
*) usage ;;
esac
