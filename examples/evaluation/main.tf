# Evaluation as code: a dataset, a judge whose prompt lives in git, and a run
# of the judge over the dataset that starts again whenever the rows change.
#
# `make demo` runs this against the local emulator after the quick start.
# Against the real platform, export COLLINEAR_API_KEY (and COLLINEAR_BASE_URL
# if you use another endpoint) and set space_id to one of your spaces.

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
  description = "The Collinear space that holds the dataset, the judge and the runs."
  type        = string
  default     = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
}

resource "collinear_dataset" "support" {
  space_id     = var.space_id
  dataset_name = "bookshop-support-evaluation"
  file         = "${path.module}/data/eval.jsonl"
}

resource "collinear_judge" "accuracy" {
  space_id            = var.space_id
  name                = "bookshop-accuracy"
  judge_behavior_type = "custom"
  model_name          = "prompted_model"
  prompt_template     = file("${path.module}/prompts/accuracy.txt")
  judge_values        = [0, 1]
}

resource "collinear_evaluation" "support" {
  space_id   = var.space_id
  dataset_id = collinear_dataset.support.dataset_id
  judge_ids  = [collinear_judge.accuracy.id]
  name       = "bookshop-support accuracy"

  # A new version of the rows is scored again.
  triggers = {
    content = collinear_dataset.support.content_sha256
  }
}

output "judge_id" {
  description = "The judge's id on the platform."
  value       = collinear_judge.accuracy.id
}

output "evaluation_message" {
  description = "What the API answered when it started the run."
  value       = collinear_evaluation.support.message
}
