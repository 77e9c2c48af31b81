package client

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func noRedact(s string) string { return s }

func TestAPIErrorMessages(t *testing.T) {
	cases := []struct {
		status      int
		body        string
		wantError   []string
		wantSummary string
	}{
		{401, `{"detail":"Invalid token"}`, []string{"rejected the API key", "api_key", "COLLINEAR_API_KEY", "Invalid token"}, "Collinear API rejected the API key (401)"},
		{403, `{"detail":"User has no access to space"}`, []string{"valid but not allowed", "access to the space", "User has no access to space"}, "Collinear API denied access (403)"},
		{404, `{"detail":"Not Found"}`, []string{"route or space was not found", "base_url"}, "Collinear API route or space not found (404)"},
		{400, `{"detail":"invalid input for query argument $3: 'yes' (invalid input syntax for type integer)"}`, []string{"the API rejected the data", "invalid input for query argument $3"}, "Collinear API rejected the data (400)"},
		{413, `<html>too big</html>`, []string{"too large", "smaller batch"}, "Request too large for the Collinear API (413)"},
		{429, `{"detail":"Too Many Requests"}`, []string{"rate limiting"}, "Collinear API rate limit exceeded (429)"},
		{503, ``, []string{"temporarily unavailable"}, "Collinear API unavailable (503)"},
		{500, `Internal Server Error: traceback...`, []string{"HTTP 500 Internal Server Error", "Internal Server Error: traceback..."}, "Collinear API error (500)"},
		{502, `{"message":"upstream died"}`, []string{"HTTP 502", "upstream died"}, "Collinear API error (502)"},
		{302, ``, []string{"redirect", "base_url"}, "Collinear API redirected the request (302)"},
		{418, `short and stout`, []string{"HTTP 418", "short and stout"}, "Collinear API error (418)"},
	}
	for _, tc := range cases {
		e := parseAPIError(tc.status, []byte(tc.body), noRedact)
		msg := e.Error()
		for _, want := range tc.wantError {
			if !strings.Contains(msg, want) {
				t.Errorf("%d: Error() = %q, want it to contain %q", tc.status, msg, want)
			}
		}
		if got := e.Summary(); got != tc.wantSummary {
			t.Errorf("%d: Summary() = %q, want %q", tc.status, got, tc.wantSummary)
		}
	}
}

func TestAPIError422Formatting(t *testing.T) {
	body := `{"detail":[
		{"loc":["body","space_id"],"msg":"value is not a valid uuid","type":"type_error.uuid"},
		{"loc":["body","file",0,"ground_truth"],"msg":"value is not a valid integer","type":"type_error.integer"},
		{"loc":[],"msg":"bad\nthing","type":"x"}]}`
	e := parseAPIError(422, []byte(body), noRedact)
	if len(e.Validation) != 3 {
		t.Fatalf("Validation = %+v", e.Validation)
	}
	if got := e.Validation[1].Loc; strings.Join(got, "|") != "body|file|0|ground_truth" {
		t.Errorf("loc = %q", got)
	}
	want := "the Collinear API rejected the request as invalid (HTTP 422)\n" +
		"  body.space_id: value is not a valid uuid\n" +
		"  body.file.0.ground_truth: value is not a valid integer\n" +
		"  bad thing"
	if got := e.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}

	// A 422 whose detail is a plain string.
	e = parseAPIError(422, []byte(`{"detail":"dataset_name is too long"}`), noRedact)
	if got := e.Error(); !strings.HasSuffix(got, ": dataset_name is too long") {
		t.Errorf("Error() = %q", got)
	}
}

func TestAPIErrorManyValidationIssuesAreCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"detail":[`)
	for i := range 500 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"loc":["body","x"],"msg":"m","type":"t"}`)
	}
	b.WriteString(`]}`)
	e := parseAPIError(422, []byte(b.String()), noRedact)
	if len(e.Validation) != maxValidationIssues+1 || !strings.Contains(e.Validation[maxValidationIssues].Msg, "450 more") {
		t.Errorf("%d issues kept, last %+v", len(e.Validation), e.Validation[len(e.Validation)-1])
	}
}

// endless is a body that never ends, counting what was read of it.
type endless struct{ read atomic.Int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	e.read.Add(int64(len(p)))
	return len(p), nil
}
func (e *endless) Close() error { return nil }

func TestErrorBodyReadIsCapped(t *testing.T) {
	c, err := New(Config{BaseURL: "https://api.example", APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	body := &endless{}
	e := c.readAPIError(&http.Response{StatusCode: 500, Body: body}, 0)
	if n := body.read.Load(); n > maxErrorBody+32<<10 {
		t.Errorf("read %d bytes of the error body, want at most about %d", n, maxErrorBody)
	}
	if n := len([]rune(e.BodyExcerpt)); n > maxExcerpt || n < 100 {
		t.Errorf("excerpt has %d runes", n)
	}
}

func TestExcerpt(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\x00b\x1bc\td\ne", "a?b?c d e"},
		{"bad \xff utf8", "bad ? utf8"},
		{strings.Repeat("é", 300), strings.Repeat("é", 199) + "…"},
		{strings.Repeat("x", 200), strings.Repeat("x", 200)},
	}
	for _, tc := range cases {
		if got := excerpt(tc.in, 200); got != tc.want {
			t.Errorf("excerpt(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRedactSecret(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"token " + testKey + " seen", "token [REDACTED] seen"},
		{"cut " + testKey[:10], "cut [REDACTED]"},
		{"short sk-te", "short sk-te"}, // 5 bytes of a prefix are not worth hiding
		{"nothing here", "nothing here"},
	} {
		if got := redactSecret(tc.in, testKey); got != tc.want {
			t.Errorf("redactSecret(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestOutcomeUnknownErrorMessage(t *testing.T) {
	e := &OutcomeUnknownError{Cause: io.ErrUnexpectedEOF}
	for _, want := range []string{"may or may not have been stored", "not sent again", "unexpected EOF"} {
		if !strings.Contains(e.Error(), want) {
			t.Errorf("Error() = %q, want %q", e.Error(), want)
		}
	}
	if !errors.Is(e, io.ErrUnexpectedEOF) {
		t.Error("Unwrap does not reach the cause")
	}
	e = &OutcomeUnknownError{Cause: io.ErrUnexpectedEOF, ProbablyStored: true}
	if !strings.Contains(e.Error(), "probably stored") {
		t.Errorf("Error() = %q", e.Error())
	}
}

// TestKeyNeverLeaks has a server echo the Authorization header everywhere it
// can: in error details, error bodies, 422 entries and 200 answers. Neither
// the errors nor the logs may contain the key.
func TestKeyNeverLeaks(t *testing.T) {
	var step atomic.Int32
	c, log, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		auth := r.Header.Get("Authorization")
		switch step.Add(1) {
		case 1:
			w.WriteHeader(401)
			_, _ = io.WriteString(w, `{"detail":"bad key `+auth+`"}`)
		case 2:
			w.WriteHeader(500)
			_, _ = io.WriteString(w, strings.Repeat("x", 180)+auth)
		case 3:
			w.WriteHeader(422)
			_, _ = io.WriteString(w, `{"detail":[{"loc":["header","`+auth+`"],"msg":"`+auth+`","type":"x"}]}`)
		case 4:
			_, _ = io.WriteString(w, `<html>`+auth+`</html>`)
		case 5:
			_, _ = io.WriteString(w, `[{"id":"a"},{"no_id":"`+auth+`"}]`)
		case 6:
			_, _ = io.WriteString(w, `{"dataset_id":"d","message":"`+auth+`"}`)
		default:
			w.WriteHeader(429)
			_, _ = io.WriteString(w, auth)
		}
	}), func(cfg *Config) { cfg.MaxRetries = 1 })

	ctx := testCtx(t)
	for i := range 8 {
		res, err := c.Upload(ctx, testSpace, "ds", testRows, nil)
		if err != nil {
			assertNoKey(t, "error", err.Error())
			var apiErr *APIError
			if errors.As(err, &apiErr) {
				assertNoKey(t, "summary", apiErr.Summary())
			}
		} else {
			assertNoKey(t, "result message", res.Message)
		}
		if i < 6 && err == nil && res.Message == "" {
			t.Errorf("upload %d succeeded unexpectedly", i+1)
		}
	}
	_, err := lookupAll(ctx, c, testSpace, "ds")
	if err == nil {
		t.Error("lookup succeeded unexpectedly")
	} else {
		assertNoKey(t, "lookup error", err.Error())
	}
	assertNoKey(t, "logs", log.String())
	if len(log.lines) == 0 {
		t.Error("no log lines were captured")
	}
}

func TestUnexpectedResponseErrorMessage(t *testing.T) {
	for _, tc := range []struct {
		e    UnexpectedResponseError
		want string
	}{
		{UnexpectedResponseError{Reason: "r", Offset: 0, Excerpt: "x"}, "unexpected answer from the Collinear API (at byte 0): r; the answer began with: x"},
		{UnexpectedResponseError{Reason: "r", Offset: 12}, "unexpected answer from the Collinear API (at byte 12): r"},
		{UnexpectedResponseError{Path: JudgeCreatePath, Reason: "r", Offset: -1, Excerpt: "x"}, "unexpected answer from the Collinear API to /api/v1/judge/: r; the answer began with: x"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}
