#!/usr/bin/env bash
# Runs every Go fuzz target in the module for the given time each (default
# 60s), one at a time, on one worker: `make fuzz` or scripts/fuzz.sh 5m.
# A crasher is saved by go test under the package's testdata/fuzz/ folder:
# commit it, it becomes a regression test that plain `go test` runs.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-60s}
failed=0
for pkg in $(go list ./...); do
	for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
		echo "== $pkg $target ($fuzztime)"
		if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime 5s -parallel 1 "$pkg"; then
			failed=$((failed + 1))
		fi
	done
done
if [ "$failed" -gt 0 ]; then
	echo "fuzz: $failed targets failed; see the saved inputs under testdata/fuzz/" >&2
	exit 1
fi
echo "fuzz: every target ran $fuzztime without a failure"
