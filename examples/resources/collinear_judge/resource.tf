# A custom judge whose prompt lives in git next to the configuration.
resource "collinear_judge" "politeness" {
  space_id            = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
  name                = "politeness"
  judge_behavior_type = "custom"
  model_name          = "prompted_model"
  prompt_template     = file("${path.module}/prompts/politeness.txt")
  judge_values        = [1, 2, 3, 4, 5]
}

# A safety judge built on one of the platform's guard models.
resource "collinear_judge" "safety" {
  space_id            = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
  name                = "safety"
  judge_behavior_type = "safety"
  model_name          = "collinear_guard"
  judge_values        = [0, 1]
}
