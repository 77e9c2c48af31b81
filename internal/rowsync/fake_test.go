package rowsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"testing"
	"time"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
	"github.com/collinear-ai/terraform-provider-collinear/internal/upload"
)

const (
	testSpace = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
	testName  = "evals"
)

// storedRow is a row on the fake platform.
type storedRow struct {
	id  string
	row dataset.Row
}

// answerKind is how the fake platform answers one upload.
type answerKind int

const (
	answerRows        answerKind = iota // store; stream the rows back with their ids
	answerObject                        // store; answer {dataset_id, message}
	answerReordered                     // store; stream the rows back in reverse order
	answerDupIDs                        // store; the second element repeats the first id
	answerFewer                         // store; one element fewer
	answer500                           // store nothing; 500
	answer503Stored                     // store; 503 from a gateway
	noAnswerStored                      // store; the connection drops
	noAnswerNotStored                   // store nothing; the connection drops
	lateCommit                          // store nothing now; store when the clock passes the commit time
	answer400                           // store nothing; 400
)

// fakePlatform is an in-memory dataset with scripted upload answers. Its
// lookups show what is stored; lookupErrs scripts lookup failures in order.
type fakePlatform struct {
	t          *testing.T
	clock      *fakeClock
	exists     bool
	rows       []storedRow
	nextID     int
	script     []answerKind
	uploads    [][]dataset.Row
	lookups    int
	lookupErrs []error
	late       []pendingCommit
	// beforeUpload runs before each upload is handled, e.g. to add a row
	// someone else uploads meanwhile.
	beforeUpload func(n int)
}

type pendingCommit struct {
	at   time.Time
	rows []dataset.Row
}

func newFake(t *testing.T) *fakePlatform {
	return &fakePlatform{t: t, clock: &fakeClock{now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}}
}

func (f *fakePlatform) store(rows []dataset.Row) []string {
	f.exists = true
	ids := make([]string, len(rows))
	for i, r := range rows {
		f.nextID++
		ids[i] = fmt.Sprintf("id-%d", f.nextID)
		f.rows = append(f.rows, storedRow{id: ids[i], row: r})
	}
	return ids
}

// add stores rows as someone else would, outside Terraform.
func (f *fakePlatform) add(rows ...dataset.Row) { f.store(rows) }

func (f *fakePlatform) commitLate() {
	var still []pendingCommit
	for _, p := range f.late {
		if f.clock.now.Before(p.at) {
			still = append(still, p)
			continue
		}
		f.store(p.rows)
	}
	f.late = still
}

func (f *fakePlatform) Upload(ctx context.Context, spaceID, datasetName string, body []byte, each func(*client.AnswerRow)) (*client.UploadResult, error) {
	f.t.Helper()
	if spaceID != testSpace || datasetName != testName {
		f.t.Errorf("upload to %s/%s", spaceID, datasetName)
	}
	var rows []dataset.Row
	if err := json.Unmarshal(body, &rows); err != nil {
		f.t.Fatalf("upload body: %v", err)
	}
	n := len(f.uploads)
	f.uploads = append(f.uploads, rows)
	if f.beforeUpload != nil {
		f.beforeUpload(n)
	}
	kind := answerRows
	if n < len(f.script) {
		kind = f.script[n]
	}
	dropped := &client.OutcomeUnknownError{Cause: errors.New("connection reset")}
	switch kind {
	case answerObject:
		f.store(rows)
		return &client.UploadResult{DatasetID: "ds-1", Message: "ok"}, nil
	case answer500:
		return nil, &client.OutcomeUnknownError{Cause: &client.APIError{StatusCode: 500}}
	case answer503Stored:
		f.store(rows)
		return nil, &client.OutcomeUnknownError{Cause: &client.APIError{StatusCode: 503}}
	case noAnswerStored:
		f.store(rows)
		return nil, dropped
	case noAnswerNotStored:
		return nil, dropped
	case lateCommit:
		f.late = append(f.late, pendingCommit{at: f.clock.now.Add(30 * time.Second), rows: rows})
		return nil, dropped
	case answer400:
		return nil, &client.APIError{StatusCode: 400}
	}
	ids := f.store(rows)
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	answerIDs := slices.Clone(ids)
	switch kind {
	case answerReordered:
		slices.Reverse(order)
	case answerDupIDs:
		answerIDs[1] = answerIDs[0]
	case answerFewer:
		order = order[:len(order)-1]
	}
	res := &client.UploadResult{}
	for k, i := range order {
		r := rows[i]
		canonical := r.AppendCanonical(nil)
		raw := append(canonical[:len(canonical)-1:len(canonical)-1], `,"id":"`+answerIDs[i]+`"}`...)
		a := &client.AnswerRow{Index: k, ID: answerIDs[i], Raw: raw, HasContent: true, Response: client.Message{Role: r.Response.Role, Content: r.Response.Content}, GroundTruth: r.GroundTruth, Context: r.Context}
		for _, m := range r.ConvPrefix {
			a.ConvPrefix = append(a.ConvPrefix, client.Message{Role: m.Role, Content: m.Content})
		}
		res.IDs = append(res.IDs, answerIDs[i])
		if each != nil {
			each(a)
		}
	}
	return res, nil
}

func (f *fakePlatform) LookupDataset(_ context.Context, spaceID, datasetName string, fn func(*client.Annotation) error) (string, error) {
	f.lookups++
	f.commitLate()
	if n := f.lookups - 1; n < len(f.lookupErrs) && f.lookupErrs[n] != nil {
		return "", f.lookupErrs[n]
	}
	if !f.exists {
		return "", fmt.Errorf("lookup: %w", client.ErrDatasetNotFound)
	}
	for _, s := range f.rows {
		a := &client.Annotation{ID: s.id, DBID: "db-" + s.id, Response: s.row.Response.Content, GroundTruth: s.row.GroundTruth}
		for _, m := range s.row.ConvPrefix {
			a.ConvPrefix = append(a.ConvPrefix, client.Message{Role: m.Role, Content: m.Content})
		}
		if err := fn(a); err != nil {
			return "", err
		}
	}
	return "ds-1", nil
}

// count is how many stored rows have r's digest.
func (f *fakePlatform) count(r dataset.Row) int {
	n := 0
	for _, s := range f.rows {
		if s.row.Digest() == r.Digest() {
			n++
		}
	}
	return n
}

func (f *fakePlatform) byID(id string) (dataset.Row, bool) {
	for _, s := range f.rows {
		if s.id == id {
			return s.row, true
		}
	}
	return dataset.Row{}, false
}

// fakeClock moves only when slept on.
type fakeClock struct {
	now    time.Time
	slept  time.Duration
	cancel context.CancelFunc // when set, a sleep cancels instead
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if c.cancel != nil {
		c.cancel()
		return ctx.Err()
	}
	c.now = c.now.Add(d)
	c.slept += d
	return ctx.Err()
}

// row makes a distinct source row; ctx is its context ("" for none).
func row(label, ctx string) dataset.Row {
	gt := int64(1)
	r := dataset.Row{
		ConvPrefix:  []dataset.Message{{Role: "user", Content: "question " + label}},
		Response:    dataset.Message{Role: "assistant", Content: "answer " + label},
		GroundTruth: &gt,
	}
	if ctx != "" {
		r.Context = &ctx
	}
	return r
}

func rows(labels ...string) []dataset.Row {
	out := make([]dataset.Row, len(labels))
	for i, l := range labels {
		out[i] = row(l, "")
	}
	return out
}

func fingerprints(src []dataset.Row) []Fingerprint {
	out := make([]Fingerprint, len(src))
	for i := range src {
		out[i] = Fingerprint{Digest: src[i].Digest(), Key: src[i].MatchKey()}
	}
	return out
}

// change is an apply of src against prior (nil: a create).
func change(src []dataset.Row, prior *Record) *Change {
	return &Change{
		SpaceID: testSpace, Name: testName, Creating: prior == nil, Prior: prior,
		Source: fingerprints(src),
		Read: func(send []bool) (iter.Seq[upload.Row], func() error) {
			return func(yield func(upload.Row) bool) {
				for i := range src {
					if send[i] && !yield(upload.Row{Index: i, Digest: src[i].Digest(), Row: &src[i]}) {
						return
					}
				}
			}, func() error { return nil }
		},
	}
}

func (f *fakePlatform) apply(ctx context.Context, ch *Change, batchRows int) *Result {
	return Apply(ctx, f, Options{BatchRows: batchRows, Clock: f.clock, SettleTime: 2 * time.Minute}, ch)
}

// checkAligned checks that every source row is stored exactly once and that
// the record's i-th row is the stored row with source row i's content.
func (f *fakePlatform) checkAligned(t *testing.T, src []dataset.Row, rec *Record) {
	t.Helper()
	if len(rec.Rows) != len(src) {
		t.Fatalf("the record holds %d rows, want %d", len(rec.Rows), len(src))
	}
	for i := range src {
		if n := f.count(src[i]); n != 1 {
			t.Errorf("source row %d is stored %d times", i, n)
		}
		got, ok := f.byID(rec.Rows[i].ID)
		if !ok || got.Digest() != src[i].Digest() {
			t.Errorf("row %d is recorded as %q, which is not the stored row with its content", i, rec.Rows[i].ID)
		}
		if rec.Rows[i].Digest != src[i].Digest() {
			t.Errorf("row %d is recorded with another digest", i)
		}
	}
}
