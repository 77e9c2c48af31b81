package emulator

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// locs renders each issue as "loc/type" for compact comparison.
func locs(issues []issue) []string {
	out := make([]string, len(issues))
	for i, is := range issues {
		parts := make([]string, len(is.Loc))
		for j, l := range is.Loc {
			parts[j] = fmt.Sprint(l)
		}
		out[i] = strings.Join(parts, ".") + "/" + is.Type
	}
	return out
}

func TestUploadValidation422(t *testing.T) {
	s := startServer(t, Options{})
	file := jsonArray(testRow("a", 1))
	withBody := func(body *bytes.Buffer, ct string) func() (io.Reader, string) {
		return func() (io.Reader, string) { return body, ct }
	}
	form := func(file []byte, name, space string, omit ...string) func() (io.Reader, string) {
		return func() (io.Reader, string) {
			b, ct := multipartBody(t, file, name, space, omit...)
			return b, ct
		}
	}
	var asString bytes.Buffer
	asString.WriteString("--XX\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n[]\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"dataset_name\"\r\n\r\nd\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"space_id\"\r\n\r\n" + testSpace + "\r\n--XX--\r\n")

	cases := []struct {
		name string
		body func() (io.Reader, string)
		want []string
	}{
		{"JSON instead of multipart", withBody(bytes.NewBufferString(string(file)), "application/json"),
			[]string{"body.file/missing", "body.dataset_name/missing", "body.space_id/missing"}},
		{"no Content-Type", withBody(bytes.NewBufferString(string(file)), ""),
			[]string{"body.file/missing", "body.dataset_name/missing", "body.space_id/missing"}},
		{"multipart without boundary", withBody(bytes.NewBufferString(string(file)), "multipart/form-data"),
			[]string{"body.file/missing", "body.dataset_name/missing", "body.space_id/missing"}},
		{"file missing", form(nil, "d", testSpace), []string{"body.file/missing"}},
		{"dataset_name missing", form(file, "d", testSpace, "dataset_name"), []string{"body.dataset_name/missing"}},
		{"dataset_name empty", form(file, "", testSpace), []string{"body.dataset_name/missing"}},
		{"space_id missing", form(file, "d", "", "space_id"), []string{"body.space_id/missing"}},
		{"space_id not a UUID", form(file, "d", "space-1"), []string{"body.space_id/uuid_parsing"}},
		{"everything wrong", form(nil, "", "x"), []string{"body.file/missing", "body.dataset_name/missing", "body.space_id/uuid_parsing"}},
		{"file sent as a plain field", withBody(&asString, "multipart/form-data; boundary=XX"), []string{"body.file/value_error"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body, ct := tc.body()
			r := do(t, newRequest(t, http.MethodPost, s.URL()+uploadPath, body, ct, testKey))
			wantStatus(t, r, http.StatusUnprocessableEntity)
			got := locs(r.issues(t))
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("issues %v, want %v; body %s", got, tc.want, r.body)
			}
			for _, is := range r.issues(t) {
				if is.Type == "missing" && is.Msg != "Field required" {
					t.Errorf("missing field msg %q, want \"Field required\"", is.Msg)
				}
				if is.Type == "uuid_parsing" && !strings.HasPrefix(is.Msg, "Input should be a valid UUID, ") {
					t.Errorf("uuid_parsing msg %q", is.Msg)
				}
			}
		})
	}
	if got := s.Datasets(); len(got) != 0 {
		t.Errorf("invalid requests created datasets: %v", got)
	}
}

func TestUUIDParsingMessages(t *testing.T) {
	cases := map[string]string{
		"3c90c3cc-0d44-4b50-8888-8dd25736052a":          "",
		"3C90C3CC0D444B5088888DD25736052A":              "",
		"{3c90c3cc-0d44-4b50-8888-8dd25736052a}":        "",
		"urn:uuid:3c90c3cc-0d44-4b50-8888-8dd25736052a": "",
		"xyz":                                  "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `x` at 1",
		"3c90c3cc-0d44-4b50-8888-8dd25736052":  "invalid group length in group 4: expected 12, found 11",
		"3c90c3cc-0d44-4b50-88888dd25736052a":  "invalid group count: expected 5, found 4",
		"3c90c3cc":                             "invalid length: expected length 32 for simple format, found 8",
		"00000000-0000-0000-0000-00000000000x": "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `x` at 36",
	}
	for in, want := range cases {
		canonical, got := parseUUID(in)
		if got != want {
			t.Errorf("parseUUID(%q) error %q, want %q", in, got, want)
		}
		if want == "" && canonical != testSpace {
			t.Errorf("parseUUID(%q) = %q, want %q", in, canonical, testSpace)
		}
	}
}

func TestUploadBodyTooLarge(t *testing.T) {
	s := startServer(t, Options{MaxBodySize: 1024})
	big := jsonArray(testRow(strings.Repeat("x", 2000), 1))

	r := upload(t, s, big, "d", testSpace)
	wantStatus(t, r, http.StatusRequestEntityTooLarge)
	if got := r.detail(t); got != "Request entity too large" {
		t.Errorf("detail %q", got)
	}

	// Without a Content-Length the limit is found while reading.
	body, ct := multipartBody(t, big, "d", testSpace)
	req := newRequest(t, http.MethodPost, s.URL()+uploadPath, io.MultiReader(body), ct, testKey)
	req.ContentLength = -1
	wantStatus(t, do(t, req), http.StatusRequestEntityTooLarge)

	if s.Rows(testSpace, "d") != nil {
		t.Error("an oversized upload stored rows")
	}
	wantStatus(t, upload(t, s, jsonArray(testRow("small", 1)), "d", testSpace), http.StatusOK)
}

func TestUploadFile400(t *testing.T) {
	s := startServer(t, Options{})
	row := func(fields string) string {
		return `{"conv_prefix":[{"role":"user","content":"q"}],"response":{"role":"assistant","content":"a"}` + fields + `}`
	}
	cases := []struct {
		name       string
		file       string
		wantPrefix string
		wantParts  []string
	}{
		{"string ground_truth", "[" + row(`,"ground_truth":"1"`) + "]", "invalid input for query argument", []string{"'1'"}},
		{"float ground_truth", "[" + row(`,"ground_truth":1.5`) + "]", "invalid input for query argument", []string{"1.5"}},
		{"float-looking integer", "[" + row(`,"ground_truth":1.0`) + "]", "invalid input for query argument", []string{"1.0"}},
		{"boolean ground_truth", "[" + row(`,"ground_truth":true`) + "]", "invalid input for query argument", []string{"True"}},
		{"object on a new dataset", row(""), "A new dataset must be uploaded as a JSON array", nil},
		{"CSV on a new dataset", "conv_prefix,response\nq,a\n", "A new dataset must be uploaded as a JSON array", nil},
		{"empty file on a new dataset", "", "A new dataset must be uploaded as a JSON array", nil},
		{"invalid JSON", "[" + row("") + ",", "Invalid JSON file", nil},
		{"row not an object", `[` + row("") + `, "text"]`, "Invalid row at index 1", []string{"object"}},
		{"conv_prefix missing", `[{"response":{"role":"assistant","content":"a"}}]`, "Invalid row at index 0", []string{"conv_prefix"}},
		{"conv_prefix a string", `[{"conv_prefix":"hi","response":{"role":"assistant","content":"a"}}]`, "Invalid row at index 0", []string{"conv_prefix", "list"}},
		{"message without content", `[{"conv_prefix":[{"role":"user"}],"response":{"role":"assistant","content":"a"}}]`, "Invalid row at index 0", []string{"conv_prefix[0]", "content"}},
		{"message content a number", `[{"conv_prefix":[{"role":"user","content":1}],"response":{"role":"assistant","content":"a"}}]`, "Invalid row at index 0", []string{"conv_prefix", "string"}},
		{"response missing", `[{"conv_prefix":[]}]`, "Invalid row at index 0", []string{"response"}},
		{"response a string", `[{"conv_prefix":[],"response":"a"}]`, "Invalid row at index 0", []string{"response", "object"}},
		{"context a number", "[" + row(`,"context":3`) + "]", "Invalid row at index 0", []string{"context"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := upload(t, s, []byte(tc.file), "d-"+tc.name, testSpace)
			wantStatus(t, r, http.StatusBadRequest)
			d := r.detail(t)
			if !strings.HasPrefix(d, tc.wantPrefix) {
				t.Errorf("detail %q does not start with %q", d, tc.wantPrefix)
			}
			for _, p := range tc.wantParts {
				if !strings.Contains(d, p) {
					t.Errorf("detail %q does not mention %q", d, p)
				}
			}
			if s.DatasetID(testSpace, "d-"+tc.name) != "" {
				t.Error("a rejected upload created the dataset")
			}
		})
	}
}

func TestUploadIsAtomic(t *testing.T) {
	s := startServer(t, Options{})
	wantStatus(t, upload(t, s, jsonArray(testRow("first", 1)), "d", testSpace), http.StatusOK)
	// The bad row is the last one: the rows before it must not be stored.
	r := upload(t, s, jsonArray(testRow("a", 1), testRow("b", 0), `{"conv_prefix":[],"response":{"role":"assistant","content":"x"},"ground_truth":"0"}`), "d", testSpace)
	wantStatus(t, r, http.StatusBadRequest)
	if n := len(s.Rows(testSpace, "d")); n != 1 {
		t.Fatalf("%d rows stored, want 1", n)
	}
	log := s.Requests()
	if got := len(log[len(log)-1].Rows); got != 3 {
		t.Errorf("the log holds %d rows of the rejected upload, want 3", got)
	}
}
