package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"math/big"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
	"github.com/collinear-ai/terraform-provider-collinear/internal/rowsync"
)

// privateMap is private state for tests.
type privateMap map[string][]byte

func (p privateMap) GetKey(_ context.Context, key string) ([]byte, diag.Diagnostics) {
	return p[key], nil
}

func (p privateMap) SetKey(_ context.Context, key string, value []byte) diag.Diagnostics {
	if len(value) == 0 {
		delete(p, key)
	} else {
		p[key] = value
	}
	return nil
}

// TestPlannedCheck: the plan's fingerprints stand in for a read of the
// source only when they were taken from the content and row count planned,
// with the match keys the apply needs.
func TestPlannedCheck(t *testing.T) {
	ctx := context.Background()
	user := []dataset.Message{{Role: "user", Content: "q"}}
	src := &source{rows: []dataset.Row{
		{ConvPrefix: user, Response: dataset.Message{Role: "assistant", Content: "a"}},
		{ConvPrefix: user, Response: dataset.Message{Role: "assistant", Content: "b"}},
	}}
	chk, diags := src.check(true, nil)
	if diags.HasError() {
		t.Fatal(diags)
	}
	model := func(sha string, rows int64) *datasetModel {
		return &datasetModel{ContentSHA256: types.StringValue(sha), RowCount: types.Int64Value(rows)}
	}
	for _, withKeys := range []bool{false, true} {
		p := privateMap{}
		if d := setPlannedRows(ctx, p, chk, withKeys); d.HasError() {
			t.Fatal(d)
		}
		got := plannedCheck(ctx, p, model(chk.contentSHA256(), 2), withKeys)
		if got == nil || !got.fromPlan || got.contentSHA256() != chk.contentSHA256() || len(got.fingerprints) != 2 {
			t.Fatalf("withKeys %v: plannedCheck = %+v", withKeys, got)
		}
		for i, f := range got.fingerprints {
			// The keys are recorded as they were taken, whatever withKeys
			// says: check(true) took them.
			if want := chk.fingerprints[i]; f != want {
				t.Errorf("withKeys %v: row %d = %v, want %v", withKeys, i, f, want)
			}
		}
		if plannedCheck(ctx, p, model(strings.Repeat("0", 64), 2), withKeys) != nil {
			t.Error("fingerprints of other content were used")
		}
		if plannedCheck(ctx, p, model(chk.contentSHA256(), 3), withKeys) != nil {
			t.Error("fingerprints of another row count were used")
		}
		if plannedCheck(ctx, privateMap{}, model(chk.contentSHA256(), 2), withKeys) != nil {
			t.Error("fingerprints found where none were planned")
		}
	}
	p := privateMap{}
	setPlannedRows(ctx, p, chk, false)
	if plannedCheck(ctx, p, model(chk.contentSHA256(), 2), true) != nil {
		t.Error("fingerprints planned without keys were used where keys are needed")
	}
}

// TestUpdateFromPlannedRows drives an update through the protocol: the plan
// of an append hands its fingerprints to the apply, which sends the new rows
// and leaves no trace of them in private state; the next plan is empty.
func TestUpdateFromPlannedRows(t *testing.T) {
	w := newWorld(t, 50)
	appendBenchRows(t, w.file, 50, 5, os.O_WRONLY|os.O_APPEND)
	plan := w.planChange(t)
	if !bytes.Contains(plan.PlannedPrivate, []byte(plannedRowsKey)) {
		t.Fatal("the plan of an append did not record its rows")
	}
	applied := w.apply(t, plan)
	if err := diagsErr(applied.Diagnostics); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(applied.Private, []byte(plannedRowsKey)) {
		t.Fatal("the planned rows stayed in private state")
	}
	if n := len(w.emu.Rows(testSpaceID, "bench")); n != 55 {
		t.Fatalf("%d rows stored, want 55", n)
	}
	w.state, w.private = applied.NewState, applied.Private
	again := w.planChange(t)
	if !w.isNoOp(t, again, w.state) || bytes.Contains(again.PlannedPrivate, []byte(plannedRowsKey)) {
		t.Fatal("the plan after the update is not empty")
	}
}

// TestUpdateFromPlannedRowsSeesAKeptRowChange: with the plan's fingerprints
// the apply does not read the source before sending, so a row that was
// already uploaded and changes between the plan and the apply is caught by
// the content hash of the read that sends: the new rows land and are
// recorded once, the apply fails, and the state keeps no content hash.
func TestUpdateFromPlannedRowsSeesAKeptRowChange(t *testing.T) {
	w := newWorld(t, 20)
	appendBenchRows(t, w.file, 20, 3, os.O_WRONLY|os.O_APPEND)
	plan := w.planChange(t)

	b, err := os.ReadFile(w.file)
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(b, []byte("Order #0000000:"), []byte("Order #0000000!"), 1)
	if bytes.Equal(edited, b) {
		t.Fatal("the first row was not edited")
	}
	if err := os.WriteFile(w.file, edited, 0o644); err != nil {
		t.Fatal(err)
	}

	applied := w.apply(t, plan)
	err = diagsErr(applied.Diagnostics)
	if err == nil || !strings.Contains(err.Error(), "no longer has the planned content") {
		t.Fatalf("apply error = %v, want the file's content no longer planned", err)
	}
	if n := len(w.emu.Rows(testSpaceID, "bench")); n != 23 {
		t.Fatalf("%d rows stored, want the 20 first and the 3 new", n)
	}
	state, err := applied.NewState.Unmarshal(w.typ)
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := state.As(&attrs); err != nil {
		t.Fatal(err)
	}
	var count big.Float
	if err := attrs["row_count"].As(&count); err != nil {
		t.Fatal(err)
	}
	if n, _ := count.Int64(); n != 23 || !attrs["content_sha256"].IsNull() {
		sha := attrs["content_sha256"]
		t.Fatalf("state: row_count %d, content_sha256 %v; want 23 and null", n, sha)
	}
	rec, err := rowsync.Decode(make([]string, 23), privateKeyOf(t, applied.Private, rowsync.LedgerKey), privateKeyOf(t, applied.Private, rowsync.PlatformKey))
	if err != nil || rec.Incomplete() {
		t.Fatalf("ledger after the failed apply does not hold the 23 rows: %v", err)
	}
}

// privateKeyOf is one key of the private state bytes the framework returns
// (a JSON object of base64 values).
func privateKeyOf(t *testing.T, private []byte, key string) []byte {
	t.Helper()
	var m map[string][]byte
	if err := json.Unmarshal(private, &m); err != nil {
		t.Fatalf("private state %q: %v", private, err)
	}
	return m[key]
}
