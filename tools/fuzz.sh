#!/usr/bin/env bash
# make fuzz: runs every Go fuzz target for FUZZTIME each (default 30s);
# FUZZFLAGS adds go test flags (e.g. -parallel 1 on a shared machine).
# Seeds are under each package's testdata/fuzz/<target> and `make test`
# runs them; a crash found here is written there too: commit it with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-30s}
# Packages with fuzz targets, found rather than listed, so a new target runs.
mapfile -t files < <(git ls-files '*_test.go' | xargs grep -l '^func Fuzz' || true)
[ ${#files[@]} -gt 0 ] || { echo "make fuzz: no fuzz targets" >&2; exit 1; }
for f in "${files[@]}"; do
	pkg="./$(dirname "$f")"
	for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //'); do
		echo "make fuzz: $target in $pkg for $fuzztime" >&2
		start=$(date +%s)
		go test -run "^$" -fuzz "^${target}\$" -fuzztime "$fuzztime" ${FUZZFLAGS:-} "$pkg"
		echo "make fuzz: $target ran $(( $(date +%s) - start ))s" >&2
	done
done
