package provider

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestAccCLI_planPreviewsWhatItUploads: the plan of an append lists each new
// row with its position and text, and no row already uploaded; past
// preview_rows it says how many more; a no-op plan shows no preview and no
// change; a saved plan's JSON carries the preview.
func TestAccCLI_planPreviewsWhatItUploads(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	rows := numberedRows(1, 103)
	c.writeWork("rows.jsonl", jsonl(rows[:100]...))
	c.configure(datasetHCL(`"rows.jsonl"`, "  compact_row_ids = true"))
	res := c.mustTerraform("plan", "-no-color", "-input=false")
	for _, want := range []string{`"row 1 (line 1): user: “Question 1?” → assistant: “Answer 1.”"`, `"row 20 (line 20): `, `"... and 80 more row(s)"`} {
		if !strings.Contains(res.stdout, want) {
			t.Fatalf("the create's plan lacks %s:\n%s", want, res.stdout)
		}
	}
	if strings.Contains(res.stdout, `"row 21 (line 21)`) {
		t.Fatalf("the plan shows more rows than preview_rows:\n%s", res.stdout)
	}
	c.mustTerraform("apply", "-auto-approve", "-input=false")

	c.planIsEmpty()
	res = c.mustTerraform("plan", "-no-color", "-input=false")
	if strings.Contains(res.stdout, "upload_preview") {
		t.Fatalf("a no-op plan shows a preview:\n%s", res.stdout)
	}

	c.writeWork("rows.jsonl", jsonl(rows...))
	c.mustTerraform("plan", "-out=tfplan", "-no-color", "-input=false")
	res = c.mustTerraform("show", "-no-color", "tfplan")
	for i := 101; i <= 103; i++ {
		want := fmt.Sprintf(`"row %d (line %d): user: “Question %d?” → assistant: “Answer %d.”"`, i, i, i, i)
		if !strings.Contains(res.stdout, want) {
			t.Fatalf("the append's plan lacks %s:\n%s", want, res.stdout)
		}
	}
	if strings.Contains(res.stdout, "Question 100?") || strings.Contains(res.stdout, "more row(s)") || strings.Contains(res.stdout, `- "row`) {
		t.Fatalf("the append's plan shows a row already uploaded:\n%s", res.stdout)
	}
	res = c.mustTerraform("show", "-json", "tfplan")
	var plan struct {
		ResourceChanges []struct {
			Change struct {
				After struct {
					UploadPreview []string `json:"upload_preview"`
				} `json:"after"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &plan); err != nil || len(plan.ResourceChanges) != 1 {
		t.Fatalf("show -json: %v\n%s", err, res.stdout)
	}
	if got := plan.ResourceChanges[0].Change.After.UploadPreview; len(got) != 3 || !strings.HasPrefix(got[0], "row 101 (line 101): ") {
		t.Fatalf("the saved plan's JSON carries %q, want the 3 new rows", got)
	}
	c.mustTerraform("apply", "-auto-approve", "-input=false", "tfplan")
	c.checkAligned(rows)
	c.planIsEmpty()
}

// TestAccCLI_previewShowsEditsAndEscapes: an edited row is a new row whose
// old version stays; control characters cannot break a preview line;
// preview_rows = 0 turns it off.
func TestAccCLI_previewShowsEditsAndEscapes(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	rows := numberedRows(1, 3)
	c.writeWork("rows.jsonl", jsonl(rows...))
	c.configure(datasetHCL(`"rows.jsonl"`))
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	edited := append([]string{}, rows...)
	edited[1] = `{"conv_prefix":[{"role":"user","content":"Question 2?\n\u001b[31mred"}],"response":{"role":"assistant","content":"Answer 2, corrected."},"ground_truth":1}`
	c.writeWork("rows.jsonl", jsonl(edited...))
	out := c.mustTerraform("plan", "-no-color", "-input=false").stdout
	want := `"row 2 (line 2), edited: a new row; the old version stays on the platform: user: “Question 2?\\n\\x1b[31mred” → assistant: “Answer 2, corrected.”"`
	if !strings.Contains(out, want) {
		t.Fatalf("the plan lacks %s:\n%s", want, out)
	}
	c.configure(datasetHCL(`"rows.jsonl"`, "  preview_rows = 0"))
	if out := c.mustTerraform("plan", "-no-color", "-input=false").stdout; strings.Contains(out, "row 2 (line 2)") {
		t.Fatalf("preview_rows = 0 still previews:\n%s", out)
	}
}
