package provider

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// copyExample copies a folder of examples/ into the working directory.
func (c *cliEnv) copyExample(dir string) {
	c.t.Helper()
	root := filepath.Join("..", "..", "examples", dir)
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		c.writeWork(rel, string(b))
		return nil
	})
	if err != nil {
		c.t.Fatal(err)
	}
}

// TestAccCLI_fileWrittenDuringApply runs examples/generated-file, which the
// resource docs show: a file another resource writes during the apply is
// read and checked at apply, before anything is sent, and the plan shows
// what depends on it as known after apply. A later run from a clean checkout
// writes the file again and uploads nothing new; a bad row in it fails the
// apply with nothing sent. The natural configuration,
// a path known at plan, fails at plan with an error pointing at the pattern.
func TestAccCLI_fileWrittenDuringApply(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	c.skipBelow("1.4.0") // terraform_data
	c.copyExample("generated-file")
	example, err := os.ReadFile(filepath.Join(c.work, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}

	natural := strings.Replace(string(example), "file = terraform_data.eval_file.output",
		"file       = \"${path.module}/build/eval.jsonl\"\n  depends_on = [terraform_data.eval_file]", 1)
	if natural == string(example) {
		t.Fatal("the example no longer takes file from terraform_data.eval_file.output")
	}
	c.writeWork("main.tf", natural)
	res := c.terraform(context.Background(), nil, "plan", "-json", "-input=false")
	d := findDiagnostic(diagnostics(t, res.stdout), "error", "File not found")
	if res.exitCode != 1 || d == nil || !strings.Contains(d.Detail, "file = terraform_data.eval_file.output") ||
		!strings.Contains(d.Detail, `"Files written during the apply"`) {
		t.Fatalf("the plan of a file not yet written exited %d without pointing at the pattern:\n%s", res.exitCode, res.stdout)
	}

	c.writeWork("main.tf", string(example))
	res = c.mustTerraform("plan", "-no-color", "-input=false")
	for _, want := range []string{`file\s+= \(known after apply\)`, `row_count\s+= \(known after apply\)`, `row_ids\s+= \(known after apply\)`} {
		if !regexp.MustCompile(want).MatchString(res.stdout) {
			t.Fatalf("the plan does not show %s:\n%s", want, res.stdout)
		}
	}
	if n := len(c.emu.Requests()); n != 0 {
		t.Fatalf("the plans made %d requests", n)
	}
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	if got := c.uploads(); len(got) != 1 || len(got[0]) != 5 {
		t.Fatalf("uploads %v, want one of the 5 rows", got)
	}
	ids := c.stateRowIDs("collinear_dataset.generated")
	if stored := c.storedIDs("bookshop-support-generated"); strings.Join(ids, ",") != strings.Join(stored, ",") {
		t.Fatalf("state ids %v, stored %v", ids, stored)
	}

	// A clean checkout: the file of the last run is gone.
	if err := os.RemoveAll(filepath.Join(c.work, "build")); err != nil {
		t.Fatal(err)
	}
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	if n := len(c.uploads()); n != 1 {
		t.Fatalf("%d uploads after rewriting the same file, want none more", n)
	}
	if again := c.stateRowIDs("collinear_dataset.generated"); strings.Join(again, ",") != strings.Join(ids, ",") {
		t.Fatalf("state ids changed from %v to %v", ids, again)
	}

	// A row added to a part is uploaded, alone.
	part := filepath.Join(c.work, "parts", "orders.jsonl")
	b, err := os.ReadFile(part)
	if err != nil {
		t.Fatal(err)
	}
	c.writeWork(filepath.Join("parts", "orders.jsonl"), string(b)+rowJSON("Do you ship to Norway?", "Yes, in 5 to 8 business days.", 1)+"\n")
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	if got := c.uploads(); len(got) != 2 || len(got[1]) != 1 {
		t.Fatalf("uploads %v, want a second one of the new row", got)
	}

	// A bad row, written during the apply, fails it before anything is sent.
	c.writeWork(filepath.Join("parts", "zz-new.jsonl"), jsonl(rowJSON("New?", "Yes.", 1),
		`{"conv_prefix":[{"role":"user","content":"q"}],"response":{"role":"assistant","content":"a"},"ground_truht":1}`))
	res = c.terraform(context.Background(), nil, "apply", "-auto-approve", "-input=false", "-no-color")
	if res.exitCode == 0 || !wrappedText("row 8 (line 8): ground_truht: is not a field; did you mean ground_truth?").MatchString(res.stderr) {
		t.Fatalf("the apply of a bad generated file exited %d:\n%s", res.exitCode, res.stderr)
	}
	if n := len(c.uploads()); n != 2 {
		t.Fatalf("%d uploads: the apply of a bad file sent rows", n)
	}
}
