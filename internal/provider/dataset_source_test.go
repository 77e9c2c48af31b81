package provider

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	chk, diags := src.check(true)
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
