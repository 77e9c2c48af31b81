package provider

import (
	"cmp"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
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

// skipBelow skips a test on a Terraform CLI older than version (in the CI
// matrix), which lacks a feature the test's configuration uses.
func (c *cliEnv) skipBelow(version string) {
	c.t.Helper()
	res := c.mustTerraform("version", "-json")
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &v); err != nil {
		c.t.Fatalf("terraform version -json: %v\n%s", err, res.stdout)
	}
	if compareVersions(v.Version, version) < 0 {
		c.t.Skipf("Terraform %s: this test needs %s or later", v.Version, version)
	}
}

// compareVersions compares dotted version numbers such as 1.11.4.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(as), len(bs)) {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(strings.TrimFunc(as[i], func(r rune) bool { return r < '0' || r > '9' }))
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return cmp.Compare(x, y)
		}
	}
	return 0
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
	t.Parallel()
	c := newCLIEnv(t)
	c.skipBelow("1.8.0") // provider functions
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
