package rowsync

import (
	"slices"
	"testing"

	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
)

// recordOf is the record of rows uploaded with ids id-1, id-2, ...
func recordOf(src []dataset.Row) *Record {
	rec := &Record{}
	for i := range src {
		rec.Rows = append(rec.Rows, Row{ID: "id-" + string(rune('1'+i)), Digest: src[i].Digest()})
	}
	return rec
}

func TestPlanRows(t *testing.T) {
	a, b, c, d := row("a", ""), row("b", ""), row("c", ""), row("d", "")
	rec := recordOf([]dataset.Row{a, b, c})
	cases := []struct {
		name      string
		rec       *Record
		source    []dataset.Row
		decisions []Decision
		ids       []string
		inPlace   bool
		released  []string
	}{
		{"unchanged", rec, []dataset.Row{a, b, c}, []Decision{Keep, Keep, Keep}, []string{"id-1", "id-2", "id-3"}, true, nil},
		{"appended", rec, []dataset.Row{a, b, c, d}, []Decision{Keep, Keep, Keep, Send}, []string{"id-1", "id-2", "id-3", ""}, false, nil},
		{"removed", rec, []dataset.Row{a, c}, []Decision{Keep, Keep}, []string{"id-1", "id-3"}, false, []string{"id-2"}},
		{"reordered", rec, []dataset.Row{c, a, b}, []Decision{Keep, Keep, Keep}, []string{"id-3", "id-1", "id-2"}, false, nil},
		{"a duplicate is a new row", rec, []dataset.Row{a, a, b, c}, []Decision{Keep, Send, Keep, Keep}, []string{"id-1", "", "id-2", "id-3"}, false, nil},
		{"imported rows pair by key", &Record{Rows: []Row{{ID: "i-1", Key: a.MatchKey()}, {ID: "i-2", Key: b.MatchKey()}}}, []dataset.Row{b, a}, []Decision{Keep, Keep}, []string{"i-2", "i-1"}, false, nil},
		{"rows in doubt are settled, not sent", &Record{Rows: rec.Rows[:1], Doubts: []Doubt{{Rows: fingerprints([]dataset.Row{b, c})}}}, []dataset.Row{a, b, c, d}, []Decision{Keep, Settle, Settle, Send}, []string{"id-1", "", "", ""}, false, nil},
		{"unclaimed rows are adopted by key", &Record{Unclaimed: []Remote{{ID: "u-1", Key: b.MatchKey()}}}, []dataset.Row{row("b", "another context"), c}, []Decision{Adopt, Send}, []string{"u-1", ""}, false, nil},
		{"foreign rows are not adopted", &Record{Foreign: []Remote{{ID: "f-1", Key: b.MatchKey()}}}, []dataset.Row{b}, []Decision{Send}, []string{""}, false, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := PlanRows(fingerprints(tc.source), tc.rec)
			if !slices.Equal(p.Decisions, tc.decisions) || !slices.Equal(p.IDs, tc.ids) || p.InPlace != tc.inPlace || !slices.Equal(p.Released, tc.released) {
				t.Errorf("decisions %v ids %v in place %v released %v;\nwant %v %v %v %v", p.Decisions, p.IDs, p.InPlace, p.Released, tc.decisions, tc.ids, tc.inPlace, tc.released)
			}
		})
	}
}

// The record an apply that sends nothing leaves: kept and adopted rows in
// source order with full digests, unclaimed rows not adopted now foreign.
func TestPlanRecord(t *testing.T) {
	a, b, z := row("a", ""), row("b", ""), row("z", "")
	prior := &Record{
		Rows:      []Row{{ID: "i-1", Key: a.MatchKey()}},
		Unclaimed: []Remote{{ID: "u-1", Key: b.MatchKey()}, {ID: "u-2", Key: z.MatchKey()}},
		Released:  []string{"r-1"},
	}
	p := PlanRows(fingerprints([]dataset.Row{b, a}), prior)
	rec := p.Record(nil, nil)
	want := []Row{{ID: "u-1", Digest: b.Digest()}, {ID: "i-1", Digest: a.Digest()}}
	if !slices.Equal(rec.Rows, want) {
		t.Errorf("rows %+v, want %+v", rec.Rows, want)
	}
	if len(rec.Foreign) != 1 || rec.Foreign[0].ID != "u-2" || len(rec.Unclaimed) != 0 || !slices.Equal(rec.Released, []string{"r-1"}) {
		t.Errorf("foreign %+v unclaimed %+v released %v", rec.Foreign, rec.Unclaimed, rec.Released)
	}
}

// Private state round trip: ledger and platform record.
func TestRecordEncodeDecode(t *testing.T) {
	a, b := row("a", ""), row("b", "")
	rec := &Record{
		Rows:      []Row{{ID: "id-1", Digest: a.Digest()}, {Digest: b.Digest(), Key: b.MatchKey()}},
		Released:  []string{"r-1"},
		Foreign:   []Remote{{ID: "f-1", Key: a.MatchKey()}},
		Unclaimed: []Remote{{ID: "u-1", Key: b.MatchKey()}},
		Doubts:    []Doubt{{MayStillRun: true, Rows: fingerprints([]dataset.Row{a})}},
	}
	rec.LookedAt = rec.LookedAt.Add(1e9).UTC()
	rec.Doubts[0].SentAt = rec.LookedAt
	l, err := rec.EncodeLedger()
	if err != nil {
		t.Fatal(err)
	}
	p, err := rec.EncodePlatform()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(rec.IDs(), l, p)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Rows, rec.Rows) || !slices.Equal(got.Released, rec.Released) || !slices.Equal(got.Foreign, rec.Foreign) ||
		!slices.Equal(got.Unclaimed, rec.Unclaimed) || len(got.Doubts) != 1 || !slices.Equal(got.Doubts[0].Rows, rec.Doubts[0].Rows) ||
		!got.Doubts[0].MayStillRun || !got.LookedAt.Equal(rec.LookedAt) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, rec)
	}
	// A ledger that does not hold one row per id gives rows known by id
	// alone, which a plan refuses.
	short, err := Decode([]string{"id-1", "id-2", "id-3"}, l, p)
	if err != nil || !short.Incomplete() {
		t.Errorf("a mismatched ledger: %v, incomplete %v", err, short.Incomplete())
	}
	if _, err := Decode(nil, nil, []byte(`{"v":9}`)); err == nil {
		t.Error("a future platform record version decoded")
	}
}
