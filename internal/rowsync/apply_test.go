package rowsync

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
	"github.com/collinear-ai/terraform-provider-collinear/internal/upload"
)

func mustApply(t *testing.T, f *fakePlatform, ch *Change, batchRows int) *Result {
	t.Helper()
	res := f.apply(context.Background(), ch, batchRows)
	if res.Err != nil {
		t.Fatalf("apply: %v", res.Err)
	}
	if !res.Complete {
		t.Fatal("apply not complete")
	}
	return res
}

func TestApplyCreatesAndUpdates(t *testing.T) {
	f := newFake(t)
	src := rows("a", "b", "c", "d", "e")
	res := mustApply(t, f, change(src, nil), 2)
	f.checkAligned(t, src, res.Record)
	if len(f.uploads) != 3 || res.Sent != 5 || res.DatasetID != "ds-1" {
		t.Errorf("%d uploads, %d sent, dataset %q; want 3, 5, ds-1", len(f.uploads), res.Sent, res.DatasetID)
	}
	// The create looked the dataset up before sending, and once more after
	// the first batch to learn the new dataset's id.
	if f.lookups != 2 {
		t.Errorf("%d lookups, want 2", f.lookups)
	}

	src = append(src, rows("f", "g")...)
	prior := res.Record
	prior.LookedAt = f.clock.now
	res = mustApply(t, f, change(src, prior), 2)
	f.checkAligned(t, src, res.Record)
	if len(f.uploads) != 4 || res.Sent != 2 {
		t.Errorf("the append made %d uploads in all and sent %d rows, want 4 and 2", len(f.uploads), res.Sent)
	}
	if f.lookups != 2 {
		t.Errorf("an update with a fresh record looked the dataset up (%d lookups)", f.lookups)
	}
}

// behaviour 1: a create over a dataset that holds some of the rows adopts
// them and sends only the rest; RefuseExisting sends nothing.
func TestApplyCreateAdoptsExistingRows(t *testing.T) {
	f := newFake(t)
	src := rows("a", "b", "c", "d")
	f.add(src[0], src[1], row("other", ""))
	res := mustApply(t, f, change(src, nil), 10)
	f.checkAligned(t, src, res.Record)
	if res.Adopted != 2 || res.Sent != 2 || len(f.uploads) != 1 || len(f.uploads[0]) != 2 {
		t.Errorf("adopted %d, sent %d in %d uploads; want 2 adopted, 2 sent in 1", res.Adopted, res.Sent, len(f.uploads))
	}
	if len(res.Record.Foreign) != 1 || res.Record.Foreign[0].ID != "id-3" {
		t.Errorf("foreign = %+v, want the other row", res.Record.Foreign)
	}

	ch := change(src, nil)
	ch.IfExists = RefuseExisting
	before := len(f.uploads)
	if res := f.apply(context.Background(), ch, 10); !errors.Is(res.Err, ErrDatasetExists) || len(f.uploads) != before {
		t.Errorf("RefuseExisting: %v after %d more uploads", res.Err, len(f.uploads)-before)
	}
}

// The plan's known ids bind the apply: adopting other rows is refused before
// anything is sent.
func TestApplyRefusesAnotherAdoptionThanPlanned(t *testing.T) {
	f := newFake(t)
	src := rows("a", "b")
	f.add(src[0])
	ch := change(src, nil)
	ch.Planned = &PlannedIDs{IDs: []string{"id-99", ""}, Known: []bool{true, false}}
	if res := f.apply(context.Background(), ch, 10); !errors.Is(res.Err, ErrPlanChanged) || len(f.uploads) != 0 {
		t.Errorf("apply = %v after %d uploads, want ErrPlanChanged and none", res.Err, len(f.uploads))
	}
	ch.Planned.IDs[0] = "id-1"
	f.checkAligned(t, src, mustApply(t, f, ch, 10).Record)
}

// behaviour 4: answers are paired with the rows sent by content.
func TestApplyPairsAnswersByContent(t *testing.T) {
	for name, kind := range map[string]answerKind{"reordered": answerReordered, "duplicate ids": answerDupIDs, "one fewer": answerFewer, "object": answerObject} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			f.script = []answerKind{answerRows, kind, answerRows}
			src := rows("a", "b", "c", "d", "e", "f")
			res := mustApply(t, f, change(src, nil), 2)
			f.checkAligned(t, src, res.Record)
			if len(f.uploads) != 3 {
				t.Errorf("%d uploads, want 3: nothing is sent twice", len(f.uploads))
			}
		})
	}
}

// behaviours 3 and 5: an unknown outcome is settled by a lookup, among the
// rows nobody accounts for.
func TestApplyRecoversUnknownOutcomes(t *testing.T) {
	cases := map[string]struct {
		kind    answerKind
		uploads int
	}{
		"500, nothing stored":   {answer500, 3},
		"503 after the commit":  {answer503Stored, 2},
		"dropped after storing": {noAnswerStored, 2},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			f.script = []answerKind{answerRows, tc.kind}
			src := rows("a", "b", "c", "d")
			res := mustApply(t, f, change(src, nil), 2)
			f.checkAligned(t, src, res.Record)
			if len(f.uploads) != tc.uploads {
				t.Errorf("%d uploads, want %d", len(f.uploads), tc.uploads)
			}
		})
	}
}

// behaviour 3: a row the record counts as foreign or released is never
// claimed, even when it matches a row whose upload failed.
func TestApplyRecoveryNeverClaimsKnownRows(t *testing.T) {
	f := newFake(t)
	src := rows("a", "b")
	res := mustApply(t, f, change(src, nil), 10)

	theirs := row("x", "their context")
	f.add(theirs)
	prior := res.Record
	prior.Unclaimed = nil
	prior.Foreign = []Remote{{ID: "id-3", Key: theirs.MatchKey()}}
	prior.LookedAt = f.clock.now

	ours := row("x", "our context")
	src = append(src, ours)
	f.script = []answerKind{answerRows, answer500}
	res = mustApply(t, f, change(src, prior), 10)
	f.checkAligned(t, src, res.Record)
	if f.count(theirs) != 1 || len(f.uploads) != 3 {
		t.Errorf("their row stored %d times, %d uploads; want 1 and 3 (the row sent again)", f.count(theirs), len(f.uploads))
	}
}

// A row that appeared on the platform while the upload was in flight, with
// the same content as the rows sent, makes the evidence ambiguous: the apply
// stops rather than guess.
func TestApplyStopsOnAmbiguousEvidence(t *testing.T) {
	f := newFake(t)
	src := rows("a")
	f.script = []answerKind{noAnswerStored}
	f.beforeUpload = func(int) { f.add(row("a", "")) }
	res := f.apply(context.Background(), change(src, nil), 10)
	var amb *AmbiguousError
	if !errors.As(res.Err, &amb) || len(f.uploads) != 1 {
		t.Fatalf("apply = %v after %d uploads, want an AmbiguousError after 1", res.Err, len(f.uploads))
	}
	if len(res.Record.Doubts) != 1 || len(res.Record.Rows) != 0 {
		t.Errorf("record %+v, want the request in doubt and no row claimed", res.Record)
	}
}

// behaviour 2: a request that got no answer may still commit. Within the
// apply, the engine waits for it, looking again, and records the rows when
// they land; it sends again only after the settle time.
func TestApplyWaitsForALateCommit(t *testing.T) {
	f := newFake(t)
	f.script = []answerKind{lateCommit}
	src := rows("a", "b")
	res := mustApply(t, f, change(src, nil), 10)
	f.checkAligned(t, src, res.Record)
	if len(f.uploads) != 1 || f.clock.slept < 30*time.Second {
		t.Errorf("%d uploads after waiting %v; want 1, found once it landed", len(f.uploads), f.clock.slept)
	}

	f = newFake(t)
	f.script = []answerKind{noAnswerNotStored}
	res = mustApply(t, f, change(src, nil), 10)
	f.checkAligned(t, src, res.Record)
	if len(f.uploads) != 2 || f.clock.slept < 2*time.Minute {
		t.Errorf("%d uploads after waiting %v; want the rows sent again only after the settle time", len(f.uploads), f.clock.slept)
	}
}

// behaviour 2: an apply interrupted while a request may still be running
// keeps its rows in doubt; the next refresh records them when they landed,
// and an apply then sends nothing.
func TestApplyInterruptedKeepsRowsInDoubt(t *testing.T) {
	f := newFake(t)
	src := rows("a", "b")
	base := mustApply(t, f, change(src, nil), 10)
	prior := base.Record
	prior.LookedAt = f.clock.now

	src = append(src, rows("c", "d")...)
	f.script = []answerKind{answerRows, lateCommit}
	ctx, cancel := context.WithCancel(context.Background())
	f.clock.cancel = cancel
	res := f.apply(ctx, change(src, prior), 10)
	var doubt *DoubtError
	if !errors.As(res.Err, &doubt) || doubt.Until.IsZero() {
		t.Fatalf("apply = %v, want a DoubtError with a settle time", res.Err)
	}
	if len(res.Record.Doubts) != 1 || len(res.Record.Rows) != 2 {
		t.Fatalf("record: %d rows, %d doubts; want 2 and 1", len(res.Record.Rows), len(res.Record.Doubts))
	}
	f.clock.cancel = nil

	// A plan before the commit: the rows are to be settled, not sent.
	if p := PlanRows(fingerprints(src), res.Record); p.InDoubt != 2 || p.ToSend != 0 {
		t.Errorf("plan: %d in doubt, %d to send; want 2 and 0", p.InDoubt, p.ToSend)
	}
	f.clock.now = f.clock.now.Add(40 * time.Second) // the commit lands
	snap, err := Look(context.Background(), f, testSpace, testName, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	snap.TakenAt = f.clock.now
	rec, rep := Reconcile(res.Record, snap, 2*time.Minute)
	if rep.Found != 2 || len(rec.Doubts) != 0 {
		t.Fatalf("reconcile found %d, left %d doubts; want 2 and 0", rep.Found, len(rec.Doubts))
	}
	before := len(f.uploads)
	final := mustApply(t, f, change(src, rec), 10)
	f.checkAligned(t, src, final.Record)
	if len(f.uploads) != before {
		t.Errorf("the apply after the late commit uploaded %d more times", len(f.uploads)-before)
	}
}

// A doubt that no lookup finds once the request can no longer be running is
// sent again by the next apply, which looks first.
func TestApplySendsDoubtsProvenMissing(t *testing.T) {
	f := newFake(t)
	src := rows("a", "b")
	prior := &Record{LookedAt: f.clock.now, Doubts: []Doubt{{SentAt: f.clock.now, MayStillRun: true, Rows: fingerprints(src)}}}
	f.exists = true
	res := mustApply(t, f, change(src, prior), 10)
	f.checkAligned(t, src, res.Record)
	if len(f.uploads) != 1 || f.clock.slept < 2*time.Minute || len(res.Record.Doubts) != 0 {
		t.Errorf("%d uploads after waiting %v, %d doubts left", len(f.uploads), f.clock.slept, len(res.Record.Doubts))
	}
}

// behaviour 7: rows stored without ids get them from a lookup in the same
// apply.
func TestApplyAttributesIDsOfObjectAnswers(t *testing.T) {
	f := newFake(t)
	f.script = []answerKind{answerObject, answerObject}
	src := rows("a", "b", "c")
	res := mustApply(t, f, change(src, nil), 2)
	f.checkAligned(t, src, res.Record)
	if res.NoIDs != 0 {
		t.Errorf("%d rows without ids", res.NoIDs)
	}
}

// A failure after some batches landed keeps them; a partial record is not
// complete.
func TestApplyKeepsWhatLandedOnFailure(t *testing.T) {
	f := newFake(t)
	f.script = []answerKind{answerRows, answer400}
	src := rows("a", "b", "c", "d")
	res := f.apply(context.Background(), change(src, nil), 2)
	var apiErr *client.APIError
	if !errors.As(res.Err, &apiErr) || res.Complete || len(res.Record.Rows) != 2 {
		t.Fatalf("apply = %v, complete %v, %d rows; want the 400, incomplete, 2 rows", res.Err, res.Complete, len(res.Record.Rows))
	}
	// The create that follows a failed one adopts what landed.
	f.script = nil
	res = mustApply(t, f, change(src, nil), 2)
	f.checkAligned(t, src, res.Record)
	if res.Adopted != 2 || res.Sent != 2 {
		t.Errorf("adopted %d and sent %d, want 2 and 2", res.Adopted, res.Sent)
	}
}

// A stale record is refreshed before sending, so that rows added meanwhile
// are known and never taken for this apply's rows.
func TestApplyLooksAgainWhenTheRecordIsStale(t *testing.T) {
	f := newFake(t)
	src := rows("a")
	res := mustApply(t, f, change(src, nil), 10)
	prior := res.Record
	prior.LookedAt = f.clock.now.Add(-time.Hour)
	theirs := row("b", "their context")
	f.add(theirs)
	lookups := f.lookups

	src = append(src, row("b", "our context"))
	f.script = []answerKind{answerRows, noAnswerNotStored}
	res = mustApply(t, f, change(src, prior), 10)
	if f.lookups == lookups {
		t.Fatal("no lookup before sending on a stale record")
	}
	f.checkAligned(t, src, res.Record)
	if f.count(theirs) != 1 {
		t.Error("their row was taken as ours")
	}
}

// Rows removed from the source are released, and the record keeps them so
// that a refresh does not report them as foreign.
func TestApplyReleasesRemovedRows(t *testing.T) {
	f := newFake(t)
	src := rows("a", "b", "c")
	res := mustApply(t, f, change(src, nil), 10)
	prior := res.Record
	prior.LookedAt = f.clock.now
	res = mustApply(t, f, change([]dataset.Row{src[0], src[2]}, prior), 10)
	if len(res.Record.Released) != 1 || res.Record.Released[0] != prior.Rows[1].ID || len(f.uploads) != 1 {
		t.Errorf("released %v after %d uploads", res.Record.Released, len(f.uploads))
	}
}

// An apply that would upload more rows than allowed sends nothing.
func TestApplyRefusesTooManyRows(t *testing.T) {
	f := newFake(t)
	src := rows("a", "b", "c")
	f.add(src[0])
	ch := change(src, nil)
	limit := 1
	ch.MaxSend = &limit
	var tooMany *TooManyRowsError
	if res := f.apply(context.Background(), ch, 10); !errors.As(res.Err, &tooMany) || tooMany.Rows != 2 || len(f.uploads) != 0 {
		t.Fatalf("apply = %v after %d uploads, want TooManyRowsError for 2 rows and none sent", res.Err, len(f.uploads))
	}
	limit = 2 // the adopted row does not count
	f.checkAligned(t, src, mustApply(t, f, ch, 10).Record)
}

// A create computes the source's keys only when it meets rows to adopt.
func TestApplyCreateAsksForKeysOnlyToAdopt(t *testing.T) {
	for _, existing := range []bool{false, true} {
		f := newFake(t)
		src := rows("a", "b")
		if existing {
			f.add(src[0])
		}
		ch := change(src, nil)
		full := fingerprints(src)
		for i := range ch.Source {
			ch.Source[i].Key = dataset.Digest{}
		}
		asked := false
		ch.Keys = func() error {
			asked = true
			copy(ch.Source, full)
			return nil
		}
		res := mustApply(t, f, ch, 10)
		f.checkAligned(t, src, res.Record)
		if asked != existing || res.Adopted != map[bool]int{false: 0, true: 1}[existing] {
			t.Errorf("dataset exists %v: keys asked %v, adopted %d", existing, asked, res.Adopted)
		}
	}
}

// A create whose answers carry no dataset id looks the dataset up for it
// once, after the first batch, even when batches are cut by size and the
// lookup fails.
func TestApplyLearnsDatasetIDOnce(t *testing.T) {
	f := newFake(t)
	src := rows("a", "b", "c")
	big := strings.Repeat("x", upload.DefaultBatchBytes*5/8)
	for i := range src {
		src[i].Response.Content += big
	}
	f.lookupErrs = []error{nil, errors.New("lookup unavailable"), errors.New("lookup unavailable"), errors.New("lookup unavailable")}
	res := mustApply(t, f, change(src, nil), 0)
	if len(f.uploads) != 3 {
		t.Fatalf("%d uploads, want one per row", len(f.uploads))
	}
	if f.lookups != 2 {
		t.Errorf("%d lookups, want 2 (before sending, and once for the id)", f.lookups)
	}
	if res.DatasetID != "" {
		t.Errorf("dataset id %q, want none", res.DatasetID)
	}
}
