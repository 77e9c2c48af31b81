# shellcheck shell=bash
# Shared by scripts/demo.sh and scripts/bench.sh: start the local emulator of
# the Collinear API and point Terraform at a provider build through
# dev_overrides. Source it; it defines functions only.

# start_emulator BINARY DIR KEY: starts the emulator on a free loopback port,
# logging to DIR/emulator.log, and waits for it. Sets emulator_pid and
# base_url; returns non-zero, with the log on stderr, when it does not start.
start_emulator() {
  local binary="$1" dir="$2" key="$3"
  local url_file="$dir/emulator.url"
  "$binary" -listen 127.0.0.1:0 -api-key "$key" -url-file "$url_file" >"$dir/emulator.log" 2>&1 &
  emulator_pid=$!
  base_url=""
  local _
  for _ in $(seq 1 100); do
    if [[ -s "$url_file" ]]; then
      base_url="$(tr -d '[:space:]' <"$url_file")"
      [[ -n "$base_url" ]] && break
    fi
    if ! kill -0 "$emulator_pid" 2>/dev/null; then
      echo "the emulator exited early:" >&2
      cat "$dir/emulator.log" >&2
      return 1
    fi
    sleep 0.1
  done
  if [[ "$base_url" != http://127.0.0.1:* ]]; then
    echo "the emulator did not write a loopback URL to $url_file within 10 seconds (got '$base_url'):" >&2
    cat "$dir/emulator.log" >&2
    return 1
  fi
  echo "emulator listening on $base_url"
}

# stop_emulator: stops the emulator started by start_emulator, if running.
stop_emulator() {
  if [[ -n "${emulator_pid:-}" ]] && kill -0 "$emulator_pid" 2>/dev/null; then
    kill -TERM "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
}

# use_dev_override CONFIG BINDIR KEY: writes a Terraform CLI configuration
# that installs the provider in BINDIR through dev_overrides (no init, no
# download, no checkpoint) and exports what the provider needs to reach the
# emulator at base_url.
use_dev_override() {
  local config="$1" bindir="$2" key="$3"
  cat >"$config" <<CONFIG
disable_checkpoint = true
provider_installation {
  dev_overrides {
    "registry.terraform.io/collinear-ai/collinear" = "$bindir"
  }
  direct {}
}
CONFIG
  export TF_CLI_CONFIG_FILE="$config"
  export COLLINEAR_BASE_URL="$base_url"
  export COLLINEAR_API_KEY="$key"
}
