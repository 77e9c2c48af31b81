# Every judge of a space.
data "collinear_judges" "all" {
  space_id = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
}

# Judges made in the UI, found by name (names need not be unique).
data "collinear_judges" "toxicity" {
  space_id = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
  name     = "toxicity"
}

output "toxicity_judge_ids" {
  value = data.collinear_judges.toxicity.ids
}
