package rowsync

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
)

// PlatformKey is the private-state key of what the last lookups found beside
// Terraform's own rows: foreign and unclaimed rows, requests in doubt, and
// when the last lookup ran. It is small and changes at every refresh, so it
// is kept apart from the ledger, which stays as it is while the rows do.
const PlatformKey = "rows_platform"

// platformJSON is the stored form of PlatformKey.
type platformJSON struct {
	Version   int          `json:"v"`
	LookedAt  *time.Time   `json:"looked_at,omitempty"`
	Foreign   *remotesJSON `json:"foreign,omitempty"`
	Unclaimed *remotesJSON `json:"unclaimed,omitempty"`
	Doubts    []doubtJSON  `json:"doubts,omitempty"`
}

// remotesJSON holds rows as their ids and, packed in base64, their keys.
type remotesJSON struct {
	IDs  []string `json:"ids"`
	Keys string   `json:"k"`
}

type doubtJSON struct {
	SentAt      time.Time `json:"sent_at"`
	MayStillRun bool      `json:"may_still_run,omitempty"`
	Digests     string    `json:"d"`
	Keys        string    `json:"k"`
}

const platformVersion = 1

// EncodeLedger writes the ledger (LedgerKey) of a record for private
// state. Row ids are not in it: state holds them.
func (r *Record) EncodeLedger() ([]byte, error) {
	return (&ledger{Rows: r.Rows, Released: r.Released}).encode()
}

// EncodePlatform writes what the platform showed beside the record's rows
// (PlatformKey), nil when there is nothing to keep.
func (r *Record) EncodePlatform() ([]byte, error) {
	if r.LookedAt.IsZero() && len(r.Foreign) == 0 && len(r.Unclaimed) == 0 && len(r.Doubts) == 0 {
		return nil, nil
	}
	p := platformJSON{Version: platformVersion, Foreign: encodeRemotes(r.Foreign), Unclaimed: encodeRemotes(r.Unclaimed)}
	if !r.LookedAt.IsZero() {
		t := r.LookedAt.UTC()
		p.LookedAt = &t
	}
	for _, d := range r.Doubts {
		digests, keys := PackFingerprints(d.Rows)
		p.Doubts = append(p.Doubts, doubtJSON{SentAt: d.SentAt.UTC(), MayStillRun: d.MayStillRun, Digests: digests, Keys: keys})
	}
	return json.Marshal(p)
}

// Decode joins the ids in state with what private state keeps of them. A
// ledger that is missing or does not hold one row per id (state written by
// hand, or damaged) gives rows known by id alone, which a refresh completes
// from the platform and a plan refuses to use (see Record.Incomplete).
func Decode(ids []string, ledgerBytes, platformBytes []byte) (*Record, error) {
	rec := &Record{}
	l, err := decodeLedger(ledgerBytes)
	if err != nil {
		return nil, err
	}
	if l != nil {
		rec.Released = l.Released
	}
	if l != nil && len(l.Rows) == len(ids) {
		rec.Rows = l.Rows
	} else {
		rec.Rows = make([]Row, len(ids))
	}
	for i, id := range ids {
		rec.Rows[i].ID = id
	}
	if len(platformBytes) == 0 {
		return rec, nil
	}
	var p platformJSON
	if err := json.Unmarshal(platformBytes, &p); err != nil {
		return nil, fmt.Errorf("reading the record of the platform's rows from private state: %w", err)
	}
	if p.Version < 1 || p.Version > platformVersion {
		return nil, fmt.Errorf("the record of the platform's rows in private state has version %d, which this provider version does not know (it reads 1 to %d); upgrade the provider", p.Version, platformVersion)
	}
	if p.LookedAt != nil {
		rec.LookedAt = *p.LookedAt
	}
	if rec.Foreign, err = decodeRemotes(p.Foreign); err != nil {
		return nil, err
	}
	if rec.Unclaimed, err = decodeRemotes(p.Unclaimed); err != nil {
		return nil, err
	}
	for _, d := range p.Doubts {
		rows, err := UnpackFingerprints(d.Digests, d.Keys)
		if err != nil {
			return nil, err
		}
		rec.Doubts = append(rec.Doubts, Doubt{SentAt: d.SentAt, MayStillRun: d.MayStillRun, Rows: rows})
	}
	return rec, nil
}

// Incomplete reports whether some row is known by id alone, with neither a
// digest nor a key to pair it with a source row: the ledger was missing or
// did not match the ids in state.
func (r *Record) Incomplete() bool {
	for i := range r.Rows {
		if r.Rows[i].Digest == (dataset.Digest{}) && r.Rows[i].Key == (dataset.Digest{}) {
			return true
		}
	}
	return false
}

func encodeRemotes(rs []Remote) *remotesJSON {
	if len(rs) == 0 {
		return nil
	}
	out := &remotesJSON{IDs: make([]string, len(rs))}
	keys := make([]byte, 0, len(rs)*len(dataset.Digest{}))
	for i, r := range rs {
		out.IDs[i] = r.ID
		keys = append(keys, r.Key[:]...)
	}
	out.Keys = base64.StdEncoding.EncodeToString(keys)
	return out
}

func decodeRemotes(in *remotesJSON) ([]Remote, error) {
	if in == nil {
		return nil, nil
	}
	keys, err := unpackDigests(in.Keys, len(in.IDs))
	if err != nil {
		return nil, err
	}
	out := make([]Remote, len(in.IDs))
	for i, id := range in.IDs {
		out[i] = Remote{ID: id, Key: keys[i]}
	}
	return out, nil
}

// PackFingerprints writes digests and keys as two base64 strings; keys is
// "" when no fingerprint has a key.
func PackFingerprints(fs []Fingerprint) (digests, keys string) {
	const size = len(dataset.Digest{})
	d := make([]byte, 0, len(fs)*size)
	var k []byte
	for i, f := range fs {
		d = append(d, f.Digest[:]...)
		if f.Key != (dataset.Digest{}) && k == nil {
			k = make([]byte, i*size, len(fs)*size)
		}
		if k != nil {
			k = append(k, f.Key[:]...)
		}
	}
	return base64.StdEncoding.EncodeToString(d), base64.StdEncoding.EncodeToString(k)
}

// UnpackFingerprints reads what PackFingerprints wrote.
func UnpackFingerprints(digests, keys string) ([]Fingerprint, error) {
	const size = len(dataset.Digest{})
	d, err := base64.StdEncoding.DecodeString(digests)
	if err != nil || len(d)%size != 0 {
		return nil, fmt.Errorf("the record of the platform's rows in private state is damaged: unreadable digests")
	}
	n := len(d) / size
	out := make([]Fingerprint, n)
	for i := range out {
		copy(out[i].Digest[:], d[i*size:])
	}
	if keys == "" {
		return out, nil
	}
	k, err := unpackDigests(keys, n)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Key = k[i]
	}
	return out, nil
}

func unpackDigests(s string, n int) ([]dataset.Digest, error) {
	const size = len(dataset.Digest{})
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != n*size {
		return nil, fmt.Errorf("the record of the platform's rows in private state is damaged: %d keys expected", n)
	}
	out := make([]dataset.Digest, n)
	for i := range out {
		copy(out[i][:], b[i*size:])
	}
	return out, nil
}
