package client

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	post := func(err error) error {
		return &url.Error{Op: "Post", URL: "https://api.example/api/v1/dataset/upload", Err: err}
	}
	refused := post(&net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}})
	dnsFailure := post(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "api.example", IsNotFound: true}})
	bareDNS := post(&net.DNSError{Err: "server misbehaving", Name: "api.example", IsTemporary: true})
	proxy := post(&net.OpError{Op: "proxyconnect", Net: "tcp", Err: syscall.ECONNREFUSED})
	noConn := &notSentError{err: post(errors.New("tls: handshake failure"))}
	readTimeout := post(&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded})
	reset := post(&net.OpError{Op: "read", Net: "tcp", Err: &os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}})
	writeBroken := post(&net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE})
	eof := post(io.EOF)
	unexpectedEOF := post(io.ErrUnexpectedEOF)
	canceled := post(context.Canceled)
	certErr := post(x509.UnknownAuthorityError{})

	status := func(code int) *http.Response { return &http.Response{StatusCode: code, Header: http.Header{}} }

	cases := []struct {
		name   string
		resp   *http.Response
		err    error
		upload verdict
		lookup verdict
	}{
		{"connection refused", nil, refused, verdictRetry, verdictRetry},
		{"DNS failure in dial", nil, dnsFailure, verdictRetry, verdictRetry},
		{"bare DNS error", nil, bareDNS, verdictRetry, verdictRetry},
		{"proxy connect failed", nil, proxy, verdictRetry, verdictRetry},
		{"no connection obtained", nil, noConn, verdictRetry, verdictRetry},
		{"untrusted certificate", nil, certErr, verdictNotSent, verdictNotSent},
		{"timeout after sending", nil, readTimeout, verdictOutcomeUnknown, verdictRetry},
		{"reset while reading answer", nil, reset, verdictOutcomeUnknown, verdictRetry},
		{"broken pipe while sending", nil, writeBroken, verdictOutcomeUnknown, verdictRetry},
		{"EOF before answer", nil, eof, verdictOutcomeUnknown, verdictRetry},
		{"unexpected EOF", nil, unexpectedEOF, verdictOutcomeUnknown, verdictRetry},
		{"cancelled in flight", nil, canceled, verdictOutcomeUnknown, verdictRetry},
		{"200", status(200), nil, verdictDone, verdictDone},
		{"201", status(201), nil, verdictDone, verdictDone},
		{"301", status(301), nil, verdictDone, verdictDone},
		{"400", status(400), nil, verdictDone, verdictDone},
		{"401", status(401), nil, verdictDone, verdictDone},
		{"403", status(403), nil, verdictDone, verdictDone},
		{"404", status(404), nil, verdictDone, verdictDone},
		{"405", status(405), nil, verdictDone, verdictDone},
		{"413", status(413), nil, verdictDone, verdictDone},
		{"422", status(422), nil, verdictDone, verdictDone},
		{"429", status(429), nil, verdictRetry, verdictRetry},
		{"500", status(500), nil, verdictOutcomeUnknown, verdictRetry},
		{"501", status(501), nil, verdictDone, verdictDone},
		{"502", status(502), nil, verdictOutcomeUnknown, verdictRetry},
		{"503", status(503), nil, verdictOutcomeUnknown, verdictRetry},
		{"504", status(504), nil, verdictOutcomeUnknown, verdictRetry},
		{"507", status(507), nil, verdictOutcomeUnknown, verdictDone},
		{"no response, no error", nil, nil, verdictOutcomeUnknown, verdictRetry},
	}
	for _, tc := range cases {
		if got := classify(true, tc.resp, tc.err); got != tc.upload {
			t.Errorf("%s: upload verdict = %v, want %v", tc.name, got, tc.upload)
		}
		if got := classify(false, tc.resp, tc.err); got != tc.lookup {
			t.Errorf("%s: lookup verdict = %v, want %v", tc.name, got, tc.lookup)
		}
	}
}

func TestRetryWait(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	withRetryAfter := func(code int, v string) *http.Response {
		return &http.Response{StatusCode: code, Header: http.Header{"Retry-After": []string{v}}}
	}
	minWait, maxWait := 100*time.Millisecond, 10*time.Second

	cases := []struct {
		name string
		resp *http.Response
		want time.Duration
	}{
		{"429 seconds", withRetryAfter(429, "3"), 3 * time.Second},
		{"503 seconds", withRetryAfter(503, "2"), 2 * time.Second},
		{"429 seconds capped by max", withRetryAfter(429, "120"), maxWait},
		{"429 HTTP date", withRetryAfter(429, now.Add(4*time.Second).Format(http.TimeFormat)), 4 * time.Second},
		{"429 date in the past", withRetryAfter(429, now.Add(-time.Minute).Format(http.TimeFormat)), 0},
		{"429 zero", withRetryAfter(429, "0"), 0},
	}
	for _, tc := range cases {
		if got := retryWait(minWait, maxWait, 0, tc.resp, now); got != tc.want {
			t.Errorf("%s: wait = %v, want %v", tc.name, got, tc.want)
		}
	}

	// Without Retry-After (or with a bad one): exponential with jitter,
	// within [minWait, maxWait] and within [base/2, base] for base = minWait*2^attempt.
	for _, resp := range []*http.Response{nil, withRetryAfter(429, "soon"), withRetryAfter(429, "-1"), withRetryAfter(500, "3")} {
		for attempt := 0; attempt < 70; attempt++ {
			base := maxWait
			if attempt < 7 {
				base = minWait << attempt
			}
			for range 20 {
				got := retryWait(minWait, maxWait, attempt, resp, now)
				if got < minWait || got > maxWait || got < base/2 || got > base {
					t.Fatalf("attempt %d: wait = %v, want within [%v, %v] and [%v, %v]", attempt, got, minWait, maxWait, base/2, base)
				}
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"5", 5 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"Fri, 02 Jan 2026 03:04:15 GMT", 10 * time.Second, true},
		{"Friday, 02-Jan-26 03:04:15 GMT", 10 * time.Second, true}, // RFC 850
		{"", 0, false},
		{"-3", 0, false},
		{"1.5", 0, false},
		{"tomorrow", 0, false},
		{"99999999999999999", 365 * 24 * time.Hour, true},
	} {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// String names a verdict in test failures.
func (v verdict) String() string {
	switch v {
	case verdictDone:
		return "done"
	case verdictRetry:
		return "retry"
	case verdictOutcomeUnknown:
		return "outcome-unknown"
	case verdictNotSent:
		return "not-sent"
	}
	return "verdict(" + strconv.Itoa(int(v)) + ")"
}
