package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestRunServesUntilCancelled(t *testing.T) {
	urlFile := filepath.Join(t.TempDir(), "url")
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-url-file", urlFile, "-shape", "object"}, env(map[string]string{"COLLINEAR_API_KEY": "k"}), &stdout, &stderr)
	}()

	var url string
	for i := 0; i < 1000 && url == ""; i++ {
		if b, err := os.ReadFile(urlFile); err == nil {
			url = strings.TrimSpace(string(b))
		} else {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("url file holds %q; stderr: %s", url, stderr.String())
	}
	if want := "collinear emulator listening on " + url + "\n"; stdout.String() != want {
		t.Errorf("stdout %q, want %q", stdout.String(), want)
	}
	resp, err := http.Post(url+"/_emulator/shape?value=rows", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("control API answered %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, url+"/api/v1/dataset/name", strings.NewReader(`{"dataset_name":"d","space_id":"3c90c3cc-0d44-4b50-8888-8dd25736052a"}`))
	req.Header.Set("Authorization", "Bearer k")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("lookup with the key from the environment answered %d, want 404", resp.StatusCode)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
	if _, err := http.Get(url + "/_emulator/requests"); err == nil {
		t.Error("still serving after run returned")
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no key", nil, nil, "API key is required"},
		{"public address", []string{"-api-key", "k", "-listen", "0.0.0.0:8080"}, nil, "only 127.0.0.1"},
		{"all interfaces", []string{"-api-key", "k", "-listen", ":8080"}, nil, "only 127.0.0.1"},
		{"other host", []string{"-api-key", "k", "-listen", "10.0.0.1:80"}, nil, "only 127.0.0.1"},
		{"bad shape", []string{"-shape", "table"}, map[string]string{"COLLINEAR_API_KEY": "k"}, "unknown response shape"},
		{"stray argument", []string{"-api-key", "k", "serve"}, nil, "unexpected arguments"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr syncBuffer
			err := run(context.Background(), tc.args, env(tc.env), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
			if stdout.String() != "" {
				t.Errorf("printed %q although it did not start", stdout.String())
			}
		})
	}
}
