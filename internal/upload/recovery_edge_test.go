package upload

import (
	"context"
	"testing"

	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
)

// TestRecoveryLeavesRowsLandedWithoutIDs: rows of a batch answered without
// ids are on the platform unaccounted for by id; a later batch's recovery must
// not claim them for itself.
func TestRecoveryLeavesRowsLandedWithoutIDs(t *testing.T) {
	a := makeRow("a", 0)
	rows := []*dataset.Row{a, a}
	api := &fakeAPI{t: t, script: []call{{out: okObject}, {out: unknownNotStored}}}
	res := run(context.Background(), t, api, rows, Options{BatchRows: 1})
	t.Logf("err=%v batches=%+v uploads=%d", res.err, res.batches, len(api.bodies))
	if n := api.countStored(a); n != 2 {
		t.Errorf("source lists row a twice; platform holds %d copies", n)
	}
}

// TestLastUnknownOutcomeIsChecked: the unknown outcome that exhausts the
// recoveries is still looked up, so rows it stored are recorded.
func TestLastUnknownOutcomeIsChecked(t *testing.T) {
	rows := makeRows(2)
	script := []call{{out: unknownNotStored}, {out: unknownNotStored}, {out: unknownNotStored}, {out: unknownStored}}
	api := &fakeAPI{t: t, script: script}
	res := run(context.Background(), t, api, rows, Options{})
	t.Logf("err=%v batches=%+v lookups=%d", res.err, res.batches, api.lookups)
	if len(api.stored) > 0 && len(res.batches) == 0 {
		t.Errorf("%d rows are on the platform but none was recorded", len(api.stored))
	}
}

// TestBodyOfExactlyBatchBytesIsOneRequest: the byte cap is inclusive.
func TestBodyOfExactlyBatchBytesIsOneRequest(t *testing.T) {
	rows := makeRows(2)
	exact := 2 + len(canonical(rows[0])) + 1 + len(canonical(rows[1]))
	api := &fakeAPI{t: t}
	run(context.Background(), t, api, rows, Options{BatchBytes: exact})
	if len(api.bodies) != 1 {
		t.Errorf("two rows making a body of exactly BatchBytes=%d were sent in %d requests", exact, len(api.bodies))
	}
}
