package rowsync

import (
	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
)

// Decision says what an apply does with a source row.
type Decision uint8

const (
	// Keep: the row is one Terraform manages; nothing is sent.
	Keep Decision = iota
	// Adopt: the row was found on the platform, not Terraform's but first
	// seen since the last apply (see Record.Unclaimed); it becomes
	// Terraform's and nothing is sent.
	Adopt
	// Send: the apply uploads the row.
	Send
	// Settle: the row was in a request whose outcome is unknown; the apply
	// looks the dataset up and sends it only if it is not there.
	Settle
)

// Plan is what an apply would do with each source row.
type Plan struct {
	Decisions []Decision
	// IDs holds each source row's id where the plan knows it: kept and
	// adopted rows ("" for a kept row recorded without an id); "" for rows
	// to send or settle.
	IDs []string
	// Released are the ids of managed rows that are no longer in the
	// source; ReleasedRows counts those rows, with any recorded without an
	// id.
	Released     []string
	ReleasedRows int
	// InPlace is set when the source holds exactly the managed rows, each
	// at its recorded place: the ids do not change.
	InPlace bool

	Kept, Adopted, ToSend, InDoubt int

	source     []Fingerprint
	prior      *Record
	fromRow    []int // per source row: index in prior.Rows (Keep), prior.Unclaimed (Adopt) or -1
	doubtFor   []int // per source row: index of its doubt (Settle) or -1
	rowPartner []int // per recorded row: the source row it pairs with, or -1 (released)
}

// Replaces reports whether source row i is sent in place of a recorded row
// that left the source: most likely an edit of it, whose old version stays
// on the platform.
func (p *Plan) Replaces(i int) bool {
	return p.Decisions[i] == Send && i < len(p.rowPartner) && p.rowPartner[i] < 0
}

// PlanRows pairs the source with a record, in this order:
//
//  1. with managed rows by digest (Keep);
//  2. with managed rows known only by key (adopted by an import) by key
//     (Keep);
//  3. with rows in doubt by digest (Settle);
//  4. with unclaimed platform rows by key (Adopt);
//
// and plans the rest to be sent. Source keys are needed only when
// rec.NeedsKeys reports so.
func PlanRows(source []Fingerprint, rec *Record) *Plan {
	if rec == nil {
		rec = &Record{}
	}
	n := len(source)
	p := &Plan{
		Decisions: make([]Decision, n), IDs: make([]string, n),
		source: source, prior: rec,
		fromRow: unpaired(n), doubtFor: unpaired(n), rowPartner: unpaired(len(rec.Rows)),
	}
	p.pairRows()
	p.pairDoubts()
	p.decide(p.pairUnclaimed())
	p.release()
	return p
}

// sourceKey is source row i's key; ok is false when it was not computed.
func (p *Plan) sourceKey(i int) (dataset.Digest, bool) {
	k := p.source[i].Key
	return k, k != (dataset.Digest{})
}

// pairRows pairs the source with the managed rows: by digest, then, for
// rows known only by their key (adopted by an import), by key.
func (p *Plan) pairRows() {
	rows := p.prior.Rows
	var zero dataset.Digest
	pairByKey(
		side[dataset.Digest]{partner: p.fromRow, key: func(i int) (dataset.Digest, bool) { return p.source[i].Digest, true }},
		side[dataset.Digest]{partner: p.rowPartner, key: func(j int) (dataset.Digest, bool) { return rows[j].Digest, rows[j].Digest != zero }},
	)
	pairByKey(
		side[dataset.Digest]{partner: p.fromRow, key: p.sourceKey},
		side[dataset.Digest]{partner: p.rowPartner, key: func(j int) (dataset.Digest, bool) {
			return rows[j].Key, rows[j].Digest == zero && rows[j].Key != zero
		}},
	)
}

// pairDoubts pairs source rows not yet paired with the rows of requests in
// doubt, by digest.
func (p *Plan) pairDoubts() {
	var rows []Fingerprint
	var owner []int
	for d := range p.prior.Doubts {
		for _, f := range p.prior.Doubts[d].Rows {
			rows = append(rows, f)
			owner = append(owner, d)
		}
	}
	if len(rows) == 0 {
		return
	}
	partner := unpaired(len(p.source))
	pairByKey(
		side[dataset.Digest]{partner: partner, key: func(i int) (dataset.Digest, bool) { return p.source[i].Digest, p.fromRow[i] < 0 }},
		side[dataset.Digest]{partner: unpaired(len(rows)), key: func(j int) (dataset.Digest, bool) { return rows[j].Digest, true }},
	)
	for i, j := range partner {
		if j >= 0 {
			p.doubtFor[i] = owner[j]
		}
	}
}

// pairUnclaimed pairs the source rows paired with nothing yet with the
// unclaimed platform rows, by key; it returns, per source row, the index of
// its unclaimed row or -1.
func (p *Plan) pairUnclaimed() []int {
	unclaimed := p.prior.Unclaimed
	adoptFrom := unpaired(len(p.source))
	pairByKey(
		side[dataset.Digest]{partner: adoptFrom, key: func(i int) (dataset.Digest, bool) {
			k, ok := p.sourceKey(i)
			return k, ok && p.fromRow[i] < 0 && p.doubtFor[i] < 0
		}},
		side[dataset.Digest]{partner: unpaired(len(unclaimed)), key: func(j int) (dataset.Digest, bool) { return unclaimed[j].Key, true }},
	)
	return adoptFrom
}

// decide turns the pairings into a decision per source row, and counts them.
func (p *Plan) decide(adoptFrom []int) {
	rec := p.prior
	p.InPlace = len(p.source) == len(rec.Rows)
	for i := range p.source {
		switch {
		case p.fromRow[i] >= 0:
			p.Decisions[i], p.IDs[i] = Keep, rec.Rows[p.fromRow[i]].ID
			p.Kept++
		case p.doubtFor[i] >= 0:
			p.Decisions[i] = Settle
			p.InDoubt++
		case adoptFrom[i] >= 0:
			p.Decisions[i], p.IDs[i] = Adopt, rec.Unclaimed[adoptFrom[i]].ID
			p.fromRow[i] = adoptFrom[i]
			p.Adopted++
		default:
			p.Decisions[i] = Send
			p.ToSend++
		}
		p.InPlace = p.InPlace && p.Decisions[i] == Keep && p.fromRow[i] == i
	}
}

// release lists the managed rows that paired with no source row.
func (p *Plan) release() {
	for j, partner := range p.rowPartner {
		if partner < 0 {
			p.ReleasedRows++
			if id := p.prior.Rows[j].ID; id != "" {
				p.Released = append(p.Released, id)
			}
		}
	}
}

// Record is the record the plan's apply leaves: in source order, the kept
// and adopted rows (with full digests from now on) and the sent rows that
// landed; the released ids; the unclaimed rows that were not adopted, now
// foreign (an apply accepts them as not Terraform's); and the doubts given.
// landed gives, by source index, the Row of each sent source row on the
// platform (a zero digest where none landed; nil: none landed). Rows
// neither kept, adopted nor landed are left out, so a partial apply records
// only what is on the platform.
func (p *Plan) Record(landed []Row, doubts []Doubt) *Record {
	rec := &Record{LookedAt: p.prior.LookedAt, Doubts: doubts}
	rec.Rows = make([]Row, 0, len(p.source))
	adopted := make(map[int]bool, p.Adopted)
	for i, d := range p.Decisions {
		switch d {
		case Keep:
			rec.Rows = append(rec.Rows, rowFor(p.IDs[i], Fingerprint{Digest: p.source[i].Digest, Key: p.keyOf(i)}))
		case Adopt:
			adopted[p.fromRow[i]] = true
			rec.Rows = append(rec.Rows, rowFor(p.IDs[i], p.source[i]))
		default:
			if i < len(landed) && landed[i].Digest != (dataset.Digest{}) {
				rec.Rows = append(rec.Rows, landed[i])
			}
		}
	}
	rec.Released = append(append(rec.Released, p.prior.Released...), p.Released...)
	rec.Foreign = append(rec.Foreign, p.prior.Foreign...)
	for j, u := range p.prior.Unclaimed {
		if !adopted[j] {
			rec.Foreign = append(rec.Foreign, u)
		}
	}
	return rec
}

// keyOf is the key to keep for kept source row i: its own when computed,
// else the recorded row's (a row whose id is not known keeps its key).
func (p *Plan) keyOf(i int) dataset.Digest {
	if k := p.source[i].Key; k != (dataset.Digest{}) {
		return k
	}
	return p.prior.Rows[p.fromRow[i]].Key
}

// doubtsInUse are the indexes of the prior doubts that some source row
// waits on.
func (p *Plan) doubtsInUse() map[int]bool {
	used := make(map[int]bool)
	for i, d := range p.doubtFor {
		if d >= 0 && p.Decisions[i] == Settle {
			used[d] = true
		}
	}
	return used
}
