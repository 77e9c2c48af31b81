# A dataset whose file another resource writes during the same apply. Here a
# terraform_data resource with a local-exec provisioner stands in for that
# step (an export, a conversion script): it joins the parts in parts/ into
# build/eval.jsonl.

terraform {
  required_providers {
    collinear = {
      source = "collinear-ai/collinear"
    }
  }
}

provider "collinear" {} # key and URL from COLLINEAR_API_KEY / COLLINEAR_BASE_URL

resource "terraform_data" "eval_file" {
  input = "${path.module}/build/eval.jsonl"

  # The provider reads the file at every plan. On a runner that starts from a
  # clean checkout, the file of the last run is gone: write it again at every
  # run.
  triggers_replace = timestamp()

  provisioner "local-exec" {
    command = "mkdir -p '${dirname(self.input)}' && cat '${path.module}'/parts/*.jsonl > '${self.input}'"
  }
}

resource "collinear_dataset" "generated" {
  space_id     = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
  dataset_name = "bookshop-support-generated"

  # output is known only once terraform_data is created, so the file is read
  # and checked during the apply, after it is written and before any row is
  # sent. A path written as a string would be read at plan, before the file
  # exists: "File not found".
  file = terraform_data.eval_file.output
}
