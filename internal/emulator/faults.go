package emulator

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// FaultKind is a failure the server produces for one request.
type FaultKind int

const (
	Fault429              FaultKind = iota // 429 with Retry-After (Fault.RetryAfter, default "1")
	Fault500                               // 500 before storing anything
	Fault502                               // 502 before storing anything (an HTML proxy page)
	Fault503                               // 503 before storing anything
	FaultDelay                             // sleep Fault.Delay, then handle normally
	FaultCommitThenDrop                    // store the rows, then drop the connection without a response
	FaultRouteNotFound                     // FastAPI's bare 404 {"detail":"Not Found"}
	FaultMethodNotAllowed                  // 405

	// FaultTruncatedStream stores the rows, streams about half of the
	// response array, then drops the connection. On the judge and
	// evaluation endpoints it stores, then sends half of the answer.
	FaultTruncatedStream
	// FaultWrongCount stores every row but streams one id fewer than rows
	// stored (the last row's is missing). With ShapeObject it has no effect.
	FaultWrongCount
	// Fault504AfterCommit stores the rows, then answers a proxy's 504
	// Gateway Time-out page: the upload happened although it looks failed.
	Fault504AfterCommit
	// FaultStatus answers Fault.Status with Fault.Body (JSON) before
	// storing anything: the platform's answers that no valid request
	// provokes from the emulator, such as a 400 or 422 of its own.
	FaultStatus
	// FaultReorderedAnswer stores the rows, then streams the answer with
	// the rows in reverse order, each still with its own id. With
	// ShapeObject it has no effect.
	FaultReorderedAnswer
	// FaultDuplicateIDs stores the rows, each with its own id, then streams
	// an answer whose second element carries the first element's id; the
	// answer to a one-row upload holds that row twice with the same id.
	// With ShapeObject it has no effect.
	FaultDuplicateIDs
	// Fault503AfterCommit stores the rows, then answers the 503 an
	// Envoy/Istio gateway gives when the service behind it reset the
	// connection: the upload happened although it looks failed. The
	// gateway sends no Retry-After unless Fault.RetryAfter sets one.
	Fault503AfterCommit
	// FaultHang reads the request and never answers: the handler waits
	// until the client gives up (logged with Status 0) or the server
	// closes (the connection is dropped, logged as Dropped). Meant for
	// the lookup; on an upload nothing is stored.
	FaultHang
	// FaultLateCommit models an API that keeps working after its client
	// gave up. The upload is read in full and nothing is answered; once
	// Fault.Delay has passed since the request arrived, the application
	// runs anyway and stores the rows (Request.Stored, Request.LateCommit),
	// and only then, if the client is still connected, writes its normal
	// answer. The request is logged when it ends; WaitLateCommits waits
	// for that. Reset does not cancel a pending one; Close drops it
	// unstored. Taken by a lookup, it only delays the answer.
	FaultLateCommit
	// Fault504BeforeCommit is a gateway that gives up at once: it answers
	// its 504 page while the application, which got the whole request,
	// stores it once Fault.Delay has passed, answering nobody. A client
	// that lists what exists right after the 504 finds nothing yet. It
	// counts as a late commit: WaitLateCommits waits for it.
	Fault504BeforeCommit

	faultKindEnd // not a kind: one past the last
)

var faultKindNames = map[FaultKind]string{
	Fault429:              "429",
	Fault500:              "500",
	Fault502:              "502",
	Fault503:              "503",
	FaultDelay:            "delay",
	FaultCommitThenDrop:   "commit_then_drop",
	FaultRouteNotFound:    "route_not_found",
	FaultMethodNotAllowed: "method_not_allowed",
	FaultTruncatedStream:  "truncated_stream",
	FaultWrongCount:       "wrong_count",
	Fault504AfterCommit:   "504_after_commit",
	FaultStatus:           "status",
	FaultReorderedAnswer:  "reordered_answer",
	FaultDuplicateIDs:     "duplicate_ids",
	Fault503AfterCommit:   "503_after_commit",
	FaultHang:             "hang",
	FaultLateCommit:       "late_commit",
	Fault504BeforeCommit:  "504_before_commit",
}

// String returns the name the control API uses for the kind, e.g.
// "commit_then_drop".
func (k FaultKind) String() string {
	if n, ok := faultKindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// ParseFaultKind is the inverse of FaultKind.String.
func ParseFaultKind(s string) (FaultKind, error) {
	for k, n := range faultKindNames {
		if n == s {
			return k, nil
		}
	}
	names := make([]string, 0, len(faultKindNames))
	for k := Fault429; k < faultKindEnd; k++ {
		names = append(names, k.String())
	}
	return 0, fmt.Errorf("unknown fault kind %q: want one of %s", s, strings.Join(names, ", "))
}

// Fault is one injected failure. Path "" matches any route; otherwise only
// requests to that path consume it.
type Fault struct {
	Kind       FaultKind
	Path       string
	RetryAfter string        // Fault429 (default "1"), Fault503 and Fault503AfterCommit (default none): seconds or an HTTP date
	Delay      time.Duration // FaultDelay, FaultLateCommit and Fault504BeforeCommit
	// Skip lets that many matching requests through untouched before the
	// fault fires, so a test can fail "the third of five batches" with
	// Skip: 2. It counts from when the fault is the first matching one in
	// the queue.
	Skip int
	// Body replaces the answer's body for the kinds that answer at once
	// (429, 500, 502, 503, 503 and 504 after commit, 404, 405, status).
	Body string
	// Status is the answer's status for FaultStatus.
	Status int
}

type pendingFault struct {
	Fault
	skipped int
}

// InjectFaults queues faults. Each applies to one later API request whose
// path matches; the first matching fault in the queue is the one used (FIFO).
func (s *Server) InjectFaults(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range faults {
		s.faults = append(s.faults, pendingFault{Fault: f})
	}
}

// PendingFaults is the number of injected faults not yet consumed.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults)
}

// ClearFaults drops every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault removes and returns the fault that applies to a request to
// path, if any. A matching fault still skipping requests lets this one
// through and blocks those behind it, which keeps the queue FIFO.
//
// A FaultLateCommit counts as pending from the moment it is taken (late is
// closed when its request ends), so that WaitLateCommits called once
// PendingFaults reads 0 waits for it.
func (s *Server) takeFault(path string) (f Fault, late chan struct{}, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.faults {
		pf := &s.faults[i]
		if pf.Path != "" && pf.Path != path {
			continue
		}
		if pf.skipped < pf.Skip {
			pf.skipped++
			return Fault{}, nil, false
		}
		f = pf.Fault
		s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		if f.Kind == FaultLateCommit || f.Kind == Fault504BeforeCommit {
			late = make(chan struct{})
			s.lateCommits[late] = struct{}{}
		}
		return f, late, true
	}
	return Fault{}, nil, false
}

// immediateAnswer is the answer of a fault that answers before the
// application sees the request.
type immediateAnswer struct {
	status      int // 0: Fault.Status
	contentType string
	body        string // Fault.Body replaces it
}

var immediateAnswers = map[FaultKind]immediateAnswer{
	Fault429: {http.StatusTooManyRequests, "application/json", `{"detail":"Too Many Requests"}`},
	// Starlette's ServerErrorMiddleware answers an unhandled exception with
	// plain text.
	Fault500:              {http.StatusInternalServerError, "text/plain; charset=utf-8", "Internal Server Error"},
	Fault502:              {http.StatusBadGateway, "text/html", nginxPage("502 Bad Gateway")},
	Fault503:              {http.StatusServiceUnavailable, "application/json", `{"detail":"Service temporarily unavailable"}`},
	FaultRouteNotFound:    {http.StatusNotFound, "application/json", `{"detail":"Not Found"}`},
	FaultMethodNotAllowed: {http.StatusMethodNotAllowed, "application/json", `{"detail":"Method Not Allowed"}`},
	FaultStatus:           {0, "application/json", `{"detail":"error"}`},
}

// applyFault acts on a fault before the application sees the request. It
// reports whether the request has been answered.
func (ex *exchange) applyFault(f Fault) (answered bool) {
	if a, ok := immediateAnswers[f.Kind]; ok {
		ex.drain()
		h := ex.w.Header()
		switch f.Kind {
		case Fault429:
			h.Set("Retry-After", cmp.Or(f.RetryAfter, "1"))
		case Fault503:
			if f.RetryAfter != "" {
				h.Set("Retry-After", f.RetryAfter)
			}
		case FaultMethodNotAllowed:
			h.Set("Allow", http.MethodGet)
		}
		ex.answer(f, cmp.Or(a.status, f.Status), a.contentType, a.body)
		return true
	}
	switch f.Kind {
	case FaultHang:
		ex.drain()
		select {
		case <-ex.r.Context().Done(): // the client gave up
		case <-ex.s.closing:
			ex.drop()
		}
		return true
	case FaultLateCommit:
		return ex.awaitLateCommit(f.Delay)
	case Fault504BeforeCommit:
		return ex.gatewayGivesUp(f)
	case FaultDelay:
		if ex.bufferBody() != nil {
			return false // the handler meets the same error when it reads
		}
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ex.r.Context().Done():
			// The client gave up; nobody is left to answer.
			return true
		}
	}
	return false
}

// failAfterCommit serves a request whose fault strikes once the application
// has stored: the application runs, its answer never leaves, and the fault's
// takes its place. It reports false, having done nothing, for a request
// without such a fault.
func (ex *exchange) failAfterCommit() bool {
	f := ex.entry.Fault
	if f == nil {
		return false
	}
	switch f.Kind {
	case FaultCommitThenDrop:
		ex.routeUnanswered()
		ex.drop()
	case Fault504AfterCommit:
		ex.routeUnanswered()
		ex.answer(*f, http.StatusGatewayTimeout, "text/html", nginxPage("504 Gateway Time-out"))
	case Fault503AfterCommit:
		ex.routeUnanswered()
		if f.RetryAfter != "" {
			ex.w.Header().Set("Retry-After", f.RetryAfter)
		}
		ex.answer(*f, http.StatusServiceUnavailable, "text/plain", envoyResetBody)
	default:
		return false
	}
	return true
}

// gatewayGivesUp answers a Fault504BeforeCommit's 504 at once, with its
// length so that the client has the whole answer before the handler ends,
// then lets the application store the request once f.Delay has passed,
// answering nobody. It reports whether the request is over without the
// application: it never arrived in full, or the server closed first.
func (ex *exchange) gatewayGivesUp(f Fault) (answered bool) {
	// Read the whole request first: once answered, its body is closed.
	body, err := io.ReadAll(io.LimitReader(ex.r.Body, ex.s.maxBody+1))
	ex.r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return false // the handler meets a short body
	}
	page := nginxPage("504 Gateway Time-out")
	// The gateway is done with this connection; the application is not
	// yet, so a client must not wait on it for its next request.
	ex.w.Header().Set("Connection", "close")
	ex.w.Header().Set("Content-Length", strconv.Itoa(len(cmp.Or(f.Body, page))))
	ex.answer(f, http.StatusGatewayTimeout, "text/html", page)
	ex.rec.Flush()
	due := time.NewTimer(f.Delay)
	defer due.Stop()
	select {
	case <-due.C:
		ex.w = &discardWriter{}
		return false
	case <-ex.s.closing:
		return true
	}
}

// routeUnanswered runs the application with its answer discarded.
func (ex *exchange) routeUnanswered() {
	ex.w = &discardWriter{}
	ex.route()
	ex.w = ex.rec
}

func (ex *exchange) answer(f Fault, status int, contentType, body string) {
	if f.Body != "" {
		body = f.Body
	}
	ex.w.Header().Set("Content-Type", contentType)
	ex.w.WriteHeader(status)
	_, _ = io.WriteString(ex.w, body)
}

// bufferBody reads the body ahead, as a proxy does, and leaves it for the
// handler to read again. Once the body is read the server watches the
// connection, so a client that gives up cancels the request's context.
func (ex *exchange) bufferBody() error {
	buffered, err := io.ReadAll(io.LimitReader(ex.r.Body, ex.s.maxBody+1))
	ex.r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(buffered), ex.r.Body), ex.r.Body}
	return err
}

// drain reads the rest of the request body before an early answer, so the
// client is not cut off while still sending it.
func (ex *exchange) drain() {
	_, _ = io.Copy(io.Discard, io.LimitReader(ex.r.Body, ex.s.maxBody))
}

// envoyResetBody is what an Envoy (Istio) gateway answers, with 503, when
// the service behind it closed the connection before its answer began.
const envoyResetBody = "upstream connect error or disconnect/reset before headers. reset reason: connection termination"

func nginxPage(title string) string {
	return "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
		"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
}
