package rowsync

import (
	"slices"
	"time"

	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
)

// Report says what a reconciliation found.
type Report struct {
	// RowsChanged is set when the record's rows or released ids changed;
	// when it is not, they may be kept exactly as they were stored.
	RowsChanged bool
	Gone        int // managed rows no longer on the platform; the next plan sends them again
	Filled      int // ids found for rows recorded without one
	Found       int // rows in doubt found on the platform, now recorded as Terraform's
	Missing     int // rows in doubt now known not to be stored; the next plan sends them
	Pending     int // rows in doubt that a later lookup must settle
	Ambiguous   int // rows in doubt, or without ids, that match platform rows ambiguously
	Foreign     int // rows on the platform that are not Terraform's (Foreign and Unclaimed)
	Unclaimed   int // of those, rows first seen by this lookup
}

// Reconcile brings a record in line with a lookup of the platform. It
// changes the record only on positive evidence:
//
//   - a managed row whose id the lookup lacks is gone (deleted on the
//     platform); it leaves the record, so the next plan sends it again;
//   - released, foreign and unclaimed rows the lookup lacks are forgotten;
//   - the rows nobody accounts for are the candidates: rows recorded without
//     an id take their ids from them, then requests in doubt are settled
//     against them (see settleDoubt);
//   - candidates left over are unclaimed: not Terraform's, first seen now.
//
// settle is how long a request that may still be running is given before a
// lookup that misses its rows proves they were never stored.
func Reconcile(prior *Record, snap *Snapshot, settle time.Duration) (*Record, Report) {
	c := newClaims(snap)
	out := &Record{LookedAt: snap.TakenAt}
	var rep Report
	rows := c.claimRows(prior.Rows, &rep)
	for _, id := range prior.Released {
		if _, ok := c.claim(id); ok {
			out.Released = append(out.Released, id)
		}
	}
	rep.RowsChanged = rep.RowsChanged || len(out.Released) != len(prior.Released)
	out.Foreign = c.claimRemotes(prior.Foreign)
	out.Unclaimed = c.claimRemotes(prior.Unclaimed)

	rows = c.fillIDs(rows, &rep)
	// Rows found for doubts are appended; prior's array must not see them.
	rows = slices.Clip(rows)
	for _, d := range prior.Doubts {
		switch found, verdict := c.settleDoubt(d.Rows); {
		case verdict == landed:
			rows = append(rows, found...)
			rep.Found += len(found)
			rep.RowsChanged = true
		case verdict == ambiguous:
			out.Doubts = append(out.Doubts, d)
			rep.Ambiguous += len(d.Rows)
		case d.settledBy(snap.TakenAt, settle):
			rep.Missing += len(d.Rows)
		default:
			out.Doubts = append(out.Doubts, d)
			rep.Pending += len(d.Rows)
		}
	}
	out.Rows = rows
	for i := range c.claimed {
		if !c.claimed[i] {
			out.Unclaimed = append(out.Unclaimed, snap.remote(i))
			rep.Unclaimed++
		}
	}
	rep.Foreign = len(out.Foreign) + len(out.Unclaimed)
	return out, rep
}

// claims tracks which rows of a snapshot are accounted for.
type claims struct {
	snap    *Snapshot
	index   *snapshotIndex
	claimed []bool
}

func newClaims(snap *Snapshot) *claims {
	return &claims{snap: snap, index: &snapshotIndex{snap: snap}, claimed: make([]bool, snap.Len())}
}

// claim marks the row with id as accounted for; ok is false when the
// snapshot has no such row.
func (c *claims) claim(id string) (int, bool) {
	i, ok := c.index.find(id)
	if ok {
		c.claimed[i] = true
	}
	return i, ok
}

// claimRows keeps the managed rows the snapshot still holds, and rows whose
// id is not known yet. A row known by id alone (a missing ledger) takes the
// key the platform shows for it. The result shares prior's array when no row
// left and none was completed.
func (c *claims) claimRows(prior []Row, rep *Report) []Row {
	var out []Row // nil while every row is kept as it was
	for k, r := range prior {
		if r.ID == "" {
			if out != nil {
				out = append(out, r)
			}
			continue
		}
		i, ok := c.claim(r.ID)
		complete := r.Digest != (dataset.Digest{}) || r.Key != (dataset.Digest{})
		if ok && complete {
			if out != nil {
				out = append(out, r)
			}
			continue
		}
		if out == nil {
			out = append(make([]Row, 0, len(prior)), prior[:k]...)
		}
		rep.RowsChanged = true
		if !ok {
			rep.Gone++
			continue
		}
		r.Key = c.snap.Key(i)
		out = append(out, r)
	}
	if out == nil {
		return prior
	}
	return out
}

// claimRemotes keeps the rows the snapshot still holds.
func (c *claims) claimRemotes(rs []Remote) []Remote {
	var out []Remote
	for _, r := range rs {
		if i, ok := c.claim(r.ID); ok {
			out = append(out, Remote{ID: r.ID, Key: c.snap.Key(i)})
		}
	}
	return out
}

// candidates lists, in the platform's order, the rows nobody accounts for.
func (c *claims) candidates() []int {
	var out []int
	for i, cl := range c.claimed {
		if !cl {
			out = append(out, i)
		}
	}
	return out
}

// fillIDs gives rows recorded without an id (the API stored them without
// returning ids) the ids of candidates with their keys (see fillIDsAt). It
// returns the rows, copied when some lack an id.
func (c *claims) fillIDs(rows []Row, rep *Report) []Row {
	var missing []int
	for k := range rows {
		if rows[k].ID == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return rows
	}
	out := slices.Clone(rows)
	filled, ambiguous := c.fillIDsAt(out, missing)
	rep.Filled += filled
	rep.Ambiguous += ambiguous
	rep.RowsChanged = rep.RowsChanged || filled > 0
	return out
}

// fillIDsAt gives the rows at the indexes missing, stored without an id,
// the ids of candidates with their keys, in place. A key with more
// candidates than such rows is left alone: which copy is Terraform's cannot
// be told; ambiguous counts the rows left so.
func (c *claims) fillIDsAt(rows []Row, missing []int) (filled, ambiguous int) {
	keys := make([]dataset.Digest, len(missing))
	for n, k := range missing {
		keys[n] = rows[k].Key
	}
	partner, exact := c.pairExactly(keys)
	for n, k := range missing {
		switch {
		case partner[n] >= 0:
			rows[k] = rowFor(c.snap.ID(partner[n]), Fingerprint{Digest: rows[k].Digest, Key: rows[k].Key})
			filled++
		case !exact[keys[n]]:
			ambiguous++
		}
	}
	return filled, ambiguous
}

// verdict is what a lookup tells of one request whose outcome is unknown.
type verdict int

const (
	absent    verdict = iota // none of its rows is among the candidates
	landed                   // all of them are, exactly once each
	ambiguous                // some are, or more copies than it sent
)

// settleDoubt decides whether the rows of one request are among the
// candidates. A request stores all its rows or none, so the candidates must
// hold each of its keys exactly as often as it sent it (landed), or none of
// them (absent); anything else is ambiguous, and nothing is claimed. Landed
// rows are claimed and returned as Rows with their ids.
func (c *claims) settleDoubt(sent []Fingerprint) ([]Row, verdict) {
	keys := make([]dataset.Digest, len(sent))
	need := make(map[dataset.Digest]int)
	for i, f := range sent {
		keys[i] = f.Key
		need[f.Key]++
	}
	cand := c.candidates()
	have := make(map[dataset.Digest]int)
	for _, i := range cand {
		if _, ok := need[c.snap.Key(i)]; ok {
			have[c.snap.Key(i)]++
		}
	}
	if len(have) == 0 {
		return nil, absent
	}
	for k, n := range need {
		if have[k] != n {
			return nil, ambiguous
		}
	}
	// Every key is held exactly as often as it was sent: all pair.
	partner := c.pairAmong(cand, keys, func(dataset.Digest) bool { return true })
	out := make([]Row, len(sent))
	for i, f := range sent {
		out[i] = rowFor(c.snap.ID(partner[i]), f)
	}
	return out, landed
}

// pairExactly pairs keys with candidates by key (pairByKey), but only for
// keys that the candidates hold exactly as often as keys does; exact says
// which keys those are. Paired candidates are claimed.
func (c *claims) pairExactly(keys []dataset.Digest) (partner []int, exact map[dataset.Digest]bool) {
	cand := c.candidates()
	count := make(map[dataset.Digest]int)
	for _, k := range keys {
		count[k]++
	}
	for _, i := range cand {
		if _, ok := count[c.snap.Key(i)]; ok {
			count[c.snap.Key(i)]--
		}
	}
	exact = make(map[dataset.Digest]bool, len(count))
	for k, n := range count {
		exact[k] = n == 0
	}
	return c.pairAmong(cand, keys, func(k dataset.Digest) bool { return exact[k] }), exact
}

// pairAmong pairs the keys for which takes is true with the candidates cand
// by key (pairByKey), claims the paired candidates and returns, per key, the
// snapshot row it paired with (-1: none).
func (c *claims) pairAmong(cand []int, keys []dataset.Digest, takes func(dataset.Digest) bool) []int {
	partner := unpaired(len(keys))
	pairByKey(
		side[dataset.Digest]{partner: partner, key: func(i int) (dataset.Digest, bool) { return keys[i], takes(keys[i]) }},
		side[dataset.Digest]{partner: unpaired(len(cand)), key: func(j int) (dataset.Digest, bool) { return c.snap.Key(cand[j]), true }},
	)
	for n := range partner {
		if partner[n] >= 0 {
			partner[n] = cand[partner[n]]
			c.claimed[partner[n]] = true
		}
	}
	return partner
}
