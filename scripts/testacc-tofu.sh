#!/usr/bin/env bash
# Runs the acceptance tests of ./internal/provider under OpenTofu instead of
# Terraform:
#
#   TF_ACC=1 TF_ACC_TERRAFORM_PATH=bin/tofu-<version> \
#     TF_ACC_PROVIDER_HOST=registry.opentofu.org \
#     go test -count=1 -p 2 -parallel 6 -timeout 20m ./internal/provider/
#
# OpenTofu is built from source on first use and cached as ./bin/tofu-<version>
# (bin/ is git-ignored). The only way to get it here is the Go module proxy: the
# module source of github.com/opentofu/opentofu@<version> is downloaded with
# `go mod download`, copied into a temporary folder (the module cache is
# read-only) and built there as the main module, so that its go.mod replace
# directives apply. The build is a full build of OpenTofu and slow; later runs
# reuse the binary.
#
# Environment:
#   TOFU_VERSION  OpenTofu release to build and test with (default below). It
#                 must build with the local Go toolchain (GOTOOLCHAIN=local):
#                 its go.mod `go` line may not be newer than `go version`.
#   TOFU_BIN      An OpenTofu binary to test with instead of building one (the
#                 GitHub workflow installs it with opentofu/setup-opentofu).
#                 TOFU_VERSION is then not used.
#
# Nothing is written to the home folder: the CLI configuration
# (TF_CLI_CONFIG_FILE) is a throw-away file in a temporary folder, and the build
# happens in a temporary folder too. The tests talk only to the in-process
# emulator on 127.0.0.1; TF_ACC_TERRAFORM_VERSION is left unset so that
# terraform-plugin-testing never tries to download a CLI.
#
# The script exits with the status of `go test`.
set -euo pipefail

cd "$(dirname "$0")/.."
repo="$(pwd)"

export GOTOOLCHAIN=local
export CHECKPOINT_DISABLE=1

TOFU_VERSION="${TOFU_VERSION:-v1.12.6}"
TOFU_VERSION="v${TOFU_VERSION#v}"
tofu="$repo/bin/tofu-${TOFU_VERSION#v}"
if [[ -n "${TOFU_BIN:-}" ]]; then
  tofu="$(command -v "$TOFU_BIN")" || { echo "TOFU_BIN=$TOFU_BIN: no such executable" >&2; exit 1; }
fi

tmp="$(mktemp -d)"
cleanup() { chmod -R u+w "$tmp" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

# A CLI configuration of our own: the machine's TF_CLI_CONFIG_FILE may point at
# a file that does not exist. OpenTofu reads TF_CLI_CONFIG_FILE as Terraform does.
printf 'disable_checkpoint = true\n' > "$tmp/tofurc"
export TF_CLI_CONFIG_FILE="$tmp/tofurc"

# tofu_version is the first line of `tofu version`, e.g. "OpenTofu v1.12.6".
tofu_version() { local out; out="$("$tofu" version)"; echo "${out%%$'\n'*}"; }

# tofu_ok tells whether $tofu is a working OpenTofu of the wanted version.
tofu_ok() {
  [[ -x "$tofu" ]] || return 1
  local out
  # Whole output first: a pipe into head could end tofu with SIGPIPE, which
  # pipefail would count as a failure.
  out="$("$tofu" version 2>/dev/null)" || return 1
  [[ "${out%%$'\n'*}" == "OpenTofu ${TOFU_VERSION}" ]]
}

build_tofu() {
  local go_version mod_json src_dir need started elapsed
  go_version="$(go env GOVERSION)"
  echo "==> Building OpenTofu ${TOFU_VERSION} into ${tofu} with ${go_version} (GOTOOLCHAIN=local)"

  mod_json="$(go mod download -json "github.com/opentofu/opentofu@${TOFU_VERSION}")" || {
    echo "go mod download github.com/opentofu/opentofu@${TOFU_VERSION} failed:" >&2
    echo "$mod_json" >&2
    return 1
  }
  src_dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$mod_json")"
  if [[ -z "$src_dir" || ! -f "$src_dir/go.mod" ]]; then
    echo "no module source for github.com/opentofu/opentofu@${TOFU_VERSION}:" >&2
    echo "$mod_json" >&2
    return 1
  fi

  # Refuse early, with a clear message, a release that needs a newer Go.
  need="$(awk '$1 == "go" { print $2; exit }' "$src_dir/go.mod")"
  if [[ -n "$need" ]] && ! printf '%s\n%s\n' "go${need}" "$go_version" | sort -V -C; then
    echo "OpenTofu ${TOFU_VERSION} requires go ${need} but the local toolchain is ${go_version};" >&2
    echo "set TOFU_VERSION to an older release (go list -m -versions github.com/opentofu/opentofu)." >&2
    return 1
  fi

  # The module cache is read-only: build in a writable copy.
  cp -R "$src_dir" "$tmp/opentofu"
  chmod -R u+w "$tmp/opentofu"

  started=$SECONDS
  (
    cd "$tmp/opentofu"
    # As OpenTofu's release builds: no cgo, and version.dev=no so that the
    # binary reports the plain release version rather than "<version>-dev".
    CGO_ENABLED=0 go build -mod=readonly -buildvcs=false -trimpath \
      -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" \
      -o "$tofu.tmp.$$" ./cmd/tofu
  ) || { rm -f "$tofu.tmp.$$"; return 1; }
  mv -f "$tofu.tmp.$$" "$tofu"
  elapsed=$((SECONDS - started))
  echo "==> Built $(tofu_version) in $((elapsed / 60))m$((elapsed % 60))s"
}

mkdir -p "$repo/bin"
if [[ -z "${TOFU_BIN:-}" ]] && ! tofu_ok; then
  # One build at a time when several runs start together; the second one finds
  # the binary built by the first.
  exec 9>"$repo/bin/.tofu-build.lock"
  flock 9
  if ! tofu_ok; then
    build_tofu
  fi
  flock -u 9
  exec 9>&-
fi
echo "==> Using $(tofu_version) at ${tofu}"

unset TF_ACC_TERRAFORM_VERSION
export TF_ACC=1
export TF_ACC_TERRAFORM_PATH="$tofu"
export TF_ACC_PROVIDER_HOST=registry.opentofu.org

echo "==> TF_ACC=1 TF_ACC_TERRAFORM_PATH=${tofu} TF_ACC_PROVIDER_HOST=${TF_ACC_PROVIDER_HOST} go test -count=1 -p 2 -parallel 6 -timeout 20m ./internal/provider/"
status=0
go test -count=1 -p 2 -parallel 6 -timeout 20m ./internal/provider/ "$@" || status=$?
exit "$status"
