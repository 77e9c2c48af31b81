# Score every version of a dataset with two judges: a change in the dataset's
# content starts a new run.
resource "collinear_evaluation" "nightly" {
  space_id   = collinear_dataset.support_eval.space_id
  dataset_id = collinear_dataset.support_eval.dataset_id
  judge_ids  = [collinear_judge.politeness.id, collinear_judge.safety.id]
  name       = "support-bot nightly"

  triggers = {
    content = collinear_dataset.support_eval.content_sha256
  }
}

# What the API answered when it started the run; data_json is a JSON string.
output "nightly_run_message" {
  value = collinear_evaluation.nightly.message
}
