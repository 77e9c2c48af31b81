# Check a dataset file in a pull request, without an API key. A bad row fails
# `terraform validate` and `terraform plan`, naming its file, row, line and
# field; the precondition fails the plan when the file holds more rows than an
# eval split should; the check block reports any warning.
locals {
  eval = provider::collinear::dataset_summary("${path.module}/data/eval.jsonl")
}

output "eval_row_count" {
  value = local.eval.row_count

  precondition {
    condition     = local.eval.row_count <= 5000
    error_message = "data/eval.jsonl holds ${local.eval.row_count} rows: is it the training set?"
  }
}

check "eval_warnings" {
  assert {
    condition     = length(local.eval.warnings) == 0
    error_message = join("\n", local.eval.warnings)
  }
}

# The same value collinear_dataset.content_sha256 has for this file.
output "eval_content_sha256" {
  value = local.eval.content_sha256
}
