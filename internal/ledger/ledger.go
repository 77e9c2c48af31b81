// Package ledger keeps the record of which rows of a dataset are on the
// platform, so that an update uploads only what is new. The API appends and
// cannot delete: a row sent twice is stored twice, and a row whose record is
// lost can never be told apart from a new one. The ledger lives in the
// resource's private state, beside the ids in the visible state, and its
// encoding is versioned so that every later provider version can read it.
package ledger

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
)

// PrivateKey is the private-state key the ledger is stored under.
const PrivateKey = "rows_ledger"

// Entry is what the ledger knows of one uploaded row.
type Entry struct {
	// Digest is the row's full digest; zero when it is not known, as for rows
	// adopted by an import, whose context the platform does not return.
	Digest dataset.Digest
	// Key is the row's MatchKey: what the platform's lookup shows of it.
	Key dataset.Digest
}

// Ledger records the rows Terraform manages.
type Ledger struct {
	// Rows is aligned with the resource's row ids: Rows[i] describes the row
	// whose id is the i-th id in state.
	Rows []Entry
	// Released holds the ids of rows that were removed from the source. They
	// stay on the platform (nothing can be deleted); remembering them keeps
	// the read-back from reporting them as rows added outside Terraform.
	Released []string
}

// encoded is the stored form.
//
// Version 1: digests and keys are the concatenated 16-byte values,
// base64-encoded, which keeps a 100,000-row ledger near 4 MB instead of the
// 10 MB a JSON list of hex strings would take.
//
// Version 2 keeps a key only for the rows that need one (see EntryFor): "k"
// holds those keys and "kr" their row indexes, as base64 of the uvarint gaps
// between them. Every row has a digest, so "d" is as in version 1. A
// 100,000-row ledger takes about 2 MB, which matters because Terraform holds
// and writes private state several times over on every run.
type encoded struct {
	Version  int      `json:"v"`
	Count    int      `json:"n"`
	Digests  string   `json:"d"`
	Keys     string   `json:"k"`
	KeyRows  string   `json:"kr"`
	Released []string `json:"released,omitempty"`
}

const currentVersion = 2

// HasUnknownDigests reports whether some entry is known only by its match key
// (adopted by an import), so that matching needs the source rows' keys. A nil
// ledger has none.
func (l *Ledger) HasUnknownDigests() bool {
	if l == nil {
		return false
	}
	var zero dataset.Digest
	for _, e := range l.Rows {
		if e.Digest == zero {
			return true
		}
	}
	return false
}

// EntryFor is the entry recorded for an uploaded row. The match key is kept
// only while the row's id is not known: it is then what finds the row on the
// platform by content. A row known by id and digest needs neither again.
func EntryFor(f Fingerprint, idKnown bool) Entry {
	if idKnown {
		return Entry{Digest: f.Digest}
	}
	return Entry(f)
}

// Encode serializes the ledger for private state, in the current version.
// The output is deterministic.
func (l *Ledger) Encode() ([]byte, error) {
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

// Decode reads a stored ledger of any version up to the current one. Empty
// input (a resource written before any ledger existed, or imported) gives
// (nil, nil): the caller must then rebuild it from the platform rather than
// guess.
func Decode(b []byte) (*Ledger, error) {
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
	// Compare by division: a damaged count must not overflow into a match.
	if e.Count < 0 || e.Count > len(b) {
		return nil, fmt.Errorf("the row ledger in private state is damaged: it claims %d rows", e.Count)
	}
	b64 := base64.StdEncoding
	l := &Ledger{Rows: make([]Entry, e.Count), Released: e.Released}
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
	row := -1
	for k := 0; k < len(keys)/size; k++ {
		gap, w := binary.Uvarint(gaps)
		if w <= 0 || gap >= uint64(e.Count-row-1) {
			return nil, fmt.Errorf("the row ledger in private state is damaged: key %d has no row among its %d", k, e.Count)
		}
		gaps = gaps[w:]
		row += int(gap) + 1
		copy(l.Rows[row].Key[:], keys[k*size:])
	}
	if len(gaps) != 0 {
		return nil, fmt.Errorf("the row ledger in private state is damaged: it lists more key rows than keys")
	}
	return l, nil
}

// Fingerprint is what matching needs of one source row.
type Fingerprint struct {
	Digest dataset.Digest
	Key    dataset.Digest
}

// Of fingerprints a row.
func Of(r *dataset.Row) Fingerprint {
	return Fingerprint{Digest: r.Digest(), Key: r.MatchKey()}
}

// Match pairs source rows with ledger entries. Matching is by full digest
// first and counts duplicates: the k-th occurrence of a row in the source
// pairs with the k-th recorded occurrence, so the same row listed twice is
// uploaded twice and kept twice. Source rows left over are then paired by
// MatchKey with entries whose digest is unknown (adopted by an import).
//
// It returns, for each source row, the index of its entry or -1 when the row
// is new, and the indexes of the entries no source row claimed (rows removed
// from the source), in ledger order. The result depends only on the inputs,
// so the plan and the apply compute the same pairing.
func Match(entries []Entry, source []Fingerprint) (assigned []int, removed []int) {
	var zero dataset.Digest
	assigned = make([]int, len(source))
	claimed := make([]bool, len(entries))
	// The common case is a source that starts with the recorded rows in the
	// recorded order (nothing changed, or rows appended). Pairing that
	// prefix position by position gives the same result as the queues below:
	// the k-th occurrence of a digest in the prefix is the k-th entry with
	// it. Only what follows needs the maps, which cost about 80 bytes a row.
	prefix := 0
	for prefix < len(source) && prefix < len(entries) && entries[prefix].Digest != zero && entries[prefix].Digest == source[prefix].Digest {
		assigned[prefix] = prefix
		claimed[prefix] = true
		prefix++
	}
	byDigest := make(map[dataset.Digest][]int)
	byKey := make(map[dataset.Digest][]int)
	for i := prefix; i < len(entries); i++ {
		e := entries[i]
		if e.Digest == zero {
			byKey[e.Key] = append(byKey[e.Key], i)
		} else {
			byDigest[e.Digest] = append(byDigest[e.Digest], i)
		}
	}
	for i := prefix; i < len(source); i++ {
		f := source[i]
		assigned[i] = -1
		if q := byDigest[f.Digest]; len(q) > 0 {
			assigned[i] = q[0]
			claimed[q[0]] = true
			byDigest[f.Digest] = q[1:]
		}
	}
	if len(byKey) > 0 {
		for i := prefix; i < len(source); i++ {
			f := source[i]
			if assigned[i] >= 0 {
				continue
			}
			if q := byKey[f.Key]; len(q) > 0 {
				assigned[i] = q[0]
				claimed[q[0]] = true
				byKey[f.Key] = q[1:]
			}
		}
	}
	for i, c := range claimed {
		if !c {
			removed = append(removed, i)
		}
	}
	return assigned, removed
}
