import {
  to = collinear_dataset.example
  id = "3c90c3cc-0d44-4b50-8888-8dd25736052a/support-bot-eval"
}
