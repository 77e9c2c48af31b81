// Package upload sends rows to the Collinear API in batches. It reads the
// rows to send as a stream, checks each against the digest taken when the
// source was checked, cuts them into requests of at most Options.BatchRows
// rows and Options.BatchBytes bytes, and sends them one after the other. What
// a request's outcome means (which rows landed, under which ids, what to send
// again) is not its business: it hands every outcome to a Settler, so the
// rules about rows on the platform live in one place (package rowsync).
package upload

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
)

// API is the part of the client an upload needs.
type API interface {
	Upload(ctx context.Context, spaceID, datasetName string, body []byte, each func(*client.AnswerRow)) (*client.UploadResult, error)
}

const (
	// DefaultBatchRows keeps per-request overhead small beside the rows of
	// typical size, and a failed batch cheap to resume.
	DefaultBatchRows = 5000
	// DefaultBatchBytes caps one request body whatever the row size.
	DefaultBatchBytes = 8 << 20
	// maxRounds bounds how many times in all the rows of one batch are sent:
	// the first time and each time the settler gives rows to send again.
	maxRounds = 3
)

// Options tune an upload.
type Options struct {
	BatchRows  int // rows per request; <= 0 means DefaultBatchRows
	BatchBytes int // body bytes per request; <= 0 means DefaultBatchBytes
}

// Settler decides what each request's outcome means.
type Settler interface {
	// Answer returns the function that receives each row of the answer to
	// a request carrying b, as it is decoded (nil: none).
	Answer(b *Batch) func(*client.AnswerRow)
	// Settle is told how a request carrying b ended: with the API's answer
	// (err nil) or with an *client.OutcomeUnknownError. It returns the rows
	// of b to send again (nil or empty: none), or an error that stops the
	// upload. Any other error stops the upload without reaching Settle.
	Settle(ctx context.Context, b *Batch, res *client.UploadResult, err error) (resend *Batch, stop error)
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

// TooManyRoundsError means the rows of a batch were sent maxRounds times and
// some still did not land.
type TooManyRoundsError struct {
	Rows int
	Last error
}

func (e *TooManyRoundsError) Error() string {
	return fmt.Sprintf("%d rows did not land after %d attempts; the last one failed: %v", e.Rows, maxRounds, e.Last)
}

func (e *TooManyRoundsError) Unwrap() error { return e.Last }

// Batch is the rows of one request: their source indexes, match keys and
// canonical JSON. The JSON is kept as the request body itself, the array
// "[row,row,...]", so that sending it copies nothing; ends marks where each
// row stops.
type Batch struct {
	// Indexes are the source indexes of the rows, in order.
	Indexes []int
	// Keys holds each row's match key, aligned with Indexes.
	Keys []dataset.Digest
	json []byte // the JSON array of the rows; closed by close
	ends []int  // ends[i] is the offset just past row i in json
}

// Len is the number of rows.
func (b *Batch) Len() int { return len(b.Indexes) }

// add appends a row given its canonical JSON.
func (b *Batch) add(index int, key dataset.Digest, canonical []byte) {
	if len(b.json) == 0 {
		b.json = append(b.json, '[')
	} else {
		b.json = append(b.json, ',')
	}
	b.json = append(b.json, canonical...)
	b.Indexes = append(b.Indexes, index)
	b.Keys = append(b.Keys, key)
	b.ends = append(b.ends, len(b.json))
}

// close ends the array; the batch is then ready to send.
func (b *Batch) close() { b.json = append(b.json, ']') }

// Row is the canonical JSON of row i.
func (b *Batch) Row(i int) []byte {
	start := 1 // past "[" or ","
	if i > 0 {
		start = b.ends[i-1] + 1
	}
	return b.json[start:b.ends[i]]
}

// Body is the request body: the JSON array of the rows.
func (b *Batch) Body() []byte { return b.json }

// Send uploads rows in batches, in order, one request at a time, and hands
// each outcome to settler. It returns the first error: one from the API that
// is not an unknown outcome, one the settler returns, or ErrSourceChanged;
// rows of batches not yet sent are then not sent.
//
// The next batch is read and encoded while the previous one is in flight, so
// that reading the source overlaps the API's work; at most two batches are
// held. The reader is stopped and waited for before Send returns, so the
// caller may then look at what reading the source found.
func Send(ctx context.Context, api API, spaceID, datasetName string, rows iter.Seq[Row], opts Options, settler Settler) error {
	if opts.BatchRows <= 0 {
		opts.BatchRows = DefaultBatchRows
	}
	if opts.BatchBytes <= 0 {
		opts.BatchBytes = DefaultBatchBytes
	}
	built := make(chan builtBatch, 1)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		defer close(built)
		buildBatches(rows, opts, built, done)
	}()
	defer func() {
		close(done)
		<-finished
	}()
	for item := range built {
		if item.err != nil {
			return item.err
		}
		if err := deliver(ctx, api, spaceID, datasetName, item.batch, settler); err != nil {
			return err
		}
	}
	return nil
}

// deliver sends one batch, and what the settler says to send again, until
// nothing is left to send.
func deliver(ctx context.Context, api API, spaceID, datasetName string, b *Batch, settler Settler) error {
	for round := 1; ; round++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		res, err := api.Upload(ctx, spaceID, datasetName, b.Body(), settler.Answer(b))
		var unknown *client.OutcomeUnknownError
		if err != nil && !errors.As(err, &unknown) {
			return err
		}
		rest, stop := settler.Settle(ctx, b, res, err)
		switch {
		case stop != nil:
			return stop
		case rest == nil || rest.Len() == 0:
			return nil
		case round >= maxRounds:
			return &TooManyRoundsError{Rows: rest.Len(), Last: err}
		}
		b = rest
	}
}

// builtBatch is a batch ready to send, or why the next one cannot be built.
type builtBatch struct {
	batch *Batch
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
	var carry *Batch
	var fp dataset.Fingerprinter
	var encoded []byte
	sizeHint := 0 // the previous batch's body size: batches are alike
	for {
		b := &Batch{json: make([]byte, 0, sizeHint)}
		if carry != nil {
			b.add(carry.Indexes[0], carry.Keys[0], carry.Row(0))
			carry = nil
		}
		for len(b.Indexes) < opts.BatchRows {
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
			if len(b.Indexes) > 0 && len(b.json)+1+len(canonical)+1 > opts.BatchBytes {
				carry = &Batch{}
				carry.add(r.Index, fp.MatchKey(r.Row), canonical)
				break
			}
			b.add(r.Index, fp.MatchKey(r.Row), canonical)
		}
		if len(b.Indexes) > 0 {
			b.close()
			sizeHint = min(len(b.json)+len(b.json)/16, opts.BatchBytes)
		}
		if len(b.Indexes) == 0 || !hand(builtBatch{batch: b}) {
			return
		}
	}
}
