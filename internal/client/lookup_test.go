package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/iotest"
)

func TestLookupDataset(t *testing.T) {
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != LookupPath {
			t.Errorf("request %s %s, want POST %s", r.Method, r.URL.Path, LookupPath)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		var req map[string]string
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("request body: %v", err)
		}
		if req["dataset_name"] != "ds" || req["space_id"] != testSpace || len(req) != 2 {
			t.Errorf("request body = %v", req)
		}
		_, _ = io.WriteString(w, `{"unknown":[1,{"a":2}],"dataset_id":"d-9","dataset_annotations":[
			{"id":"r1","db_id":"u1","conv_prefix":[{"role":"user","content":"Hey"}],"response":"Hi","ground_truth":1,"created_at":"2025-01-01T00:00:00Z","judge_feedback":{}},
			{"id":7,"conv_prefix":[],"response":{"role":"assistant","content":"obj"},"ground_truth":null}
		],"trailing":true}`)
	}))
	ds, err := lookupAll(testCtx(t), c, testSpace, "ds")
	if err != nil {
		t.Fatalf("LookupDataset: %v", err)
	}
	if ds.DatasetID != "d-9" || len(ds.Annotations) != 2 {
		t.Fatalf("dataset = %+v", ds)
	}
	a := ds.Annotations[0]
	if a.ID != "r1" || a.DBID != "u1" || a.Response != "Hi" || a.GroundTruth == nil || *a.GroundTruth != 1 ||
		len(a.ConvPrefix) != 1 || a.ConvPrefix[0] != (Message{"user", "Hey"}) || a.CreatedAt != "2025-01-01T00:00:00Z" {
		t.Errorf("annotation 0 = %+v", a)
	}
	b := ds.Annotations[1]
	if b.ID != "7" || b.Response != "obj" || b.GroundTruth != nil {
		t.Errorf("annotation 1 = %+v", b)
	}
}

func TestLookupNotFoundAndUnavailable(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"dataset 404", 404, `{"detail":"Dataset not found"}`, ErrDatasetNotFound},
		{"bare FastAPI 404", 404, `{"detail":"Not Found"}`, ErrLookupUnavailable},
		{"405", 405, `{"detail":"Method Not Allowed"}`, ErrLookupUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var requests atomic.Int32
			c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			_, err := lookupAll(testCtx(t), c, testSpace, "ds")
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status {
				t.Errorf("err = %v, want the *APIError underneath", err)
			}
			if requests.Load() != 1 {
				t.Errorf("%d requests, want 1 (a 404 is not retried)", requests.Load())
			}
		})
	}
}

func TestDecodeDataset(t *testing.T) {
	ds, err := decodeAll(strings.NewReader(`{"dataset_id":"d","dataset_annotations":null}`), noRedact)
	if err != nil || ds.DatasetID != "d" || ds.Annotations != nil {
		t.Errorf("null annotations: %+v, %v", ds, err)
	}
	ds, err = decodeAll(strings.NewReader(`{"dataset_annotations":[{"id":"a","ground_truth":"2","conv_prefix":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"response":null}]}`), noRedact)
	if err != nil || len(ds.Annotations) != 1 || *ds.Annotations[0].GroundTruth != 2 ||
		ds.Annotations[0].ConvPrefix[0].Content != `[{"type":"text","text":"hi"}]` || ds.Annotations[0].Response != "" {
		t.Errorf("tolerant decoding: %+v, %v", ds, err)
	}

	for _, tc := range []struct{ name, in, want string }{
		{"not an object", `[1]`, "expected a JSON object with dataset_annotations, got a list"},
		{"annotations not a list", `{"dataset_annotations":{}}`, "not a list"},
		{"annotation without id", `{"dataset_annotations":[{"response":"x"}]}`, `annotation 0 has no "id"`},
		{"fractional ground truth", `{"dataset_annotations":[{"id":"a","ground_truth":1.5}]}`, "not an integer"},
		{"conv_prefix not a list", `{"dataset_annotations":[{"id":"a","conv_prefix":"text"}]}`, "annotation 0 has a conv_prefix that is not a list"},
		{"role not a string", `{"dataset_annotations":[{"id":"a","conv_prefix":[{"role":1,"content":"x"}]}]}`, "annotation 0 has a conv_prefix that is not a list"},
		{"response an odd object", `{"dataset_annotations":[{"id":"a","response":{"role":[]}}]}`, "annotation 0 has a response that is not a string"},
		{"keys are matched exactly", `{"dataset_annotations":[{"ID":"a"}]}`, `annotation 0 has no "id"`},
		{"bad db_id", `{"dataset_annotations":[{"id":"a","db_id":true}]}`, "annotation 0 has an unusable db_id"},
		{"trailing data", `{"dataset_annotations":[]} {}`, "unexpected data after the end"},
		{"null annotation", `{"dataset_annotations":[null]}`, "annotation 0 is null"},
		{"html", `<html>`, "invalid character"},
	} {
		_, err := decodeAll(strings.NewReader(tc.in), noRedact)
		var ue *UnexpectedResponseError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want an *UnexpectedResponseError containing %q", tc.name, err, tc.want)
		}
	}

	_, err = decodeAll(strings.NewReader(`{"dataset_id":"d","dataset_annotations":[{"id":"a"},{"id"`), noRedact)
	if err == nil || !strings.Contains(err.Error(), "broke off after 1 annotation(s): the answer ended early") {
		t.Errorf("cut off: err = %v", err)
	}
}

func FuzzDecodeDataset(f *testing.F) {
	f.Add([]byte(`{"dataset_id":"d","dataset_annotations":[{"id":"a","conv_prefix":[{"role":"user","content":"x"}],"response":"y","ground_truth":1}]}`))
	f.Add([]byte(`{"dataset_annotations":[{"id":7,"response":{"content":"z"}}],"x":[1]}`))
	f.Add([]byte(`{"dataset_annotations":[{"id":"a","db_id":"b","conv_prefix":[{"role":"u","content":[1]}],"ground_truth":"2","created_at":"t"},null]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var ids []string
		_, err := decodeDataset(bytes.NewReader(data), noRedact, func(a *Annotation) error {
			if a.ID == "" || len(a.ID) > maxIDLength {
				t.Fatalf("accepted id %q", a.ID)
			}
			ids = append(ids, a.ID)
			return nil
		})
		ds, allErr := decodeAll(bytes.NewReader(data), noRedact)
		if (ds == nil) == (allErr == nil) || (err == nil) != (allErr == nil) {
			t.Fatalf("decodeAll: %+v, %v; decodeDataset: %v", ds, allErr, err)
		}
		if err == nil {
			if len(ds.Annotations) != len(ids) {
				t.Fatalf("decodeAll kept %d annotations, the callback saw %d", len(ds.Annotations), len(ids))
			}
			return
		}
		var ue *UnexpectedResponseError
		switch {
		case errors.As(err, &ue):
			if n := len([]rune(ue.Excerpt)); n > maxExcerpt {
				t.Fatalf("excerpt of %d runes", n)
			}
		case !strings.Contains(err.Error(), fmt.Sprintf("broke off after %d annotation(s): the answer ended early", len(ids))):
			t.Fatalf("unexpected error %T: %v (after %d annotations)", err, err, len(ids))
		}
	})
}

// The decoder reuses the *Annotation and its slice between calls, but the
// strings it hands out stay intact when kept.
func TestDecodeDatasetStringsAreSafeToKeep(t *testing.T) {
	in := `{"dataset_annotations":[
		{"id":"a","db_id":"da","conv_prefix":[{"role":"user","content":"one"}],"response":"r1","created_at":"t1"},
		{"id":"b","db_id":"db","conv_prefix":[{"role":"system","content":"two"}],"response":"r2","created_at":"t2"}]}`
	var kept []string
	var seen []*Annotation
	_, err := decodeDataset(strings.NewReader(in), noRedact, func(a *Annotation) error {
		seen = append(seen, a)
		kept = append(kept, a.ID, a.DBID, a.ConvPrefix[0].Role, a.ConvPrefix[0].Content, a.Response, a.CreatedAt)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "da", "user", "one", "r1", "t1", "b", "db", "system", "two", "r2", "t2"}; !slices.Equal(kept, want) {
		t.Errorf("kept %q, want %q", kept, want)
	}
	if len(seen) != 2 || seen[0] != seen[1] {
		t.Errorf("the *Annotation is not reused: %p, %p", seen[0], seen[1])
	}
}

// The copy that decodeAll keeps must not change when the decoder reuses its
// buffers for the next annotation.
func TestDecodeAllKeepsEachAnnotation(t *testing.T) {
	in := `{"dataset_annotations":[
		{"id":"a","conv_prefix":[{"role":"user","content":"one"},{"role":"assistant","content":"two"}],"response":"r1","ground_truth":1},
		{"id":"b","conv_prefix":[{"role":"system","content":"three"}],"response":"r2","ground_truth":2},
		{"id":"c"}]}`
	got, err := decodeAll(strings.NewReader(in), noRedact)
	if err != nil {
		t.Fatal(err)
	}
	one, two := int64(1), int64(2)
	want := &lookedUp{Annotations: []Annotation{
		{ID: "a", ConvPrefix: []Message{{"user", "one"}, {"assistant", "two"}}, Response: "r1", GroundTruth: &one},
		{ID: "b", ConvPrefix: []Message{{"system", "three"}}, Response: "r2", GroundTruth: &two},
		{ID: "c"},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

// Large answers read a few bytes at a time cross the decoder's buffer many
// times over.
func TestDecodersReadLargeAnswersInPieces(t *testing.T) {
	data := lookupAnswer(t, 3000)
	for _, r := range []io.Reader{iotest.OneByteReader(bytes.NewReader(data)), iotest.HalfReader(bytes.NewReader(data))} {
		var ids []string
		_, err := decodeDataset(r, noRedact, func(a *Annotation) error {
			if len(a.ConvPrefix) != 2 || !strings.HasPrefix(a.ConvPrefix[1].Content, fmt.Sprintf("question %d: ", len(ids))) {
				t.Fatalf("annotation %d = %+v", len(ids), a)
			}
			ids = append(ids, a.ID)
			return nil
		})
		if err != nil || len(ids) != 3000 || len(slices.Compact(slices.Sorted(slices.Values(ids)))) != 3000 {
			t.Fatalf("lookup: %d ids, %v", len(ids), err)
		}
	}

	var buf bytes.Buffer
	buf.WriteByte('[')
	for i := range 3000 {
		if i > 0 {
			buf.WriteString(",\n")
		}
		fmt.Fprintf(&buf, `{"conv_prefix":[{"role":"user","content":"%s \u00e9 %d"}],"id":"row-%d","response":{"role":"assistant","content":"ok"}}`, strings.Repeat("x", i%300), i, i)
	}
	buf.WriteByte(']')
	for _, r := range []io.Reader{iotest.OneByteReader(bytes.NewReader(buf.Bytes())), iotest.HalfReader(bytes.NewReader(buf.Bytes()))} {
		res, err := decodeUploadResponse(r, noRedact, func(row *AnswerRow) {
			row.Content()
			if want := fmt.Sprintf("%s é %d", strings.Repeat("x", row.Index%300), row.Index); row.ConvPrefix[0].Content != want {
				t.Fatalf("row %d content %q, want %q", row.Index, row.ConvPrefix[0].Content, want)
			}
		})
		if err != nil || len(res.IDs) != 3000 || res.IDs[2999] != "row-2999" {
			t.Fatalf("upload: %v", err)
		}
	}
}

// A connection that fails at any byte of a lookup answer is a read failure
// that names the cause, unless the answer was already complete.
func TestDecodeDatasetReadErrors(t *testing.T) {
	const answer = ` {"dataset_id":"d","dataset_annotations":[{"id":"a","conv_prefix":[{"role":"u","content":"x"}],"ground_truth":1.0},{"id":7}],"z":[true]}`
	for cut := range len(answer) + 1 {
		r := io.MultiReader(strings.NewReader(answer[:cut]), errReader{syscall.ECONNRESET})
		var seen int
		id, err := decodeDataset(r, noRedact, func(*Annotation) error { seen++; return nil })
		switch {
		case cut == len(answer):
			if err != nil || id != "d" || seen != 2 {
				t.Errorf("complete answer: id %q, %d annotations, %v", id, seen, err)
			}
		case !errors.Is(err, syscall.ECONNRESET) || !strings.Contains(err.Error(), fmt.Sprintf("broke off after %d annotation(s)", seen)):
			t.Errorf("cut at %d (%q): err = %v after %d annotations", cut, answer[:cut], err, seen)
		}
	}
}

// lookedUp is what a lookup handed over, kept.
type lookedUp struct {
	DatasetID   string
	Annotations []Annotation
}

// decodeAll decodes a whole lookup answer, keeping every annotation.
func decodeAll(r io.Reader, redact func(string) string) (*lookedUp, error) {
	ds := &lookedUp{}
	id, err := decodeDataset(r, redact, ds.keep)
	if err != nil {
		return nil, err
	}
	ds.DatasetID = id
	return ds, nil
}

// lookupAll calls LookupDataset, keeping every annotation.
func lookupAll(ctx context.Context, c *Client, spaceID, name string) (*lookedUp, error) {
	ds := &lookedUp{}
	id, err := c.LookupDataset(ctx, spaceID, name, ds.keep)
	if err != nil {
		return nil, err
	}
	ds.DatasetID = id
	return ds, nil
}

// keep copies what the decoder reuses from one annotation to the next.
func (ds *lookedUp) keep(a *Annotation) error {
	kept := *a
	kept.ConvPrefix = slices.Clone(a.ConvPrefix)
	if a.GroundTruth != nil {
		gt := *a.GroundTruth
		kept.GroundTruth = &gt
	}
	ds.Annotations = append(ds.Annotations, kept)
	return nil
}
