package client

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

const testSpace = "3c90c3cc-0d44-4b50-8888-8dd25736052a"

var testRows = []byte(`[{"conv_prefix":[{"role":"user","content":"Hey"}],"response":{"role":"assistant","content":"Hi"},"ground_truth":1}]`)

// receivedUpload is what a test server saw of one upload request.
type receivedUpload struct {
	header      http.Header
	raw         []byte
	contentLen  int64
	fields      []string // form field names in order
	datasetName string
	spaceID     string
	file        []byte
	fileName    string
	fileType    string
}

func parseUpload(t *testing.T, r *http.Request) receivedUpload {
	t.Helper()
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("reading the request body: %v", err)
	}
	got := receivedUpload{header: r.Header.Clone(), raw: raw, contentLen: r.ContentLength}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		t.Errorf("Content-Type = %q, want multipart/form-data", r.Header.Get("Content-Type"))
		return got
	}
	mr := multipart.NewReader(bytes.NewReader(raw), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Errorf("reading the multipart body: %v", err)
			return got
		}
		data, _ := io.ReadAll(p)
		got.fields = append(got.fields, p.FormName())
		switch p.FormName() {
		case "dataset_name":
			got.datasetName = string(data)
		case "space_id":
			got.spaceID = string(data)
		case "file":
			got.file, got.fileName, got.fileType = data, p.FileName(), p.Header.Get("Content-Type")
		}
	}
	return got
}

func TestUploadRowsShape(t *testing.T) {
	var mu sync.Mutex
	var seen []receivedUpload
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != UploadPath {
			t.Errorf("request %s %s, want POST %s", r.Method, r.URL.Path, UploadPath)
		}
		u := parseUpload(t, r)
		mu.Lock()
		seen = append(seen, u)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `[{"id":"a1","conv_prefix":[],"response":{"x":[1,2,{"id":"nested"}]}},{"id":42},{"id":12345678901234567890123}]`)
	}))

	res, err := c.Upload(testCtx(t), testSpace, "my dataset", testRows, nil)
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if want := []string{"a1", "42", "12345678901234567890123"}; !slices.Equal(res.IDs, want) {
		t.Errorf("IDs = %q, want %q", res.IDs, want)
	}
	if len(seen) != 1 {
		t.Fatalf("server saw %d requests, want 1", len(seen))
	}
	u := seen[0]
	if want := []string{"dataset_name", "space_id", "file"}; !slices.Equal(u.fields, want) {
		t.Errorf("form fields = %q, want %q", u.fields, want)
	}
	if u.datasetName != "my dataset" || u.spaceID != testSpace {
		t.Errorf("dataset_name, space_id = %q, %q", u.datasetName, u.spaceID)
	}
	if !bytes.Equal(u.file, testRows) || u.fileName != "rows.json" || u.fileType != "application/json" {
		t.Errorf("file part = %q (name %q, type %q), want the rows as rows.json, application/json", u.file, u.fileName, u.fileType)
	}
	if u.contentLen != int64(len(u.raw)) || u.contentLen <= 0 {
		t.Errorf("Content-Length = %d, body has %d bytes", u.contentLen, len(u.raw))
	}
	if got := u.header.Get("Authorization"); got != "Bearer "+testKey {
		t.Errorf("Authorization = %q", got)
	}
	if got := u.header.Get("User-Agent"); got != "terraform-provider-collinear/test" {
		t.Errorf("User-Agent = %q", got)
	}
	if got := u.header.Get("Accept"); got != "application/json" {
		t.Errorf("Accept = %q", got)
	}
}

func TestUploadObjectShape(t *testing.T) {
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, `{"dataset_id":"d-1","message":"Dataset uploaded","extra":{"a":[1]}}`)
	}))
	res, err := c.Upload(testCtx(t), testSpace, "ds", testRows, nil)
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if res.IDs != nil || res.DatasetID != "d-1" || res.Message != "Dataset uploaded" {
		t.Errorf("result = %+v, want no IDs, dataset_id d-1, message", res)
	}
}

func TestUploadNonJSONAnswerIsProbablyStored(t *testing.T) {
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "<html>\x00\x01Bad gateway page "+strings.Repeat("x", 500)+"</html>")
	}))
	_, err := c.Upload(testCtx(t), testSpace, "ds", testRows, nil)
	var unknown *OutcomeUnknownError
	if !errors.As(err, &unknown) || !unknown.ProbablyStored {
		t.Fatalf("err = %v, want *OutcomeUnknownError with ProbablyStored", err)
	}
	var unexpected *UnexpectedResponseError
	if !errors.As(err, &unexpected) {
		t.Fatalf("err = %v, want an *UnexpectedResponseError inside", err)
	}
	if n := len([]rune(unexpected.Excerpt)); n > 200 || !strings.HasPrefix(unexpected.Excerpt, "<html>??Bad gateway") {
		t.Errorf("excerpt (%d runes) = %q", n, unexpected.Excerpt)
	}
	if !strings.Contains(err.Error(), "not sent again") {
		t.Errorf("message does not say the rows were not sent again: %v", err)
	}
}

func TestUpload500IsOutcomeUnknownAfterOneRequest(t *testing.T) {
	for _, code := range []int{500, 502, 504} {
		var requests atomic.Int32
		c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(code)
			_, _ = io.WriteString(w, `{"detail":"boom"}`)
		}))
		_, err := c.Upload(testCtx(t), testSpace, "ds", testRows, nil)
		var unknown *OutcomeUnknownError
		if !errors.As(err, &unknown) || unknown.ProbablyStored {
			t.Errorf("%d: err = %v, want *OutcomeUnknownError", code, err)
		}
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != code {
			t.Errorf("%d: err = %v, want the APIError inside", code, err)
		}
		if n := requests.Load(); n != 1 {
			t.Errorf("%d: server saw %d requests, want exactly 1", code, n)
		}
	}
}
