#!/usr/bin/env bash
# Runs every fuzz target of the hostile-input front ends (issue 16), one after the other: go test
# fuzzes one target of one package per invocation. Their seeds (in code and in
# testdata/fuzz/<target>) already run as ordinary tests in `go test ./...`.
#
#   scripts/fuzz.sh [FUZZTIME]   FUZZTIME as go test -fuzztime takes it: 2000x (default: a fixed
#                                number of inputs, as `make test` runs it) or 60s (`make fuzz`)
#
# A failing input is written to the package's testdata/fuzz/<target>/ by go test: commit it as a
# seed with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${1:-2000x}"
go="${GO:-go}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

targets=(
	"./providers/identity FuzzCheckCompact"  # token parser front end vs a reference decoder
	"./providers/identity FuzzVerify"        # any input to Verify
	"./providers/identity FuzzTokenEdits"    # small edits of a valid token
	"./providers/identity FuzzClaims"        # the claim decoder
	"./internal/strictyaml FuzzDecode"       # the strict YAML decoder
)

for t in "${targets[@]}"; do
	read -r pkg target <<<"$t"
	start=$SECONDS
	# -parallel 2: the machines this runs on have two cores.
	"$go" test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -parallel 2 "$pkg" >"$log" 2>&1 || {
		cat "$log"
		echo "fuzz: $pkg $target failed"
		exit 1
	}
	echo "fuzz: $pkg $target ($fuzztime): ok in $((SECONDS - start))s"
done
