package rowsync

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
)

// Lookup is the part of the API client a lookup needs.
type Lookup interface {
	LookupDataset(ctx context.Context, spaceID, datasetName string, fn func(*client.Annotation) error) (string, error)
}

// Snapshot is what one lookup showed of a dataset: whether it exists, its
// id, and each row's id, db_id and match key, in the platform's order. It
// keeps neither the rows' text nor a string header per id, so that it stays
// small for large datasets.
type Snapshot struct {
	Exists    bool
	DatasetID string
	TakenAt   time.Time // when the lookup was answered

	ids   idColumn
	dbIDs idColumn // "" where the lookup gave none
	keys  []dataset.Digest

	fp   dataset.Fingerprinter
	conv []dataset.Message
}

// MaxRowsHint bounds the preallocation a row count taken from state can ask
// for; a larger dataset still works, by growing.
const MaxRowsHint = 1 << 24

// Look looks the dataset up. A dataset that does not exist gives a snapshot
// with Exists false and no error. sizeHint is about how many rows the
// dataset holds (0 when not known); idWidth about how long an id is.
func Look(ctx context.Context, api Lookup, spaceID, name string, sizeHint, idWidth int) (*Snapshot, error) {
	s := &Snapshot{}
	s.expect(sizeHint, idWidth)
	id, err := api.LookupDataset(ctx, spaceID, name, s.add)
	if errors.Is(err, client.ErrDatasetNotFound) {
		return &Snapshot{TakenAt: time.Now()}, nil
	}
	if err != nil {
		return nil, err
	}
	s.Exists, s.DatasetID, s.TakenAt = true, id, time.Now()
	s.conv = nil
	return s, nil
}

func (s *Snapshot) expect(n, idWidth int) {
	if n <= 0 {
		return
	}
	n = min(n, MaxRowsHint)
	width := max(idWidth, 8) + 1
	for _, c := range []*idColumn{&s.ids, &s.dbIDs} {
		c.text.Grow(n * width)
		c.ends = make([]int, 0, n)
	}
	s.keys = make([]dataset.Digest, 0, n)
}

func (s *Snapshot) add(a *client.Annotation) error {
	s.conv = s.conv[:0]
	for _, m := range a.ConvPrefix {
		s.conv = append(s.conv, dataset.Message{Role: m.Role, Content: m.Content})
	}
	s.ids.add(a.ID)
	s.dbIDs.add(a.DBID)
	s.keys = append(s.keys, s.fp.MatchKeyOf(s.conv, a.Response, a.GroundTruth))
	return nil
}

// Len is the number of rows.
func (s *Snapshot) Len() int { return s.ids.len() }

// ID is the id of row i.
func (s *Snapshot) ID(i int) string { return s.ids.at(i) }

// Key is the match key of row i.
func (s *Snapshot) Key(i int) dataset.Digest { return s.keys[i] }

// ImportRecord is the record of an import: every row of the dataset becomes
// Terraform's, known by its id and key. The lookup does not show context nor
// the response's role, so the digests stay unknown until the first apply
// pairs the rows with the source by key.
func ImportRecord(snap *Snapshot) *Record {
	rec := &Record{LookedAt: snap.TakenAt, Rows: make([]Row, snap.Len())}
	for i := range rec.Rows {
		rec.Rows[i] = Row{ID: snap.ID(i), Key: snap.Key(i)}
	}
	return rec
}

// remote is row i as a Remote.
func (s *Snapshot) remote(i int) Remote { return Remote{ID: s.ids.at(i), Key: s.keys[i]} }

// idColumn keeps many short strings in one growing text, instead of an
// allocation and a header per id. Strings returned by at share the text and
// stay valid.
type idColumn struct {
	text strings.Builder
	ends []int
}

func (c *idColumn) add(s string) {
	c.text.WriteString(s)
	c.ends = append(c.ends, c.text.Len())
}

func (c *idColumn) len() int { return len(c.ends) }

func (c *idColumn) at(i int) string {
	start := 0
	if i > 0 {
		start = c.ends[i-1]
	}
	return c.text.String()[start:c.ends[i]]
}

// snapshotIndex finds a platform row by an id Terraform holds for it.
// Terraform's rows are in upload order and the lookup returns them in the
// same order, so it first tries the rows just after the last one found; only
// ids out of that order build the maps.
type snapshotIndex struct {
	snap   *Snapshot
	next   int
	byID   map[string]int
	byDBID map[string]int
}

// lookAhead is how many rows the index skips in order before it builds maps.
const lookAhead = 8

func (x *snapshotIndex) find(id string) (int, bool) {
	ids := &x.snap.ids
	for i := x.next; i < min(x.next+lookAhead, ids.len()); i++ {
		if ids.at(i) == id {
			x.next = i + 1
			return i, true
		}
	}
	if x.byID == nil {
		x.byID = make(map[string]int, ids.len())
		for i := range ids.len() {
			x.byID[ids.at(i)] = i
		}
	}
	if i, ok := x.byID[id]; ok {
		x.next = i + 1
		return i, true
	}
	// An upload may have answered with the row's db_id; it is consulted only
	// for ids the lookup does not know by id.
	if x.byDBID == nil {
		x.byDBID = make(map[string]int)
		for i := range x.snap.dbIDs.len() {
			if dbID := x.snap.dbIDs.at(i); dbID != "" {
				x.byDBID[dbID] = i
			}
		}
	}
	i, ok := x.byDBID[id]
	return i, ok
}
