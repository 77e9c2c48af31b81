terraform {
  required_providers {
    collinear = {
      source = "collinear-ai/collinear"
    }
  }
}

# The API key is best left out of the configuration: set COLLINEAR_API_KEY in
# the environment (and COLLINEAR_BASE_URL for a non-default endpoint).
provider "collinear" {}

# Or configure everything explicitly, with the key from a sensitive variable.
# Terraform writes variable values into saved plans (terraform plan -out):
# where plans are saved, prefer COLLINEAR_API_KEY.
variable "collinear_api_key" {
  type      = string
  sensitive = true
}

provider "collinear" {
  alias       = "explicit"
  api_key     = var.collinear_api_key
  base_url    = "https://api.collinear.ai"
  max_retries = 4
}
