#!/usr/bin/env bash
# Generates docs/ from templates/ and examples/ with tfplugindocs, or validates
# docs/ with --validate.
#
# tfplugindocs would normally build the provider itself and read its schema
# through `terraform init` (and it falls back to downloading Terraform when none
# is on PATH). To keep this fully offline and predictable, this script builds
# the provider, reads the schema with the terraform on PATH under a
# dev_overrides CLI configuration in a temporary directory (no init needed) and
# hands the result to tfplugindocs with --providers-schema.
#
# The override is registered for the implicit address
# registry.terraform.io/hashicorp/collinear because that is the address
# tfplugindocs looks up in a schema file; the generated pages only use the
# short name "collinear", so the namespace does not show anywhere.
set -euo pipefail

mode=generate
case "${1:-}" in
  "") ;;
  --validate) mode=validate ;;
  *) echo "usage: $0 [--validate]" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."

export GOTOOLCHAIN=local
export CHECKPOINT_DISABLE=1
unset TF_ACC_TERRAFORM_VERSION

terraform_bin="$(command -v terraform || true)"
if [[ -z "$terraform_bin" ]]; then
  echo "generate-docs: terraform not found on PATH (this script never downloads it)" >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/work"

echo "==> Building the provider"
go build -o "$tmp/bin/terraform-provider-collinear" .

cat >"$tmp/terraformrc" <<EOF
disable_checkpoint = true
provider_installation {
  dev_overrides {
    "registry.terraform.io/hashicorp/collinear" = "$tmp/bin"
  }
  direct {}
}
EOF

printf 'provider "collinear" {}\n' >"$tmp/work/provider.tf"

echo "==> Reading the provider schema with $terraform_bin"
if ! TF_CLI_CONFIG_FILE="$tmp/terraformrc" TF_IN_AUTOMATION=1 \
  "$terraform_bin" -chdir="$tmp/work" providers schema -json >"$tmp/schema.json" 2>"$tmp/schema.err"; then
  cat "$tmp/schema.err" >&2
  echo "generate-docs: terraform providers schema failed" >&2
  exit 1
fi

if [[ "$mode" == validate ]]; then
  echo "==> Validating docs/"
  go tool tfplugindocs validate \
    --provider-name collinear \
    --providers-schema "$tmp/schema.json"
else
  echo "==> Generating docs/"
  go tool tfplugindocs generate \
    --provider-name collinear \
    --rendered-provider-name Collinear \
    --providers-schema "$tmp/schema.json" \
    --website-temp-dir "$tmp/website"
fi
