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

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
)

const (
	testSpace = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
	testName  = "evals"
)

// fakeAPI records every body it is sent and answers from a script: an error
// per call (nil or beyond the script: an answer listing one id per row).
type fakeAPI struct {
	t      *testing.T
	script []error
	bodies [][]byte
}

func (f *fakeAPI) Upload(_ context.Context, spaceID, datasetName string, body []byte, each func(*client.AnswerRow)) (*client.UploadResult, error) {
	f.t.Helper()
	if spaceID != testSpace || datasetName != testName {
		f.t.Errorf("Upload to %q/%q, want %q/%q", spaceID, datasetName, testSpace, testName)
	}
	// The sender reuses nothing it has handed over, but keep a copy anyway.
	f.bodies = append(f.bodies, bytes.Clone(body))
	var rows []json.RawMessage
	if err := json.Unmarshal(body, &rows); err != nil || len(rows) == 0 {
		f.t.Fatalf("upload %d: body is not a non-empty JSON array of rows: %v\n%s", len(f.bodies), err, body)
	}
	if n := len(f.bodies) - 1; n < len(f.script) && f.script[n] != nil {
		return nil, f.script[n]
	}
	res := &client.UploadResult{}
	for i := range rows {
		id := fmt.Sprintf("id-%d-%d", len(f.bodies), i)
		res.IDs = append(res.IDs, id)
		if each != nil {
			each(&client.AnswerRow{Index: i, ID: id})
		}
	}
	return res, nil
}

// recorder is a Settler that takes every answer as landed, and on an unknown
// outcome asks for the batch again (resend) or stops (stop).
type recorder struct {
	batches []*Batch // batches settled as landed, in order
	answers int      // answer rows seen
	unknown int      // unknown outcomes settled
	resend  bool
	stop    error
}

func (r *recorder) Answer(*Batch) func(*client.AnswerRow) {
	return func(*client.AnswerRow) { r.answers++ }
}

func (r *recorder) Settle(_ context.Context, b *Batch, _ *client.UploadResult, err error) (*Batch, error) {
	if err == nil {
		r.batches = append(r.batches, b)
		return nil, nil
	}
	r.unknown++
	if r.stop != nil {
		return nil, r.stop
	}
	if r.resend {
		return b, nil
	}
	return nil, nil
}

func run(ctx context.Context, t *testing.T, api *fakeAPI, rows []*dataset.Row, opts Options) (*recorder, error) {
	t.Helper()
	rec := &recorder{}
	err := Send(ctx, api, testSpace, testName, seq(rows, nil), opts, rec)
	return rec, err
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

// indexesOf are the source indexes of rows at positions.
func indexesOf(positions ...int) []int {
	out := make([]int, len(positions))
	for i, p := range positions {
		out[i] = sourceIndex(p)
	}
	return out
}

// checkBatches checks that the settled batches carry, in order, the rows at
// the given positions, each with its match key.
func checkBatches(t *testing.T, rows []*dataset.Row, got []*Batch, want [][]int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d batches settled, want %d", len(got), len(want))
	}
	for i, b := range got {
		if !slices.Equal(b.Indexes, indexesOf(want[i]...)) {
			t.Errorf("batch %d indexes %v, want %v", i, b.Indexes, indexesOf(want[i]...))
		}
		for k, p := range want[i] {
			if k < b.Len() && (b.Keys[k] != rows[p].MatchKey() || string(b.Row(k)) != canonical(rows[p])) {
				t.Errorf("batch %d row %d is not source row %d", i, k, p)
			}
		}
	}
}

func TestBatching(t *testing.T) {
	rows := makeRows(10)
	api := &fakeAPI{t: t}
	rec, err := run(context.Background(), t, api, rows, Options{BatchRows: 3})
	if err != nil {
		t.Fatal(err)
	}
	pos := 0
	for i, body := range api.bodies {
		var want []string
		for range bodyRows(t, body) {
			want = append(want, canonical(rows[pos]))
			pos++
		}
		if string(body) != "["+strings.Join(want, ",")+"]" {
			t.Errorf("body %d =\n%s\nwant the canonical rows\n[%s]", i, body, strings.Join(want, ","))
		}
	}
	checkBatches(t, rows, rec.batches, [][]int{{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {9}})
	if rec.answers != 10 || rec.unknown != 0 {
		t.Errorf("%d answer rows and %d unknown outcomes, want 10 and 0", rec.answers, rec.unknown)
	}
}

func TestBatchingDefaults(t *testing.T) {
	rows := makeRows(DefaultBatchRows + 1)
	api := &fakeAPI{t: t}
	if _, err := run(context.Background(), t, api, rows, Options{BatchRows: -1, BatchBytes: 0}); err != nil {
		t.Fatal(err)
	}
	if len(api.bodies) != 2 || len(bodyRows(t, api.bodies[0])) != DefaultBatchRows || len(bodyRows(t, api.bodies[1])) != 1 {
		t.Errorf("default batching: %d uploads", len(api.bodies))
	}
}

func TestNoRows(t *testing.T) {
	api := &fakeAPI{t: t}
	rec, err := run(context.Background(), t, api, nil, Options{})
	if err != nil || len(api.bodies) != 0 || len(rec.batches) != 0 {
		t.Errorf("no rows: err %v, %d uploads, %d batches", err, len(api.bodies), len(rec.batches))
	}
}

func TestBatchBytes(t *testing.T) {
	small := func(l string) *dataset.Row { return makeRow(l, 0) }
	rows := []*dataset.Row{small("a"), small("b"), makeRow("huge", 2000), small("c"), small("d")}
	size := len(canonical(rows[0]))
	// Room for two small rows, with a few bytes to spare.
	limit := 2 + 2*size + 1 + 5
	api := &fakeAPI{t: t}
	rec, err := run(context.Background(), t, api, rows, Options{BatchRows: 100, BatchBytes: limit})
	if err != nil {
		t.Fatal(err)
	}
	checkBatches(t, rows, rec.batches, [][]int{{0, 1}, {2}, {3, 4}})
	if got := bodyRows(t, api.bodies[1]); len(got) != 1 || got[0] != canonical(rows[2]) {
		t.Errorf("the row larger than the cap was not sent alone and intact")
	}
}

// TestBodyOfExactlyBatchBytesIsOneRequest: the byte cap is inclusive.
func TestBodyOfExactlyBatchBytesIsOneRequest(t *testing.T) {
	rows := makeRows(2)
	exact := 2 + len(canonical(rows[0])) + 1 + len(canonical(rows[1]))
	api := &fakeAPI{t: t}
	if _, err := run(context.Background(), t, api, rows, Options{BatchBytes: exact}); err != nil {
		t.Fatal(err)
	}
	if len(api.bodies) != 1 {
		t.Errorf("two rows making a body of exactly BatchBytes=%d were sent in %d requests", exact, len(api.bodies))
	}
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
		rec, err := run(context.Background(), t, api, rows, opts)
		if err != nil {
			t.Fatalf("iteration %d: %v", iter, err)
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
		if len(rec.batches) != len(api.bodies) {
			t.Fatalf("iteration %d: %d batches settled for %d uploads", iter, len(rec.batches), len(api.bodies))
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
			rec := &recorder{}
			err := Send(context.Background(), api, testSpace, testName,
				seq(rows, map[int]dataset.Digest{tc.changed: makeRow("something else", 0).Digest()}),
				Options{BatchRows: 3}, rec)
			if !errors.Is(err, ErrSourceChanged) {
				t.Fatalf("Send = %v, want ErrSourceChanged", err)
			}
			// Rows are named by their 1-based source index.
			if want := fmt.Sprintf("row %d ", sourceIndex(tc.changed)+1); !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %q", err, want)
			}
			if len(api.bodies) != tc.wantBodies || len(rec.batches) != tc.wantBodies {
				t.Errorf("%d uploads and %d settled, want %d", len(api.bodies), len(rec.batches), tc.wantBodies)
			}
		})
	}
}

// A plain API error (the request certainly stored nothing, or was refused)
// stops the upload without reaching the settler.
func TestAPIErrorStops(t *testing.T) {
	api := &fakeAPI{t: t, script: []error{nil, &client.APIError{StatusCode: 400, Detail: "invalid input for query argument"}}}
	rec, err := run(context.Background(), t, api, makeRows(9), Options{BatchRows: 3})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		t.Fatalf("Send = %v, want the 400", err)
	}
	if len(api.bodies) != 2 || len(rec.batches) != 1 || rec.unknown != 0 {
		t.Errorf("%d uploads, %d settled, %d unknown: want 2, 1, 0 (the third batch must not be sent)", len(api.bodies), len(rec.batches), rec.unknown)
	}
}

// An unknown outcome reaches the settler, which decides what to send again;
// a batch is sent at most maxRounds times.
func TestUnknownOutcomeGoesToTheSettler(t *testing.T) {
	unknown := &client.OutcomeUnknownError{Cause: &client.APIError{StatusCode: 502}}
	t.Run("settled", func(t *testing.T) {
		api := &fakeAPI{t: t, script: []error{unknown}}
		rec, err := run(context.Background(), t, api, makeRows(4), Options{BatchRows: 2})
		if err != nil || rec.unknown != 1 || len(api.bodies) != 2 || len(rec.batches) != 1 {
			t.Errorf("err %v, %d unknown, %d uploads, %d landed; want nil, 1, 2, 1", err, rec.unknown, len(api.bodies), len(rec.batches))
		}
	})
	t.Run("resent", func(t *testing.T) {
		api := &fakeAPI{t: t, script: []error{unknown, unknown}}
		rec := &recorder{resend: true}
		err := Send(context.Background(), api, testSpace, testName, seq(makeRows(2), nil), Options{}, rec)
		if err != nil || len(api.bodies) != 3 || !bytes.Equal(api.bodies[2], api.bodies[0]) || len(rec.batches) != 1 {
			t.Errorf("err %v, %d uploads, %d landed; want the batch sent 3 times, landing the third", err, len(api.bodies), len(rec.batches))
		}
	})
	t.Run("too many rounds", func(t *testing.T) {
		api := &fakeAPI{t: t, script: []error{unknown, unknown, unknown, unknown}}
		rec := &recorder{resend: true}
		err := Send(context.Background(), api, testSpace, testName, seq(makeRows(2), nil), Options{}, rec)
		var rounds *TooManyRoundsError
		if !errors.As(err, &rounds) || rounds.Rows != 2 || len(api.bodies) != maxRounds {
			t.Errorf("err %v after %d uploads, want TooManyRoundsError after %d", err, len(api.bodies), maxRounds)
		}
	})
	t.Run("stopped", func(t *testing.T) {
		api := &fakeAPI{t: t, script: []error{unknown}}
		stop := errors.New("stop here")
		rec := &recorder{stop: stop}
		err := Send(context.Background(), api, testSpace, testName, seq(makeRows(4), nil), Options{BatchRows: 2}, rec)
		if !errors.Is(err, stop) || len(api.bodies) != 1 {
			t.Errorf("err %v after %d uploads, want the settler's error after 1", err, len(api.bodies))
		}
	})
}

func TestCancelledBeforeSend(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	api := &fakeAPI{t: t}
	if _, err := run(ctx, t, api, makeRows(3), Options{}); !errors.Is(err, context.Canceled) || len(api.bodies) != 0 {
		t.Errorf("Send = %v with %d uploads, want context.Canceled and none", err, len(api.bodies))
	}
}
