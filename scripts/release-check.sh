#!/usr/bin/env bash
# Checks the release configuration and builds a local snapshot release, without
# signing or publishing anything:
#
#   goreleaser check
#   goreleaser release --snapshot --clean --skip=sign,publish
#
# goreleaser v2.16.0 is installed into ./bin on first use. goreleaser wants a
# git remote; when the repository has none, the check runs in a temporary clone
# of the committed HEAD with a dummy "origin" (never fetched from or pushed to)
# and the snapshot artifacts are copied back to ./dist.
set -euo pipefail

cd "$(dirname "$0")/.."
repo="$(pwd)"

export GOTOOLCHAIN=local
export CHECKPOINT_DISABLE=1

GORELEASER_VERSION=v2.16.0
goreleaser="$repo/bin/goreleaser"
dummy_remote="https://github.com/collinear-ai/terraform-provider-collinear.git"

if ! "$goreleaser" --version 2>/dev/null | grep -E "GitVersion:[[:space:]]+$GORELEASER_VERSION\$" >/dev/null; then
  echo "==> Installing goreleaser $GORELEASER_VERSION into $repo/bin"
  GOBIN="$repo/bin" go install "github.com/goreleaser/goreleaser/v2@$GORELEASER_VERSION"
fi

workdir="$repo"
tmp=""
cleanup() { if [[ -n "$tmp" ]]; then rm -rf "$tmp"; fi; }
trap cleanup EXIT

if ! git -C "$repo" remote get-url origin >/dev/null 2>&1; then
  tmp="$(mktemp -d)"
  workdir="$tmp/clone"
  echo "==> No git remote: using a temporary clone of HEAD ($(git -C "$repo" rev-parse --short HEAD)) with a dummy origin"
  if [[ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]]; then
    echo "    note: uncommitted changes are not part of this check"
  fi
  git clone --quiet --no-hardlinks "$repo" "$workdir"
  git -C "$workdir" remote set-url origin "$dummy_remote"
fi

cd "$workdir"

echo "==> goreleaser check"
"$goreleaser" check

echo "==> goreleaser release --snapshot --clean --skip=sign,publish"
"$goreleaser" release --snapshot --clean --skip=sign,publish

if [[ "$workdir" != "$repo" ]]; then
  rm -rf "$repo/dist"
  cp -R "$workdir/dist" "$repo/dist"
fi

echo "==> Snapshot archives in dist/"
shopt -s nullglob
zips=("$repo"/dist/*.zip)
if [[ ${#zips[@]} -eq 0 ]]; then
  echo "release-check: no zip archives were produced" >&2
  exit 1
fi
ls -l "${zips[@]}"
for extra in "$repo"/dist/*_SHA256SUMS "$repo"/dist/*_manifest.json; do
  ls -l "$extra"
done
