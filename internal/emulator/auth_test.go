package emulator

import (
	"net/http"
	"testing"
)

func TestAuthentication(t *testing.T) {
	s := startServer(t, Options{})
	file := jsonArray(testRow("a", 1))
	cases := []struct {
		name       string
		header     string
		wantStatus int
		wantDetail string
	}{
		{"no header", "", http.StatusForbidden, "Not authenticated"},
		{"scheme without credentials", "Bearer", http.StatusForbidden, "Not authenticated"},
		{"other scheme", "Basic dGVzdDp0ZXN0", http.StatusForbidden, "Invalid authentication credentials"},
		{"wrong key", "Bearer nope", http.StatusUnauthorized, "Invalid API key"},
		{"lower-case scheme", "bearer " + testKey, http.StatusOK, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{uploadPath, lookupPath} {
				var req *http.Request
				if path == uploadPath {
					body, ct := multipartBody(t, file, "auth-"+tc.name, testSpace)
					req = newRequest(t, http.MethodPost, s.URL()+path, body, ct, "")
				} else {
					req = newRequest(t, http.MethodPost, s.URL()+path, jsonReader(`{"space_id":"`+testSpace+`","dataset_name":"auth-`+tc.name+`"}`), "application/json", "")
				}
				if tc.header != "" {
					req.Header.Set("Authorization", tc.header)
				}
				r := do(t, req)
				wantStatus(t, r, tc.wantStatus)
				if tc.wantDetail != "" {
					if got := r.detail(t); got != tc.wantDetail {
						t.Errorf("%s: detail %q, want %q", path, got, tc.wantDetail)
					}
				}
			}
			if tc.wantStatus != http.StatusOK && s.Rows(testSpace, "auth-"+tc.name) != nil {
				t.Errorf("a refused upload stored rows")
			}
		})
	}
}

func TestAuthenticationComesBeforeValidation(t *testing.T) {
	s := startServer(t, Options{})
	body, ct := multipartBody(t, nil, "", "not-a-uuid")
	r := do(t, newRequest(t, http.MethodPost, s.URL()+uploadPath, body, ct, "wrong"))
	wantStatus(t, r, http.StatusUnauthorized)
}

func TestForbiddenSpace(t *testing.T) {
	s := startServer(t, Options{})
	wantStatus(t, upload(t, s, jsonArray(testRow("a", 1)), "d", testSpace), http.StatusOK)

	// Any spelling of the UUID names the same space.
	s.ForbidSpace("3C90C3CC0D444B5088888DD25736052A")
	r := upload(t, s, jsonArray(testRow("b", 1)), "d", testSpace)
	wantStatus(t, r, http.StatusForbidden)
	if got := r.detail(t); got != "Not allowed to access this space" {
		t.Errorf("detail %q", got)
	}
	r = lookup(t, s, testSpace, "d")
	wantStatus(t, r, http.StatusForbidden)
	if n := len(s.Rows(testSpace, "d")); n != 1 {
		t.Errorf("%d rows stored, want 1: the forbidden upload must store nothing", n)
	}

	s.AllowSpace(testSpace)
	wantStatus(t, lookup(t, s, testSpace, "d"), http.StatusOK)
}
