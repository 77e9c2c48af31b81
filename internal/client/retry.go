package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// verdict is what the retry policy makes of one attempt.
type verdict int

const (
	// verdictDone: a final answer to hand to the caller (2xx, or an error
	// status that retrying cannot change).
	verdictDone verdict = iota
	// verdictRetry: nothing can have been stored (or the request is
	// read-only), and trying again may succeed.
	verdictRetry
	// verdictOutcomeUnknown: the body of a request that is not idempotent
	// may have reached the server and no usable answer came back. Resending
	// could store the rows (or create the judge) twice.
	verdictOutcomeUnknown
	// verdictNotSent: the request never left this machine and retrying will
	// not help (for example an untrusted TLS certificate).
	verdictNotSent
)

// notSentError marks a transport error that happened before a connection to
// the server was obtained, so no byte of the request was written. The client
// learns this from an httptrace GotConn hook.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// classify is the retry policy. It depends only on whether the request is
// idempotent (an upload appends rows, a judge creation or an evaluation start
// creates something: they are not) and on the attempt's response or
// transport error, so it is tested as a table.
//
//   - Errors before the request was sent (dial, DNS, no connection obtained)
//     and 429 store nothing and are retried for every request.
//   - For a request that is not idempotent, anything that may have happened
//     after the body reached the server (a timeout or a dropped connection
//     after sending, a broken answer, 500, 502, 503, 504 and other server
//     failures) is never retried: the outcome is unknown. A 503 is among
//     them because gateways (Envoy, Istio) answer 503 "upstream reset" after
//     the service behind them has already stored the request. Read-only
//     requests retry those.
//   - Other 4xx (and 501, 505) are final.
func classify(notIdempotent bool, resp *http.Response, err error) verdict {
	// lost: the body may have arrived and no usable answer came back.
	lost := verdictRetry
	if notIdempotent {
		lost = verdictOutcomeUnknown
	}
	switch {
	case err != nil && isCertificateError(err):
		return verdictNotSent
	case err != nil && isBeforeSend(err):
		return verdictRetry
	case err != nil || resp == nil: // resp nil is not produced by net/http
		return lost
	}
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		return verdictRetry
	case code == http.StatusServiceUnavailable, code == http.StatusInternalServerError,
		code == http.StatusBadGateway, code == http.StatusGatewayTimeout:
		// A gateway timing out while the API goes on storing rows.
		return lost
	case notIdempotent && (code >= 500 || code < 100) &&
		code != http.StatusNotImplemented && code != http.StatusHTTPVersionNotSupported:
		// Any other server failure may have processed the request; 501 and
		// 505 did not support it at all.
		return verdictOutcomeUnknown
	}
	return verdictDone
}

// isBeforeSend reports whether err certainly happened before any byte of the
// request reached the server: a failed dial (connection refused, unreachable,
// DNS failure), a failed proxy CONNECT, or no connection obtained at all.
func isBeforeSend(err error) bool {
	var ns *notSentError
	if errors.As(err, &ns) {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr.Op == "dial" || opErr.Op == "proxyconnect"
	}
	return false
}

// isCertificateError reports a TLS verification failure: permanent until the
// configuration changes, so it is not retried.
func isCertificateError(err error) bool {
	var (
		verifyErr   *tls.CertificateVerificationError
		unknownAuth x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalidErr  x509.CertificateInvalidError
	)
	return errors.As(err, &verifyErr) || errors.As(err, &unknownAuth) ||
		errors.As(err, &hostErr) || errors.As(err, &invalidErr)
}

// retryWait is how long to wait before retry number attempt+1 (attempt counts
// from 0). A 429 or 503 with a Retry-After header (seconds or an HTTP date) is
// honoured, capped by maxWait. Otherwise the wait grows exponentially from
// minWait, capped by maxWait, with "equal jitter" (a random half) so that many
// clients rejected together do not come back together; it never goes below
// minWait.
func retryWait(minWait, maxWait time.Duration, attempt int, resp *http.Response, now time.Time) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
			return min(d, maxWait)
		}
	}
	base := maxWait
	if attempt < 62 && minWait<<attempt>>attempt == minWait { // no overflow
		base = min(minWait<<attempt, maxWait)
	}
	return max(base/2+rand.N(base/2+1), minWait)
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date. A
// date in the past means "now".
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
		const year = int64(365 * 24 * time.Hour / time.Second) // beyond any cap, short of overflow
		return time.Duration(min(secs, year)) * time.Second, true
	}
	t, err := http.ParseTime(v)
	return max(t.Sub(now), 0), err == nil
}
