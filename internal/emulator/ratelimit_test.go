package emulator

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	s := startServer(t, Options{})
	s.SetRateLimit(2, time.Hour)
	wantStatus(t, upload(t, s, jsonArray(testRow("a", 1)), "d", testSpace), http.StatusOK)
	wantStatus(t, lookup(t, s, testSpace, "d"), http.StatusOK)

	r := upload(t, s, jsonArray(testRow("b", 1)), "d", testSpace)
	wantStatus(t, r, http.StatusTooManyRequests)
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 3600 {
		t.Errorf("Retry-After %q, want whole seconds within the hour", r.Header.Get("Retry-After"))
	}
	if n := len(s.Rows(testSpace, "d")); n != 1 {
		t.Errorf("%d rows stored, want 1", n)
	}
	if e := s.Requests()[2]; e.Status != http.StatusTooManyRequests || e.Fault != nil {
		t.Errorf("log entry %+v", e)
	}

	s.SetRateLimit(0, 0)
	wantStatus(t, upload(t, s, jsonArray(testRow("b", 1)), "d", testSpace), http.StatusOK)
}

func TestRateLimiterWindowSlides(t *testing.T) {
	var s Server
	start := time.Unix(1000, 0)
	s.SetRateLimit(2, 10*time.Second)
	admit := func(at time.Duration) (string, bool) { return s.limiter.admit(&s.mu, start.Add(at)) }
	if _, limited := admit(0); limited {
		t.Fatal("first request limited")
	}
	if _, limited := admit(4 * time.Second); limited {
		t.Fatal("second request limited")
	}
	if retry, limited := admit(5 * time.Second); !limited || retry != "5" {
		t.Fatalf("third request: limited %v, Retry-After %q, want 5", limited, retry)
	}
	if _, limited := admit(10 * time.Second); limited {
		t.Fatal("the first request left the window, yet the next is limited")
	}
	if retry, limited := admit(10*time.Second + 500*time.Millisecond); !limited || retry != "4" {
		t.Fatalf("Retry-After %q, want 4 (rounded up)", retry)
	}
}
