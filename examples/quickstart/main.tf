# Quick start: uploads the five rows of data/eval.jsonl to one dataset.
#
# `make demo` runs this against the local emulator. Against the real platform,
# export COLLINEAR_API_KEY (and COLLINEAR_BASE_URL if you use another endpoint)
# and set space_id to one of your spaces.

terraform {
  required_providers {
    collinear = {
      source = "collinear-ai/collinear"
    }
  }
}

# The API key and base URL come from COLLINEAR_API_KEY and COLLINEAR_BASE_URL.
provider "collinear" {}

variable "space_id" {
  description = "The Collinear space the dataset belongs to."
  type        = string
  default     = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
}

resource "collinear_dataset" "quickstart" {
  space_id     = var.space_id
  dataset_name = "bookshop-support-quickstart"
  file         = "${path.module}/data/eval.jsonl"
}

output "row_ids" {
  description = "The platform's id of each row, in file order."
  value       = collinear_dataset.quickstart.row_ids
}

output "row_count" {
  description = "How many rows the dataset holds."
  value       = collinear_dataset.quickstart.row_count
}

output "content_sha256" {
  description = "SHA-256 of the uploaded rows in canonical form."
  value       = collinear_dataset.quickstart.content_sha256
}
