package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// operation describes one kind of API call for the retry policy and messages.
type operation struct {
	name string // "upload", "dataset lookup": used in messages
	// notIdempotent: the request creates something (rows, a judge, an
	// evaluation run), so it is never resent once the body may have arrived.
	notIdempotent bool
}

var (
	opUpload = operation{name: "upload", notIdempotent: true}
	opLookup = operation{name: "dataset lookup"}

	opJudgeCreate = operation{name: "judge creation", notIdempotent: true}
	opJudgeList   = operation{name: "judge list"}
	opEvaluation  = operation{name: "evaluation start", notIdempotent: true}
)

// call is the state of one logical request across its attempts. The
// retryablehttp callbacks run one after the other on the caller's goroutine,
// except the httptrace hook, hence the atomic.
type call struct {
	c      *Client
	log    Logger // the request's logger
	op     operation
	method string
	path   string

	gotConn atomic.Bool // a connection was obtained during the current attempt

	attempts int            // attempts made so far
	lastResp *http.Response // answer of the last attempt, if any
	lastErr  error          // transport error of the last attempt, marked notSentError when appropriate
	last     verdict        // the policy's verdict on the last attempt
	nextWait time.Duration  // computed by checkRetry for backoff
	// retryAfterBeyondDeadline is set when the API asked to wait longer than
	// the context allows; the last answer is then returned at once.
	retryAfterBeyondDeadline time.Duration
}

// do sends one logical request with the retry policy. body is nil, a
// []byte or a retryablehttp.ReaderFunc, read afresh for every attempt. It
// returns the final 2xx response (the caller closes its body), or an error:
// *APIError, *OutcomeUnknownError (requests that are not idempotent), or a
// transport or context error.
func (c *Client) do(ctx context.Context, op operation, method, path, contentType string, body any) (*http.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("the Collinear API %s was not sent: %w", op.name, err)
	}
	cl := &call{c: c, log: c.logger(ctx), op: op, method: method, path: path}
	req, err := cl.request(ctx, contentType, body)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	resp, err := cl.retryClient().Do(req)
	cl.log.Debug("Collinear API request finished",
		"method", method, "path", path, "attempts", cl.attempts,
		"status", statusOf(cl.lastResp), "duration", time.Since(start))
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, cl.failure(ctx, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	apiErr := c.readAPIError(resp, cl.attempts-1)
	if cl.retryAfterBeyondDeadline > 0 {
		apiErr.RetryAfter = cl.retryAfterBeyondDeadline
	}
	if op.notIdempotent && classify(true, resp, nil) == verdictOutcomeUnknown {
		return nil, &OutcomeUnknownError{Op: op.name, Cause: apiErr}
	}
	return nil, apiErr
}

// request builds the call's request, traced to learn whether each attempt
// obtained a connection.
func (cl *call) request(ctx context.Context, contentType string, body any) (*retryablehttp.Request, error) {
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { cl.gotConn.Store(true) },
	})
	req, err := retryablehttp.NewRequestWithContext(ctx, cl.method, cl.c.baseURL+cl.path, body)
	if err != nil {
		return nil, fmt.Errorf("building the Collinear API %s request: %w", cl.op.name, err)
	}
	req.Header.Set("Authorization", "Bearer "+cl.c.apiKey)
	req.Header.Set("User-Agent", cl.c.userAgent)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req, nil
}

// retryClient runs the call's attempts under its retry policy.
func (cl *call) retryClient() *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:   cl.c.httpClient,
		RetryWaitMin: cl.c.retryWaitMin,
		RetryWaitMax: cl.c.retryWaitMax,
		RetryMax:     cl.c.maxRetries,
		CheckRetry:   cl.checkRetry,
		Backoff:      cl.backoff,
		// Hand back the last answer or error as is: the client maps them
		// itself, with the number of retries.
		ErrorHandler:   retryablehttp.PassthroughErrorHandler,
		RequestLogHook: func(retryablehttp.Logger, *http.Request, int) { cl.gotConn.Store(false) },
	}
}

// failure maps the error retryablehttp returned (no response) to the
// caller's error.
func (cl *call) failure(ctx context.Context, err error) error {
	op := cl.op
	if cl.last == verdictOutcomeUnknown && cl.lastErr != nil {
		// The attempt in flight may have delivered the body, whether it
		// failed on its own or because ctx ended.
		return &OutcomeUnknownError{Op: op.name, Cause: fmt.Errorf("%s %s: %w", cl.method, cl.path, unwrapURLError(cl.lastErr))}
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			return fmt.Errorf("the Collinear API %s stopped after %d attempt(s): the operation timed out (raise the resource's timeouts if needed): %w", op.name, cl.attempts, ctxErr)
		}
		return fmt.Errorf("the Collinear API %s stopped after %d attempt(s): %w", op.name, cl.attempts, ctxErr)
	}
	if cl.lastErr == nil {
		return fmt.Errorf("the Collinear API %s failed: %w", op.name, err)
	}
	cause := unwrapURLError(cl.lastErr)
	switch cl.last {
	case verdictNotSent:
		return fmt.Errorf("could not connect to the Collinear API at %s: %w", cl.c.baseURL, cause)
	case verdictRetry:
		return fmt.Errorf("could not reach the Collinear API at %s (%s %s), retried %d time(s): %w", cl.c.baseURL, cl.method, cl.path, cl.attempts-1, cause)
	}
	return fmt.Errorf("the Collinear API %s failed: %w", op.name, cause)
}

// checkRetry is the retryablehttp CheckRetry: it applies classify and
// computes the wait, so that a Retry-After beyond the context's deadline ends
// the call at once with the last answer instead of sleeping into a timeout.
func (cl *call) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	cl.attempts++
	if err != nil && !cl.gotConn.Load() {
		err = &notSentError{err: err}
	}
	cl.lastResp, cl.lastErr = resp, err
	cl.last = classify(cl.op.notIdempotent, resp, err)
	if cl.last != verdictRetry {
		return false, nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if cl.attempts > cl.c.maxRetries {
		// Exhausted: retryablehttp stops without waiting.
		return true, nil
	}
	wait := retryWait(cl.c.retryWaitMin, cl.c.retryWaitMax, cl.attempts-1, resp, time.Now())
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
		if resp != nil {
			cl.retryAfterBeyondDeadline = wait
		}
		return false, nil
	}
	cl.nextWait = wait
	return true, nil
}

// backoff is the retryablehttp Backoff: it returns the wait checkRetry chose
// and logs the retry.
func (cl *call) backoff(_, _ time.Duration, attemptNum int, resp *http.Response) time.Duration {
	kv := []any{
		"attempt", attemptNum + 1,
		"max_retries", cl.c.maxRetries,
	}
	if resp != nil {
		kv = append(kv, "status", resp.StatusCode)
	} else if cl.lastErr != nil {
		kv = append(kv, "error", unwrapURLError(cl.lastErr).Error())
	}
	kv = append(kv, "wait", cl.nextWait, "method", cl.method, "path", cl.path)
	cl.log.Warn("Collinear API request failed and will be retried", kv...)
	return cl.nextWait
}

// unwrapURLError drops net/http's *url.Error wrapper, whose text repeats the
// method and URL that messages already give.
func unwrapURLError(err error) error {
	var ns *notSentError
	if errors.As(err, &ns) {
		err = ns.err
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

func statusOf(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

// maxSmallAnswer bounds what is read of the answers that are small by
// nature: a judge's id, an evaluation's ApiResponse, a space's judge list.
const maxSmallAnswer = 32 << 20

// routeStatusError maps the 404 and 405 of a read-only route to sentinel
// errors: a missing route to unavailable, another 404 to notFound, whose
// message is notFound's followed by ": " and notFoundMsg. FastAPI answers a
// missing route with exactly {"detail":"Not Found"}; the route's own 404
// names what it did not find.
func routeStatusError(apiErr *APIError, method, path string, unavailable, notFound error, notFoundMsg string) error {
	switch {
	case routeMissing(apiErr):
		return &statusError{sentinel: unavailable, api: apiErr,
			msg: fmt.Sprintf("%s: %s %s answered HTTP %d (check base_url)", unavailable, method, path, apiErr.StatusCode)}
	case apiErr.StatusCode == http.StatusNotFound:
		return &statusError{sentinel: notFound, api: apiErr, msg: fmt.Sprintf("%s: %s", notFound, notFoundMsg)}
	}
	return apiErr
}

// routeMissing reports FastAPI's answer to a route it does not have: a bare
// 404 {"detail":"Not Found"}, or 405.
func routeMissing(apiErr *APIError) bool {
	return apiErr.StatusCode == http.StatusMethodNotAllowed ||
		apiErr.StatusCode == http.StatusNotFound && (apiErr.Detail == "Not Found" || apiErr.Detail == "" && len(apiErr.Validation) == 0)
}

// statusError carries a sentinel and the API error behind it.
type statusError struct {
	sentinel error
	api      *APIError
	msg      string
}

func (e *statusError) Error() string   { return e.msg }
func (e *statusError) Unwrap() []error { return []error{e.sentinel, e.api} }

// sendJSON posts v as JSON and returns the 2xx answer; the caller closes its
// body.
func (c *Client) sendJSON(ctx context.Context, op operation, path string, v any) (*http.Response, error) {
	reqBody, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding the %s request: %w", op.name, err)
	}
	return c.do(ctx, op, http.MethodPost, path, "application/json", reqBody)
}

// postJSON posts v as JSON and hands the body of the 2xx answer, read whole,
// to decode. When op is not idempotent, an answer that breaks off or that
// decode refuses is an *OutcomeUnknownError with ProbablyStored set: the API
// answered 200.
func (c *Client) postJSON(ctx context.Context, op operation, path string, v any, decode func(body []byte) error) error {
	resp, err := c.sendJSON(ctx, op, path, v)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := readAnswer(resp.Body)
	if err != nil {
		err = fmt.Errorf("reading the answer of POST %s: %w", path, err)
	} else {
		err = decode(body)
	}
	if err != nil && op.notIdempotent {
		return &OutcomeUnknownError{Op: op.name, Cause: err, ProbablyStored: true}
	}
	return err
}

// readAnswer reads a small answer whole, refusing one beyond maxSmallAnswer.
func readAnswer(r io.Reader) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, maxSmallAnswer+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxSmallAnswer {
		return nil, fmt.Errorf("the answer is larger than %d bytes", maxSmallAnswer)
	}
	return body, nil
}

// unexpectedAnswer describes a 2xx answer read whole without the documented
// shape.
func (c *Client) unexpectedAnswer(path, reason string, body []byte) *UnexpectedResponseError {
	return &UnexpectedResponseError{
		Path:    path,
		Reason:  c.redact(reason),
		Offset:  -1,
		Excerpt: excerpt(c.redact(string(body)), maxExcerpt),
	}
}
