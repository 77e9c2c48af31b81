package client

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestDecodeUploadResponse(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		wantIDs []string
		wantDS  string
		wantMsg string
	}{
		{"rows", `[{"id":"a"},{"id":"b","conv_prefix":[{"role":"user","content":"x"}]}]`, []string{"a", "b"}, "", ""},
		{"empty array", ` [ ] `, []string{}, "", ""},
		{"numeric ids as written", `[{"id":1},{"id":-7},{"id":98765432109876543210},{"id":1e3}]`, []string{"1", "-7", "98765432109876543210", "1e3"}, "", ""},
		{"nested ids ignored", `[{"response":{"id":"inner"},"id":"outer"}]`, []string{"outer"}, "", ""},
		{"object", `{"dataset_id":"3c90c3cc","message":"ok","other":[1,2]}`, nil, "3c90c3cc", "ok"},
		{"object numeric dataset id", `{"dataset_id":12,"message":null}`, nil, "12", ""},
		{"empty object", `{}`, nil, "", ""},
		{"trailing space", "[{\"id\":\"a\"}]\n\n", []string{"a"}, "", ""},
	}
	for _, tc := range cases {
		res, err := DecodeUploadResponse(strings.NewReader(tc.in))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !slices.Equal(res.IDs, tc.wantIDs) || (res.IDs == nil) != (tc.wantIDs == nil) || res.DatasetID != tc.wantDS || res.Message != tc.wantMsg {
			t.Errorf("%s: got %+v", tc.name, res)
		}
	}
}

func TestDecodeUploadResponseErrors(t *testing.T) {
	longID := strings.Repeat("i", maxIDLength+1)
	cases := []struct {
		name       string
		in         string
		wantReason string
		wantIDs    int
	}{
		{"empty body", ``, "empty", 0},
		{"html", `<html><body>502 Bad Gateway</body></html>`, "not valid JSON", 0},
		{"scalar", `"ok"`, `got the string "ok"`, 0},
		{"number", `42`, `got the number 42`, 0},
		{"element without id", `[{"id":"a"},{"name":"b"}]`, `row 1 of the answer has no "id"`, 1},
		{"element not an object", `[{"id":"a"},"b"]`, "row 1 of the answer is a JSON string, not an object", 1},
		{"element an array", `[[1]]`, "row 0 of the answer is a JSON array", 0},
		{"element null", `[null]`, "row 0 of the answer is null", 0},
		{"null id", `[{"id":null}]`, "null", 0},
		{"bool id", `[{"id":true}]`, "boolean", 0},
		{"object id", `[{"id":{"x":1}}]`, "an object", 0},
		{"empty id", `[{"id":""}]`, "empty id", 0},
		{"long id", `[{"id":"` + longID + `"}]`, "more than the 1024 allowed", 0},
		{"long numeric id", `[{"id":` + strings.Repeat("9", maxIDLength+1) + `}]`, "more than the 1024 allowed", 0},
		{"trailing data", `[{"id":"a"}] x`, "after the end", 1},
		{"two values", `[{"id":"a"}][]`, "after the end", 1},
		{"bad object dataset_id", `{"dataset_id":true}`, "dataset_id", 0},
		{"syntax error inside", `[{"id":"a"},{"id":"b",}]`, "not valid JSON", 1},
	}
	for _, tc := range cases {
		_, err := DecodeUploadResponse(strings.NewReader(tc.in))
		var ue *UnexpectedResponseError
		if !errors.As(err, &ue) {
			t.Errorf("%s: err = %v, want *UnexpectedResponseError", tc.name, err)
			continue
		}
		if !strings.Contains(ue.Reason, tc.wantReason) {
			t.Errorf("%s: reason = %q, want it to contain %q", tc.name, ue.Reason, tc.wantReason)
		}
		if len(ue.PartialIDs) != tc.wantIDs {
			t.Errorf("%s: %d partial ids, want %d", tc.name, len(ue.PartialIDs), tc.wantIDs)
		}
		if n := len([]rune(ue.Excerpt)); n > maxExcerpt {
			t.Errorf("%s: excerpt of %d runes", tc.name, n)
		}
	}
}

func TestDecodeUploadResponseCutOff(t *testing.T) {
	full := `[{"id":"a"},{"id":"b"},{"id":"c"}]`
	for cut := 1; cut < len(full); cut++ {
		_, err := DecodeUploadResponse(strings.NewReader(full[:cut]))
		var unknown *OutcomeUnknownError
		if !errors.As(err, &unknown) || !unknown.ProbablyStored {
			t.Errorf("cut at %d (%q): err = %v, want *OutcomeUnknownError", cut, full[:cut], err)
			continue
		}
		want := strings.Count(full[:cut], "}")
		if len(unknown.PartialIDs) != want {
			t.Errorf("cut at %d: %d partial ids, want %d", cut, len(unknown.PartialIDs), want)
		}
	}

	// A connection reset midway.
	r := io.MultiReader(strings.NewReader(`[{"id":"a"},{"id":"b"},{"id"`), errReader{syscall.ECONNRESET})
	_, err := DecodeUploadResponse(r)
	var unknown *OutcomeUnknownError
	if !errors.As(err, &unknown) || !slices.Equal(unknown.PartialIDs, []string{"a", "b"}) || !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("reset: err = %v, want *OutcomeUnknownError with ids a, b", err)
	}

	// A reset after the complete answer loses nothing.
	r = io.MultiReader(strings.NewReader(`[{"id":"a"}]`), errReader{syscall.ECONNRESET})
	res, err := DecodeUploadResponse(r)
	if err != nil || !slices.Equal(res.IDs, []string{"a"}) {
		t.Errorf("reset after the end: %+v, %v", res, err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func FuzzDecodeUploadResponse(f *testing.F) {
	for _, seed := range []string{
		`[{"id":"a"},{"id":2}]`,
		`{"dataset_id":"d","message":"m"}`,
		`[]`, `{}`, `[{"id":"a"},{"x":1}]`, `<html>`, `[{"id":1e400}]`, `[{"id":"\ud800"}]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := DecodeUploadResponse(bytes.NewReader(data))
		if err == nil {
			if res == nil {
				t.Fatal("nil result without an error")
			}
			for _, id := range res.IDs {
				if id == "" || len(id) > maxIDLength {
					t.Fatalf("accepted id %q", id)
				}
			}
			return
		}
		if res != nil {
			t.Fatalf("result %+v together with error %v", res, err)
		}
		var ue *UnexpectedResponseError
		var unknown *OutcomeUnknownError
		switch {
		case errors.As(err, &ue):
			if n := len([]rune(ue.Excerpt)); n > maxExcerpt {
				t.Fatalf("excerpt of %d runes", n)
			}
			for _, r := range ue.Excerpt {
				if r < 0x20 || r == 0x7f {
					t.Fatalf("control character in excerpt %q", ue.Excerpt)
				}
			}
		case errors.As(err, &unknown):
			if !unknown.ProbablyStored {
				t.Fatalf("outcome-unknown error without ProbablyStored: %v", err)
			}
		default:
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
	})
}

// BenchmarkDecodeUploadResponse measures decoding the rows answer the current
// deployment streams back (each row echoed with its id).
func BenchmarkDecodeUploadResponse(b *testing.B) {
	benchmarkUploadDecoder(b, decodeUploadResponse)
}

// BenchmarkReferenceDecodeUploadResponse is the same with the encoding/json
// decoder that decodeUploadResponse replaced, for comparison.
func BenchmarkReferenceDecodeUploadResponse(b *testing.B) {
	benchmarkUploadDecoder(b, referenceDecodeUploadResponse)
}

func benchmarkUploadDecoder(b *testing.B, decode func(io.Reader, func(string) string) (*UploadResult, error)) {
	for _, n := range []int{1_000, 100_000} {
		var buf bytes.Buffer
		buf.WriteByte('[')
		for i := range n {
			if i > 0 {
				buf.WriteByte(',')
			}
			fmt.Fprintf(&buf, `{"id":"%08x-0d44-4b50-8888-8dd25736052a","conv_prefix":[{"role":"user","content":"Hey how are you? %d"}],"response":{"role":"assistant","content":"I'm good, how are you?"},"ground_truth":1,"context":"greeting"}`, i, i)
		}
		buf.WriteByte(']')
		data := buf.Bytes()
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				res, err := decode(bytes.NewReader(data), noRedact)
				if err != nil || len(res.IDs) != n {
					b.Fatalf("%v, %d ids", err, len(res.IDs))
				}
			}
		})
	}
}
