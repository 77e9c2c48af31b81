package client

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// neverAnswers reads a request whole and then waits, without answering,
// until the client gives up and closes the connection.
func neverAnswers(requests *atomic.Int32) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	})
}

func shortHeaderTimeout(cfg *Config) { cfg.ResponseHeaderTimeout = 50 * time.Millisecond }

// An upload whose answer never comes was sent: its outcome is unknown, and it
// is not sent again.
func TestUploadWithoutAnswerIsOutcomeUnknown(t *testing.T) {
	var requests atomic.Int32
	c, _, _ := newTestClient(t, neverAnswers(&requests), shortHeaderTimeout)
	_, err := c.Upload(testCtx(t), testSpace, "ds", testRows, nil)
	var unknown *OutcomeUnknownError
	if !errors.As(err, &unknown) || unknown.ProbablyStored || !strings.Contains(err.Error(), "timeout awaiting response headers") {
		t.Fatalf("err = %v, want an *OutcomeUnknownError for the header timeout", err)
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// The read-only lookup retries a request that got no answer.
func TestLookupWithoutAnswerIsRetried(t *testing.T) {
	var requests atomic.Int32
	c, _, _ := newTestClient(t, neverAnswers(&requests), shortHeaderTimeout, func(cfg *Config) { cfg.MaxRetries = 2 })
	_, err := lookupAll(testCtx(t), c, testSpace, "ds")
	if err == nil || !strings.Contains(err.Error(), "timeout awaiting response headers") || !strings.Contains(err.Error(), "retried 2 time(s)") {
		t.Errorf("err = %v, want the header timeout after 2 retries", err)
	}
	if n := requests.Load(); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

// The timeout applies to a caller's *http.Transport too, on a copy.
func TestResponseHeaderTimeoutOnCallersTransport(t *testing.T) {
	var requests atomic.Int32
	transport := &http.Transport{}
	c, _, _ := newTestClient(t, neverAnswers(&requests), shortHeaderTimeout, func(cfg *Config) {
		cfg.HTTPClient = &http.Client{Transport: transport}
	})
	_, err := c.Upload(testCtx(t), testSpace, "ds", testRows, nil)
	var unknown *OutcomeUnknownError
	if !errors.As(err, &unknown) || !strings.Contains(err.Error(), "timeout awaiting response headers") {
		t.Errorf("err = %v, want an *OutcomeUnknownError for the header timeout", err)
	}
	if transport.ResponseHeaderTimeout != 0 {
		t.Errorf("the caller's transport was changed: ResponseHeaderTimeout = %v", transport.ResponseHeaderTimeout)
	}
}

func TestDefaultResponseHeaderTimeout(t *testing.T) {
	c, _, _ := newTestClient(t, http.NotFoundHandler())
	if tr, ok := c.httpClient.Transport.(*http.Transport); !ok || tr.ResponseHeaderTimeout != DefaultResponseHeaderTimeout {
		t.Errorf("transport %#v, want an *http.Transport with ResponseHeaderTimeout %v", c.httpClient.Transport, DefaultResponseHeaderTimeout)
	}
}
