package provider

import (
	"context"
	"strings"
	"testing"
)

// TestAccCLI_maxUploadRows: a plan that would upload more rows than
// max_upload_rows fails with the counts and nothing is uploaded; an append
// under the limit goes through, kept rows not counting.
func TestAccCLI_maxUploadRows(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	rows := numberedRows(1, 8)
	c.writeWork("rows.jsonl", jsonl(rows...))
	c.configure(datasetHCL(`"rows.jsonl"`, "  max_upload_rows = 5"))
	res := c.terraform(context.Background(), nil, "plan", "-no-color", "-input=false")
	flat := strings.Join(strings.Fields(res.stderr), " ")
	if res.exitCode == 0 || !strings.Contains(flat, "Too many rows to upload") || !strings.Contains(flat, "would upload 8 row(s)") || !strings.Contains(flat, "max_upload_rows = 5") {
		t.Fatalf("plan exit %d, want the limit's error with the counts:\n%s", res.exitCode, res.stderr)
	}
	if res := c.terraform(context.Background(), nil, "apply", "-auto-approve", "-input=false"); res.exitCode == 0 {
		t.Fatal("apply past the limit succeeded")
	}
	if n := c.uploadedRows(); n != 0 {
		t.Fatalf("%d rows uploaded past the limit", n)
	}

	c.writeWork("rows.jsonl", jsonl(rows[:5]...))
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	c.writeWork("rows.jsonl", jsonl(rows...))
	c.configure(datasetHCL(`"rows.jsonl"`, "  max_upload_rows = 3"))
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	if n := c.uploadedRows(); n != 8 {
		t.Fatalf("%d rows uploaded, want 5 then 3", n)
	}
	c.checkAligned(rows)
}
