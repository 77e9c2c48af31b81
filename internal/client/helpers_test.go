package client

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const testKey = "sk-test-0123456789abcdef-SECRET"

// recordingLogger keeps every log line, rendered, for assertions.
type recordingLogger struct {
	mu    sync.Mutex
	lines []logLine
}

type logLine struct {
	level string
	msg   string
	kv    map[string]any
}

func (l *recordingLogger) add(level, msg string, kv []any) {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, logLine{level, msg, m})
}

func (l *recordingLogger) Debug(msg string, kv ...any) { l.add("DEBUG", msg, kv) }
func (l *recordingLogger) Info(msg string, kv ...any)  { l.add("INFO", msg, kv) }
func (l *recordingLogger) Warn(msg string, kv ...any)  { l.add("WARN", msg, kv) }
func (l *recordingLogger) Error(msg string, kv ...any) { l.add("ERROR", msg, kv) }

func (l *recordingLogger) byLevel(level string) []logLine {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []logLine
	for _, line := range l.lines {
		if line.level == level {
			out = append(out, line)
		}
	}
	return out
}

func (l *recordingLogger) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, line := range l.lines {
		fmt.Fprintf(&b, "%s %s %v\n", line.level, line.msg, line.kv)
	}
	return b.String()
}

// newTestClient starts srv's handler on 127.0.0.1 and builds a client for it
// with tiny retry waits.
func newTestClient(t testing.TB, h http.Handler, tweak ...func(*Config)) (*Client, *recordingLogger, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	log := &recordingLogger{}
	cfg := Config{
		BaseURL:      srv.URL,
		APIKey:       testKey,
		UserAgent:    "terraform-provider-collinear/test",
		MaxRetries:   4,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
		Logger:       func(context.Context) Logger { return log },
	}
	for _, f := range tweak {
		f(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, log, srv
}

// assertNoKey fails if the API key appears in s.
func assertNoKey(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, testKey) || strings.Contains(s, testKey[:12]) {
		t.Errorf("%s contains the API key: %s", what, s)
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
