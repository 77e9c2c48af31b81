package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/collinear-ai/terraform-provider-collinear/internal/emulator"
)

// TestAccCLI_judgeReplaceAndDestroyWarn: the plan of a replacement says the
// old judge stays; destroy sends nothing and says judge and run stay.
func TestAccCLI_judgeReplaceAndDestroyWarn(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	datasetID := c.datasetInEmulator("eval")
	c.configure(evaluationHCL(datasetID, ""))
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	oldID := c.judgeIDs("tone")[0]

	c.configure(strings.Replace(evaluationHCL(datasetID, ""), `model_name          = "prompted_model"`, `model_name          = "veritas"`, 1))
	res := c.mustTerraform("plan", "-json", "-input=false")
	d := findDiagnostic(diagnostics(t, res.stdout), "warning", "The replaced judge stays on the platform")
	if d == nil {
		t.Fatalf("no warning that the old judge stays:\n%s", res.stdout)
	}
	for _, want := range []string{"model_name", oldID, `"tone"`, "no update and no delete"} {
		if !strings.Contains(d.Detail, want) {
			t.Errorf("the warning does not say %q: %s", want, d.Detail)
		}
	}
	res = c.mustTerraform("apply", "-auto-approve", "-input=false", "-json")
	if n := len(c.judgeIDs("tone")); n != 2 {
		t.Fatalf("%d judges after the replacement, want 2: the old one stays", n)
	}
	// The run follows its judge: a new judge id starts a new run.
	if n := len(c.emu.Evaluations()); n != 2 {
		t.Fatalf("%d runs, want 2", n)
	}
	if d := findDiagnostic(diagnostics(t, res.stdout), "warning", "Another judge with this name already exists"); d == nil || !strings.Contains(d.Detail, oldID) {
		t.Fatalf("the apply does not name the judge that was there before:\n%s", res.stdout)
	}

	before := len(c.emu.Requests())
	res = c.mustTerraform("destroy", "-auto-approve", "-input=false", "-json")
	diags := diagnostics(t, res.stdout)
	for _, summary := range []string{"Judge left on the Collinear platform", "Evaluation run left on the Collinear platform"} {
		if findDiagnostic(diags, "warning", summary) == nil {
			t.Errorf("destroy did not warn %q:\n%s", summary, res.stdout)
		}
	}
	for _, r := range c.emu.Requests()[before:] {
		if r.Method != "GET" {
			t.Fatalf("destroy sent %s %s; only the refresh's list is expected", r.Method, r.Path)
		}
	}
	if n := len(c.judgeIDs("tone")); n != 2 {
		t.Fatalf("%d judges after destroy, want 2", n)
	}
}

// TestAccCLI_evaluationUnknownOutcomeUntaint: a run stored but answered 504
// is not started again; the error says how to keep it, and after `terraform
// untaint` the plan is empty.
func TestAccCLI_evaluationUnknownOutcomeUntaint(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	datasetID := c.datasetInEmulator("eval")
	c.configure(evaluationHCL(datasetID, ""))
	c.emu.InjectFaults(emulator.Fault{Kind: emulator.Fault504AfterCommit, Path: "/api/v1/dataset/assess/run"})
	res := c.terraform(context.Background(), nil, "apply", "-auto-approve", "-input=false", "-no-color")
	if res.exitCode == 0 || !strings.Contains(res.stderr, "Evaluation run outcome unknown") || !strings.Contains(res.stderr, "terraform untaint") {
		t.Fatalf("apply: exit %d\n%s", res.exitCode, res.stderr)
	}
	if n := len(c.emu.Evaluations()); n != 1 {
		t.Fatalf("%d runs, want 1", n)
	}
	c.mustTerraform("untaint", "collinear_evaluation.test")
	res = c.terraform(context.Background(), nil, "plan", "-detailed-exitcode", "-input=false")
	if res.exitCode != 0 {
		t.Fatalf("plan after untaint exited %d, want 0 (empty)\n%s%s", res.exitCode, res.stdout, res.stderr)
	}
	if n := c.requestsTo("POST", "/api/v1/dataset/assess/run"); n != 1 {
		t.Fatalf("%d run requests, want 1", n)
	}
}
