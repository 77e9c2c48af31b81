package rowsync

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
)

// LedgerKey is the private-state key of the ledger: the digests and keys of
// a Record's rows (their ids are in state) and the released ids.
const LedgerKey = "rows_ledger"

// ledger is the stored part of a Record that the ledger keeps; each row's ID
// is left out (state holds the ids).
type ledger struct {
	Rows     []Row
	Released []string
}

// encoded is the stored form.
//
// Version 1: digests and keys are the concatenated 16-byte values,
// base64-encoded, well under half of what a JSON list of hex strings would
// take.
//
// Version 2 keeps a key only for the rows that need one (see rowFor): "k"
// holds those keys and "kr" their row indexes, as base64 of the uvarint gaps
// between them. Every row has a digest, so "d" is as in version 1. This
// roughly halves version 1 again, which matters because Terraform holds and
// writes private state several times over on every run.
type encoded struct {
	Version  int      `json:"v"`
	Count    int      `json:"n"`
	Digests  string   `json:"d"`
	Keys     string   `json:"k"`
	KeyRows  string   `json:"kr"`
	Released []string `json:"released,omitempty"`
}

const currentVersion = 2

// encode serializes the ledger for private state, in the current version.
// The output is deterministic.
func (l *ledger) encode() ([]byte, error) {
	const size = len(dataset.Digest{})
	var zero dataset.Digest
	n := len(l.Rows)
	digests := make([]byte, 0, n*size)
	var keys, keyRows []byte
	last := -1
	for i, e := range l.Rows {
		digests = append(digests, e.Digest[:]...)
		if e.Key != zero {
			keys = append(keys, e.Key[:]...)
			keyRows = binary.AppendUvarint(keyRows, uint64(i-last-1))
			last = i
		}
	}
	released, err := json.Marshal(l.Released)
	if err != nil {
		return nil, err
	}
	b64 := base64.StdEncoding
	out := make([]byte, 0, 64+b64.EncodedLen(len(digests))+b64.EncodedLen(len(keys))+b64.EncodedLen(len(keyRows))+len(released))
	out = fmt.Appendf(out, `{"v":%d,"n":%d,"d":"`, currentVersion, n)
	out = b64.AppendEncode(out, digests)
	out = append(out, `","k":"`...)
	out = b64.AppendEncode(out, keys)
	out = append(out, `","kr":"`...)
	out = b64.AppendEncode(out, keyRows)
	out = append(out, '"')
	if len(l.Released) > 0 {
		out = append(out, `,"released":`...)
		out = append(out, released...)
	}
	return append(out, '}'), nil
}

// decodeLedger reads a stored ledger of any version up to the current one. Empty
// input (a resource written before any ledger existed, or imported) gives
// (nil, nil): the caller must then rebuild it from the platform rather than
// guess.
func decodeLedger(b []byte) (*ledger, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var e encoded
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("reading the row ledger from private state: %w", err)
	}
	if e.Version == 0 {
		return nil, fmt.Errorf("the row ledger in private state is damaged: it has no version")
	}
	if e.Version < 1 || e.Version > currentVersion {
		return nil, fmt.Errorf("the row ledger in private state has version %d, which this provider version does not know (it reads 1 to %d); upgrade the provider", e.Version, currentVersion)
	}
	const size = len(dataset.Digest{})
	// Every row's digest alone takes more than a byte of the input, so a
	// larger count is damaged; bounding it also keeps e.Count*size below
	// from overflowing into a match.
	if e.Count < 0 || e.Count > len(b) {
		return nil, fmt.Errorf("the row ledger in private state is damaged: it claims %d rows", e.Count)
	}
	b64 := base64.StdEncoding
	l := &ledger{Rows: make([]Row, e.Count), Released: e.Released}
	digests, err := b64.DecodeString(e.Digests)
	if err != nil || len(digests) != e.Count*size {
		return nil, fmt.Errorf("the row ledger in private state is damaged: digests do not match its %d rows", e.Count)
	}
	for i := range l.Rows {
		copy(l.Rows[i].Digest[:], digests[i*size:])
	}
	keys, err := b64.DecodeString(e.Keys)
	if e.Version == 1 {
		if err != nil || len(keys) != e.Count*size {
			return nil, fmt.Errorf("the row ledger in private state is damaged: keys do not match its %d rows", e.Count)
		}
		for i := range l.Rows {
			copy(l.Rows[i].Key[:], keys[i*size:])
		}
		return l, nil
	}
	gaps, gerr := b64.DecodeString(e.KeyRows)
	if err != nil || gerr != nil || len(keys)%size != 0 {
		return nil, fmt.Errorf("the row ledger in private state is damaged: its keys are unreadable")
	}
	if err := decodeKeyRows(l.Rows, keys, gaps); err != nil {
		return nil, err
	}
	return l, nil
}

// decodeKeyRows gives rows the keys of a version 2 ledger: keys holds them
// in row order, gaps how many rows without a key precede each key's row
// since the previous key's (uvarints).
func decodeKeyRows(rows []Row, keys, gaps []byte) error {
	const size = len(dataset.Digest{})
	row := -1
	for k := 0; k < len(keys)/size; k++ {
		gap, w := binary.Uvarint(gaps)
		if w <= 0 || gap >= uint64(len(rows)-row-1) {
			return fmt.Errorf("the row ledger in private state is damaged: key %d has no row among its %d", k, len(rows))
		}
		gaps = gaps[w:]
		row += int(gap) + 1
		copy(rows[row].Key[:], keys[k*size:])
	}
	if len(gaps) != 0 {
		return fmt.Errorf("the row ledger in private state is damaged: it lists more key rows than keys")
	}
	return nil
}
