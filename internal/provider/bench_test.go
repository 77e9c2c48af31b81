package provider

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/collinear-ai/terraform-provider-collinear/internal/emulator"
)

// The plan-time path of a no-op `terraform plan` over a large file with
// compact_row_ids, driven in process through the protocol server the way
// Terraform drives the plugin: ReadResource (the refresh: dataset lookup and
// reconciliation) then PlanResourceChange (ModifyPlan: scan and fingerprint the
// file, match the ledger). Terraform's own work and the gRPC transport are not
// included; scripts/bench.sh measures the whole command.
//
//	go test -run '^$' -bench PlanPath -benchtime 3x -cpuprofile cpu.out -memprofile mem.out ./internal/provider/

const benchPlanRows = 100_000

// benchWorld is a dataset of benchPlanRows rows created through the provider,
// with the state and private state Terraform would hold after the apply.
type benchWorld struct {
	emu     *emulator.Server
	file    string
	rows    int
	srv     tfprotov6.ProviderServer
	typ     tftypes.Type
	config  *tfprotov6.DynamicValue
	state   *tfprotov6.DynamicValue
	private []byte
}

func writeBenchRows(b testing.TB, path string, n int) {
	b.Helper()
	appendBenchRows(b, path, 0, n, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
}

// appendBenchRows writes rows start to start+n-1; each is distinct.
func appendBenchRows(b testing.TB, path string, start, n, flags int) {
	b.Helper()
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	topics := []string{"shipping", "returns", "warranty", "billing", "account"}
	for i := start; i < start+n; i++ {
		fmt.Fprintf(w, `{"conv_prefix":[{"role":"user","content":"Order #%07d: how long does delivery of item %d take to zone %d, and can I change the address after it ships?"}],"response":{"role":"assistant","content":"Delivery usually takes %d to %d business days once the order has shipped; the address can be changed before dispatch."},"ground_truth":%d,"context":"%s/ticket-%d"}`+"\n",
			i, i%977, i%31, 2+i%5, 7+i%30, i%2, topics[i%len(topics)], 100000+i)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

func dynamic(b testing.TB, typ tftypes.Type, v tftypes.Value) *tfprotov6.DynamicValue {
	b.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		b.Fatal(err)
	}
	return &dv
}

func diagsErr(diags []*tfprotov6.Diagnostic) error {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return fmt.Errorf("%s: %s", d.Summary, d.Detail)
		}
	}
	return nil
}

func newBenchWorld(b testing.TB) *benchWorld {
	return newWorld(b, benchPlanRows)
}

// newWorld creates a dataset of rows rows through the provider.
func newWorld(b testing.TB, rows int) *benchWorld {
	b.Helper()
	ctx := context.Background()
	emu, err := emulator.Start(emulator.Options{APIKey: testAPIKey})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(emu.Close)
	file := filepath.Join(b.TempDir(), "rows.jsonl")
	writeBenchRows(b, file, rows)

	srv, err := providerserver.NewProtocol6WithError(New("bench")())()
	if err != nil {
		b.Fatal(err)
	}
	schemas, err := srv.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		b.Fatal(err)
	}
	if err := diagsErr(schemas.Diagnostics); err != nil {
		b.Fatal(err)
	}
	ptyp, ok := schemas.Provider.ValueType().(tftypes.Object)
	if !ok {
		b.Fatal("the provider schema is not an object")
	}
	pvals := map[string]tftypes.Value{}
	for name, t := range ptyp.AttributeTypes {
		pvals[name] = tftypes.NewValue(t, nil)
	}
	pvals["api_key"] = tftypes.NewValue(tftypes.String, testAPIKey)
	pvals["base_url"] = tftypes.NewValue(tftypes.String, emu.URL())
	conf, err := srv.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.11.4",
		Config:           dynamic(b, ptyp, tftypes.NewValue(ptyp, pvals)),
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := diagsErr(conf.Diagnostics); err != nil {
		b.Fatal(err)
	}

	typ, ok := schemas.ResourceSchemas["collinear_dataset"].ValueType().(tftypes.Object)
	if !ok {
		b.Fatal("the collinear_dataset schema is not an object")
	}
	vals := map[string]tftypes.Value{}
	for name, t := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(t, nil)
	}
	vals["space_id"] = tftypes.NewValue(tftypes.String, testSpaceID)
	vals["dataset_name"] = tftypes.NewValue(tftypes.String, "bench")
	vals["file"] = tftypes.NewValue(tftypes.String, file)
	vals["compact_row_ids"] = tftypes.NewValue(tftypes.Bool, true)
	config := dynamic(b, typ, tftypes.NewValue(typ, vals))
	null := dynamic(b, typ, tftypes.NewValue(typ, nil))

	plan, err := srv.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: "collinear_dataset", PriorState: null, ProposedNewState: config, Config: config,
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := diagsErr(plan.Diagnostics); err != nil {
		b.Fatal(err)
	}
	applied, err := srv.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: "collinear_dataset", PriorState: null, PlannedState: plan.PlannedState,
		Config: config, PlannedPrivate: plan.PlannedPrivate,
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := diagsErr(applied.Diagnostics); err != nil {
		b.Fatal(err)
	}
	if got := len(emu.Rows(testSpaceID, "bench")); got != rows {
		b.Fatalf("%d rows stored, want %d", got, benchPlanRows)
	}
	return &benchWorld{emu: emu, file: file, rows: rows, srv: srv, typ: typ, config: config, state: applied.NewState, private: applied.Private}
}

// refresh is ReadResource on the applied state, as the refresh of a plan.
func (w *benchWorld) refresh(b testing.TB) *tfprotov6.ReadResourceResponse {
	read, err := w.srv.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{
		TypeName: "collinear_dataset", CurrentState: w.state, Private: w.private,
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := diagsErr(read.Diagnostics); err != nil {
		b.Fatal(err)
	}
	return read
}

// plan is PlanResourceChange from the refreshed state with the unchanged
// configuration; it must plan no change.
func (w *benchWorld) plan(b testing.TB, read *tfprotov6.ReadResourceResponse) {
	plan := w.planFrom(b, read.NewState, read.Private)
	if !w.isNoOp(b, plan, read.NewState) {
		b.Fatal("the no-op plan is not empty")
	}
}

// isNoOp reports whether a plan leaves state as it is.
func (w *benchWorld) isNoOp(b testing.TB, plan *tfprotov6.PlanResourceChangeResponse, state *tfprotov6.DynamicValue) bool {
	planned, err := plan.PlannedState.Unmarshal(w.typ)
	if err != nil {
		b.Fatal(err)
	}
	prior, err := state.Unmarshal(w.typ)
	if err != nil {
		b.Fatal(err)
	}
	return planned.Equal(prior)
}

// BenchmarkPlanPath100k is the provider's share of a no-op plan: refresh and
// plan of a 100,000-row dataset (about 32 MB of JSONL).
func BenchmarkPlanPath100k(b *testing.B) {
	w := newBenchWorld(b)
	b.Run("read", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w.refresh(b)
		}
	})
	read := w.refresh(b)
	b.Run("plan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w.plan(b, read)
		}
	})
	b.Run("read+plan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w.plan(b, w.refresh(b))
		}
	})
}

// update appends n rows to the file, then plans and applies the change as
// Terraform's apply walk does, and keeps the new state.
func (w *benchWorld) update(b testing.TB, n int) {
	appendBenchRows(b, w.file, w.rows, n, os.O_WRONLY|os.O_APPEND)
	w.rows += n
	applied := w.apply(b, w.planChange(b))
	if err := diagsErr(applied.Diagnostics); err != nil {
		b.Fatal(err)
	}
	w.state, w.private = applied.NewState, applied.Private
}

// planChange is PlanResourceChange from the current state with the
// configuration.
func (w *benchWorld) planChange(b testing.TB) *tfprotov6.PlanResourceChangeResponse {
	return w.planFrom(b, w.state, w.private)
}

// planFrom is PlanResourceChange from a state with the configuration. Terraform
// proposes the prior state with the configuration's non-computed values;
// they are the same here.
func (w *benchWorld) planFrom(b testing.TB, state *tfprotov6.DynamicValue, private []byte) *tfprotov6.PlanResourceChangeResponse {
	prior, err := state.Unmarshal(w.typ)
	if err != nil {
		b.Fatal(err)
	}
	plan, err := w.srv.PlanResourceChange(context.Background(), &tfprotov6.PlanResourceChangeRequest{
		TypeName: "collinear_dataset", PriorState: state, ProposedNewState: dynamic(b, w.typ, prior),
		Config: w.config, PriorPrivate: private,
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := diagsErr(plan.Diagnostics); err != nil {
		b.Fatal(err)
	}
	return plan
}

// apply is ApplyResourceChange of a plan, with its planned private state.
func (w *benchWorld) apply(b testing.TB, plan *tfprotov6.PlanResourceChangeResponse) *tfprotov6.ApplyResourceChangeResponse {
	applied, err := w.srv.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName: "collinear_dataset", PriorState: w.state, PlannedState: plan.PlannedState,
		Config: w.config, PlannedPrivate: plan.PlannedPrivate,
	})
	if err != nil {
		b.Fatal(err)
	}
	return applied
}

// BenchmarkUpdateAppend100 is the provider's share of the apply walk of an
// update that appends 100 rows to a 100,000-row dataset.
func BenchmarkUpdateAppend100(b *testing.B) {
	w := newBenchWorld(b)
	b.ReportAllocs()
	for b.Loop() {
		w.update(b, 100)
	}
}
