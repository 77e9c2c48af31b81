// Package upload sends rows to the Collinear API in batches and reports,
// batch by batch, which rows landed and under which ids. It knows nothing of
// Terraform: the resource turns what it reports into state, so that a failure
// halfway keeps every id that was returned.
package upload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
)

// API is the part of the client an upload needs.
type API interface {
	Upload(ctx context.Context, spaceID, datasetName string, body []byte) (*client.UploadResult, error)
}

const (
	// DefaultBatchRows keeps a request of ~300-byte rows near 300 KB: large
	// enough that per-request overhead is small, small enough that a failed
	// batch costs little to resume.
	DefaultBatchRows = 1000
	// DefaultBatchBytes caps one request body whatever the row size.
	DefaultBatchBytes = 8 << 20
)

// Options tune an upload.
type Options struct {
	BatchRows  int // rows per request; <= 0 means DefaultBatchRows
	BatchBytes int // body bytes per request; <= 0 means DefaultBatchBytes
	// Progress, when set, is called after every batch that landed.
	Progress func(sent, total int, elapsed time.Duration)
}

// Batch is what one accepted request stored.
type Batch struct {
	// Indexes are the source indexes of the rows the batch carried, in order.
	Indexes []int
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
	return fmt.Sprintf("the API stored a batch of %d rows but returned %d ids, so the ids cannot be paired with the rows; the rows are recorded as uploaded with unknown ids", e.Sent, e.Returned)
}

// Send uploads rows in batches. Each row's digest is checked before it is
// encoded. landed is called after every batch the API accepted, before the
// next is sent, so the caller can record it even if a later batch fails.
// Send returns the first error; rows of batches not yet sent are not sent.
func Send(ctx context.Context, api API, spaceID, datasetName string, total int, rows iter.Seq[Row], opts Options, landed func(Batch)) error {
	if opts.BatchRows <= 0 {
		opts.BatchRows = DefaultBatchRows
	}
	if opts.BatchBytes <= 0 {
		opts.BatchBytes = DefaultBatchBytes
	}
	next, stop := iter.Pull(rows)
	defer stop()

	start := time.Now()
	sent := 0
	var body bytes.Buffer
	var canonical []byte
	var carry []byte // a row that did not fit in the previous batch
	carryIndex := -1
	for {
		body.Reset()
		body.WriteByte('[')
		indexes := make([]int, 0, min(opts.BatchRows, total-sent))
		if carryIndex >= 0 {
			body.Write(carry)
			indexes = append(indexes, carryIndex)
			carryIndex = -1
		}
		for len(indexes) < opts.BatchRows {
			r, ok := next()
			if !ok {
				break
			}
			if r.Row.Digest() != r.Digest {
				return fmt.Errorf("%w: row %d differs from the row checked at the start of this apply; nothing more was sent", ErrSourceChanged, r.Index+1)
			}
			canonical = r.Row.AppendCanonical(canonical[:0])
			if len(indexes) > 0 && body.Len()+1+len(canonical)+1 > opts.BatchBytes {
				carry = append(carry[:0], canonical...)
				carryIndex = r.Index
				break
			}
			if len(indexes) > 0 {
				body.WriteByte(',')
			}
			body.Write(canonical)
			indexes = append(indexes, r.Index)
		}
		if len(indexes) == 0 {
			return nil
		}
		body.WriteByte(']')
		if err := ctx.Err(); err != nil {
			return err
		}
		res, err := api.Upload(ctx, spaceID, datasetName, body.Bytes())
		if err != nil {
			return err
		}
		b := Batch{Indexes: indexes, DatasetID: res.DatasetID}
		var mismatch error
		switch {
		case res.IDs == nil:
		case len(res.IDs) == len(indexes):
			b.IDs = res.IDs
		default:
			mismatch = &CountMismatchError{Sent: len(indexes), Returned: len(res.IDs)}
		}
		landed(b)
		if mismatch != nil {
			return mismatch
		}
		sent += len(indexes)
		if opts.Progress != nil {
			opts.Progress(sent, total, time.Since(start))
		}
	}
}
