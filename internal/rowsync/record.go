package rowsync

import (
	"time"

	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
)

// Fingerprint is what pairing needs of a source row. Key may be zero when
// nothing in the pairing needs it (see Record.NeedsKeys).
type Fingerprint struct {
	Digest dataset.Digest
	Key    dataset.Digest
}

// Row is one row Terraform manages on the platform.
type Row struct {
	// ID is the id the platform gave the row; "" while it is not known (the
	// API stored the row without returning ids, and no lookup has yet told
	// which stored row it is).
	ID string
	// Digest is the row's full digest; zero when it is not known, as for a
	// row adopted from the platform by its key (an import), whose context
	// the lookup does not show.
	Digest dataset.Digest
	// Key is the row's match key, kept while ID or Digest is unknown: it is
	// then what finds the row on the platform, or in the source.
	Key dataset.Digest
}

// rowFor is the Row recorded for a source row: the key is kept only while
// it is needed (see Row.Key).
func rowFor(id string, f Fingerprint) Row {
	r := Row{ID: id, Digest: f.Digest}
	if id == "" || f.Digest == (dataset.Digest{}) {
		r.Key = f.Key
	}
	return r
}

// Remote is a row on the platform that Terraform does not manage, as a
// lookup showed it.
type Remote struct {
	ID  string
	Key dataset.Digest
}

// Doubt is one upload request whose outcome is unknown: its rows may or may
// not be on the platform. It stays in the record until a lookup settles it.
type Doubt struct {
	// SentAt is when the request was sent.
	SentAt time.Time
	// MayStillRun is set when the request may still be running on the
	// platform (no answer came back, or a gateway timed out waiting for
	// it): a lookup that misses its rows proves nothing until SettleTime
	// has passed since SentAt. Otherwise any later lookup settles it.
	MayStillRun bool
	Rows        []Fingerprint
}

// settledBy reports whether a lookup taken at t can tell that the request
// stored nothing.
func (d *Doubt) settledBy(t time.Time, settle time.Duration) bool {
	return !d.MayStillRun || !t.Before(d.SentAt.Add(settle))
}

// Record is everything Terraform knows of a dataset on the platform.
type Record struct {
	// Rows are the rows Terraform manages, in source order as of the last
	// apply: Rows[i] is the row whose id is the i-th id in state.
	Rows []Row
	// Released holds the ids of rows that left the source. They stay on the
	// platform (nothing can be deleted) and are neither Terraform's to
	// report as foreign nor anyone else's to claim.
	Released []string
	// Foreign are rows on the platform that were there, not Terraform's,
	// when Terraform last applied: Terraform has reported them as not its
	// own and never adopts them on its own.
	Foreign []Remote
	// Unclaimed are rows a lookup found since the last apply that are not
	// Terraform's: rows of another workspace, of a lost or older state, or
	// added by hand. A plan adopts those that match source rows to upload.
	Unclaimed []Remote
	// Doubts are requests whose outcome is unknown, oldest first.
	Doubts []Doubt
	// LookedAt is when a lookup last brought the record in line with the
	// platform; zero when none has.
	LookedAt time.Time
}

// NeedsKeys reports whether pairing source rows with this record needs their
// match keys: some rows are known only by key, some ids are not known yet (a
// row recorded without its id is found on the platform by its key), or rows
// found on the platform may be adopted.
func (r *Record) NeedsKeys() bool {
	if r == nil {
		return false
	}
	if len(r.Unclaimed) > 0 {
		return true
	}
	for i := range r.Rows {
		if r.Rows[i].ID == "" || r.Rows[i].Digest == (dataset.Digest{}) {
			return true
		}
	}
	return false
}

// IDs returns the ids of the record's rows, in order ("" where unknown).
func (r *Record) IDs() []string {
	ids := make([]string, len(r.Rows))
	for i := range r.Rows {
		ids[i] = r.Rows[i].ID
	}
	return ids
}

// defaultIDWidth is the length of the platform's ids (UUIDs), for a record
// that holds none.
const defaultIDWidth = 36

// LookHints are the sizes to pass to Look for the dataset of this record:
// about how many rows a lookup returns (every row the record knows of) and
// how long an id is. A nil record gives (0, the length of a UUID).
func (r *Record) LookHints() (rows, idWidth int) {
	if r == nil {
		return 0, defaultIDWidth
	}
	rows = len(r.Rows) + len(r.Released) + len(r.Foreign) + len(r.Unclaimed)
	if len(r.Rows) > 0 {
		return rows, len(r.Rows[0].ID)
	}
	return rows, defaultIDWidth
}
