# Look up an existing dataset by space and name.
data "collinear_dataset" "example" {
  space_id     = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
  dataset_name = "support-bot-eval"
}

output "support_eval_row_count" {
  value = data.collinear_dataset.example.row_count
}
