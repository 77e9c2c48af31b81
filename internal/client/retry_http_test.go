package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestUpload429TwiceThenSuccess(t *testing.T) {
	var mu sync.Mutex
	var bodies [][]byte
	c, log, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, raw)
		n := len(bodies)
		mu.Unlock()
		if n <= 2 {
			w.Header().Set("Retry-After", "1") // capped by RetryWaitMax (5ms) in tests
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"detail":"Too Many Requests"}`)
			return
		}
		_, _ = io.WriteString(w, `[{"id":"x1"}]`)
	}))

	res, err := c.Upload(testCtx(t), testSpace, "ds", testRows, nil)
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if len(res.IDs) != 1 || res.IDs[0] != "x1" {
		t.Errorf("IDs = %q", res.IDs)
	}
	if len(bodies) != 3 {
		t.Fatalf("server saw %d requests, want 3", len(bodies))
	}
	for i := 1; i < 3; i++ {
		if !bytes.Equal(bodies[i], bodies[0]) {
			t.Errorf("body of attempt %d differs from the first", i+1)
		}
	}
	warns := log.byLevel("WARN")
	if len(warns) != 2 {
		t.Fatalf("%d WARN lines, want 2:\n%s", len(warns), log)
	}
	for i, w := range warns {
		if w.kv["attempt"] != i+1 || w.kv["max_retries"] != 4 || w.kv["status"] != 429 ||
			w.kv["method"] != "POST" || w.kv["path"] != UploadPath {
			t.Errorf("WARN %d fields = %v", i, w.kv)
		}
		if wait, ok := w.kv["wait"].(time.Duration); !ok || wait != 5*time.Millisecond {
			t.Errorf("WARN %d wait = %v, want the Retry-After capped at 5ms", i, w.kv["wait"])
		}
	}
}

// A gateway's 503 can come after the service behind it stored the rows, so an
// upload answered 503 is not resent: its outcome is unknown.
func TestUpload503IsOutcomeUnknownAfterOneRequest(t *testing.T) {
	var requests atomic.Int32
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		requests.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	_, err := c.Upload(testCtx(t), testSpace, "ds", testRows, nil)
	var unknown *OutcomeUnknownError
	var apiErr *APIError
	if !errors.As(err, &unknown) || !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Fatalf("err = %v, want an *OutcomeUnknownError wrapping the 503", err)
	}
	if requests.Load() != 1 {
		t.Errorf("%d requests, want 1: the upload must not be resent", requests.Load())
	}
}

func TestUpload429ExhaustedReturnsAPIError(t *testing.T) {
	var requests atomic.Int32
	c, log, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"detail":"slow down"}`)
	}), func(cfg *Config) { cfg.MaxRetries = 2 })
	_, err := c.Upload(testCtx(t), testSpace, "ds", testRows, nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.Retries != 2 {
		t.Fatalf("err = %#v, want a 429 *APIError with Retries 2", err)
	}
	if !strings.Contains(err.Error(), "retried 2 time(s)") || !strings.Contains(err.Error(), "slow down") {
		t.Errorf("message = %q", err)
	}
	if requests.Load() != 3 || len(log.byLevel("WARN")) != 2 {
		t.Errorf("%d requests and %d WARN lines, want 3 and 2", requests.Load(), len(log.byLevel("WARN")))
	}
}

func TestMaxRetriesZeroMeansNoRetry(t *testing.T) {
	var requests atomic.Int32
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}), func(cfg *Config) { cfg.MaxRetries = 0 })
	_, err := lookupAll(testCtx(t), c, testSpace, "ds")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || requests.Load() != 1 {
		t.Errorf("err = %v after %d requests, want a 503 after 1", err, requests.Load())
	}
}

func TestLookupRetries500(t *testing.T) {
	var requests atomic.Int32
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) <= 2 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		_, _ = io.WriteString(w, `{"dataset_id":"d","dataset_annotations":[]}`)
	}))
	ds, err := lookupAll(testCtx(t), c, testSpace, "ds")
	if err != nil || ds.DatasetID != "d" || requests.Load() != 3 {
		t.Errorf("lookup = %+v, %v after %d requests; want success after 3", ds, err, requests.Load())
	}
}

// freeAddr returns a 127.0.0.1 address nothing listens on (for now).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// startListenerOnFirstWarn starts srv on addr when the first retry is logged.
type startListenerOnFirstWarn struct {
	recordingLogger
	once  sync.Once
	start func()
}

func (l *startListenerOnFirstWarn) Warn(msg string, kv ...any) {
	l.recordingLogger.Warn(msg, kv...)
	l.once.Do(l.start)
}

func TestUploadConnectionRefusedIsRetried(t *testing.T) {
	addr := freeAddr(t)
	var requests atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, `[{"id":"late"}]`)
	}))
	t.Cleanup(srv.Close)
	log := &startListenerOnFirstWarn{start: func() {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("listening on %s again: %v", addr, err)
			return
		}
		srv.Listener = l
		srv.Start()
	}}
	c, err := New(Config{BaseURL: "http://" + addr, APIKey: testKey, MaxRetries: 3,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond, Logger: func(context.Context) Logger { return log }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Upload(testCtx(t), testSpace, "ds", testRows, nil)
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if len(res.IDs) != 1 || requests.Load() != 1 {
		t.Errorf("IDs = %q, %d requests reached the server; want 1 and 1", res.IDs, requests.Load())
	}
	warns := log.byLevel("WARN")
	if len(warns) != 1 || !strings.Contains(fmt.Sprint(warns[0].kv["error"]), "refused") {
		t.Errorf("WARN lines = %v, want one with the refused connection", warns)
	}
}

func TestUploadConnectionRefusedExhausted(t *testing.T) {
	addr := freeAddr(t)
	log := &recordingLogger{}
	c, err := New(Config{BaseURL: "http://" + addr, APIKey: testKey, MaxRetries: 2,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond, Logger: func(context.Context) Logger { return log }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Upload(testCtx(t), testSpace, "ds", testRows, nil)
	var unknown *OutcomeUnknownError
	if err == nil || errors.As(err, &unknown) {
		t.Fatalf("err = %v, want a plain connection error (nothing was sent)", err)
	}
	if !strings.Contains(err.Error(), "retried 2 time(s)") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("message = %q", err)
	}
	if n := len(log.byLevel("WARN")); n != 2 {
		t.Errorf("%d WARN lines, want 2", n)
	}
}

// hangUpAfterBody reads a whole upload, then closes the connection without
// answering: the rows may well be stored.
func hangUpAfterBody(requests *atomic.Int32) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		conn.Close()
	})
}

func TestUploadHangUpAfterBodyIsOutcomeUnknown(t *testing.T) {
	var requests atomic.Int32
	c, log, _ := newTestClient(t, hangUpAfterBody(&requests))
	_, err := c.Upload(testCtx(t), testSpace, "ds", testRows, nil)
	var unknown *OutcomeUnknownError
	if !errors.As(err, &unknown) || unknown.ProbablyStored {
		t.Fatalf("err = %v, want *OutcomeUnknownError", err)
	}
	if requests.Load() != 1 || len(log.byLevel("WARN")) != 0 {
		t.Errorf("%d requests, %d retries; want 1 and 0", requests.Load(), len(log.byLevel("WARN")))
	}
	for _, want := range []string{"may or may not have been stored", "not sent again", "EOF"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not contain %q", err, want)
		}
	}
}

func TestLookupHangUpIsRetried(t *testing.T) {
	var requests atomic.Int32
	c, _, _ := newTestClient(t, hangUpAfterBody(&requests), func(cfg *Config) { cfg.MaxRetries = 2 })
	_, err := lookupAll(testCtx(t), c, testSpace, "ds")
	if err == nil || requests.Load() != 3 {
		t.Errorf("err = %v after %d requests, want an error after 3", err, requests.Load())
	}
}

func TestUploadAnswerCutOffMidway(t *testing.T) {
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Length", "1000")
		_, _ = io.WriteString(w, `[{"id":"a"},{"id":2},{"id":"c`) // then the connection ends
	}))
	ids, each := collectIDs()
	_, err := c.Upload(testCtx(t), testSpace, "ds", testRows, each)
	var unknown *OutcomeUnknownError
	if !errors.As(err, &unknown) || !unknown.ProbablyStored {
		t.Fatalf("err = %v, want *OutcomeUnknownError with ProbablyStored", err)
	}
	if !slices.Equal(*ids, []string{"a", "2"}) {
		t.Errorf("ids handed over = %q, want [a 2]", *ids)
	}
	if !strings.Contains(err.Error(), "probably stored") {
		t.Errorf("message = %q", err)
	}
}

func TestUploadCancelWhileWaitingForAnswer(t *testing.T) {
	arrived := make(chan struct{})
	release := make(chan struct{})
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		close(arrived)
		<-release
	}))
	defer close(release)
	ctx, cancel := context.WithCancel(testCtx(t))
	go func() { <-arrived; cancel() }()

	_, err := c.Upload(ctx, testSpace, "ds", testRows, nil)
	var unknown *OutcomeUnknownError
	if !errors.As(err, &unknown) {
		t.Fatalf("err = %v, want *OutcomeUnknownError: the body had arrived", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want it to wrap context.Canceled", err)
	}
}

func TestCancelDuringRetryWaitReturnsContextError(t *testing.T) {
	var requests atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		requests.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}), func(cfg *Config) { cfg.RetryWaitMax = time.Hour })
	// Cancel once the retry is announced: the client is then waiting an hour.
	c.logger = func(context.Context) Logger { return cancelOnWarn{cancel} }

	_, err := c.Upload(ctx, testSpace, "ds", testRows, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	var unknown *OutcomeUnknownError
	if errors.As(err, &unknown) {
		t.Errorf("err = %v: a 429 stored nothing, the outcome is known", err)
	}
	if requests.Load() != 1 {
		t.Errorf("%d requests, want 1", requests.Load())
	}
}

type cancelOnWarn struct{ cancel context.CancelFunc }

func (cancelOnWarn) Debug(string, ...any)  {}
func (cancelOnWarn) Info(string, ...any)   {}
func (c cancelOnWarn) Warn(string, ...any) { c.cancel() }
func (cancelOnWarn) Error(string, ...any)  {}

func TestRetryAfterBeyondDeadlineGivesUpAtOnce(t *testing.T) {
	var requests atomic.Int32
	c, log, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}), func(cfg *Config) { cfg.RetryWaitMax = 2 * time.Hour })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := lookupAll(ctx, c, testSpace, "ds")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.RetryAfter != time.Hour {
		t.Fatalf("err = %#v, want a 429 *APIError with RetryAfter 1h", err)
	}
	if !strings.Contains(err.Error(), "longer than the time left") {
		t.Errorf("message = %q", err)
	}
	if requests.Load() != 1 || len(log.byLevel("WARN")) != 0 {
		t.Errorf("%d requests, %d retries; want 1 and 0", requests.Load(), len(log.byLevel("WARN")))
	}
}

func TestAlreadyCancelledContextSendsNothing(t *testing.T) {
	var requests atomic.Int32
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Upload(ctx, testSpace, "ds", testRows, nil)
	var unknown *OutcomeUnknownError
	if !errors.Is(err, context.Canceled) || errors.As(err, &unknown) || requests.Load() != 0 {
		t.Errorf("err = %v with %d requests, want a plain context.Canceled and none", err, requests.Load())
	}
}

func TestConcurrentUploads(t *testing.T) {
	var seen sync.Map
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := parseUpload(t, r)
		if _, again := seen.LoadOrStore(u.datasetName, true); !again {
			// Each upload is rate limited once, then succeeds.
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		fmt.Fprintf(w, `[{"id":%q}]`, u.datasetName)
	}))
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("ds-%d", i)
			res, err := c.Upload(testCtx(t), testSpace, name, testRows, nil)
			if err != nil {
				t.Errorf("upload %d: %v", i, err)
				return
			}
			if len(res.IDs) != 1 || res.IDs[0] != name {
				t.Errorf("upload %d got ids %q", i, res.IDs)
			}
		}()
	}
	wg.Wait()
}

// TestUploadNotResentOnReusedConnection: after a lookup leaves a kept-alive
// connection, an upload on it that the server drops after reading the body
// must not be replayed by net/http's own retry of requests on reused
// connections.
func TestUploadNotResentOnReusedConnection(t *testing.T) {
	var uploads atomic.Int32
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == LookupPath {
			_, _ = io.WriteString(w, `{"dataset_id":"d","dataset_annotations":[]}`)
			return
		}
		hangUpAfterBody(&uploads).ServeHTTP(w, r)
	}))
	ctx := testCtx(t)
	if _, err := lookupAll(ctx, c, testSpace, "ds"); err != nil {
		t.Fatal(err)
	}
	_, err := c.Upload(ctx, testSpace, "ds", testRows, nil)
	var unknown *OutcomeUnknownError
	if !errors.As(err, &unknown) || uploads.Load() != 1 {
		t.Errorf("err = %v after %d uploads reached the server, want *OutcomeUnknownError after 1", err, uploads.Load())
	}
}
