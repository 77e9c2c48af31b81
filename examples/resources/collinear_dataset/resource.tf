# Rows from a file next to the configuration: a JSON array (.json), one JSON
# object per line (.jsonl, .ndjson) or CSV (.csv).
resource "collinear_dataset" "support_eval" {
  space_id     = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
  dataset_name = "support-bot-eval"
  file         = "${path.module}/data/support-eval.jsonl"
}

# Rows written inline in the configuration.
resource "collinear_dataset" "greetings" {
  space_id     = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
  dataset_name = "greetings"

  rows = [
    {
      conv_prefix = [
        { role = "system", content = "You are a friendly assistant." },
        { role = "user", content = "Hey, how are you?" },
      ]
      response     = { role = "assistant", content = "I'm doing well, thanks for asking! How can I help you today?" }
      ground_truth = 1
      context      = "greeting"
    },
    {
      conv_prefix = [
        { role = "user", content = "Hey, how are you?" },
      ]
      response     = { role = "assistant", content = "Why do you care?" }
      ground_truth = 0
      context      = "greeting"
    },
  ]
}

# Row ids in source order: row_ids[i] is the id of row i of the source.
output "support_eval_row_ids" {
  value = collinear_dataset.support_eval.row_ids
}
