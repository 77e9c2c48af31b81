package client

import (
	"strings"
	"testing"
)

func TestValidateBaseURL(t *testing.T) {
	cases := []struct {
		url      string
		insecure bool
		wantErr  []string // substrings; nil means valid
	}{
		{"https://api.collinear.ai", false, nil},
		{"https://api.collinear.ai/", false, nil},
		{"https://api.collinear.ai/prefix/", false, nil},
		{"HTTPS://api.collinear.ai", false, nil},
		{"http://127.0.0.1:8080", false, nil},
		{"http://127.3.4.5", false, nil},
		{"http://[::1]:9000/", false, nil},
		{"http://localhost:1234", false, nil},
		{"http://LOCALHOST", false, nil},
		{"http://10.0.0.1", true, nil},
		{"http://10.0.0.1", false, []string{`"http://10.0.0.1"`, "clear text", "insecure_http = true"}},
		{"http://api.collinear.ai", false, []string{"clear text", "insecure_http = true"}},
		{"http://localhost.evil.example", false, []string{"clear text"}},
		{"http://128.0.0.1", false, []string{"clear text"}},
		{"api.collinear.ai", false, []string{`base_url "api.collinear.ai" must be an absolute URL such as https://api.collinear.ai`}},
		{"", false, []string{"empty"}},
		{"/api", false, []string{"absolute URL"}},
		{"https://", false, []string{"absolute URL"}},
		{"https://:443", false, []string{"no host"}},
		{"ftp://api.collinear.ai", false, []string{`scheme "ftp"`}},
		{"https://user:secret@api.collinear.ai", false, []string{"user name or password"}},
		{"https://api.collinear.ai?x=1", false, []string{"query or fragment"}},
		{"https://api.collinear.ai/#frag", false, []string{"query or fragment"}},
		{"https://api.collinear.ai:badport", false, []string{"absolute URL"}},
	}
	for _, tc := range cases {
		err := ValidateBaseURL(tc.url, tc.insecure)
		if tc.wantErr == nil {
			if err != nil {
				t.Errorf("ValidateBaseURL(%q, %v) = %v, want nil", tc.url, tc.insecure, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("ValidateBaseURL(%q, %v) = nil, want an error", tc.url, tc.insecure)
			continue
		}
		for _, want := range tc.wantErr {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("ValidateBaseURL(%q) = %q, want it to contain %q", tc.url, err, want)
			}
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("ValidateBaseURL(%q) repeats the credentials: %v", tc.url, err)
		}
	}
}

func TestNewChecksConfig(t *testing.T) {
	if _, err := New(Config{BaseURL: "http://10.0.0.1", APIKey: "k"}); err == nil || !strings.Contains(err.Error(), "insecure_http") {
		t.Errorf("New with http://10.0.0.1 = %v, want the insecure http error", err)
	}
	if _, err := New(Config{BaseURL: "http://10.0.0.1", APIKey: "k", AllowInsecureHTTP: true}); err != nil {
		t.Errorf("New with http://10.0.0.1 and AllowInsecureHTTP = %v", err)
	}
	if _, err := New(Config{BaseURL: "http://127.0.0.1:1", APIKey: "k"}); err != nil {
		t.Errorf("New with http://127.0.0.1 = %v", err)
	}
	for _, key := range []string{"", "  "} {
		if _, err := New(Config{BaseURL: "https://api.collinear.ai", APIKey: key}); err == nil || !strings.Contains(err.Error(), "COLLINEAR_API_KEY") {
			t.Errorf("New with key %q = %v, want the empty key error", key, err)
		}
	}
	if _, err := New(Config{BaseURL: "https://api.collinear.ai", APIKey: "abc\ndef"}); err == nil || strings.Contains(err.Error(), "abc") {
		t.Errorf("New with a line break in the key = %v", err)
	}

	c, err := New(Config{BaseURL: "https://api.collinear.ai/", APIKey: "k", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	if c.baseURL != "https://api.collinear.ai" || c.maxRetries != DefaultMaxRetries ||
		c.retryWaitMin != DefaultRetryWaitMin || c.retryWaitMax != DefaultRetryWaitMax || c.userAgent != DefaultUserAgent {
		t.Errorf("defaults not applied: %+v", c)
	}
	c, err = New(Config{BaseURL: "https://api.collinear.ai", APIKey: "k", MaxRetries: 0})
	if err != nil || c.maxRetries != 0 {
		t.Errorf("MaxRetries 0 became %d (%v)", c.maxRetries, err)
	}
}
