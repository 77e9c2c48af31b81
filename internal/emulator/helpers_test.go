package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

const (
	testKey   = "test-key"
	testSpace = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
)

func startServer(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// testRow returns a valid row whose user turn is text.
func testRow(text string, groundTruth int) string {
	return fmt.Sprintf(`{"conv_prefix":[{"role":"user","content":%q}],"response":{"role":"assistant","content":"reply to %s"},"ground_truth":%d}`, text, text, groundTruth)
}

func jsonArray(rows ...string) []byte { return []byte("[" + strings.Join(rows, ",") + "]") }

// multipartBody builds an upload body. A nil file leaves the part out; an
// empty field value is sent as an empty field; fields named in omit are left
// out.
func multipartBody(t testing.TB, file []byte, name, space string, omit ...string) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	skip := map[string]bool{}
	for _, o := range omit {
		skip[o] = true
	}
	if file != nil && !skip["file"] {
		fw, err := mw.CreateFormFile("file", "rows.json")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(file); err != nil {
			t.Fatal(err)
		}
	}
	if !skip["dataset_name"] {
		if err := mw.WriteField("dataset_name", name); err != nil {
			t.Fatal(err)
		}
	}
	if !skip["space_id"] {
		if err := mw.WriteField("space_id", space); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

type response struct {
	*http.Response
	body []byte
}

// detail returns the body's "detail" when it is a string.
func (r response) detail(t testing.TB) string {
	t.Helper()
	var v struct{ Detail any }
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("response is not JSON (%v): %s", err, r.body)
	}
	s, ok := v.Detail.(string)
	if !ok {
		t.Fatalf("detail is not a string: %s", r.body)
	}
	return s
}

type issue struct {
	Type  string `json:"type"`
	Loc   []any  `json:"loc"`
	Msg   string `json:"msg"`
	Input any    `json:"input"`
}

func (r response) issues(t testing.TB) []issue {
	t.Helper()
	var v struct{ Detail []issue }
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("not a FastAPI validation body (%v): %s", err, r.body)
	}
	return v.Detail
}

func do(t testing.TB, req *http.Request) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body of %s %s: %v", req.Method, req.URL.Path, err)
	}
	return response{resp, b}
}

func newRequest(t testing.TB, method, url string, body io.Reader, contentType, key string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return req
}

func upload(t testing.TB, s *Server, file []byte, name, space string) response {
	t.Helper()
	body, ct := multipartBody(t, file, name, space)
	return do(t, newRequest(t, http.MethodPost, s.URL()+uploadPath, body, ct, testKey))
}

func lookupReq(t testing.TB, s *Server, body string) response {
	t.Helper()
	return do(t, newRequest(t, http.MethodPost, s.URL()+lookupPath, strings.NewReader(body), "application/json", testKey))
}

func lookup(t testing.TB, s *Server, space, name string) response {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"space_id": space, "dataset_name": name})
	return lookupReq(t, s, string(b))
}

func wantStatus(t testing.TB, r response, status int) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d; body: %.300s", r.StatusCode, status, r.body)
	}
}

// uploadedIDs decodes a ShapeRows answer into its ids.
func uploadedIDs(t testing.TB, r response) []string {
	t.Helper()
	var rows []map[string]any
	if err := json.Unmarshal(r.body, &rows); err != nil {
		t.Fatalf("answer is not a JSON array of rows (%v): %.300s", err, r.body)
	}
	ids := make([]string, len(rows))
	for i, row := range rows {
		id, ok := row["id"].(string)
		if !ok {
			t.Fatalf("row %d has no string id: %v", i, row)
		}
		ids[i] = id
	}
	return ids
}

func jsonReader(s string) io.Reader { return strings.NewReader(s) }
