package provider

import (
	"context"
	"strings"
	"testing"
)

// TestAccCLI_textThatWouldChangeIsRefusedAtPlan: a CSV file saved in
// Windows-1252 and a JSON file holding half a surrogate pair are refused by
// the plan, naming the file, row, line and field and how to fix it, and the
// apply sends nothing: no byte is uploaded changed.
func TestAccCLI_textThatWouldChangeIsRefusedAtPlan(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	for _, tc := range []struct {
		file, content, summary string
		want                   []string
	}{
		{"eval.csv", "conv_prefix,response\nO\xf9 est le caf\xe9 ?,Au coin de la rue.\n", "Text not in UTF-8",
			[]string{"eval.csv: row 1 (line 2): conv_prefix: holds bytes that are not UTF-8", `reads "Où est le café ?"`, "re-save the file as UTF-8"}},
		{"eval.json", "[\n" + sampleRows[0] + ",\n" + `{"conv_prefix":[{"role":"user","content":"Smile \ud83d"}],"response":{"role":"assistant","content":"ok"}}` + "\n]\n", "Unpaired surrogate",
			[]string{`eval.json: row 2 (line 3): conv_prefix[0].content: holds the escape \ud83d`, "Write the whole pair"}},
	} {
		c.writeWork(tc.file, tc.content)
		c.configure(datasetHCL(`"` + tc.file + `"`))
		res := c.terraform(context.Background(), nil, "plan", "-json", "-input=false")
		d := findDiagnostic(diagnostics(t, res.stdout), "error", tc.summary)
		if res.exitCode != 1 || d == nil {
			t.Fatalf("%s: plan exited %d without the error %q:\n%s", tc.file, res.exitCode, tc.summary, res.stdout)
		}
		for _, want := range tc.want {
			if !strings.Contains(d.Detail, want) {
				t.Fatalf("%s: the error does not say %q:\n%s", tc.file, want, d.Detail)
			}
		}
		res = c.terraform(context.Background(), nil, "apply", "-auto-approve", "-input=false", "-no-color")
		if res.exitCode == 0 || !strings.Contains(res.stderr, tc.summary) {
			t.Fatalf("%s: apply exited %d\n%s", tc.file, res.exitCode, res.stderr)
		}
	}
	if n := len(c.emu.Requests()); n != 0 {
		t.Fatalf("%d requests to the API, want none", n)
	}
}

// TestAccCLI_everyUnknownKeyIsShown: two unknown keys in two rows and a
// misspelt label in a third all show in the plan: the misspelling as an
// error naming the field meant, the unknown keys in one warning that lists
// each, which Terraform cannot fold into "similar warnings".
func TestAccCLI_everyUnknownKeyIsShown(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	rows := func(label string) string {
		return jsonl(
			`{"id":"r-1","conv_prefix":[{"role":"user","content":"Hi"}],"response":{"role":"assistant","content":"Hello"},"ground_truth":1}`,
			`{"conv_prefix":[{"role":"user","content":"Bye"}],"response":{"role":"assistant","content":"Goodbye"},"source":"web"}`,
			`{"conv_prefix":[{"role":"user","content":"2+2?"}],"response":{"role":"assistant","content":"5"},"`+label+`":0}`,
		)
	}
	c.writeWork("rows.jsonl", rows("ground_truht"))
	c.configure(datasetHCL(`"rows.jsonl"`))
	res := c.terraform(context.Background(), nil, "plan", "-json", "-input=false")
	diags := diagnostics(t, res.stdout)
	typo := findDiagnostic(diags, "error", "Misspelt key")
	if res.exitCode != 1 || typo == nil || !strings.Contains(typo.Detail, "rows.jsonl: row 3 (line 3): ground_truht: is not a field; did you mean ground_truth?") {
		t.Fatalf("plan exited %d without the misspelling as an error:\n%s", res.exitCode, res.stdout)
	}
	keys := findDiagnostic(diags, "warning", "Keys not uploaded")
	if keys == nil || !strings.Contains(keys.Detail, "\n  id: row 1 (line 1)\n  source: row 2 (line 2)") {
		t.Fatalf("no warning listing both unknown keys:\n%s", res.stdout)
	}
	if n := len(c.emu.Requests()); n != 0 {
		t.Fatalf("the refused plan made %d requests to the API, want none", n)
	}

	// Fixed, the plan goes through with the warning listing both keys, as
	// one block of the human-readable output.
	c.writeWork("rows.jsonl", rows("ground_truth"))
	res = c.mustTerraform("plan", "-no-color", "-input=false")
	out := res.stdout + res.stderr
	for _, want := range []string{"Warning: Keys not uploaded", "id: row 1 (line 1)", "source: row 2 (line 2)"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the plan does not show %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "similar warning") {
		t.Fatalf("Terraform folded warnings:\n%s", out)
	}
	// A create's plan looks the dataset up; nothing is uploaded.
	if n := c.emu.UploadCount(); n != 0 {
		t.Fatalf("the plan made %d uploads", n)
	}
}
