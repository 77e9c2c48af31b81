// Package client talks to the Collinear API. It knows nothing of Terraform:
// the provider hands it a configuration and rows, and gets back ids or errors.
//
// The upload endpoint appends to a dataset and the API has no delete, so the
// client never sends an upload twice unless the first attempt certainly stored
// nothing (see retry.go). When that cannot be known it returns an
// *OutcomeUnknownError and leaves the reconciliation to the caller.
package client

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Logger receives the client's structured logs. The provider adapts tflog to
// it; keys and values alternate in kv. The API key never reaches it.
type Logger interface {
	Debug(msg string, kv ...any)
	Warn(msg string, kv ...any)
}

const (
	// DefaultMaxRetries is used when Config.MaxRetries is negative.
	DefaultMaxRetries = 4
	// DefaultRetryWaitMin is used when Config.RetryWaitMin is zero.
	DefaultRetryWaitMin = 1 * time.Second
	// DefaultRetryWaitMax is used when Config.RetryWaitMax is zero.
	DefaultRetryWaitMax = 30 * time.Second
	// DefaultUserAgent is sent when Config.UserAgent is empty.
	DefaultUserAgent = "terraform-provider-collinear"
	// DefaultResponseHeaderTimeout is used when Config.ResponseHeaderTimeout
	// is not positive.
	DefaultResponseHeaderTimeout = 2 * time.Minute
)

// Config configures a Client.
type Config struct {
	BaseURL   string // absolute http(s) URL, e.g. https://api.collinear.ai
	APIKey    string // sent only as "Authorization: Bearer <key>"
	UserAgent string // e.g. "terraform-provider-collinear/1.2.3 (+https://registry.terraform.io/providers/collinear-ai/collinear) Terraform/1.11.4"
	// MaxRetries bounds the retries of a request that certainly stored nothing
	// (refused connection, 429) and, for the read-only lookup, of server and
	// network failures (503 among them). 0 means no retry; a negative value means
	// DefaultMaxRetries. The provider always sets it explicitly.
	MaxRetries   int
	RetryWaitMin time.Duration // default 1s
	RetryWaitMax time.Duration // default 30s; also caps a Retry-After
	HTTPClient   *http.Client  // optional client to start from (tests); nil uses a clean default
	// ResponseHeaderTimeout bounds the wait for an answer once a request is
	// sent, so that none waits forever on a server that never answers. It
	// is set on the default transport, or on a copy of HTTPClient's when
	// that is an *http.Transport.
	ResponseHeaderTimeout time.Duration
	// Logger gives the logger for one request from that request's context,
	// so that log lines carry the caller's fields (say, which operation is
	// running). Nil: no logs.
	Logger func(ctx context.Context) Logger
	// AllowInsecureHTTP permits a plain http:// BaseURL whose host is not
	// loopback. Without it such a URL is refused, because the API key would
	// cross the network in clear text.
	AllowInsecureHTTP bool
}

// Client is safe for concurrent use: it is immutable after New, and each call
// keeps its retry state to itself.
type Client struct {
	baseURL      string // without a trailing slash
	apiKey       string
	userAgent    string
	maxRetries   int
	retryWaitMin time.Duration
	retryWaitMax time.Duration
	httpClient   *http.Client
	logger       func(context.Context) Logger
}

// New checks the configuration and builds a client.
func New(cfg Config) (*Client, error) {
	if err := ValidateBaseURL(cfg.BaseURL, cfg.AllowInsecureHTTP); err != nil {
		return nil, err
	}
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, fmt.Errorf("the Collinear API key is empty: set api_key in the provider configuration or the COLLINEAR_API_KEY environment variable")
	}
	if strings.ContainsAny(cfg.APIKey, "\r\n") {
		// net/http would refuse the header anyway, with an error that quotes it.
		return nil, fmt.Errorf("the Collinear API key contains a line break: check api_key or COLLINEAR_API_KEY")
	}

	c := &Client{
		baseURL:      strings.TrimRight(cfg.BaseURL, "/"),
		apiKey:       cfg.APIKey,
		userAgent:    cmp.Or(cfg.UserAgent, DefaultUserAgent),
		maxRetries:   cfg.MaxRetries,
		retryWaitMin: cmp.Or(max(cfg.RetryWaitMin, 0), DefaultRetryWaitMin),
		retryWaitMax: cmp.Or(max(cfg.RetryWaitMax, 0), DefaultRetryWaitMax),
		logger:       cfg.Logger,
	}
	if c.maxRetries < 0 {
		c.maxRetries = DefaultMaxRetries
	}
	c.retryWaitMax = max(c.retryWaitMax, c.retryWaitMin)
	if c.logger == nil {
		c.logger = func(context.Context) Logger { return discardLogger{} }
	}
	headerTimeout := cmp.Or(max(cfg.ResponseHeaderTimeout, 0), DefaultResponseHeaderTimeout)
	c.httpClient = newHTTPClient(cfg.HTTPClient, headerTimeout)
	return c, nil
}

// newHTTPClient copies base (or builds a default) with headerTimeout on its
// transport, and disables redirects: a redirected upload would be resent to
// another URL, and a redirect usually means base_url is wrong (http instead
// of https, a missing path), which the caller should be told about.
func newHTTPClient(base *http.Client, headerTimeout time.Duration) *http.Client {
	var hc http.Client
	if base != nil {
		hc = *base
	}
	if hc.Transport == nil {
		hc.Transport = http.DefaultTransport
	}
	// A transport of another type (a test harness, an instrumented
	// transport) is used as it is.
	if t, ok := hc.Transport.(*http.Transport); ok {
		t = t.Clone()
		if base == nil {
			t.MaxIdleConnsPerHost = 8
		}
		t.ResponseHeaderTimeout = headerTimeout
		hc.Transport = t
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hc
}

// redact removes the API key from text that came from the server (error
// bodies, excerpts), so that not even an echoing server can put it into an
// error message or a log line.
func (c *Client) redact(s string) string {
	return redactSecret(s, c.apiKey)
}

type discardLogger struct{}

func (discardLogger) Debug(string, ...any) {}
func (discardLogger) Warn(string, ...any)  {}
