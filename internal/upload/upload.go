// Package upload sends rows to the Collinear API in batches and reports,
// batch by batch, which rows landed and under which ids. It knows nothing of
// Terraform: the resource turns what it reports into state, so that a failure
// halfway keeps every id that was returned.
//
// The API appends and cannot delete, so an upload is never resent blindly.
// When a batch's outcome is unknown (the connection dropped after the body was
// sent, a 500, 502 or 504, an interrupt in flight), the dataset is looked up
// and the batch's rows are matched by content against the rows nobody has
// accounted for: those found are recorded with their ids, and only the rest
// is sent again. When the lookup is not possible the upload stops with an
// error that says the outcome is unknown.
package upload

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
)

// API is the part of the client an upload needs: the upload itself, and the
// lookup that tells whether a batch whose outcome is unknown landed.
type API interface {
	Upload(ctx context.Context, spaceID, datasetName string, body []byte, each func(*client.AnswerRow)) (*client.UploadResult, error)
	LookupDataset(ctx context.Context, spaceID, datasetName string) (*client.Dataset, error)
}

const (
	// DefaultBatchRows keeps a request of ~300-byte rows near 1.5 MB: per
	// request overhead is small (100,000 rows applied in 3.3 s, against
	// 4.1 s in batches of 1000), and a failed batch costs little to resume.
	DefaultBatchRows = 5000
	// DefaultBatchBytes caps one request body whatever the row size.
	DefaultBatchBytes = 8 << 20
	// maxRecoveries bounds how often one batch is checked and partly resent.
	maxRecoveries = 3
	// recoveryTimeout bounds the lookup made after an interrupt, when the
	// operation's own context is already done.
	recoveryTimeout = 30 * time.Second
)

// Options tune an upload.
type Options struct {
	BatchRows  int // rows per request; <= 0 means DefaultBatchRows
	BatchBytes int // body bytes per request; <= 0 means DefaultBatchBytes
	// Progress, when set, is called after every batch that landed.
	Progress func(sent, total int, elapsed time.Duration)
	// Known reports whether a row id on the platform is already accounted
	// for (in state, or released). Recovery never claims such a row for a
	// batch whose outcome is unknown. Nil means none is.
	Known func(id string) bool
	// Unidentified counts, by match key, the rows already on the platform
	// whose ids are not known (the API answered without them). Recovery
	// leaves that many of the oldest unaccounted copies of each key alone.
	Unidentified map[dataset.Digest]int
	// Log, when set, receives a line for each recovery step.
	Log func(msg string, kv ...any)
}

// Batch is what one accepted request stored.
type Batch struct {
	// Indexes are the source indexes of the rows the batch carried, in order.
	Indexes []int
	// Keys holds each row's match key, aligned with Indexes: what finds a
	// row stored without an id on the platform later.
	Keys []dataset.Digest
	// IDs holds the id of each row, aligned with Indexes, when the API
	// returned one id per row; nil when it returned none (the
	// {dataset_id, message} answer) or a count that does not match.
	IDs []string
	// DatasetID is the dataset's id when the API revealed it.
	DatasetID string
}

// Row is one row to send with its source index and expected digest. The
// digest was taken when the source was checked against the plan; a row whose
// digest now differs means the source changed while we were reading it.
type Row struct {
	Index  int
	Digest dataset.Digest
	Row    *dataset.Row
	// Canonical, when set, is the row's canonical JSON as the source reader
	// already encoded it; it is copied, so it may be reused after the row.
	Canonical []byte
}

// ErrSourceChanged means the source no longer has the content that was
// checked; the upload stops before the batch that would carry the changed row.
var ErrSourceChanged = errors.New("the source changed while it was being uploaded")

// CountMismatchError means the API accepted a batch but returned a number of
// rows other than the number sent, so ids cannot be paired with rows.
type CountMismatchError struct {
	Sent, Returned int
}

func (e *CountMismatchError) Error() string {
	return fmt.Sprintf("the API stored a batch of %d rows but returned %d ids, so the ids cannot be paired with the rows; the rows are recorded as uploaded with unknown ids, which the next refresh fills in from the platform", e.Sent, e.Returned)
}

// UnverifiedError means a batch's outcome is unknown and the lookup that
// would tell could not be made: the rows may or may not be on the platform.
type UnverifiedError struct {
	Rows      int   // rows in the batch
	Upload    error // why the outcome is unknown
	LookupErr error // why it could not be checked
}

func (e *UnverifiedError) Error() string {
	return fmt.Sprintf("the outcome of uploading a batch of %d rows is unknown (%v), and checking the dataset failed (%v). "+
		"The rows may or may not be on the platform, so they were not sent again. Check the dataset in the Collinear UI: "+
		"if they are not there, run `terraform apply` again; "+
		"if they are, run `terraform state rm <address>` and `terraform import <address> <space_id>/<dataset_name>`: the import adopts the rows on the platform by content, so the next apply does not send them again.", e.Rows, e.Upload, e.LookupErr)
}

func (e *UnverifiedError) Unwrap() error { return e.Upload }

// batch is the rows of one request: their source indexes, match keys and
// canonical JSON. The JSON is kept as the request body itself, the array
// "[row,row,...]", so that sending it copies nothing; ends marks where each
// row stops, from which the body of any subset can be rebuilt.
type batch struct {
	indexes []int
	keys    []dataset.Digest
	json    []byte // the JSON array of the rows; closed by close
	ends    []int  // ends[i] is the offset just past row i in json
}

// add appends a row given its canonical JSON.
func (b *batch) add(index int, key dataset.Digest, canonical []byte) {
	if len(b.json) == 0 {
		b.json = append(b.json, '[')
	} else {
		b.json = append(b.json, ',')
	}
	b.json = append(b.json, canonical...)
	b.indexes = append(b.indexes, index)
	b.keys = append(b.keys, key)
	b.ends = append(b.ends, len(b.json))
}

// close ends the array; the batch is then ready to send.
func (b *batch) close() { b.json = append(b.json, ']') }

// row is the canonical JSON of row i.
func (b *batch) row(i int) []byte {
	start := 1 // past "[" or ","
	if i > 0 {
		start = b.ends[i-1] + 1
	}
	return b.json[start:b.ends[i]]
}

// body is the request body: the JSON array of the rows.
func (b *batch) body() []byte { return b.json }

// subset keeps the rows at positions where keep is true.
func (b *batch) subset(keep []bool) *batch {
	out := &batch{}
	for i, k := range keep {
		if k {
			out.add(b.indexes[i], b.keys[i], b.row(i))
		}
	}
	if len(out.indexes) > 0 {
		out.close()
	}
	return out
}

// sender carries the state of one Send.
type sender struct {
	api           API
	spaceID, name string
	opts          Options
	landed        func(Batch)
	ours          map[string]bool        // ids recorded during this Send
	anonymous     map[dataset.Digest]int // rows landed during this Send without ids, by match key
	sent, total   int
	start         time.Time
}

// Send uploads rows in batches. Each row's digest is checked before it is
// encoded. landed is called after every batch that is known to be on the
// platform, before the next is sent, so the caller can record it even if a
// later batch fails. Send returns the first error; rows of batches not yet
// sent are not sent.
//
// The next batch is read and encoded while the previous one is in flight, so
// that reading the source overlaps the API's work; at most two batches are
// held. Batches are still sent one at a time and in order.
func Send(ctx context.Context, api API, spaceID, datasetName string, total int, rows iter.Seq[Row], opts Options, landed func(Batch)) error {
	if opts.BatchRows <= 0 {
		opts.BatchRows = DefaultBatchRows
	}
	if opts.BatchBytes <= 0 {
		opts.BatchBytes = DefaultBatchBytes
	}
	s := &sender{api: api, spaceID: spaceID, name: datasetName, opts: opts, landed: landed, ours: map[string]bool{}, anonymous: make(map[dataset.Digest]int, len(opts.Unidentified)), total: total, start: time.Now()}
	for k, n := range opts.Unidentified {
		s.anonymous[k] = n
	}

	built := make(chan builtBatch, 1)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		defer close(built)
		buildBatches(rows, opts, built, done)
	}()
	// The builder is stopped and waited for before Send returns: the caller
	// may then look at what reading the source found.
	defer func() {
		close(done)
		<-finished
	}()
	for item := range built {
		if item.err != nil {
			return item.err
		}
		if err := s.deliver(ctx, item.batch); err != nil {
			return err
		}
	}
	return nil
}

// builtBatch is a batch ready to send, or why the next one cannot be built.
type builtBatch struct {
	batch *batch
	err   error
}

// buildBatches reads rows, checks each against its expected digest and cuts
// them into batches, which it hands over on out until the rows end, a row
// differs, or done is closed.
func buildBatches(rows iter.Seq[Row], opts Options, out chan<- builtBatch, done <-chan struct{}) {
	next, stop := iter.Pull(rows)
	defer stop()
	hand := func(item builtBatch) bool {
		select {
		case out <- item:
			return true
		case <-done:
			return false
		}
	}

	// carry is a row that did not fit in the previous batch: its canonical
	// JSON is copied, since the source reuses its buffers for the next row.
	var carry *batch
	var fp dataset.Fingerprinter
	var encoded []byte
	sizeHint := 0 // the previous batch's body size: batches are alike
	for {
		b := &batch{json: make([]byte, 0, sizeHint)}
		if carry != nil {
			b.add(carry.indexes[0], carry.keys[0], carry.row(0))
			carry = nil
		}
		for len(b.indexes) < opts.BatchRows {
			r, ok := next()
			if !ok {
				break
			}
			canonical := r.Canonical
			if canonical == nil {
				encoded = r.Row.AppendCanonical(encoded[:0])
				canonical = encoded
			}
			if dataset.DigestOfCanonical(canonical) != r.Digest {
				hand(builtBatch{err: fmt.Errorf("%w: row %d differs from the row checked at the start of this apply; nothing more was sent", ErrSourceChanged, r.Index+1)})
				return
			}
			// The body is the array: "[" or ",", the rows, and "]".
			if len(b.indexes) > 0 && len(b.json)+1+len(canonical)+1 > opts.BatchBytes {
				carry = &batch{}
				carry.add(r.Index, fp.MatchKey(r.Row), canonical)
				break
			}
			b.add(r.Index, fp.MatchKey(r.Row), canonical)
		}
		if len(b.indexes) > 0 {
			b.close()
			sizeHint = min(len(b.json)+len(b.json)/16, opts.BatchBytes)
		}
		if len(b.indexes) == 0 || !hand(builtBatch{batch: b}) {
			return
		}
	}
}

// deliver sends one batch until it is known to be on the platform.
func (s *sender) deliver(ctx context.Context, b *batch) error {
	for round := 0; ; round++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		res, err := s.api.Upload(ctx, s.spaceID, s.name, b.body(), nil)
		if err == nil {
			return s.accepted(b, res)
		}
		var unknown *client.OutcomeUnknownError
		if !errors.As(err, &unknown) {
			return err
		}
		rest, rerr := s.recover(ctx, b, err)
		if rerr != nil {
			return rerr
		}
		if len(rest.indexes) == 0 {
			return nil
		}
		if round >= maxRecoveries || ctx.Err() != nil {
			// Interrupted: what landed is recorded; the rest waits for the
			// next apply.
			return err
		}
		s.log("resending the rows of a batch that did not land", "rows", len(rest.indexes), "round", round+1)
		b = rest
	}
}

// accepted records a batch the API answered for.
func (s *sender) accepted(b *batch, res *client.UploadResult) error {
	out := Batch{Indexes: b.indexes, Keys: b.keys, DatasetID: res.DatasetID}
	var mismatch error
	switch {
	case res.IDs == nil:
		for _, k := range b.keys {
			s.anonymous[k]++
		}
	case len(res.IDs) == len(b.indexes):
		out.IDs = res.IDs
		for _, id := range res.IDs {
			s.ours[id] = true
		}
	default:
		mismatch = &CountMismatchError{Sent: len(b.indexes), Returned: len(res.IDs)}
		for _, k := range b.keys {
			s.anonymous[k]++
		}
	}
	s.record(out)
	return mismatch
}

func (s *sender) record(b Batch) {
	s.landed(b)
	s.sent += len(b.Indexes)
	if s.opts.Progress != nil {
		s.opts.Progress(s.sent, s.total, time.Since(s.start))
	}
}

func (s *sender) log(msg string, kv ...any) {
	if s.opts.Log != nil {
		s.opts.Log(msg, kv...)
	}
}

// recover looks the dataset up after an upload whose outcome is unknown,
// records the batch's rows that are found there, and returns the rows that
// are not. Rows are matched by content among the platform's rows that no one
// has accounted for, newest first, since a landed batch is appended last.
func (s *sender) recover(ctx context.Context, b *batch, uploadErr error) (*batch, error) {
	lookupCtx := ctx
	if ctx.Err() != nil {
		// Interrupted while the batch was in flight: a short look is still
		// worth it, so that what landed is recorded.
		var cancel context.CancelFunc
		lookupCtx, cancel = context.WithTimeout(context.WithoutCancel(ctx), recoveryTimeout)
		defer cancel()
	}
	s.log("upload outcome unknown; checking the dataset for the batch's rows", "rows", len(b.indexes), "error", uploadErr.Error())
	remote, err := s.api.LookupDataset(lookupCtx, s.spaceID, s.name)
	if errors.Is(err, client.ErrDatasetNotFound) {
		// The dataset does not exist, so the batch did not create it.
		return b, nil
	}
	if err != nil {
		return nil, &UnverifiedError{Rows: len(b.indexes), Upload: uploadErr, LookupErr: err}
	}
	candidates := make(map[dataset.Digest][]int)
	for i := range remote.Annotations {
		a := &remote.Annotations[i]
		if s.ours[a.ID] || (s.opts.Known != nil && (s.opts.Known(a.ID) || (a.DBID != "" && s.opts.Known(a.DBID)))) {
			continue
		}
		conv := make([]dataset.Message, len(a.ConvPrefix))
		for j, m := range a.ConvPrefix {
			conv[j] = dataset.Message{Role: m.Role, Content: m.Content}
		}
		k := dataset.MatchKeyOf(conv, a.Response, a.GroundTruth)
		candidates[k] = append(candidates[k], i)
	}
	for k, n := range s.anonymous {
		// The oldest unaccounted copies are those landed without ids.
		q := candidates[k]
		candidates[k] = q[min(n, len(q)):]
	}
	found := make([]string, len(b.indexes))
	missing := make([]bool, len(b.indexes))
	nFound := 0
	for i := len(b.indexes) - 1; i >= 0; i-- {
		q := candidates[b.keys[i]]
		if len(q) == 0 {
			missing[i] = true
			continue
		}
		id := remote.Annotations[q[len(q)-1]].ID
		candidates[b.keys[i]] = q[:len(q)-1]
		found[i] = id
		s.ours[id] = true
		nFound++
	}
	s.log("checked the dataset after an unknown outcome", "rows_found", nFound, "rows_missing", len(b.indexes)-nFound)
	if nFound > 0 {
		landed := Batch{DatasetID: remote.DatasetID}
		for i := range b.indexes {
			if !missing[i] {
				landed.Indexes = append(landed.Indexes, b.indexes[i])
				landed.Keys = append(landed.Keys, b.keys[i])
				landed.IDs = append(landed.IDs, found[i])
			}
		}
		s.record(landed)
	}
	return b.subset(missing), nil
}
