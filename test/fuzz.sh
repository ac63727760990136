#!/usr/bin/env bash
# fuzz.sh: run every fuzz target of the module for a bounded time
# (FUZZTIME, default 8s each), as part of make test. The corpora kept in
# the repository (each package's testdata/fuzz/NAME) are the seeds; with
# --keep, the inputs this run found interesting are added to them, to be
# committed.
set -euo pipefail
cd "$(dirname "$0")/.."
keep=${1:-}
cache=$(go env GOCACHE)/fuzz
module=$(go list -m)
grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
	dir=$(dirname "$file")
	pkg=$module/${dir#./}
	for name in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | cut -d' ' -f2); do
		echo "fuzz: $pkg $name ${FUZZTIME:-8s}"
		go test -run '^$' -fuzz "^$name\$" -fuzztime "${FUZZTIME:-8s}" "$dir" >/tmp/mgw-fuzz.log 2>&1 || {
			cat /tmp/mgw-fuzz.log
			echo "fuzz: $name failed; the failing input is in $dir/testdata/fuzz/$name" >&2
			exit 1
		}
		if [ "$keep" = --keep ] && [ -d "$cache/$pkg/$name" ]; then
			mkdir -p "$dir/testdata/fuzz/$name"
			cp -n "$cache/$pkg/$name"/* "$dir/testdata/fuzz/$name/"
		fi
	done
done
