package dataset

import (
	"crypto/sha256"
	"errors"
	"hash"
	"io"
)

// flushSize is how much canonical JSON an ArrayWriter gathers before it
// writes: large writes keep both the hash and the destination efficient.
const flushSize = 64 << 10

// ArrayWriter writes rows as one canonical JSON array, the body the API takes.
// It hashes what it writes as it goes, so the body's SHA-256 can be compared
// with the one a scan planned. Writes are buffered: the bytes are complete in
// the destination only after Close.
type ArrayWriter struct {
	w      io.Writer // nil when only the hash is wanted
	h      hash.Hash
	buf    []byte
	rows   int
	err    error
	closed bool
	sum    [32]byte
}

// NewArrayWriter returns a writer of a JSON array of rows to w. w may be nil
// to compute only the SHA-256.
func NewArrayWriter(w io.Writer) *ArrayWriter {
	return &ArrayWriter{w: w, h: sha256.New(), buf: make([]byte, 0, flushSize+4096)}
}

var errWriterClosed = errors.New("dataset: write to a closed ArrayWriter")

// Write appends the row's canonical JSON to the array.
func (a *ArrayWriter) Write(r *Row) error {
	_, err := a.write(r)
	return err
}

// write appends the row and returns its canonical JSON, which stays valid
// until the next write: a flush hands the buffer on but does not clear it.
func (a *ArrayWriter) write(r canonicalEncoder) ([]byte, error) {
	if a.err != nil {
		return nil, a.err
	}
	if a.closed {
		return nil, errWriterClosed
	}
	if a.rows == 0 {
		a.buf = append(a.buf, '[')
	} else {
		a.buf = append(a.buf, ',')
	}
	start := len(a.buf)
	a.buf = r.appendCanonical(a.buf)
	canonical := a.buf[start:]
	a.rows++
	if len(a.buf) >= flushSize {
		return canonical, a.flush()
	}
	return canonical, nil
}

// Close ends the array ("[]" when no row was written) and writes out what is
// buffered. It does not close the underlying writer.
func (a *ArrayWriter) Close() error {
	if a.closed {
		return a.err
	}
	a.closed = true
	if a.err != nil {
		return a.err
	}
	if a.rows == 0 {
		a.buf = append(a.buf, '[')
	}
	a.buf = append(a.buf, ']')
	err := a.flush()
	a.h.Sum(a.sum[:0])
	return err
}

func (a *ArrayWriter) flush() error {
	a.h.Write(a.buf)
	if a.w != nil {
		if _, err := a.w.Write(a.buf); err != nil {
			a.err = err
		}
	}
	a.buf = a.buf[:0]
	return a.err
}

// Rows returns how many rows were written.
func (a *ArrayWriter) Rows() int { return a.rows }

// SHA256 returns the SHA-256 of the whole array; it is known after Close.
func (a *ArrayWriter) SHA256() [32]byte { return a.sum }
