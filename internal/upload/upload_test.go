package upload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
)

const (
	testSpace = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
	testName  = "evals"
)

// outcome is how the fake API answers one Upload call.
type outcome int

const (
	okIDs            outcome = iota // store the rows, return one id per row
	okObject                        // store the rows, answer {dataset_id, message}
	okFewerIDs                      // store the rows, return one id too few
	okMoreIDs                       // store the rows, return one id too many
	failAPI                         // store nothing, answer 400
	unknownStored                   // store the rows, then lose the answer
	unknownNotStored                // store nothing, and the outcome is unknown
)

type call struct {
	out    outcome
	cancel bool // cancel the Send's context before answering
}

type storedRow struct {
	id, dbid string
	row      dataset.Row
}

// fakeAPI implements API over an in-memory dataset. Upload is scripted per
// call (beyond the script every call succeeds with ids); LookupDataset
// returns what was stored, or a scripted error.
type fakeAPI struct {
	t      *testing.T
	script []call
	cancel context.CancelFunc

	bodies [][]byte
	stored []storedRow
	nextID int

	lookupErrs        []error // per lookup call; nil or beyond the list: success
	lookups           int
	lookupCtxErrs     []error // ctx.Err() of each lookup's context
	lookupHasDeadline []bool
}

func (f *fakeAPI) store(rows []dataset.Row) []string {
	ids := make([]string, len(rows))
	for i, r := range rows {
		f.nextID++
		ids[i] = fmt.Sprintf("id-%d", f.nextID)
		f.stored = append(f.stored, storedRow{id: ids[i], dbid: fmt.Sprintf("db-%d", f.nextID), row: r})
	}
	return ids
}

func (f *fakeAPI) Upload(ctx context.Context, spaceID, datasetName string, body []byte, _ func(*client.AnswerRow)) (*client.UploadResult, error) {
	f.t.Helper()
	if spaceID != testSpace || datasetName != testName {
		f.t.Errorf("Upload to %q/%q, want %q/%q", spaceID, datasetName, testSpace, testName)
	}
	// The sender reuses its buffer: keep a copy.
	f.bodies = append(f.bodies, bytes.Clone(body))
	var rows []dataset.Row
	if err := json.Unmarshal(body, &rows); err != nil {
		f.t.Fatalf("upload %d: body is not a JSON array of rows: %v\n%s", len(f.bodies), err, body)
	}
	if len(rows) == 0 {
		f.t.Fatalf("upload %d: empty batch", len(f.bodies))
	}
	c := call{out: okIDs}
	if n := len(f.bodies) - 1; n < len(f.script) {
		c = f.script[n]
	}
	if c.cancel {
		f.cancel()
	}
	unknown := &client.OutcomeUnknownError{Cause: &client.APIError{StatusCode: 502}}
	switch c.out {
	case okIDs:
		return &client.UploadResult{IDs: f.store(rows)}, nil
	case okObject:
		f.store(rows)
		return &client.UploadResult{DatasetID: "ds-1", Message: "uploaded"}, nil
	case okFewerIDs:
		ids := f.store(rows)
		return &client.UploadResult{IDs: ids[:len(ids)-1]}, nil
	case okMoreIDs:
		ids := f.store(rows)
		return &client.UploadResult{IDs: append(ids, "id-extra")}, nil
	case failAPI:
		return nil, &client.APIError{StatusCode: 400, Detail: "invalid input for query argument"}
	case unknownStored:
		f.store(rows)
		return nil, unknown
	case unknownNotStored:
		return nil, unknown
	}
	panic("unknown outcome")
}

func (f *fakeAPI) LookupDataset(ctx context.Context, spaceID, datasetName string) (*client.Dataset, error) {
	if spaceID != testSpace || datasetName != testName {
		f.t.Errorf("LookupDataset(%q, %q), want %q/%q", spaceID, datasetName, testSpace, testName)
	}
	f.lookups++
	f.lookupCtxErrs = append(f.lookupCtxErrs, ctx.Err())
	_, ok := ctx.Deadline()
	f.lookupHasDeadline = append(f.lookupHasDeadline, ok)
	if n := f.lookups - 1; n < len(f.lookupErrs) && f.lookupErrs[n] != nil {
		return nil, f.lookupErrs[n]
	}
	ds := &client.Dataset{DatasetID: "ds-1"}
	for _, s := range f.stored {
		a := client.Annotation{ID: s.id, DBID: s.dbid, Response: s.row.Response.Content, GroundTruth: s.row.GroundTruth, CreatedAt: "2025-01-01T00:00:00Z"}
		for _, m := range s.row.ConvPrefix {
			a.ConvPrefix = append(a.ConvPrefix, client.Message{Role: m.Role, Content: m.Content})
		}
		ds.Annotations = append(ds.Annotations, a)
	}
	return ds, nil
}

func (f *fakeAPI) storedByID(id string) (dataset.Row, bool) {
	for _, s := range f.stored {
		if s.id == id {
			return s.row, true
		}
	}
	return dataset.Row{}, false
}

// countStored counts the stored copies of a row.
func (f *fakeAPI) countStored(r *dataset.Row) int {
	n := 0
	for _, s := range f.stored {
		if s.row.Digest() == r.Digest() {
			n++
		}
	}
	return n
}

// bodyRows splits a body into its rows' raw JSON.
func bodyRows(t *testing.T, body []byte) []string {
	t.Helper()
	var raw []json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("body is not a JSON array: %v", err)
	}
	out := make([]string, len(raw))
	for i, r := range raw {
		out[i] = string(r)
	}
	return out
}

func makeRow(label string, pad int) *dataset.Row {
	gt := int64(len(label) % 2)
	ctx := "ctx " + label
	return &dataset.Row{
		ConvPrefix:  []dataset.Message{{Role: "system", Content: "be brief"}, {Role: "user", Content: "question " + label}},
		Response:    dataset.Message{Role: "assistant", Content: "answer " + label + strings.Repeat("x", pad)},
		GroundTruth: &gt,
		Context:     &ctx,
	}
}

func makeRows(n int) []*dataset.Row {
	rows := make([]*dataset.Row, n)
	for i := range rows {
		rows[i] = makeRow(fmt.Sprint(i), 0)
	}
	return rows
}

func canonical(r *dataset.Row) string { return string(r.AppendCanonical(nil)) }

// sourceIndex is the source index given to the i-th row sent: not i, so that
// tests notice positions reported instead of indexes.
func sourceIndex(i int) int { return 3*i + 7 }

// seq yields the rows as the provider's source does: one Row value reused
// for every row, its ConvPrefix rewritten in place.
func seq(rows []*dataset.Row, digests map[int]dataset.Digest) iter.Seq[Row] {
	return func(yield func(Row) bool) {
		var cur dataset.Row
		for i, r := range rows {
			cur.ConvPrefix = append(cur.ConvPrefix[:0], r.ConvPrefix...)
			cur.Response, cur.GroundTruth, cur.Context = r.Response, r.GroundTruth, r.Context
			d, ok := digests[i]
			if !ok {
				d = r.Digest()
			}
			if !yield(Row{Index: sourceIndex(i), Digest: d, Row: &cur}) {
				return
			}
		}
	}
}

type result struct {
	batches  []Batch
	progress [][2]int
	err      error
}

func run(ctx context.Context, t *testing.T, api *fakeAPI, rows []*dataset.Row, opts Options) result {
	t.Helper()
	var res result
	opts.Progress = func(sent, total int, elapsed time.Duration) {
		if elapsed < 0 {
			t.Errorf("negative elapsed time %v", elapsed)
		}
		res.progress = append(res.progress, [2]int{sent, total})
	}
	opts.Log = func(msg string, kv ...any) {
		if len(kv)%2 != 0 {
			t.Errorf("log %q has an odd number of key/values: %v", msg, kv)
		}
	}
	res.err = Send(ctx, api, testSpace, testName, len(rows), seq(rows, nil), opts, func(b Batch) {
		b.Indexes = slices.Clone(b.Indexes)
		b.IDs = slices.Clone(b.IDs)
		res.batches = append(res.batches, b)
	})
	return res
}

// checkLanded checks that every landed row is recorded once, that every id
// is used once and names a stored row with the same content as the source
// row it is recorded for, and returns the source positions recorded.
func checkLanded(t *testing.T, api *fakeAPI, rows []*dataset.Row, batches []Batch) map[int]string {
	t.Helper()
	got := map[int]string{}
	ids := map[string]bool{}
	for _, b := range batches {
		if b.IDs != nil && len(b.IDs) != len(b.Indexes) {
			t.Errorf("batch %v has %d ids", b.Indexes, len(b.IDs))
			continue
		}
		for k, idx := range b.Indexes {
			if (idx-7)%3 != 0 || (idx-7)/3 < 0 || (idx-7)/3 >= len(rows) {
				t.Fatalf("landed index %d is not a source index", idx)
			}
			pos := (idx - 7) / 3
			if _, dup := got[pos]; dup {
				t.Errorf("row %d recorded twice", pos)
			}
			got[pos] = ""
			if b.IDs == nil {
				continue
			}
			id := b.IDs[k]
			got[pos] = id
			if ids[id] {
				t.Errorf("id %s recorded for two rows", id)
			}
			ids[id] = true
			s, ok := api.storedByID(id)
			if !ok {
				t.Errorf("row %d recorded with id %s, which the platform does not hold", pos, id)
				continue
			}
			if s.MatchKey() != rows[pos].MatchKey() {
				t.Errorf("row %d recorded with id %s, which holds other content", pos, id)
			}
		}
	}
	return got
}

func indexesOf(positions ...int) []int {
	out := make([]int, len(positions))
	for i, p := range positions {
		out[i] = sourceIndex(p)
	}
	return out
}

func TestBatching(t *testing.T) {
	rows := makeRows(10)
	api := &fakeAPI{t: t}
	res := run(context.Background(), t, api, rows, Options{BatchRows: 3})
	if res.err != nil {
		t.Fatal(res.err)
	}
	wantSizes := []int{3, 3, 3, 1}
	if len(api.bodies) != len(wantSizes) {
		t.Fatalf("%d uploads, want %d", len(api.bodies), len(wantSizes))
	}
	pos := 0
	for i, body := range api.bodies {
		got := bodyRows(t, body)
		if len(got) != wantSizes[i] {
			t.Errorf("body %d has %d rows, want %d", i, len(got), wantSizes[i])
		}
		var want []string
		for range wantSizes[i] {
			want = append(want, canonical(rows[pos]))
			pos++
		}
		if string(body) != "["+strings.Join(want, ",")+"]" {
			t.Errorf("body %d =\n%s\nwant the canonical rows\n[%s]", i, body, strings.Join(want, ","))
		}
	}
	if len(res.batches) != 4 {
		t.Fatalf("landed called %d times, want 4", len(res.batches))
	}
	wantIdx := [][]int{indexesOf(0, 1, 2), indexesOf(3, 4, 5), indexesOf(6, 7, 8), indexesOf(9)}
	next := 1
	for i, b := range res.batches {
		if !slices.Equal(b.Indexes, wantIdx[i]) {
			t.Errorf("batch %d indexes %v, want %v", i, b.Indexes, wantIdx[i])
		}
		var wantIDs []string
		for range b.Indexes {
			wantIDs = append(wantIDs, fmt.Sprintf("id-%d", next))
			next++
		}
		if !slices.Equal(b.IDs, wantIDs) {
			t.Errorf("batch %d ids %v, want %v", i, b.IDs, wantIDs)
		}
	}
	checkLanded(t, api, rows, res.batches)
	if want := [][2]int{{3, 10}, {6, 10}, {9, 10}, {10, 10}}; !slices.Equal(res.progress, want) {
		t.Errorf("progress %v, want %v", res.progress, want)
	}
	if api.lookups != 0 {
		t.Errorf("%d lookups after clean uploads", api.lookups)
	}
}

func TestBatchingDefaults(t *testing.T) {
	rows := makeRows(DefaultBatchRows + 1)
	api := &fakeAPI{t: t}
	res := run(context.Background(), t, api, rows, Options{BatchRows: -1, BatchBytes: 0})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(api.bodies) != 2 || len(bodyRows(t, api.bodies[0])) != DefaultBatchRows || len(bodyRows(t, api.bodies[1])) != 1 {
		t.Errorf("default batching: %d uploads", len(api.bodies))
	}
}

func TestNoRows(t *testing.T) {
	api := &fakeAPI{t: t}
	res := run(context.Background(), t, api, nil, Options{})
	if res.err != nil || len(api.bodies) != 0 || len(res.batches) != 0 {
		t.Errorf("no rows: err %v, %d uploads, %d batches", res.err, len(api.bodies), len(res.batches))
	}
}

func TestObjectShape(t *testing.T) {
	rows := makeRows(4)
	api := &fakeAPI{t: t, script: []call{{out: okObject}, {out: okIDs}}}
	res := run(context.Background(), t, api, rows, Options{BatchRows: 2})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(res.batches) != 2 {
		t.Fatalf("%d batches", len(res.batches))
	}
	if b := res.batches[0]; b.IDs != nil || b.DatasetID != "ds-1" || !slices.Equal(b.Indexes, indexesOf(0, 1)) {
		t.Errorf("object-shape batch = %+v, want indexes %v, no ids, dataset ds-1", b, indexesOf(0, 1))
	}
	if b := res.batches[1]; len(b.IDs) != 2 || b.DatasetID != "" {
		t.Errorf("second batch = %+v", b)
	}
	checkLanded(t, api, rows, res.batches)
}

func TestBatchBytes(t *testing.T) {
	small := func(l string) *dataset.Row { return makeRow(l, 0) }
	rows := []*dataset.Row{small("a"), small("b"), makeRow("huge", 2000), small("c"), small("d")}
	size := len(canonical(rows[0]))
	// Room for two small rows, with a few bytes to spare.
	limit := 2 + 2*size + 1 + 5
	api := &fakeAPI{t: t}
	res := run(context.Background(), t, api, rows, Options{BatchRows: 100, BatchBytes: limit})
	if res.err != nil {
		t.Fatal(res.err)
	}
	want := [][]int{indexesOf(0, 1), indexesOf(2), indexesOf(3, 4)}
	if len(res.batches) != len(want) {
		t.Fatalf("batches %v, want %v", res.batches, want)
	}
	for i, b := range res.batches {
		if !slices.Equal(b.Indexes, want[i]) {
			t.Errorf("batch %d = %v, want %v", i, b.Indexes, want[i])
		}
	}
	if got := bodyRows(t, api.bodies[1]); len(got) != 1 || got[0] != canonical(rows[2]) {
		t.Errorf("the row larger than the cap was not sent alone and intact")
	}
	checkLanded(t, api, rows, res.batches)
}

// TestBatchBytesProperty sends rows of random sizes under random caps and
// checks that every row is sent once, in order, intact, within both caps,
// and that batches are split only when the next row would not fit.
func TestBatchBytesProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 14))
	for iter := range 300 {
		n := r.IntN(40)
		rows := make([]*dataset.Row, n)
		for i := range rows {
			pad := r.IntN(300)
			if r.IntN(10) == 0 {
				pad = 1000 + r.IntN(2000)
			}
			rows[i] = makeRow(fmt.Sprintf("%d-%d", iter, i), pad)
		}
		opts := Options{BatchRows: 1 + r.IntN(15), BatchBytes: 100 + r.IntN(1500)}
		api := &fakeAPI{t: t}
		res := run(context.Background(), t, api, rows, opts)
		if res.err != nil {
			t.Fatalf("iteration %d: %v", iter, res.err)
		}
		var all []string
		var split [][]string
		for i, body := range api.bodies {
			got := bodyRows(t, body)
			if len(got) > opts.BatchRows {
				t.Fatalf("iteration %d: body %d has %d rows, cap %d", iter, i, len(got), opts.BatchRows)
			}
			if len(body) > opts.BatchBytes && len(got) > 1 {
				t.Fatalf("iteration %d: body %d is %d bytes with %d rows, cap %d", iter, i, len(body), len(got), opts.BatchBytes)
			}
			all = append(all, got...)
			split = append(split, got)
		}
		var want []string
		for _, row := range rows {
			want = append(want, canonical(row))
		}
		if !slices.Equal(all, want) {
			t.Fatalf("iteration %d: the rows sent differ from the source (%d sent, %d in source)", iter, len(all), len(want))
		}
		for i := 0; i+1 < len(split); i++ {
			if len(split[i]) == opts.BatchRows {
				continue
			}
			// The next batch's first row would have made this body too big.
			// (The sender counts one byte more than the body needs, so a
			// body that would be exactly BatchBytes is split too.)
			joined := len(api.bodies[i]) + 1 + len(split[i+1][0])
			if joined < opts.BatchBytes {
				t.Fatalf("iteration %d: batch %d was split although the next row fits (%d bytes, cap %d)", iter, i, joined, opts.BatchBytes)
			}
		}
		if len(res.batches) != len(api.bodies) {
			t.Fatalf("iteration %d: %d batches landed for %d uploads", iter, len(res.batches), len(api.bodies))
		}
		landed := checkLanded(t, api, rows, res.batches)
		if len(landed) != n {
			t.Fatalf("iteration %d: %d rows landed of %d", iter, len(landed), n)
		}
		if n > 0 && res.progress[len(res.progress)-1] != [2]int{n, n} {
			t.Fatalf("iteration %d: last progress %v", iter, res.progress[len(res.progress)-1])
		}
	}
}

func TestSourceChanged(t *testing.T) {
	for _, tc := range []struct {
		name       string
		changed    int
		wantBodies int
	}{
		{"in the first batch", 1, 0},
		{"in the second batch", 4, 1},
		{"first row of the third batch", 6, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := makeRows(10)
			api := &fakeAPI{t: t}
			var batches []Batch
			err := Send(context.Background(), api, testSpace, testName, 10,
				seq(rows, map[int]dataset.Digest{tc.changed: makeRow("something else", 0).Digest()}),
				Options{BatchRows: 3}, func(b Batch) { batches = append(batches, b) })
			if !errors.Is(err, ErrSourceChanged) {
				t.Fatalf("Send = %v, want ErrSourceChanged", err)
			}
			// Rows are named by their 1-based source index.
			if want := fmt.Sprintf("row %d ", sourceIndex(tc.changed)+1); !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %q", err, want)
			}
			if len(api.bodies) != tc.wantBodies || len(batches) != tc.wantBodies {
				t.Errorf("%d uploads and %d landed, want %d", len(api.bodies), len(batches), tc.wantBodies)
			}
			for _, body := range api.bodies {
				if strings.Contains(string(body), fmt.Sprintf("question %d\"", tc.changed)) {
					t.Errorf("the changed row was sent")
				}
			}
		})
	}
}

func TestAPIErrorStops(t *testing.T) {
	rows := makeRows(9)
	api := &fakeAPI{t: t, script: []call{{out: okIDs}, {out: failAPI}}}
	res := run(context.Background(), t, api, rows, Options{BatchRows: 3})
	var apiErr *client.APIError
	if !errors.As(res.err, &apiErr) || apiErr.StatusCode != 400 {
		t.Fatalf("Send = %v, want the 400", res.err)
	}
	var unknown *client.OutcomeUnknownError
	if errors.As(res.err, &unknown) {
		t.Errorf("a plain API error became an unknown outcome")
	}
	if len(api.bodies) != 2 {
		t.Errorf("%d uploads, want 2 (the third batch must not be sent)", len(api.bodies))
	}
	if len(res.batches) != 1 || !slices.Equal(res.batches[0].Indexes, indexesOf(0, 1, 2)) || len(res.batches[0].IDs) != 3 {
		t.Errorf("landed %+v, want only the first batch with its ids", res.batches)
	}
	if api.lookups != 0 {
		t.Errorf("a plain API error triggered %d lookups", api.lookups)
	}
	if !slices.Equal(res.progress, [][2]int{{3, 9}}) {
		t.Errorf("progress %v", res.progress)
	}
}

func TestCountMismatch(t *testing.T) {
	for _, out := range []outcome{okFewerIDs, okMoreIDs} {
		rows := makeRows(9)
		api := &fakeAPI{t: t, script: []call{{out: okIDs}, {out: out}}}
		res := run(context.Background(), t, api, rows, Options{BatchRows: 3})
		var mismatch *CountMismatchError
		if !errors.As(res.err, &mismatch) {
			t.Fatalf("Send = %v, want a *CountMismatchError", res.err)
		}
		wantReturned := 2
		if out == okMoreIDs {
			wantReturned = 4
		}
		if mismatch.Sent != 3 || mismatch.Returned != wantReturned {
			t.Errorf("mismatch = %+v, want sent 3, returned %d", mismatch, wantReturned)
		}
		if len(res.batches) != 2 {
			t.Fatalf("landed %d batches, want 2", len(res.batches))
		}
		if b := res.batches[1]; b.IDs != nil || !slices.Equal(b.Indexes, indexesOf(3, 4, 5)) {
			t.Errorf("mismatched batch landed as %+v, want its indexes with IDs nil", b)
		}
		if len(api.bodies) != 2 {
			t.Errorf("%d uploads, want 2", len(api.bodies))
		}
		checkLanded(t, api, rows, res.batches)
	}
}

func TestUnknownOutcomeStored(t *testing.T) {
	rows := makeRows(10)
	api := &fakeAPI{t: t, script: []call{{out: okIDs}, {out: unknownStored}}}
	res := run(context.Background(), t, api, rows, Options{BatchRows: 3})
	if res.err != nil {
		t.Fatalf("Send = %v, want recovery", res.err)
	}
	if len(api.bodies) != 4 {
		t.Errorf("%d uploads, want 4: the stored batch must not be sent again", len(api.bodies))
	}
	if api.lookups != 1 {
		t.Errorf("%d lookups, want 1", api.lookups)
	}
	for i, r := range rows {
		if n := api.countStored(r); n != 1 {
			t.Errorf("row %d stored %d times", i, n)
		}
	}
	if len(res.batches) != 4 || !slices.Equal(res.batches[1].Indexes, indexesOf(3, 4, 5)) {
		t.Fatalf("landed %+v", res.batches)
	}
	if b := res.batches[1]; !slices.Equal(b.IDs, []string{"id-4", "id-5", "id-6"}) || b.DatasetID != "ds-1" {
		t.Errorf("recovered batch = %+v, want the ids from the lookup and its dataset id", b)
	}
	if len(checkLanded(t, api, rows, res.batches)) != 10 {
		t.Error("not every row landed")
	}
	if want := [][2]int{{3, 10}, {6, 10}, {9, 10}, {10, 10}}; !slices.Equal(res.progress, want) {
		t.Errorf("progress %v, want %v", res.progress, want)
	}
}

func TestUnknownOutcomeDoesNotClaimKnownRows(t *testing.T) {
	a, b := makeRow("a", 0), makeRow("b", 0)
	for _, tc := range []struct {
		name  string
		out   outcome
		known func(id string) bool
	}{
		{"stored, known by id", unknownStored, func(id string) bool { return id == "old-a" }},
		{"stored, known by db_id", unknownStored, func(id string) bool { return id == "old-db-a" }},
		{"not stored, known by id", unknownNotStored, func(id string) bool { return id == "old-a" }},
		{"not stored, known by db_id", unknownNotStored, func(id string) bool { return id == "old-db-a" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The dataset already holds row a (in state, so known); the
			// source lists a again, and b.
			api := &fakeAPI{t: t, script: []call{{out: tc.out}}, stored: []storedRow{{id: "old-a", dbid: "old-db-a", row: *a}}}
			rows := []*dataset.Row{a, b}
			res := run(context.Background(), t, api, rows, Options{BatchRows: 10, Known: tc.known})
			if res.err != nil {
				t.Fatal(res.err)
			}
			landed := checkLanded(t, api, rows, res.batches)
			if landed[0] == "old-a" {
				t.Fatalf("recovery claimed the known copy of row a")
			}
			if n := api.countStored(a); n != 2 {
				t.Errorf("row a is stored %d times, want 2 (the known copy and the new one)", n)
			}
			if n := api.countStored(b); n != 1 {
				t.Errorf("row b is stored %d times, want 1", n)
			}
			if len(landed) != 2 || landed[0] == "" || landed[1] == "" {
				t.Errorf("landed %v, want both rows with ids", landed)
			}
			wantBodies := 1
			if tc.out == unknownNotStored {
				wantBodies = 2
			}
			if len(api.bodies) != wantBodies {
				t.Errorf("%d uploads, want %d", len(api.bodies), wantBodies)
			}
		})
	}
}

// A row that landed earlier in the same Send, with its id, is not known to
// the caller's Known yet; recovery must not claim it for a later batch that
// carries the same row again.
func TestUnknownOutcomeDoesNotClaimRowsOfThisSend(t *testing.T) {
	a := makeRow("a", 0)
	rows := []*dataset.Row{a, a}
	api := &fakeAPI{t: t, script: []call{{out: okIDs}, {out: unknownNotStored}}}
	res := run(context.Background(), t, api, rows, Options{BatchRows: 1})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if n := api.countStored(a); n != 2 {
		t.Errorf("row a is stored %d times, want 2", n)
	}
	landed := checkLanded(t, api, rows, res.batches)
	if landed[0] != "id-1" || landed[1] != "id-2" {
		t.Errorf("landed %v, want id-1 and id-2", landed)
	}
	if len(api.bodies) != 3 {
		t.Errorf("%d uploads, want 3", len(api.bodies))
	}
}

func TestUnknownOutcomeNotStored(t *testing.T) {
	rows := makeRows(9)
	api := &fakeAPI{t: t, script: []call{{out: okIDs}, {out: unknownNotStored}}}
	res := run(context.Background(), t, api, rows, Options{BatchRows: 3})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(api.bodies) != 4 {
		t.Fatalf("%d uploads, want 4 (batch 2 sent again exactly once)", len(api.bodies))
	}
	if !bytes.Equal(api.bodies[1], api.bodies[2]) {
		t.Errorf("the resend differs from the original batch:\n%s\n%s", api.bodies[1], api.bodies[2])
	}
	if api.lookups != 1 {
		t.Errorf("%d lookups, want 1", api.lookups)
	}
	for i, r := range rows {
		if n := api.countStored(r); n != 1 {
			t.Errorf("row %d stored %d times", i, n)
		}
	}
	if len(res.batches) != 3 || !slices.Equal(res.batches[1].Indexes, indexesOf(3, 4, 5)) {
		t.Fatalf("landed %+v", res.batches)
	}
	checkLanded(t, api, rows, res.batches)
}

// Part of a batch found on the platform (rows already there under ids no one
// accounts for, e.g. from an earlier lost answer): only the rest is resent.
func TestUnknownOutcomePartlyFound(t *testing.T) {
	rows := makeRows(4)
	api := &fakeAPI{t: t, script: []call{{out: unknownNotStored}}}
	api.store([]dataset.Row{*rows[2]})
	res := run(context.Background(), t, api, rows, Options{BatchRows: 10})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(api.bodies) != 2 {
		t.Fatalf("%d uploads, want 2", len(api.bodies))
	}
	want := "[" + canonical(rows[0]) + "," + canonical(rows[1]) + "," + canonical(rows[3]) + "]"
	if string(api.bodies[1]) != want {
		t.Errorf("resent %s, want only the rows not found", api.bodies[1])
	}
	if len(res.batches) != 2 || !slices.Equal(res.batches[0].Indexes, indexesOf(2)) || !slices.Equal(res.batches[0].IDs, []string{"id-1"}) {
		t.Errorf("landed %+v, want row 2 found as id-1 first", res.batches)
	}
	for i, r := range rows {
		if n := api.countStored(r); n != 1 {
			t.Errorf("row %d stored %d times", i, n)
		}
	}
	checkLanded(t, api, rows, res.batches)
	if want := [][2]int{{1, 4}, {4, 4}}; !slices.Equal(res.progress, want) {
		t.Errorf("progress %v, want %v", res.progress, want)
	}
}

// Duplicates inside a batch whose outcome is unknown: each copy is claimed
// once, and the one copy that was not stored is sent again.
func TestUnknownOutcomeDuplicatesInBatch(t *testing.T) {
	a := makeRow("a", 0)
	rows := []*dataset.Row{a, a, a}
	api := &fakeAPI{t: t, script: []call{{out: unknownNotStored}}}
	api.store([]dataset.Row{*a, *a}) // two copies nobody accounts for
	res := run(context.Background(), t, api, rows, Options{BatchRows: 10})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if n := api.countStored(a); n != 3 {
		t.Errorf("row a stored %d times, want 3", n)
	}
	if len(api.bodies) != 2 || len(bodyRows(t, api.bodies[1])) != 1 {
		t.Errorf("uploads %q, want the batch then one copy", api.bodies)
	}
	if landed := checkLanded(t, api, rows, res.batches); len(landed) != 3 {
		t.Errorf("landed %v", landed)
	}
}

// The row carried into the next batch by the byte cap comes from a source
// that reuses its Row: recovery must still match it by its own content.
func TestUnknownOutcomeCarriedRow(t *testing.T) {
	rows := []*dataset.Row{makeRow("a", 0), makeRow("b", 0), makeRow("c", 0), makeRow("d", 0)}
	size := len(canonical(rows[0]))
	api := &fakeAPI{t: t, script: []call{{out: okIDs}, {out: unknownStored}}}
	res := run(context.Background(), t, api, rows, Options{BatchRows: 10, BatchBytes: 2 + 2*size + 5})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(api.bodies) != 2 {
		t.Fatalf("%d uploads, want 2", len(api.bodies))
	}
	if len(res.batches) != 2 || !slices.Equal(res.batches[1].Indexes, indexesOf(2, 3)) {
		t.Fatalf("landed %+v", res.batches)
	}
	if landed := checkLanded(t, api, rows, res.batches); len(landed) != 4 {
		t.Errorf("landed %v", landed)
	}
}

func TestUnknownOutcomeDatasetNotFound(t *testing.T) {
	rows := makeRows(2)
	notFound := fmt.Errorf("%w: no dataset named %q", client.ErrDatasetNotFound, testName)
	api := &fakeAPI{t: t, script: []call{{out: unknownNotStored}}, lookupErrs: []error{notFound}}
	res := run(context.Background(), t, api, rows, Options{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(api.bodies) != 2 || !bytes.Equal(api.bodies[0], api.bodies[1]) {
		t.Errorf("uploads %d, want the batch sent again once", len(api.bodies))
	}
	if len(res.batches) != 1 || len(res.batches[0].IDs) != 2 {
		t.Errorf("landed %+v", res.batches)
	}
	checkLanded(t, api, rows, res.batches)
}

func TestUnknownOutcomeLookupFails(t *testing.T) {
	for _, lookupErr := range []error{
		client.ErrLookupUnavailable,
		&client.APIError{StatusCode: 500},
		errors.New("connection reset"),
	} {
		rows := makeRows(6)
		api := &fakeAPI{t: t, script: []call{{out: okIDs}, {out: unknownStored}}, lookupErrs: []error{lookupErr}}
		res := run(context.Background(), t, api, rows, Options{BatchRows: 3})
		var unverified *UnverifiedError
		if !errors.As(res.err, &unverified) {
			t.Fatalf("Send = %v, want *UnverifiedError", res.err)
		}
		if unverified.Rows != 3 || !errors.Is(unverified.LookupErr, lookupErr) {
			t.Errorf("UnverifiedError = %+v", unverified)
		}
		var unknown *client.OutcomeUnknownError
		if !errors.As(res.err, &unknown) {
			t.Errorf("UnverifiedError does not unwrap to the unknown outcome")
		}
		if len(api.bodies) != 2 {
			t.Errorf("%d uploads, want 2: nothing is sent again when the outcome cannot be checked", len(api.bodies))
		}
		if len(res.batches) != 1 || !slices.Equal(res.batches[0].Indexes, indexesOf(0, 1, 2)) {
			t.Errorf("landed %+v, want only the first batch", res.batches)
		}
		if msg := res.err.Error(); !strings.Contains(msg, "unknown") || !strings.Contains(msg, "3 rows") {
			t.Errorf("error does not explain: %s", msg)
		}
	}
}

func TestCancelledInFlightStored(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rows := makeRows(9)
	api := &fakeAPI{t: t, cancel: cancel, script: []call{{out: okIDs}, {out: unknownStored, cancel: true}}}
	res := run(ctx, t, api, rows, Options{BatchRows: 3})
	if res.err == nil {
		t.Fatal("Send = nil after the context was cancelled with a batch left")
	}
	if !errors.Is(res.err, context.Canceled) {
		t.Errorf("Send = %v, want context.Canceled", res.err)
	}
	if api.lookups != 1 {
		t.Fatalf("%d lookups, want 1", api.lookups)
	}
	if api.lookupCtxErrs[0] != nil || !api.lookupHasDeadline[0] {
		t.Errorf("the lookup ran with a done context (%v) or without a deadline (%v)", api.lookupCtxErrs[0], api.lookupHasDeadline[0])
	}
	if len(api.bodies) != 2 {
		t.Errorf("%d uploads, want 2: nothing is sent after the interrupt", len(api.bodies))
	}
	if len(res.batches) != 2 || !slices.Equal(res.batches[1].Indexes, indexesOf(3, 4, 5)) || len(res.batches[1].IDs) != 3 {
		t.Errorf("landed %+v, want the interrupted batch recorded with its ids", res.batches)
	}
	checkLanded(t, api, rows, res.batches)
}

func TestCancelledInFlightNotStored(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rows := makeRows(6)
	api := &fakeAPI{t: t, cancel: cancel, script: []call{{out: unknownNotStored, cancel: true}}}
	api.store([]dataset.Row{*rows[1]}) // one row of the batch is there already
	res := run(ctx, t, api, rows, Options{BatchRows: 3})
	var unknown *client.OutcomeUnknownError
	if !errors.As(res.err, &unknown) {
		t.Fatalf("Send = %v, want the unknown outcome", res.err)
	}
	if api.lookups != 1 || api.lookupCtxErrs[0] != nil {
		t.Fatalf("lookups %d (ctx errs %v), want one with a live context", api.lookups, api.lookupCtxErrs)
	}
	if len(api.bodies) != 1 {
		t.Errorf("%d uploads, want 1: the missing rows are not resent after an interrupt", len(api.bodies))
	}
	if len(res.batches) != 1 || !slices.Equal(res.batches[0].Indexes, indexesOf(1)) {
		t.Errorf("landed %+v, want the row found on the platform", res.batches)
	}
	checkLanded(t, api, rows, res.batches)
}

func TestCancelledBeforeSend(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	api := &fakeAPI{t: t}
	res := run(ctx, t, api, makeRows(3), Options{})
	if !errors.Is(res.err, context.Canceled) || len(api.bodies) != 0 {
		t.Errorf("Send = %v with %d uploads, want context.Canceled and none", res.err, len(api.bodies))
	}
}

func TestTooManyUnknownOutcomes(t *testing.T) {
	rows := makeRows(4)
	script := make([]call, maxRecoveries+5)
	for i := range script {
		script[i] = call{out: unknownNotStored}
	}
	api := &fakeAPI{t: t, script: script}
	res := run(context.Background(), t, api, rows, Options{BatchRows: 2})
	var unknown *client.OutcomeUnknownError
	if !errors.As(res.err, &unknown) {
		t.Fatalf("Send = %v, want the unknown outcome", res.err)
	}
	if len(api.bodies) != maxRecoveries+1 {
		t.Errorf("%d uploads, want %d (the first and %d resends)", len(api.bodies), maxRecoveries+1, maxRecoveries)
	}
	// One lookup per resend; a last lookup after the final attempt, to
	// record what it may have stored, is allowed too.
	if api.lookups != maxRecoveries && api.lookups != maxRecoveries+1 {
		t.Errorf("%d lookups, want %d or %d", api.lookups, maxRecoveries, maxRecoveries+1)
	}
	for _, body := range api.bodies {
		if !bytes.Equal(body, api.bodies[0]) {
			t.Errorf("a resend differs from the first batch")
		}
	}
	if len(res.batches) != 0 {
		t.Errorf("landed %+v, want nothing", res.batches)
	}
}

// Recoveries that each find part of the batch do not loop forever either,
// and every row ends up stored once.
func TestUnknownOutcomesThenSuccess(t *testing.T) {
	rows := makeRows(3)
	api := &fakeAPI{t: t, script: []call{{out: unknownNotStored}, {out: unknownStored}, {out: okIDs}}}
	res := run(context.Background(), t, api, rows, Options{BatchRows: 3})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(api.bodies) != 2 || api.lookups != 2 {
		t.Errorf("%d uploads and %d lookups, want 2 and 2", len(api.bodies), api.lookups)
	}
	for i, r := range rows {
		if n := api.countStored(r); n != 1 {
			t.Errorf("row %d stored %d times", i, n)
		}
	}
	if landed := checkLanded(t, api, rows, res.batches); len(landed) != 3 {
		t.Errorf("landed %v", landed)
	}
}

func TestErrorMessages(t *testing.T) {
	m := (&CountMismatchError{Sent: 3, Returned: 2}).Error()
	if !strings.Contains(m, "3 rows") || !strings.Contains(m, "2 ids") {
		t.Errorf("CountMismatchError: %s", m)
	}
	u := &UnverifiedError{Rows: 5, Upload: errors.New("502"), LookupErr: errors.New("lookup down")}
	if s := u.Error(); !strings.Contains(s, "5 rows") || !strings.Contains(s, "502") || !strings.Contains(s, "lookup down") {
		t.Errorf("UnverifiedError: %s", s)
	}
}
