package client

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

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
	// Retries is how many times the request was retried before this answer
	// (429, and 503 for the lookup, are retried up to Config.MaxRetries).
	Retries int
	// RetryAfter is set when the API asked to wait (Retry-After) longer than
	// the operation's deadline allowed, so the client gave up early.
	RetryAfter time.Duration
}

// statusText is what the messages say of a status: the summary line, the
// message's head (followed by the retries made when retried is set) and
// advice, and what comes before the API's own detail ("" for none).
type statusText struct {
	summary, head, advice, detailSep string
	retried                          bool
}

const apiSaid = "; the API said: "

var statusTexts = map[int]statusText{
	http.StatusUnauthorized: {summary: "Collinear API rejected the API key (401)", detailSep: apiSaid,
		head: "the Collinear API rejected the API key (HTTP 401): check api_key in the provider configuration or the COLLINEAR_API_KEY environment variable"},
	http.StatusForbidden: {summary: "Collinear API denied access (403)", detailSep: apiSaid,
		head: "the Collinear API key is valid but not allowed to do this (HTTP 403): check that the key has access to the space (space_id)"},
	http.StatusNotFound: {summary: "Collinear API route or space not found (404)", detailSep: apiSaid,
		head: "the Collinear API route or space was not found (HTTP 404): check base_url and space_id"},
	http.StatusBadRequest: {summary: "Collinear API rejected the data (400)", detailSep: ": ",
		head: "the API rejected the data (HTTP 400)"},
	http.StatusRequestEntityTooLarge: {summary: "Request too large for the Collinear API (413)",
		head: "the request is too large for the Collinear API (HTTP 413): use a smaller batch of rows per upload"},
	http.StatusUnprocessableEntity: {summary: "Collinear API rejected the request (422)", detailSep: ": ",
		head: "the Collinear API rejected the request as invalid (HTTP 422)"},
	http.StatusTooManyRequests: {summary: "Collinear API rate limit exceeded (429)", detailSep: apiSaid, retried: true,
		head: "the Collinear API is rate limiting requests (HTTP 429)", advice: ": try again later, or raise max_retries"},
	http.StatusServiceUnavailable: {summary: "Collinear API unavailable (503)", detailSep: apiSaid, retried: true,
		head: "the Collinear API is temporarily unavailable (HTTP 503)", advice: ": try again later"},
}

// Summary is a short description for a diagnostic's summary line.
func (e *APIError) Summary() string {
	if t, ok := statusTexts[e.StatusCode]; ok {
		return t.summary
	}
	if e.StatusCode >= 300 && e.StatusCode < 400 {
		return fmt.Sprintf("Collinear API redirected the request (%d)", e.StatusCode)
	}
	return fmt.Sprintf("Collinear API error (%d)", e.StatusCode)
}

// Error is the long, actionable description.
func (e *APIError) Error() string {
	var b strings.Builder
	t, ok := statusTexts[e.StatusCode]
	switch code := e.StatusCode; {
	case ok:
		b.WriteString(t.head)
		if t.retried {
			e.writeRetries(&b)
		}
		b.WriteString(t.advice)
	case code >= 300 && code < 400:
		fmt.Fprintf(&b, "the Collinear API answered with a redirect (HTTP %d), which the provider does not follow: check base_url (for example https:// instead of http://, or a missing path prefix)", code)
	case code >= 500:
		fmt.Fprintf(&b, "the Collinear API failed with HTTP %d %s", code, http.StatusText(code))
		e.writeRetries(&b)
		t.detailSep = ": "
	default:
		fmt.Fprintf(&b, "the Collinear API answered HTTP %d %s", code, http.StatusText(code))
		t.detailSep = ": "
	}
	if e.StatusCode == http.StatusUnprocessableEntity && len(e.Validation) > 0 {
		for _, v := range e.Validation {
			b.WriteString("\n  ")
			v.write(&b)
		}
	} else if t.detailSep != "" {
		e.writeDetail(&b, t.detailSep)
	}
	return b.String()
}

func (e *APIError) writeDetail(b *strings.Builder, sep string) {
	switch {
	case e.Detail != "":
		b.WriteString(sep)
		b.WriteString(e.Detail)
	case len(e.Validation) > 0:
		b.WriteString(sep)
		for i, v := range e.Validation {
			if i > 0 {
				b.WriteString("; ")
			}
			v.write(b)
		}
	case e.BodyExcerpt != "":
		b.WriteString(sep)
		b.WriteString(e.BodyExcerpt)
	}
}

func (v ValidationIssue) write(b *strings.Builder) {
	if len(v.Loc) > 0 {
		b.WriteString(strings.Join(v.Loc, "."))
		b.WriteString(": ")
	}
	b.WriteString(v.Msg)
}

func (e *APIError) writeRetries(b *strings.Builder) {
	if e.Retries > 0 {
		fmt.Fprintf(b, ", retried %d time(s)", e.Retries)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(b, "; it asked to wait %s, longer than the time left for the operation", e.RetryAfter)
	}
}

// OutcomeUnknownError says the body of a request that creates something (an
// upload, a judge creation, an evaluation start) may have reached the server
// but no usable answer came back (timeout or dropped connection after
// sending, 500, 502, 503, 504, a cut-off or unreadable answer): it may or may
// not have taken effect. Never resend blindly.
//
// When the cause is a 5xx answer it wraps that *APIError, so callers that
// use errors.As for both must test for *OutcomeUnknownError first.
type OutcomeUnknownError struct {
	// Op names the request: "upload", "judge creation", "evaluation start".
	// "" means an upload.
	Op    string
	Cause error
	// ProbablyStored is set when the API answered 200 before the answer
	// broke off or could not be read: the request very likely took effect
	// (an upload's rows were stored).
	ProbablyStored bool
}

// upload reports whether the request is an upload, whose messages speak of
// rows.
func (e *OutcomeUnknownError) upload() bool {
	return e.Op == "" || e.Op == opUpload.name
}

// Summary is a short description for a diagnostic's summary line.
func (e *OutcomeUnknownError) Summary() string {
	switch {
	case !e.upload() && e.ProbablyStored:
		return "Collinear " + e.Op + " probably succeeded, but its answer was incomplete"
	case !e.upload():
		return "Collinear " + e.Op + " outcome unknown"
	case e.ProbablyStored:
		return "Collinear upload probably stored, but its answer was incomplete"
	}
	return "Collinear upload outcome unknown"
}

func (e *OutcomeUnknownError) Error() string {
	var b strings.Builder
	switch {
	case !e.upload() && e.ProbablyStored:
		fmt.Fprintf(&b, "the Collinear API accepted the %s (HTTP 200) but its answer could not be read completely: it probably succeeded, and it was not sent again, to avoid doing it twice", e.Op)
	case !e.upload():
		fmt.Fprintf(&b, "the %s may or may not have succeeded on the Collinear API; it was not sent again, to avoid doing it twice", e.Op)
	case e.ProbablyStored:
		b.WriteString("the Collinear API accepted the upload (HTTP 200) but its answer could not be read completely: the rows were probably stored, and they were not sent again, to avoid storing them twice")
	default:
		b.WriteString("the upload may or may not have been stored by the Collinear API; the rows were not sent again, to avoid storing them twice")
	}
	if e.Cause != nil {
		b.WriteString(". Cause: ")
		b.WriteString(e.Cause.Error())
	}
	return b.String()
}

func (e *OutcomeUnknownError) Unwrap() error { return e.Cause }

// MayStillRun reports whether the request may still be running on the
// server, so that its result may yet appear: no answer came back (a timeout,
// a dropped connection, an interrupt), a gateway gave up waiting for it
// (504), or the API answered 200 and the answer broke off. After a 500, 502
// or 503 the request is over, whatever it stored.
func (e *OutcomeUnknownError) MayStillRun() bool {
	if e.ProbablyStored {
		return true
	}
	var apiErr *APIError
	if errors.As(e.Cause, &apiErr) {
		return apiErr.StatusCode == http.StatusGatewayTimeout
	}
	return true
}

// UnexpectedResponseError is a 2xx answer the client could not understand.
type UnexpectedResponseError struct {
	Path    string // the route that answered; "" when the message need not say
	Reason  string // what was wrong
	Offset  int64  // byte offset in the body where it was noticed; negative when unknown
	Excerpt string // the first ~200 printable bytes of the body
}

func (e *UnexpectedResponseError) Error() string {
	var b strings.Builder
	b.WriteString("unexpected answer from the Collinear API")
	if e.Path != "" {
		b.WriteString(" to ")
		b.WriteString(e.Path)
	}
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " (at byte %d)", e.Offset)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	if e.Excerpt != "" {
		b.WriteString("; the answer began with: ")
		b.WriteString(e.Excerpt)
	}
	return b.String()
}
