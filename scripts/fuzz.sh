#!/usr/bin/env bash
# Runs Go fuzz targets one after the other, each for FUZZTIME (default 20s).
#
#   scripts/fuzz.sh                                  every Fuzz* target in ./internal/...
#   scripts/fuzz.sh ./internal/dataset:FuzzScanCSV   only the given package:target pairs
#
# New inputs that make a target fail are written by `go test` to the package's
# testdata/fuzz directory; commit them as regression cases.
set -euo pipefail

cd "$(dirname "$0")/.."

export GOTOOLCHAIN=local
fuzztime="${FUZZTIME:-20s}"

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "==> Listing fuzz targets in ./internal/..."
  if ! listing="$(go test -run='^$' -list='^Fuzz' ./internal/...)"; then
    echo "$listing" >&2
    echo "fuzz: listing the fuzz targets failed" >&2
    exit 1
  fi
  names=()
  while read -r first second _; do
    case "$first" in
      Fuzz*) names+=("$first") ;;
      ok)
        for name in "${names[@]}"; do
          targets+=("$second:$name")
        done
        names=()
        ;;
      *) names=() ;;
    esac
  done <<<"$listing"
fi

if [[ ${#targets[@]} -eq 0 ]]; then
  echo "fuzz: no fuzz targets found" >&2
  exit 1
fi

for entry in "${targets[@]}"; do
  pkg="${entry%%:*}"
  name="${entry##*:}"
  echo "==> $name in $pkg for $fuzztime"
  go test -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" "$pkg"
done
echo "==> ${#targets[@]} fuzz target(s) passed"
