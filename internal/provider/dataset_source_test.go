package provider

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
	"github.com/collinear-ai/terraform-provider-collinear/internal/upload"
)

// TestRowsToSendSaysWhyTheFileFellShort: a file that turns invalid between
// the check and the upload pass yields only the rows before the bad one, and
// the reason names that row, so the apply error can say why.
func TestRowsToSendSaysWhyTheFileFellShort(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rows.jsonl")
	if err := os.WriteFile(path, []byte(jsonl(sampleRows...)), 0o600); err != nil {
		t.Fatal(err)
	}
	src := &source{file: path}
	chk, diags := src.check(true, nil)
	if diags.HasError() {
		t.Fatal(diags)
	}
	if err := os.WriteFile(path, []byte(jsonl(sampleRows[0], "{not json", sampleRows[2])), 0o600); err != nil {
		t.Fatal(err)
	}
	rows, why := src.rowsToSend(chk, []bool{true, true, true})
	n := 0
	for range rows {
		n++
	}
	if n != 1 {
		t.Fatalf("yielded %d rows, want only the row before the bad line", n)
	}
	if err := why(); !errors.Is(err, upload.ErrSourceChanged) || !strings.Contains(err.Error(), "row 2") {
		t.Fatalf("reason = %v, want the source changed, naming row 2", err)
	}
}

// TestProblemDiagnosticsPaths: for inline rows, a problem about one row is
// put on its exact attribute, and a warning listing several rows on `rows`;
// each problem is one diagnostic, so no two warnings share a summary.
func TestProblemDiagnosticsPaths(t *testing.T) {
	turn := func(role string) []dataset.Message { return []dataset.Message{{Role: role, Content: "q"}} }
	src := &source{rows: []dataset.Row{
		{ConvPrefix: turn("user"), Response: dataset.Message{Role: "model", Content: "a"}},
		{ConvPrefix: turn("bot"), Response: dataset.Message{Role: "assistant", Content: "a"}},
		{ConvPrefix: turn("narrator"), Response: dataset.Message{Role: "assistant", Content: "a"}},
	}}
	_, diags := src.check(false, nil)
	if diags.HasError() || len(diags) != 3 {
		t.Fatalf("want 3 warnings, got %v", diags)
	}
	want := map[string]path.Path{
		"Unexpected response role":    path.Root("rows").AtListIndex(0).AtName("response").AtName("role"),
		"Unusual role":                path.Root("rows"),
		"Last turn is not the user's": path.Root("rows"),
	}
	for _, d := range diags {
		wd, ok := d.(diag.DiagnosticWithPath)
		if !ok || !wd.Path().Equal(want[d.Summary()]) {
			t.Errorf("%q: path %v, want %v", d.Summary(), wd.Path(), want[d.Summary()])
		}
		delete(want, d.Summary())
	}
	if len(want) != 0 {
		t.Errorf("missing warnings %v", want)
	}
}
