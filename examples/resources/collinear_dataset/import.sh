# A dataset is imported by its space id and name, separated by a slash.
terraform import collinear_dataset.example 3c90c3cc-0d44-4b50-8888-8dd25736052a/support-bot-eval
