#!/usr/bin/env bash
# End-to-end benchmark of the collinear_dataset resource against a freshly
# started local emulator; nothing leaves 127.0.0.1 and nothing is downloaded.
#
#   1. builds the provider and the emulator into a temporary directory;
#   2. generates BENCH_ROWS rows (default 100000, ~320 bytes each) with
#      scripts/genrows, as JSON Lines (for Terraform) and as a JSON array (for curl);
#   3. times, each on its own (wall seconds):
#        sha256     sha256sum of the JSONL file (the floor for reading it once);
#        tf_fixed   terraform apply creating a 1-row dataset: what Terraform
#                   itself costs per apply here, whatever the size;
#        curl       one multipart upload of the JSON array with curl (the floor
#                   for sending the rows once), into another dataset;
#        apply      terraform apply creating a collinear_dataset (compact_row_ids)
#                   over the JSONL, then checks row_count = N;
#        noop_plan  terraform plan -detailed-exitcode, which must exit 0;
#        update     appends 100 rows and runs terraform apply, then checks with the
#                   emulator's request log that this apply sent exactly 100 rows;
#   4. polls VmHWM of the provider process(es) started by each terraform command
#      every ~50 ms and reports the peak;
#   5. prints a table and appends the same figures as one JSON line to
#      .bench/results.jsonl (BENCH_RESULTS), to compare runs between commits.
#
# Environment:
#   BENCH_ROWS      number of rows (default 100000; 700000 is a ~225 MB file)
#   BENCH_CONTEXT_BYTES  lengthen each row's context to about this many bytes:
#                   wide rows, so that a large file holds few rows (100000 rows
#                   with 2000 is a ~210 MB file); default: rows of ~300 bytes
#   BENCH_RESULTS   results file (default <repo>/.bench/results.jsonl)
#   BENCH_TF_LOG    if set (e.g. INFO), terraform runs with TF_LOG_PROVIDER at
#                   that level and the logs are kept in .bench/logs/<run>/ (slower)
#   BENCH_KEEP=1    keep the temporary directory (its path is printed)
#
# Exits non-zero if a step fails or a check does not hold. Missed performance
# targets are reported, not fatal.
set -euo pipefail

cd "$(dirname "$0")/.."
repo="$(pwd)"
# shellcheck source=scripts/lib/emulator.sh
source "$repo/scripts/lib/emulator.sh"

export GOTOOLCHAIN=local
export CHECKPOINT_DISABLE=1
export TF_INPUT=0
export TF_IN_AUTOMATION=1
unset TF_LOG TF_LOG_PATH TF_LOG_PROVIDER TF_LOG_CORE

rows="${BENCH_ROWS:-100000}"
if [[ ! "$rows" =~ ^[1-9][0-9]*$ ]]; then
  echo "bench: BENCH_ROWS must be a positive integer, got '$rows'" >&2
  exit 2
fi
append_rows=100
context_bytes="${BENCH_CONTEXT_BYTES:-0}"
if [[ ! "$context_bytes" =~ ^[0-9]+$ ]]; then
  echo "bench: BENCH_CONTEXT_BYTES must be a non-negative integer, got '$context_bytes'" >&2
  exit 2
fi
results="${BENCH_RESULTS:-$repo/.bench/results.jsonl}"
space_id="6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"
provider_name="terraform-provider-collinear"

step() { printf '\n==> %s\n' "$*"; }
die() {
  echo "bench: $*" >&2
  exit 1
}

terraform_bin="$(command -v terraform || true)"
[[ -n "$terraform_bin" ]] || die "terraform not found on PATH (this benchmark never downloads it)"
command -v curl >/dev/null || die "curl not found on PATH"
command -v sha256sum >/dev/null || die "sha256sum not found on PATH"
[[ -r /proc/self/status ]] || die "/proc is needed to read the provider's peak RSS"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/collinear-bench.XXXXXX")"
emulator_pid=""
tf_pid=""
poll_pid=""
cleanup() {
  local status=$?
  local p
  for p in "$poll_pid" "$tf_pid"; do
    if [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null; then
      kill -TERM "$p" 2>/dev/null || true
      wait "$p" 2>/dev/null || true
    fi
  done
  stop_emulator
  if [[ "${BENCH_KEEP:-}" == 1 ]]; then
    echo "bench: kept $tmp" >&2
  else
    rm -rf "$tmp"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A builtin sleep: read with a timeout on a pipe that never delivers, so that
# the RSS poller forks nothing while it runs.
exec {sleep_fd}<> <(:)
nap() { read -r -t "$1" -u "$sleep_fd" _ || true; }

load1() { local a _r; read -r a _r </proc/loadavg; printf '%s' "$a"; }

# secs START END: the difference of two $EPOCHREALTIME values, 3 decimals.
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# ratio A B: A/B with 2 decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "null" }'; }

# poll_rss PID: until PID exits, every ~50 ms, reads VmHWM (kB) of each child
# of PID that runs the provider (terraform starts several provider processes
# per command); prints the largest value seen (0 if no provider ran). VmHWM
# only grows, so a late reading includes a process's earlier peak; only growth
# in the last <50 ms before a process exits can be missed. Builtins only: no
# fork per poll.
poll_rss() {
  local parent="$1" max=0 f c line kb comm
  local -a kids
  local -A provider=()
  while kill -0 "$parent" 2>/dev/null; do
    for f in /proc/"$parent"/task/*/children; do
      kids=()
      # The file has no trailing newline, so read "fails" but still splits it.
      read -r -a kids 2>/dev/null <"$f" || true
      for c in "${kids[@]}"; do
        if [[ -z "${provider[$c]:-}" ]]; then
          # comm is truncated to 15 characters; a child still between fork
          # and exec shows "terraform" and is looked at again next time.
          comm=""
          read -r comm 2>/dev/null <"/proc/$c/comm" || true
          [[ "$comm" == "${provider_name:0:15}" ]] || continue
          provider[$c]=1
        fi
        kb=""
        while read -r line; do
          if [[ "$line" == VmHWM:* ]]; then
            line="${line#VmHWM:}"
            kb="${line%kB}"
            kb="${kb//[[:space:]]/}"
            break
          fi
        done 2>/dev/null <"/proc/$c/status" || true
        if [[ -n "$kb" ]] && ((kb > max)); then max=$kb; fi
      done
    done
    nap 0.05
  done
  printf '%s\n' "$max"
}

# Results of the timed steps, by step name.
declare -A wall=() rss_kb=() load=()

# run_tf NAME EXPECTED_EXIT ARGS...: runs terraform ARGS in the work directory
# ($work, or $tf_dir when set) with the RSS poller, records wall time, peak provider RSS and the load, and
# fails unless terraform exits with EXPECTED_EXIT.
run_tf() {
  local name="$1" expect="$2"
  shift 2
  local log="$tmp/tf-$name.log" t0 t1 status
  local -a env_log=()
  if [[ -n "${BENCH_TF_LOG:-}" ]]; then
    env_log=(env "TF_LOG_PROVIDER=$BENCH_TF_LOG" "TF_LOG_PATH=$log_dir/tf-$name.log")
  fi
  step "terraform $* ($name)"
  load[$name]="$(load1)"
  t0=$EPOCHREALTIME
  (cd "${tf_dir:-$work}" && exec "${env_log[@]}" "$terraform_bin" "$@" -no-color) >"$log" 2>&1 &
  tf_pid=$!
  poll_rss "$tf_pid" >"$tmp/rss-$name" &
  poll_pid=$!
  status=0
  wait "$tf_pid" || status=$?
  t1=$EPOCHREALTIME
  tf_pid=""
  wait "$poll_pid" || true
  poll_pid=""
  wall[$name]="$(secs "$t0" "$t1")"
  rss_kb[$name]="$(<"$tmp/rss-$name")"
  printf '%s s, provider peak RSS %s MiB, exit %s, load %s\n' "${wall[$name]}" \
    "$(awk -v k="${rss_kb[$name]}" 'BEGIN { printf "%.1f", k / 1024 }')" "$status" "${load[$name]}"
  if [[ "$status" != "$expect" ]]; then
    tail -n 40 "$log" >&2
    die "terraform $1 ($name) exited $status, expected $expect"
  fi
}

# upload_rows_since INDEX: "<requests> <rows> <failed>" over the upload requests
# logged after the first INDEX entries of the emulator's request log.
log_json() { curl -sS --fail "$base_url/_emulator/requests?rows=false"; }
log_len() {
  if command -v jq >/dev/null; then
    log_json | jq 'length'
  else
    log_json | grep -o '"method":"' | wc -l | tr -d ' '
  fi
}
upload_rows_since() {
  local since="$1"
  if command -v jq >/dev/null; then
    log_json | jq -r --argjson since "$since" '
      .[$since:] | map(select(.path == "/api/v1/dataset/upload"))
      | "\(length) \(map(.row_count) | add // 0) \(map(select(.status != 200)) | length)"'
  else
    # The log is compact JSON whose entries start with method, path, status,
    # space_id, dataset_name and row_count, in that order.
    log_json | grep -o '"method":"[A-Z]*","path":"[^"]*","status":[0-9]*,\("space_id":"[^"]*",\)\{0,1\}\("dataset_name":"[^"]*",\)\{0,1\}"row_count":[0-9]*' |
      awk -F'"' -v since="$since" '
        { n++; if (n <= since || $8 != "/api/v1/dataset/upload") next
          split($0, s, "\"status\":"); st = s[2] + 0
          split($0, r, "\"row_count\":"); req++; rows += r[2]; if (st != 200) bad++ }
        END { printf "%d %d %d\n", req, rows, bad }'
  fi
}

commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
  commit_state="dirty"
else
  commit_state="clean"
fi
cores="$(nproc)"
run_id="$(date -u +%Y%m%dT%H%M%SZ)"
log_dir="$repo/.bench/logs/$run_id"
if [[ -n "${BENCH_TF_LOG:-}" ]]; then mkdir -p "$log_dir"; fi
load_start="$(load1)"

step "Building the provider and the emulator into $tmp/bin ($commit, $commit_state)"
mkdir -p "$tmp/bin" "$tmp/work"
go build -trimpath -ldflags "-X main.version=0.0.0-bench" -o "$tmp/bin/$provider_name" .
go build -trimpath -o "$tmp/collinear-emulator" ./cmd/collinear-emulator
go build -trimpath -o "$tmp/genrows" ./scripts/genrows

step "Generating $rows rows"
jsonl="$tmp/rows.jsonl"
json="$tmp/rows.json"
"$tmp/genrows" -n "$rows" -context-bytes "$context_bytes" -jsonl "$jsonl" -json "$json"
file_bytes="$(stat -c %s "$jsonl")"
echo "$jsonl: $file_bytes bytes; $json: $(stat -c %s "$json") bytes"

step "Starting the emulator on a free loopback port"
api_key="bench-key-$RANDOM$RANDOM"
start_emulator "$tmp/collinear-emulator" "$tmp" "$api_key" || die "the emulator did not start"
use_dev_override "$tmp/terraformrc" "$tmp/bin" "$api_key"

work="$tmp/work"
cat >"$work/main.tf" <<EOF
terraform {
  required_providers {
    collinear = {
      source = "collinear-ai/collinear"
    }
  }
}

provider "collinear" {}

resource "collinear_dataset" "bench" {
  space_id        = "$space_id"
  dataset_name    = "bench-$rows"
  file            = "$jsonl"
  compact_row_ids = true
}

output "row_count" {
  value = collinear_dataset.bench.row_count
}
EOF

# Warm the page cache for both files so that neither side pays for the disk.
cat "$jsonl" "$json" >/dev/null

step "sha256sum of the JSONL file"
load[sha256]="$(load1)"
t0=$EPOCHREALTIME
sha256sum "$jsonl" >/dev/null
t1=$EPOCHREALTIME
wall[sha256]="$(secs "$t0" "$t1")"
echo "${wall[sha256]} s, load ${load[sha256]}"

step "curl upload of the same rows as one JSON array"
load[curl]="$(load1)"
t0=$EPOCHREALTIME
http_code="$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $api_key" \
  -F "dataset_name=curl-$rows" -F "space_id=$space_id" -F "file=@$json" \
  "$base_url/api/v1/dataset/upload")"
t1=$EPOCHREALTIME
wall[curl]="$(secs "$t0" "$t1")"
echo "${wall[curl]} s, HTTP $http_code, load ${load[curl]}"
[[ "$http_code" == 200 ]] || die "curl upload answered HTTP $http_code"
# Forget the curl dataset and its log entry: the emulator keeps every uploaded
# row in memory, and the request log should hold only Terraform's requests.
curl -sS --fail -o /dev/null -X POST "$base_url/_emulator/reset"

# Terraform's own cost per apply (starting, planning, starting the provider
# four times, writing state), measured on a dataset of one row.
mkdir -p "$tmp/work-fixed"
head -n 1 "$jsonl" >"$tmp/one-row.jsonl"
sed -e "s|bench-$rows|bench-fixed|" -e "s|$jsonl|$tmp/one-row.jsonl|" "$work/main.tf" >"$tmp/work-fixed/main.tf"
# An untimed plan first, so that neither this nor the timed applies pay for
# the first, cold start of Terraform and the provider binary.
(cd "$tmp/work-fixed" && "$terraform_bin" plan -input=false -no-color >"$tmp/tf-warmup.log" 2>&1) ||
  { tail -n 40 "$tmp/tf-warmup.log" >&2; die "the warm-up plan failed"; }
tf_dir="$tmp/work-fixed" run_tf tf_fixed 0 apply -auto-approve -input=false
curl -sS --fail -o /dev/null -X POST "$base_url/_emulator/reset"

run_tf apply 0 apply -auto-approve -input=false
got_rows="$(cd "$work" && "$terraform_bin" output -raw row_count)"
[[ "$got_rows" == "$rows" ]] || die "row_count after apply is $got_rows, expected $rows"
read -r req sent bad <<<"$(upload_rows_since 0)"
echo "apply: $req upload requests, $sent rows, $bad failed; row_count = $got_rows"
[[ "$sent" == "$rows" && "$bad" == 0 ]] || die "apply sent $sent rows in $req requests ($bad failed), expected $rows"

run_tf noop_plan 0 plan -detailed-exitcode -input=false

step "Appending $append_rows rows"
"$tmp/genrows" -start "$rows" -n "$append_rows" -context-bytes "$context_bytes" -jsonl "$jsonl" -append
before="$(log_len)"
run_tf update 0 apply -auto-approve -input=false
read -r req sent bad <<<"$(upload_rows_since "$before")"
echo "update: $req upload requests, $sent rows, $bad failed"
[[ "$sent" == "$append_rows" && "$bad" == 0 ]] || die "the update sent $sent rows in $req requests ($bad failed), expected exactly $append_rows"
got_rows="$(cd "$work" && "$terraform_bin" output -raw row_count)"
[[ "$got_rows" == "$((rows + append_rows))" ]] || die "row_count after the update is $got_rows, expected $((rows + append_rows))"

# Figures.
apply_curl="$(ratio "${wall[apply]}" "${wall[curl]}")"
# The least an apply can take here: Terraform's fixed cost plus the upload.
floor_curl="$(ratio "$(awk -v a="${wall[tf_fixed]}" -v b="${wall[curl]}" 'BEGIN { print a + b }')" "${wall[curl]}")"
over_fixed_curl="$(ratio "$(awk -v a="${wall[apply]}" -v b="${wall[tf_fixed]}" 'BEGIN { print a - b }')" "${wall[curl]}")"
plan_sha="$(ratio "${wall[noop_plan]}" "${wall[sha256]}")"
update_plan="$(ratio "${wall[update]}" "${wall[noop_plan]}")"
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
peak_kb=0
for s in apply noop_plan update; do
  if ((rss_kb[$s] > peak_kb)); then peak_kb=${rss_kb[$s]}; fi
done
file_mib="$(awk -v b="$file_bytes" 'BEGIN { printf "%.1f", b / 1048576 }')"
load_end="$(load1)"
verdict() { if awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; then echo met; else echo MISSED; fi; }

step "Results: $rows rows, $file_bytes bytes ($file_mib MiB) JSONL, $cores cores, commit $commit ($commit_state)"
printf '%-10s %10s %14s %8s\n' step seconds "peak RSS MiB" load1
for s in sha256 curl tf_fixed apply noop_plan update; do
  r="-"
  [[ -n "${rss_kb[$s]:-}" ]] && r="$(mib "${rss_kb[$s]}")"
  printf '%-10s %10s %14s %8s\n' "$s" "${wall[$s]}" "$r" "${load[$s]}"
done
printf '\n%-28s %8s   %s\n' ratio value target
# The targets are set for 100,000 rows (apply, no-op plan) and for a source of
# 200 MB or more (peak RSS); at other sizes the verdict is shown in brackets.
at_100k=$([[ "$rows" == 100000 ]] && echo 1 || echo 0)
at_200mb=$(((file_bytes >= 200000000) ? 1 : 0))
judge() { # VALUE LIMIT APPLIES
  local v
  v="$(verdict "$1" "$2")"
  if [[ "$3" == 1 ]]; then echo "$v"; else echo "[$v; target not at this size]"; fi
}
printf '%-28s %8s   %s\n' "apply / curl" "$apply_curl" "< 2 at 100k rows: $(judge "$apply_curl" 2 "$at_100k")"
printf '%-28s %8s   %s\n' "(tf_fixed + curl) / curl" "$floor_curl" "floor: Terraform and the upload alone"
printf '%-28s %8s   %s\n' "(apply - tf_fixed) / curl" "$over_fixed_curl" "-"
printf '%-28s %8s   %s\n' "no-op plan / sha256sum" "$plan_sha" "-"
printf '%-28s %8s   %s\n' "update / no-op plan" "$update_plan" "< 2: $(judge "$update_plan" 2 1)"
printf '%-28s %8s   %s\n' "no-op plan seconds" "${wall[noop_plan]}" "< 5 at 100k rows: $(judge "${wall[noop_plan]}" 5 "$at_100k")"
printf '%-28s %8s   %s\n' "provider peak RSS MiB" "$(mib "$peak_kb")" "< 128 for a 200 MB source: $(judge "$(mib "$peak_kb")" 128 "$at_200mb")"
printf '\nload average: %s at start, %s at end; %s cores\n' "$load_start" "$load_end" "$cores"

tf_version="$("$terraform_bin" version | awk 'NR == 1 { print $2 }')"
go_version="$(go env GOVERSION)"
mkdir -p "$(dirname "$results")"
{
  printf '{"time":"%s","commit":"%s","commit_state":"%s","rows":%s,"context_bytes":%s,"file_bytes":%s,"nproc":%s,"load_start":%s,"load_end":%s,' \
    "$run_id" "$commit" "$commit_state" "$rows" "$context_bytes" "$file_bytes" "$cores" "$load_start" "$load_end"
  printf '"seconds":{"sha256":%s,"curl":%s,"tf_fixed":%s,"apply":%s,"noop_plan":%s,"update":%s},' \
    "${wall[sha256]}" "${wall[curl]}" "${wall[tf_fixed]}" "${wall[apply]}" "${wall[noop_plan]}" "${wall[update]}"
  printf '"load1":{"sha256":%s,"curl":%s,"apply":%s,"noop_plan":%s,"update":%s},' \
    "${load[sha256]}" "${load[curl]}" "${load[apply]}" "${load[noop_plan]}" "${load[update]}"
  printf '"peak_rss_mib":{"apply":%s,"noop_plan":%s,"update":%s,"max":%s},' \
    "$(mib "${rss_kb[apply]}")" "$(mib "${rss_kb[noop_plan]}")" "$(mib "${rss_kb[update]}")" "$(mib "$peak_kb")"
  printf '"ratios":{"apply_curl":%s,"tf_fixed_plus_curl_curl":%s,"apply_minus_tf_fixed_curl":%s,"noop_plan_sha256":%s,"update_noop_plan":%s},"terraform":"%s","go":"%s","tf_log":"%s"}\n' \
    "$apply_curl" "$floor_curl" "$over_fixed_curl" "$plan_sha" "$update_plan" \
    "$tf_version" "$go_version" "${BENCH_TF_LOG:-}"
} >>"$results"
echo "appended to $results"
