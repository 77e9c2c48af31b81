package provider

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exampleFile reads a file of the examples/ folder, which the docs show.
func exampleFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// withoutKey runs fn with no COLLINEAR_API_KEY in the CLI's environment.
func (c *cliEnv) withoutKey(fn func()) {
	saved := c.env
	defer func() { c.env = saved }()
	c.env = nil
	for _, kv := range saved {
		if !strings.HasPrefix(kv, "COLLINEAR_API_KEY=") {
			c.env = append(c.env, kv)
		}
	}
	fn()
}

// TestAccCLI_offlineChecksNeedNoKey: the functions' examples, as the docs
// show them, gate a pull request with no API key at all: `terraform
// validate`, `terraform plan` and `terraform test` pass on a good file, and
// fail on a bad row or on more rows than the precondition allows; nothing is
// sent. With a key, row_ids gives the ids the API returned.
func TestAccCLI_offlineChecksNeedNoKey(t *testing.T) {
	c := newCLIEnv(t)
	c.configure("")
	c.writeWork("checks.tf", exampleFile(t, "functions/dataset_summary/function.tf"))
	c.writeWork("train.tf", exampleFile(t, "functions/row_ids/function.tf"))
	c.writeWork("data/eval.jsonl", jsonl(sampleRows...))
	c.writeWork("data/train.jsonl", jsonl(numberedRows(1, 5)...))
	c.writeWork("tests/eval.tftest.hcl", `run "eval_is_clean" {
  command = plan

  assert {
    condition     = local.eval.row_count == 3 && length(local.eval.warnings) == 0
    error_message = "unexpected summary"
  }
}
`)
	ctx := context.Background()
	run := func(args ...string) cliResult {
		t.Helper()
		return c.terraform(ctx, nil, args...)
	}
	c.withoutKey(func() {
		for _, args := range [][]string{{"validate", "-no-color"}, {"plan", "-input=false", "-no-color"}, {"test", "-no-color"}} {
			if res := run(args...); res.exitCode != 0 {
				t.Fatalf("terraform %s without a key exited %d:\n%s%s", args[0], res.exitCode, res.stdout, res.stderr)
			}
		}
		c.writeWork("data/eval.jsonl", jsonl(sampleRows[0], `{"conv_prefix":[{"role":"user","content":"q"}],"response":{"role":"assistant","content":"a"},"ground_truht":1}`))
		for _, args := range [][]string{{"validate", "-no-color"}, {"test", "-no-color"}} {
			res := run(args...)
			if out := res.stdout + res.stderr; res.exitCode == 0 || !strings.Contains(out, "did you mean ground_truth?") || !strings.Contains(out, "row 2 (line 2)") {
				t.Fatalf("terraform %s of a misspelt label exited %d:\n%s", args[0], res.exitCode, out)
			}
		}
		c.writeWork("data/eval.jsonl", jsonl(numberedRows(1, 5001)...))
		res := run("plan", "-input=false", "-no-color")
		if res.exitCode == 0 || !strings.Contains(res.stderr, "holds 5001 rows: is it the training set?") {
			t.Fatalf("the plan of 5001 eval rows exited %d:\n%s", res.exitCode, res.stderr)
		}
	})
	if n := len(c.emu.Requests()); n != 0 {
		t.Fatalf("%d requests without a key", n)
	}

	c.writeWork("data/eval.jsonl", jsonl(sampleRows...))
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	res := c.mustTerraform("output", "-raw", "first_row_id")
	if stored := c.storedIDs("support-bot-train"); len(stored) != 5 || res.stdout != stored[0] {
		t.Fatalf("first_row_id = %q, the emulator stored %v", res.stdout, stored)
	}
}
