#!/usr/bin/env bash
# Release builds and the check that they are what the registries accept.
#
#   tools/release.sh snapshot [--single-target]   goreleaser snapshot into dist/, then check it
#   tools/release.sh check [DIST]                 check an existing dist/ (default ./dist)
#   tools/release.sh selftest [DIST]              the check refuses broken copies of a good DIST
#
# The Terraform Registry and the HCP Terraform private registry take, per
# version V:
#   terraform-provider-openclaw_V_<os>_<arch>.zip   holding terraform-provider-openclaw_vV(.exe) only
#   terraform-provider-openclaw_V_SHA256SUMS         one line per zip and for the manifest, nothing else
#   terraform-provider-openclaw_V_SHA256SUMS.sig     binary (not ASCII-armoured) detached GPG signature
#   terraform-provider-openclaw_V_manifest.json      {"version": 1, "metadata": {"protocol_versions": ["6.0"]}}
# The control plane ships as openclaw-controlplane_V_<os>_<arch>.tar.gz (binary,
# hardened systemd unit), each with its own detached signature.
#
# Signing uses the key of GPG_FINGERPRINT when it is set, else a throwaway
# RSA key made for this run in a temporary GNUPGHOME (its signatures prove
# the pipeline, not the release).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

fail() { echo "release check: $*" >&2; exit 1; }
note() { echo "release: $*" >&2; }
for tool in go gpg jq zip unzip sha256sum tar; do
	command -v "$tool" >/dev/null || fail "$tool is not on PATH (Debian: apt-get install gnupg jq zip unzip)"
done

keydir="" workdir="" tmp="" selfdir=""
cleanup() {
	[ -z "$tmp" ] || rm -rf "$tmp"
	[ -z "$selfdir" ] || rm -rf "$selfdir"
	if [ -n "$keydir" ]; then
		# Stop the agent gpg started for the throwaway home.
		GNUPGHOME="$keydir" gpgconf --kill all 2>/dev/null || true
		rm -rf "$keydir"
	fi
	[ -z "$workdir" ] || rm -rf "$workdir"
}
check() {
	local dist=${1:-dist}
	[ -d "$dist" ] || fail "$dist does not exist; run tools/release.sh snapshot"
	local manifests=("$dist"/terraform-provider-openclaw_*_manifest.json)
	[ ${#manifests[@]} -eq 1 ] && [ -f "${manifests[0]}" ] || fail "want exactly one terraform-provider-openclaw_<version>_manifest.json in $dist, found: ${manifests[*]}"
	local v
	v=$(basename "${manifests[0]}")
	v=${v#terraform-provider-openclaw_}
	v=${v%_manifest.json}
	[[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || fail "version $v is not a semantic version without a leading v"
	local p="terraform-provider-openclaw_$v"

	# Manifest: protocol 6.0 only (the provider serves protocol 6).
	jq -e '.version == 1 and .metadata.protocol_versions == ["6.0"]' "${manifests[0]}" >/dev/null ||
		fail "${manifests[0]} must be {\"version\": 1, \"metadata\": {\"protocol_versions\": [\"6.0\"]}}, is: $(cat "${manifests[0]}")"

	# Zips: names, and the binary alone inside, built for that platform.
	local zips=("$dist/${p}"_*.zip)
	[ -f "${zips[0]}" ] || fail "no ${p}_<os>_<arch>.zip in $dist"
	tmp=$(mktemp -d)
	trap cleanup EXIT
	local want_sums=("${p}_manifest.json")
	for z in "${zips[@]}"; do
		local name os arch bin
		name=$(basename "$z")
		[[ $name =~ ^${p//./\\.}_(linux|darwin|windows|freebsd|openbsd|solaris)_(amd64|arm64|386|arm)\.zip$ ]] || fail "$name is not ${p}_<os>_<arch>.zip"
		os=${BASH_REMATCH[1]} arch=${BASH_REMATCH[2]}
		bin="terraform-provider-openclaw_v$v"
		[ "$os" = windows ] && bin="$bin.exe"
		[ "$(unzip -Z1 "$z")" = "$bin" ] || fail "$name must hold $bin and nothing else, holds: $(unzip -Z1 "$z" | tr '\n' ' ')"
		unzip -q -o "$z" -d "$tmp/$os-$arch"
		local info
		info=$(go version -m "$tmp/$os-$arch/$bin") || fail "$name: $bin is not a Go binary"
		grep -q "GOOS=$os\$" <<<"$info" && grep -q "GOARCH=$arch\$" <<<"$info" || fail "$name: $bin is not built for $os/$arch"
		[ "$os" = windows ] || [ -x "$tmp/$os-$arch/$bin" ] || fail "$name: $bin is not executable"
		want_sums+=("$name")
	done

	# SHA256SUMS: exactly the zips and the manifest, every sum right.
	local sums="$dist/${p}_SHA256SUMS"
	[ -f "$sums" ] || fail "no ${p}_SHA256SUMS"
	local listed wanted
	listed=$(awk '{print $2}' "$sums" | sort)
	wanted=$(printf '%s\n' "${want_sums[@]}" | sort)
	[ "$listed" = "$wanted" ] || fail "$(basename "$sums") lists
$listed
want exactly
$wanted"
	(cd "$dist" && sha256sum --quiet --strict -c "$(basename "$sums")") || fail "a checksum in $(basename "$sums") does not match"

	# Signature: binary, detached, valid.
	local sig="$sums.sig"
	[ -f "$sig" ] || fail "no $(basename "$sig")"
	! head -c 5 "$sig" | grep -q -- '-----' || fail "$(basename "$sig") is ASCII-armoured; the registries need a binary signature (gpg --detach-sign without --armor)"
	gpg --batch --verify "$sig" "$sums" 2>"$tmp/verify" || { cat "$tmp/verify" >&2; fail "$(basename "$sig") does not verify (with GNUPGHOME=${GNUPGHOME:-~/.gnupg}; import the signing key's public key there first)"; }

	# Control plane archives: binary and hardened unit, signed.
	local cps=("$dist"/openclaw-controlplane_"$v"_*.tar.gz)
	[ -f "${cps[0]}" ] || fail "no openclaw-controlplane_${v}_<os>_<arch>.tar.gz in $dist"
	for a in "${cps[@]}"; do
		local name
		name=$(basename "$a")
		[[ $name =~ ^openclaw-controlplane_${v//./\\.}_(linux|darwin)_(amd64|arm64)\.tar\.gz$ ]] || fail "unexpected control plane archive $name"
		gpg --batch --verify "$a.sig" "$a" 2>"$tmp/verify" || { cat "$tmp/verify" >&2; fail "$name.sig does not verify"; }
		local x="$tmp/cp-${BASH_REMATCH[1]}-${BASH_REMATCH[2]}"
		mkdir -p "$x"
		tar -xzf "$a" -C "$x"
		[ -x "$x/openclaw-controlplane" ] || fail "$name has no executable openclaw-controlplane"
		local unit="$x/openclaw-controlplane.service"
		[ -f "$unit" ] || fail "$name has no openclaw-controlplane.service"
		for directive in '^User=openclaw-controlplane$' '^ProtectSystem=strict$' '^StateDirectory=openclaw-controlplane$' \
			'^Restart=on-failure$' '^NoNewPrivileges=yes$' '^ExecStart=/usr/local/bin/openclaw-controlplane serve$'; do
			grep -q "$directive" "$unit" || fail "$name: openclaw-controlplane.service lacks $directive"
		done
		if command -v systemd-analyze >/dev/null; then
			# Syntax and directive names, with ExecStart pointed at the
			# extracted binary (systemd-analyze wants it to exist).
			mkdir -p "$x/unit"
			sed "s|/usr/local/bin/openclaw-controlplane|$x/openclaw-controlplane|" "$unit" >"$x/unit/openclaw-controlplane.service"
			local out
			out=$(systemd-analyze verify "$x/unit/openclaw-controlplane.service" 2>&1) || fail "systemd-analyze verify: $out"
			[ -z "$out" ] || fail "systemd-analyze verify openclaw-controlplane.service: $out"
		fi
	done
	echo "release check: $dist holds a registry-compliant release of $v: ${#zips[@]} provider zip(s), SHA256SUMS (zips + manifest) with a verified binary signature, manifest protocol 6.0, ${#cps[@]} control plane archive(s)" >&2
}

# selftest DIST: the check must refuse each way a release can be wrong.
# Each tamper_* function breaks a copy of a good DIST (in the current
# directory, with $zip, $sums and $manifest naming its files).
tamper_protocol() { jq '.metadata.protocol_versions = ["5.0"]' "$manifest" >m.new && mv m.new "$manifest"; }
tamper_zip_extra() { echo x >README.md && zip -q "$zip" README.md; }
tamper_zip_after_sums() { echo >>"$zip"; }
tamper_sums_missing_zip() { sed -i '/\.zip$/d' "$sums"; }
tamper_sums_after_signing() { echo "0000  extra.zip" >>"$sums"; }
tamper_armoured_sig() { printf -- '-----BEGIN PGP SIGNATURE-----\n' >"$sums.sig"; }
tamper_no_manifest() { rm "$manifest"; }
selftest() {
	local dist=${1:-dist}
	selfdir=$(mktemp -d)
	local zip sums manifest n=0
	zip=$(basename "$(ls "$dist"/terraform-provider-openclaw_*_*.zip | head -1)")
	sums=$(basename "$(ls "$dist"/terraform-provider-openclaw_*_SHA256SUMS)")
	manifest=$(basename "$(ls "$dist"/terraform-provider-openclaw_*_manifest.json)")
	for t in tamper_protocol tamper_zip_extra tamper_zip_after_sums tamper_sums_missing_zip tamper_sums_after_signing tamper_armoured_sig tamper_no_manifest; do
		local casedir="$selfdir/case"
		rm -rf "$casedir" && cp -r "$dist" "$casedir"
		(cd "$casedir" && "$t")
		# A subshell whose cleanup only removes its own temporary files.
		if (keydir="" workdir="" selfdir="" && check "$casedir") >/dev/null 2>&1; then
			fail "selftest: the check accepted a broken release ($t)"
		fi
		n=$((n + 1))
	done
	echo "release check: selftest: the check refused all $n broken releases" >&2
}

# snapshot [--single-target]: the release build, unpublished. goreleaser's
# release has no --single-target (only its build does), so that option
# builds from a copy of the configuration narrowed to this machine's
# platform: the same archives, sums and signatures, one target each.
snapshot() {
	local goreleaser=${GORELEASER:-$root/bin/goreleaser}
	[ -x "$goreleaser" ] || fail "no goreleaser at $goreleaser (make release-snapshot installs it)"
	trap cleanup EXIT
	local args=(release --snapshot --clean)
	while [ $# -gt 0 ]; do
		case $1 in
		--single-target)
			workdir=$(mktemp -d)
			sed -e "s/^    goos: .*/    goos: [$(go env GOOS)]/" -e "s/^    goarch: .*/    goarch: [$(go env GOARCH)]/" .goreleaser.yml >"$workdir/goreleaser.yml"
			grep -q "goos: \[$(go env GOOS)\]" "$workdir/goreleaser.yml" || fail "could not narrow .goreleaser.yml to one target"
			args+=(--config "$workdir/goreleaser.yml")
			;;
		*) args+=("$1") ;;
		esac
		shift
	done
	if [ -z "${GPG_FINGERPRINT:-}" ]; then
		keydir=$(mktemp -d)
		export GNUPGHOME="$keydir"
		gpg --batch --passphrase '' --quick-gen-key "OpenClaw release check (throwaway) <release-check@invalid>" rsa4096 sign 1d 2>/dev/null
		GPG_FINGERPRINT=$(gpg --batch --with-colons --list-secret-keys | awk -F: '/^fpr/ {print $10; exit}')
		export GPG_FINGERPRINT
		note "signing with throwaway key $GPG_FINGERPRINT (set GPG_FINGERPRINT to sign with a real one)"
	fi
	"$goreleaser" "${args[@]}"
	# goreleaser uploads the manifest under this name when it publishes
	# (release.extra_files); a snapshot only puts it in the sums, so place
	# it as the registry will see it.
	local v
	v=$(jq -r .version dist/metadata.json)
	cp terraform-registry-manifest.json "dist/terraform-provider-openclaw_${v}_manifest.json"
	check dist
	selftest dist
}

case "${1:-}" in
check) shift; check "$@" ;;
selftest) shift; selftest "$@" ;;
snapshot) shift; snapshot "$@" ;;
*) echo "usage: tools/release.sh snapshot [--single-target] | check [DIST]" >&2; exit 2 ;;
esac
