package client

import "errors"

var (
	// ErrDatasetNotFound: the lookup answered that the dataset does not exist.
	ErrDatasetNotFound = errors.New("dataset not found")
	// ErrLookupUnavailable: the lookup route is missing on this deployment.
	ErrLookupUnavailable = errors.New("dataset lookup is not available on this API")
)

// ValidationIssue is one entry of a FastAPI 422 body.
type ValidationIssue struct {
	Loc  []string // path elements rendered as strings, e.g. ["body", "space_id"]
	Msg  string
	Type string
}

// APIError is a non-2xx answer. Its Error() never contains the API key.
type APIError struct {
	StatusCode  int
	Detail      string            // FastAPI "detail" when it is a string, or "message"
	Validation  []ValidationIssue // FastAPI 422 detail list
	BodyExcerpt string            // first ~200 printable bytes of the body
}

func (e *APIError) Error() string { panic("not implemented") }

// OutcomeUnknownError says an upload's body may have reached the server but no
// usable answer came back (timeout or dropped connection after sending, 500,
// 502, 504): the rows may or may not be stored. Never resend blindly.
type OutcomeUnknownError struct {
	Cause error
}

func (e *OutcomeUnknownError) Error() string { panic("not implemented") }
func (e *OutcomeUnknownError) Unwrap() error { return e.Cause }
