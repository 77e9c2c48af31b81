import {
  to = collinear_judge.politeness
  id = "3c90c3cc-0d44-4b50-8888-8dd25736052a/0e5a0c1e-9a43-4b9e-8f0e-7f3f9d1d2c33"
}
