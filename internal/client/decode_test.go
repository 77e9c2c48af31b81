package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
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
		{"repeated id: the first counts", `[{"id":"a","id":"b"}]`, []string{"a"}, "", ""},
		{"invalid UTF-8 read as U+FFFD", "[{\"id\":\"a\xff\"}]", []string{"a\ufffd"}, "", ""},
		{"object", `{"dataset_id":"3c90c3cc","message":"ok","other":[1,2]}`, nil, "3c90c3cc", "ok"},
		{"object numeric dataset id", `{"dataset_id":12,"message":null}`, nil, "12", ""},
		{"empty object", `{}`, nil, "", ""},
		{"trailing space", "[{\"id\":\"a\"}]\n\n", []string{"a"}, "", ""},
	}
	for _, tc := range cases {
		res, err := decodeUploadResponse(strings.NewReader(tc.in), noRedact, nil)
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
		{"scalar", `"ok"`, "got a string", 0},
		{"number", `42`, "got a number", 0},
		{"element without id", `[{"id":"a"},{"name":"b"}]`, `row 1 of the answer has no "id"`, 1},
		{"element not an object", `[{"id":"a"},"b"]`, "row 1 of the answer is a string, not an object", 1},
		{"element an array", `[[1]]`, "row 0 of the answer is a list", 0},
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
		{"keys are matched exactly", `[{"ID":"a"}]`, `has no "id"`, 0},
	}
	for _, tc := range cases {
		ids, each := collectIDs()
		_, err := decodeUploadResponse(strings.NewReader(tc.in), noRedact, each)
		var ue *UnexpectedResponseError
		if !errors.As(err, &ue) {
			t.Errorf("%s: err = %v, want *UnexpectedResponseError", tc.name, err)
			continue
		}
		if !strings.Contains(ue.Reason, tc.wantReason) {
			t.Errorf("%s: reason = %q, want it to contain %q", tc.name, ue.Reason, tc.wantReason)
		}
		if len(*ids) != tc.wantIDs {
			t.Errorf("%s: %d ids handed over, want %d", tc.name, len(*ids), tc.wantIDs)
		}
		if n := len([]rune(ue.Excerpt)); n > maxExcerpt {
			t.Errorf("%s: excerpt of %d runes", tc.name, n)
		}
	}
}

func TestDecodeUploadResponseCutOff(t *testing.T) {
	full := `[{"id":"a"},{"id":"b"},{"id":"c"}]`
	for cut := 1; cut < len(full); cut++ {
		ids, each := collectIDs()
		_, err := decodeUploadResponse(strings.NewReader(full[:cut]), noRedact, each)
		var unknown *OutcomeUnknownError
		if !errors.As(err, &unknown) || !unknown.ProbablyStored {
			t.Errorf("cut at %d (%q): err = %v, want *OutcomeUnknownError", cut, full[:cut], err)
			continue
		}
		want := strings.Count(full[:cut], "}")
		if len(*ids) != want {
			t.Errorf("cut at %d: %d ids handed over, want %d", cut, len(*ids), want)
		}
	}

	// A connection reset midway.
	r := io.MultiReader(strings.NewReader(`[{"id":"a"},{"id":"b"},{"id"`), errReader{syscall.ECONNRESET})
	ids, each := collectIDs()
	_, err := decodeUploadResponse(r, noRedact, each)
	var unknown *OutcomeUnknownError
	if !errors.As(err, &unknown) || !slices.Equal(*ids, []string{"a", "b"}) || !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("reset: err = %v, want *OutcomeUnknownError with ids a, b", err)
	}

	// A reset after the complete answer loses nothing.
	r = io.MultiReader(strings.NewReader(`[{"id":"a"}]`), errReader{syscall.ECONNRESET})
	res, err := decodeUploadResponse(r, noRedact, nil)
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
		`[{"id":"a","conv_prefix":[{"role":"user","content":"q"}],"response":{"role":"assistant","content":"r"},"ground_truth":1,"context":"c"}]`,
		`[{"id":"b","conv_prefix":[{"role":"user","content":[{"type":"text"}]}],"response":"r","ground_truth":"2"}]`,
		`[{"conv_prefix":[{"role":"user","content":"q"}],"response":{"role":"assistant","content":"r"},"id":"last"},{"context":"x","id":-12}]`,
		`[{"conv_prefix":[{"role":"user","content":"q","id":"in"}],"response":"r","id":"out"},{"id":"a","b":"id","id":"c"}]`,
		"[{\"x\":1,\"id\":\"\xd0\"}]", "[{\"id\":\"\xd0\"},{\"id\":-0.5e-3,\"x\":1},{\"id\":null},{\"id\":[1]},{\"id\": 7}]",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var rows []AnswerRow
		res, err := decodeUploadResponse(bytes.NewReader(data), noRedact, func(r *AnswerRow) {
			if r.Index != len(rows) {
				t.Fatalf("row index %d, want %d", r.Index, len(rows))
			}
			if !json.Valid(r.Raw) {
				t.Fatalf("row %d: Raw is not valid JSON: %q", r.Index, r.Raw)
			}
			// The shortcuts for an id written first or appended last read
			// what walking the row reads.
			walk := &uploadDecoder{}
			walk.again.dec = jsontext.NewDecoder(&walk.rowBytes)
			for name, shortcut := range map[string]func([]byte) (jsontext.Kind, bool){"first": walk.firstMemberID, "last": walk.lastMemberID} {
				if kind, ok := shortcut(r.Raw); ok {
					fast := string(walk.id)
					if walkKind := walk.walkFirstID(r.Raw); walkKind != kind || string(walk.id) != fast {
						t.Fatalf("row %d: the %s id is read as %q (%v), walking reads %q (%v)", r.Index, name, fast, kind, walk.id, walkKind)
					}
				}
			}
			if !r.Content() && (r.ConvPrefix != nil || r.Response != (Message{}) || r.GroundTruth != nil || r.Context != nil) {
				t.Fatalf("content without HasContent: %+v", r)
			}
			rows = append(rows, keepAnswerRow(r))
		})
		// ids counts the rows handed over with an id: every id kept is one of
		// them, in order, and only the last row handed over may lack one.
		var ids []string
		for i, r := range rows {
			if r.ID == "" && i != len(rows)-1 {
				t.Fatalf("row %d without an id is not the last handed over", i)
			}
			if r.ID != "" {
				ids = append(ids, r.ID)
			}
		}
		if err == nil {
			if res == nil {
				t.Fatal("nil result without an error")
			}
			if res.IDs != nil && !slices.Equal(res.IDs, ids) || res.IDs == nil && len(rows) > 0 {
				t.Fatalf("ids %q, rows handed over %+v", res.IDs, rows)
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
		// The API said 200: every failure is an outcome-unknown error with
		// the rows probably stored.
		var unknown *OutcomeUnknownError
		if !errors.As(err, &unknown) || !unknown.ProbablyStored {
			t.Fatalf("error %T is not an *OutcomeUnknownError with ProbablyStored: %v", err, err)
		}
		var ue *UnexpectedResponseError
		if errors.As(err, &ue) {
			if n := len([]rune(ue.Excerpt)); n > maxExcerpt {
				t.Fatalf("excerpt of %d runes", n)
			}
			for _, r := range ue.Excerpt {
				if r < 0x20 || r == 0x7f {
					t.Fatalf("control character in excerpt %q", ue.Excerpt)
				}
			}
		}
	})
}

// BenchmarkDecodeUploadResponse measures decoding the rows answer the current
// deployment streams back (each row echoed with its id).
func BenchmarkDecodeUploadResponse(b *testing.B) {
	benchmarkUploadDecoder(b, nil)
}

// BenchmarkDecodeUploadResponseEach is the same with each row's content
// handed to a callback, as the sync engine reads the answer.
func BenchmarkDecodeUploadResponseEach(b *testing.B) {
	benchmarkUploadDecoder(b, func(r *AnswerRow) {
		if !r.Content() {
			b.Fatalf("row %d without content", r.Index)
		}
	})
}

// BenchmarkDecodeUploadResponseRaw hands each row over without decoding its
// content, as the sync engine does when the row echoes what it sent.
func BenchmarkDecodeUploadResponseRaw(b *testing.B) {
	benchmarkUploadDecoder(b, func(r *AnswerRow) {
		if len(r.Raw) == 0 {
			b.Fatalf("row %d without its JSON", r.Index)
		}
	})
}

func benchmarkUploadDecoder(b *testing.B, each func(*AnswerRow)) {
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
				res, err := decodeUploadResponse(bytes.NewReader(data), noRedact, each)
				if err != nil || len(res.IDs) != n {
					b.Fatalf("%v, %d ids", err, len(res.IDs))
				}
			}
		})
	}
}

func TestDecodeUploadResponseHandsEachRow(t *testing.T) {
	in := `[
		{"id":"a","conv_prefix":[{"role":"system","content":"s"},{"role":"user","content":"q"}],"response":{"role":"assistant","content":"r"},"ground_truth":1,"context":"c","extra":{"x":[1]}},
		{"id":7,"conv_prefix":[],"response":"plain","ground_truth":null},
		{"id":"c","conv_prefix":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"response":{"content":"r"},"ground_truth":"2"},
		{"id":"d"},
		{"id":"e","conv_prefix":[],"response":"r","ground_truth":1.5},
		{"id":"f","conv_prefix":[{"role":1,"content":"q"}],"response":"r"},
		{"id":"g","conv_prefix":[],"response":"r","context":3}
	]`
	var got []AnswerRow
	res, err := decodeUploadResponse(strings.NewReader(in), noRedact, func(r *AnswerRow) {
		got = append(got, keepAnswerRow(r))
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "7", "c", "d", "e", "f", "g"}; !slices.Equal(res.IDs, want) || len(got) != len(want) {
		t.Fatalf("ids %q, %d rows handed over; want %q", res.IDs, len(got), want)
	}
	a := got[0]
	if !a.HasContent || a.Index != 0 || a.ID != "a" ||
		!slices.Equal(a.ConvPrefix, []Message{{"system", "s"}, {"user", "q"}}) || a.Response != (Message{"assistant", "r"}) ||
		a.GroundTruth == nil || *a.GroundTruth != 1 || a.Context == nil || *a.Context != "c" {
		t.Errorf("row 0 = %+v", a)
	}
	b := got[1]
	if !b.HasContent || b.Index != 1 || b.ID != "7" || len(b.ConvPrefix) != 0 || b.Response != (Message{"", "plain"}) || b.GroundTruth != nil || b.Context != nil {
		t.Errorf("row 1 = %+v", b)
	}
	c := got[2]
	if !c.HasContent || !slices.Equal(c.ConvPrefix, []Message{{"user", `[{"type":"text","text":"hi"}]`}}) ||
		c.Response != (Message{"", "r"}) || c.GroundTruth == nil || *c.GroundTruth != 2 {
		t.Errorf("row 2 = %+v", c)
	}
	for i, r := range got[3:] {
		if r.HasContent || r.ConvPrefix != nil || r.Response != (Message{}) || r.GroundTruth != nil || r.Context != nil || r.Index != i+3 {
			t.Errorf("row %d = %+v, want no content", i+3, r)
		}
	}
}

// A row without a usable id is handed over, with no id, before it ends the
// answer; the rows before it keep theirs.
func TestDecodeUploadResponseRowWithoutID(t *testing.T) {
	var got []AnswerRow
	_, err := decodeUploadResponse(strings.NewReader(`[{"id":"a","conv_prefix":[],"response":"r"},{"conv_prefix":[],"response":"s"},{"id":"c"}]`), noRedact, func(r *AnswerRow) {
		got = append(got, keepAnswerRow(r))
	})
	var ue *UnexpectedResponseError
	if !errors.As(err, &ue) || got[0].ID != "a" || !strings.Contains(ue.Reason, `row 1 of the answer has no "id"`) {
		t.Fatalf("err = %v, want row 1 without an id after id a", err)
	}
	if len(got) != 2 || got[1].ID != "" || !got[1].HasContent || got[1].Response.Content != "s" {
		t.Errorf("rows handed over: %+v", got)
	}
}

// keepAnswerRow decodes a row's content and copies what the decoder reuses.
func keepAnswerRow(r *AnswerRow) AnswerRow {
	r.Content()
	c := *r
	c.Raw = slices.Clone(r.Raw)
	c.decode = nil
	c.ConvPrefix = slices.Clone(r.ConvPrefix)
	if r.GroundTruth != nil {
		gt := *r.GroundTruth
		c.GroundTruth = &gt
	}
	if r.Context != nil {
		ctx := *r.Context
		c.Context = &ctx
	}
	return c
}

// An id written as the row's first member, or appended as its last, as an
// API that echoes what it received writes it, is read without walking the
// row; any other place, a second "id" after another member, an id that needs
// unescaping, or one not written compactly is read member by member, with the
// same result.
func TestDecodeUploadResponseIDPlaces(t *testing.T) {
	rows := []string{
		`{"conv_prefix":[],"response":"r","id":"last"}`,
		`{"conv_prefix":[],"response":"r","id":42}`,
		`{"id":"first","conv_prefix":[],"response":"r"}`,
		`{"conv_prefix":[{"role":"user","content":"q","id":"nested"}],"response":"r","id":"after-nested"}`,
		`{"id":"one","context":"id","id":"two"}`,
		`{"conv_prefix":[],"response":"r","id":"esc\u0061ped"}`,
		`{"conv_prefix":[],"response":"r","id":1.5e3}`,
		`{"id":"esc\u0061ped-first","id":"second"}`,
		`{"id":-7,"id":"second"}`,
		`{"id": "spaced"}`,
		`{"id":2.5e-1}`,
	}
	res, err := decodeUploadResponse(strings.NewReader("["+strings.Join(rows, ",")+"]"), noRedact, nil)
	want := []string{"last", "42", "first", "after-nested", "one", "escaped", "1.5e3", "escaped-first", "-7", "spaced", "2.5e-1"}
	if err != nil || !slices.Equal(res.IDs, want) {
		t.Fatalf("ids %q, %v; want %q", res.IDs, err, want)
	}
}

// collectIDs returns the ids of the rows handed to each, as each receives
// them.
func collectIDs() (*[]string, func(*AnswerRow)) {
	ids := &[]string{}
	return ids, func(r *AnswerRow) {
		if r.ID != "" {
			*ids = append(*ids, r.ID)
		}
	}
}
