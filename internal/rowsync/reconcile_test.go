package rowsync

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
)

// platformRow is a row of a made-up lookup.
type platformRow struct {
	id, dbID string
	key      dataset.Digest
}

// snapshotOf builds a Snapshot from rows, as a lookup would.
func snapshotOf(rows []platformRow, at time.Time) *Snapshot {
	s := &Snapshot{Exists: true, DatasetID: "ds", TakenAt: at}
	for _, r := range rows {
		s.ids.add(r.id)
		s.dbIDs.add(r.dbID)
		s.keys = append(s.keys, r.key)
	}
	return s
}

func keyOf(n int) dataset.Digest {
	var d dataset.Digest
	d[0], d[1] = byte(n), 0xAA
	return d
}

func rowDigest(n int) dataset.Digest {
	var d dataset.Digest
	d[0], d[1] = byte(n), 0xDD
	return d
}

// reconcileByDefinition is Reconcile written the plain way, with maps over
// every platform row: the definition the ordered walk and its shortcuts must
// agree with.
func reconcileByDefinition(prior *Record, rows []platformRow, at time.Time, settle time.Duration) (*Record, Report) {
	find := func(id string) (int, bool) {
		for i, r := range rows {
			if r.id == id {
				return i, true
			}
		}
		for i, r := range rows {
			if r.dbID != "" && r.dbID == id {
				return i, true
			}
		}
		return 0, false
	}
	claimed := make([]bool, len(rows))
	out := &Record{LookedAt: at}
	var rep Report
	var kept []Row
	for _, r := range prior.Rows {
		if r.ID == "" {
			kept = append(kept, r)
			continue
		}
		i, ok := find(r.ID)
		if !ok {
			rep.Gone++
			continue
		}
		claimed[i] = true
		if r.Digest == (dataset.Digest{}) && r.Key == (dataset.Digest{}) {
			r.Key = rows[i].key
		}
		kept = append(kept, r)
	}
	for _, id := range prior.Released {
		if i, ok := find(id); ok {
			claimed[i] = true
			out.Released = append(out.Released, id)
		}
	}
	for _, list := range []struct {
		in  []Remote
		out *[]Remote
	}{{prior.Foreign, &out.Foreign}, {prior.Unclaimed, &out.Unclaimed}} {
		for _, r := range list.in {
			if i, ok := find(r.ID); ok {
				claimed[i] = true
				*list.out = append(*list.out, Remote{ID: r.ID, Key: rows[i].key})
			}
		}
	}
	candidates := func(key dataset.Digest) []int {
		var out []int
		for i, r := range rows {
			if !claimed[i] && r.key == key {
				out = append(out, i)
			}
		}
		return out
	}
	// Rows without ids, key by key.
	need := map[dataset.Digest][]int{}
	for k, r := range kept {
		if r.ID == "" {
			need[r.Key] = append(need[r.Key], k)
		}
	}
	for key, ks := range need {
		c := candidates(key)
		if len(c) != len(ks) {
			rep.Ambiguous += len(ks)
			continue
		}
		for n, k := range ks {
			kept[k] = rowFor(rows[c[n]].id, Fingerprint{Digest: kept[k].Digest, Key: kept[k].Key})
			claimed[c[n]] = true
			rep.Filled++
		}
	}
	for _, d := range prior.Doubts {
		counts := map[dataset.Digest]int{}
		for _, f := range d.Rows {
			counts[f.Key]++
		}
		present, exact, absent := true, true, true
		for key, n := range counts {
			c := len(candidates(key))
			present = present && c >= n
			exact = exact && c == n
			absent = absent && c == 0
		}
		switch {
		case present && exact:
			taken := map[dataset.Digest]int{}
			for _, f := range d.Rows {
				i := candidates(f.Key)[0]
				claimed[i] = true
				taken[f.Key]++
				kept = append(kept, rowFor(rows[i].id, f))
			}
			rep.Found += len(d.Rows)
		case !absent:
			out.Doubts = append(out.Doubts, d)
			rep.Ambiguous += len(d.Rows)
		case d.settledBy(at, settle):
			rep.Missing += len(d.Rows)
		default:
			out.Doubts = append(out.Doubts, d)
			rep.Pending += len(d.Rows)
		}
	}
	out.Rows = kept
	for i, r := range rows {
		if !claimed[i] {
			out.Unclaimed = append(out.Unclaimed, Remote{ID: r.id, Key: r.key})
			rep.Unclaimed++
		}
	}
	rep.Foreign = len(out.Foreign) + len(out.Unclaimed)
	return out, rep
}

// randomWorld makes a platform and a record of it that disagree in the ways
// a refresh meets: rows deleted on the platform, rows added outside
// Terraform, rows stored without ids, requests in doubt that landed or not.
func randomWorld(r *rand.Rand, at time.Time) (*Record, []platformRow) {
	var rows []platformRow
	next := 0
	newRow := func(key int) platformRow {
		next++
		p := platformRow{id: fmt.Sprintf("id-%d", next), key: keyOf(key)}
		if r.IntN(3) == 0 {
			p.dbID = fmt.Sprintf("db-%d", next)
		}
		return p
	}
	keys := 1 + r.IntN(4)
	rec := &Record{}
	for range r.IntN(8) {
		p := newRow(r.IntN(keys))
		switch r.IntN(6) {
		case 0: // deleted on the platform since
		case 1: // recorded under its db_id
			if p.dbID != "" {
				rows = append(rows, p)
			}
			rec.Rows = append(rec.Rows, Row{ID: p.dbID, Digest: rowDigest(int(p.key[0]))})
			continue
		case 2: // stored without its id being returned
			rows = append(rows, p)
			rec.Rows = append(rec.Rows, Row{Digest: rowDigest(int(p.key[0])), Key: p.key})
			continue
		default:
			rows = append(rows, p)
		}
		rec.Rows = append(rec.Rows, Row{ID: p.id, Digest: rowDigest(int(p.key[0]))})
	}
	for range r.IntN(3) {
		p := newRow(r.IntN(keys))
		if r.IntN(4) != 0 {
			rows = append(rows, p)
		}
		rec.Released = append(rec.Released, p.id)
	}
	for range r.IntN(3) {
		p := newRow(r.IntN(keys))
		if r.IntN(4) != 0 {
			rows = append(rows, p)
		}
		rec.Foreign = append(rec.Foreign, Remote{ID: p.id, Key: p.key})
	}
	for range r.IntN(3) {
		d := Doubt{SentAt: at.Add(-time.Duration(r.IntN(4)) * time.Minute), MayStillRun: r.IntN(2) == 0}
		landed := r.IntN(2) == 0
		for range 1 + r.IntN(3) {
			p := newRow(r.IntN(keys))
			d.Rows = append(d.Rows, Fingerprint{Digest: rowDigest(int(p.key[0])), Key: p.key})
			if landed {
				rows = append(rows, p)
			}
		}
		rec.Doubts = append(rec.Doubts, d)
	}
	for range r.IntN(4) { // added outside Terraform
		rows = append(rows, newRow(r.IntN(keys)))
	}
	r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	return rec, rows
}

// TestReconcileMatchesDefinition compares Reconcile with the definition over
// random worlds.
func TestReconcileMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	const settle = 2 * time.Minute
	for iter := range 4000 {
		prior, rows := randomWorld(r, at)
		want, wantRep := reconcileByDefinition(prior, rows, at, settle)
		got, gotRep := Reconcile(prior, snapshotOf(rows, at), settle)
		gotRep.RowsChanged = false
		if !reflect.DeepEqual(normalized(got), normalized(want)) || gotRep != wantRep {
			t.Fatalf("iteration %d:\nprior %+v\nplatform %+v\n got %+v %+v\nwant %+v %+v", iter, prior, rows, got, gotRep, want, wantRep)
		}
	}
}

// normalized makes empty and nil slices compare equal.
func normalized(r *Record) Record {
	n := *r
	if len(n.Rows) == 0 {
		n.Rows = nil
	}
	if len(n.Released) == 0 {
		n.Released = nil
	}
	if len(n.Foreign) == 0 {
		n.Foreign = nil
	}
	if len(n.Unclaimed) == 0 {
		n.Unclaimed = nil
	}
	if len(n.Doubts) == 0 {
		n.Doubts = nil
	}
	return n
}

// TestReconcileUnchangedKeepsRows: a refresh that finds every row where it
// was hands the rows back as they came, and says so.
func TestReconcileUnchangedKeepsRows(t *testing.T) {
	at := time.Now()
	prior := &Record{Rows: []Row{{ID: "a", Digest: rowDigest(1)}, {ID: "b", Digest: rowDigest(2)}}, Released: []string{"c"}}
	snap := snapshotOf([]platformRow{{id: "a", key: keyOf(1)}, {id: "b", key: keyOf(2)}, {id: "c", key: keyOf(3)}}, at)
	got, rep := Reconcile(prior, snap, time.Minute)
	if rep.RowsChanged || &got.Rows[0] != &prior.Rows[0] || rep.Foreign != 0 {
		t.Errorf("report %+v; rows shared: %v", rep, &got.Rows[0] == &prior.Rows[0])
	}
	// The lookup's annotations reach the snapshot with their keys.
	s := &Snapshot{}
	gt := int64(1)
	if err := s.add(&client.Annotation{ID: "x", ConvPrefix: []client.Message{{Role: "user", Content: "question a"}}, Response: "answer a", GroundTruth: &gt}); err != nil {
		t.Fatal(err)
	}
	src := row("a", "some context")
	if s.Key(0) != src.MatchKey() {
		t.Error("a looked-up row's key differs from its source row's match key")
	}
}
