resource "collinear_dataset" "train" {
  space_id        = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
  dataset_name    = "support-bot-train"
  file            = "${path.module}/data/train.jsonl"
  compact_row_ids = true
}

locals {
  # The id of each row of data/train.jsonl, in file order.
  train_row_ids = provider::collinear::row_ids(collinear_dataset.train.row_ids_json)
}

output "first_row_id" {
  value = local.train_row_ids[0]
}
