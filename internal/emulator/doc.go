// Package emulator is an in-process model of the Collinear API, built
// from its documentation and OpenAPI document, for acceptance tests,
// benchmarks and `make demo`. It listens on 127.0.0.1 only.
//
// It serves, behind bearer authentication:
//
//   - POST /api/v1/dataset/upload (multipart: file, dataset_name, space_id),
//     which creates a dataset from a JSON array or appends a JSON array or
//     CSV to it, and answers either the streamed rows with their ids
//     (ShapeRows, the deployment's behaviour) or {"dataset_id", "message"}
//     (ShapeObject, the OpenAPI document's);
//   - POST /api/v1/dataset/name ({"dataset_name", "space_id"}), which returns
//     the dataset's id and rows, or 404 {"detail":"Dataset not found"};
//   - POST /api/v1/judge/ (JudgeCreateRequestDTO), which stores a judge and
//     answers its id as a JSON string (names need not be unique);
//   - GET /api/v1/space/{space_id}/judges, a space's judges as a list of
//     {"id", "name", "behavior_type"} in creation order;
//   - POST /api/v1/dataset/assess/run (TriggerConersationsEvaluationRequestDTO),
//     which records an evaluation run when the dataset and every judge are in
//     the space (404 {"detail":"Dataset not found"} or "Judge not found"
//     otherwise) and answers {"message", "data"}; data is free-form in the
//     OpenAPI document, and the emulator puts {"evaluation_id"} there.
//
// Any space is taken to exist until RemoveSpace; a removed space answers 404
// {"detail":"Space not found"} on every endpoint.
//
// Errors have FastAPI's shapes: {"detail": "..."} and, for validation,
// {"detail": [{"type", "loc", "msg", "input", "ctx"}]} with status 422.
// Nothing is stored unless the whole upload is valid.
//
// Tests drive it through Server's methods (InjectFaults, WaitLateCommits,
// SetRateLimit, ForbidSpace, RemoveSpace, Rows, AddRows, RestoreDataset,
// AddJudge, DeleteJudge, Judges, Evaluations, ...). The collinear-emulator
// command exposes the same controls over HTTP, on the API's listener,
// without authentication:
//
//	GET  /_emulator/requests                 the request log as JSON (Authorization values redacted);
//	                                         ?rows=false leaves the rows out
//	POST /_emulator/faults                   queue faults: [{"kind":"503","path":"/api/v1/dataset/upload",
//	                                         "retry_after":"2","delay":"1s","skip":2,"body":"..."}]
//	                                         kinds: 429 500 502 503 delay commit_then_drop route_not_found
//	                                         method_not_allowed truncated_stream wrong_count 504_after_commit
//	                                         status reordered_answer duplicate_ids 503_after_commit hang
//	                                         late_commit 504_before_commit ("delay" applies to delay,
//	                                         late_commit and 504_before_commit)
//	                                         (faults match the exact path, e.g. /api/v1/space/ID/judges)
//	GET  /_emulator/datasets                 every dataset: space_id, dataset_name, dataset_id, row_count
//	GET  /_emulator/datasets?space_id=&dataset_name=
//	                                         one dataset's rows: {"dataset_id", "rows":[{"id","db_id","created_at","row"}]}
//	GET  /_emulator/judges[?space_id=]       every judge (of one space) with all its fields
//	GET  /_emulator/evaluations              every evaluation run started
//	POST /_emulator/reset                    forget datasets, judges, runs, log, faults, forbidden and
//	                                         removed spaces, and the rate limit
//	POST /_emulator/shape?value=rows|object  switch the upload answer's shape
//	POST /_emulator/ratelimit?max=N&per=1s   limit API requests (max=0 removes the limit)
//	POST /_emulator/forbid?space_id=ID       answer 403 for a space (&allow=true undoes it)
//
// Control requests are not logged and never consume faults.
package emulator
