#!/usr/bin/env bash
# End-to-end demo against the local Collinear emulator; nothing leaves 127.0.0.1
# and nothing is downloaded.
#
#   1. builds the provider and the emulator into a temporary directory,
#   2. starts the emulator on a free loopback port with a demo key,
#   3. applies examples/quickstart (copied to the temporary directory so the
#      repository stays clean) through a dev_overrides CLI configuration,
#   4. prints the row ids, then runs a second plan, which must be empty,
#   5. applies examples/evaluation (a dataset, a judge and an evaluation run
#      wired together), prints the judges and runs the emulator holds, and
#      runs a second plan, which must be empty.
#
# Exits non-zero if any step fails or a second plan is not empty.
set -euo pipefail

cd "$(dirname "$0")/.."
repo="$(pwd)"
# shellcheck source=scripts/lib/emulator.sh
source "$repo/scripts/lib/emulator.sh"

export GOTOOLCHAIN=local
export CHECKPOINT_DISABLE=1
export TF_INPUT=0

step() { printf '\n==> %s\n' "$*"; }

terraform_bin="$(command -v terraform || true)"
if [[ -z "$terraform_bin" ]]; then
  echo "demo: terraform not found on PATH (this demo never downloads it)" >&2
  exit 1
fi

# Colours only on a terminal, so that logs of `make demo` stay readable.
color=()
if [[ ! -t 1 ]]; then
  color=(-no-color)
fi

tmp="$(mktemp -d)"
emulator_pid=""
cleanup() {
  local status=$?
  stop_emulator
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$tmp/bin"

step "Building the provider and the emulator into $tmp/bin"
go build -trimpath -ldflags "-X main.version=0.0.0-demo" -o "$tmp/bin/terraform-provider-collinear" .
go build -trimpath -o "$tmp/collinear-emulator" ./cmd/collinear-emulator

step "Starting the emulator on a free loopback port"
api_key="demo-key-$RANDOM$RANDOM"
start_emulator "$tmp/collinear-emulator" "$tmp" "$api_key" || { echo "demo: the emulator did not start" >&2; exit 1; }
use_dev_override "$tmp/terraformrc" "$tmp/bin" "$api_key"

# expect_empty_plan WHAT: runs a second plan in the current directory and
# fails the demo unless it is empty.
expect_empty_plan() {
  local what="$1" plan_status
  step "terraform plan -detailed-exitcode (must be empty: $what)"
  set +e
  "$terraform_bin" plan -detailed-exitcode -input=false "${color[@]}"
  plan_status=$?
  set -e
  case "$plan_status" in
    0) ;;
    2)
      printf '\nDEMO FAILED: the second plan is not empty (exit 2); applying again would change something.\n' >&2
      exit 1
      ;;
    *)
      printf '\nDEMO FAILED: the second plan failed (exit %s).\n' "$plan_status" >&2
      exit 1
      ;;
  esac
}

cp -R "$repo/examples/quickstart" "$tmp/quickstart"
cd "$tmp/quickstart"

step "terraform apply (first upload of examples/quickstart/data/eval.jsonl)"
"$terraform_bin" apply -auto-approve -input=false "${color[@]}"

step "terraform output row_ids"
"$terraform_bin" output "${color[@]}" row_ids

expect_empty_plan "nothing is uploaded twice"

cp -R "$repo/examples/evaluation" "$tmp/evaluation"
cd "$tmp/evaluation"

step "terraform apply (examples/evaluation: a dataset, a judge and an evaluation run)"
"$terraform_bin" apply -auto-approve -input=false "${color[@]}"

step "the emulator's judges and evaluation runs"
curl -fsS "$base_url/_emulator/judges"
echo
curl -fsS "$base_url/_emulator/evaluations"
echo

expect_empty_plan "no judge is created and no run started twice"

printf '\nDEMO OK: both second plans are empty (exit 0); applying again would upload nothing, create no judge and start no run.\n'
