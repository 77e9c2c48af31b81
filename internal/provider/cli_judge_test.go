package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

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

// hangingRun runs terraform with args (-json among them) while the first
// request to path hangs, and returns the error diagnostic it ends with,
// which must come well within a minute.
func (c *cliEnv) hangingRun(path, summary string, args ...string) *diagnostic {
	c.t.Helper()
	c.emu.InjectFaults(emulator.Fault{Kind: emulator.FaultHang, Path: path})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	res := c.terraform(ctx, nil, args...)
	if took := time.Since(start); took > 30*time.Second {
		c.t.Fatalf("terraform %v took %s with a 2s timeout", args, took)
	}
	d := findDiagnostic(diagnostics(c.t, res.stdout), "error", summary)
	if res.exitCode == 0 || d == nil {
		c.t.Fatalf("terraform %v: exit %d, want the error %q\n%s%s", args, res.exitCode, summary, res.stdout, res.stderr)
	}
	return d
}

// mustSay fails the test unless text holds every one of wants.
func mustSay(t *testing.T, text string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("the message does not say %q:\n%s", want, text)
		}
	}
}

// TestAccCLI_judgesListThatNeverAnswers: the collinear_judges data source
// stops at its read timeout with an error naming the list's route, the
// timeout and the setting to raise.
func TestAccCLI_judgesListThatNeverAnswers(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	c.configure(fmt.Sprintf("data \"collinear_judges\" \"all\" {\n  space_id = %q\n  timeouts {\n    read = \"2s\"\n  }\n}\n", testSpaceID))
	d := c.hangingRun(judgeListPath, "Judge list timed out", "plan", "-json", "-input=false")
	mustSay(t, d.Detail, "GET "+judgeListPath, "did not answer within the read timeout of 2s", "timeouts block (read)")
}

// TestAccCLI_judgeRefreshThatNeverAnswers: a judge's refresh stops the plan
// at the read timeout, naming the route and the timeout, instead of going on
// with a warning.
func TestAccCLI_judgeRefreshThatNeverAnswers(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	c.configure(judgeHCL("tone", "  timeouts {\n    read = \"2s\"\n  }"))
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	d := c.hangingRun(judgeListPath, "Judge list timed out", "plan", "-json", "-input=false")
	mustSay(t, d.Detail, "GET "+judgeListPath, "did not answer within the read timeout of 2s", "timeouts block (read)")
	if n := c.judgeCreations(); n != 1 {
		t.Fatalf("%d judge creations, want 1", n)
	}
}

// TestAccCLI_judgeCreationThatNeverAnswers: a creation that does not answer
// within the create timeout is not sent again; the error names the route and
// the timeout and says to look for the judge before applying again. Once the
// API answers, applying again creates the judge once.
func TestAccCLI_judgeCreationThatNeverAnswers(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	c.configure(judgeHCL("tone", "  timeouts {\n    create = \"2s\"\n  }"))
	d := c.hangingRun("/api/v1/judge/", "Judge creation timed out, outcome unknown", "apply", "-auto-approve", "-json", "-input=false")
	mustSay(t, d.Detail, "POST /api/v1/judge/", "did not answer within the create timeout of 2s", "timeouts block (create)",
		"it was not sent again", "Look in space "+testSpaceID, "terraform import <address> "+testSpaceID+"/<judge_id>")
	if n := c.judgeCreations(); n != 1 {
		t.Fatalf("%d judge creations after the timeout, want 1: it must not be resent", n)
	}
	if ids := c.judgeIDs("tone"); len(ids) != 0 {
		t.Fatalf("judges %v after a creation that hung", ids)
	}

	c.mustTerraform("apply", "-auto-approve", "-input=false")
	if ids := c.judgeIDs("tone"); len(ids) != 1 {
		t.Fatalf("judges %v after applying again, want exactly one", ids)
	}
	if n := c.judgeCreations(); n != 2 {
		t.Fatalf("%d judge creations, want 2: the one that hung and one that answered", n)
	}
	res := c.terraform(context.Background(), nil, "plan", "-detailed-exitcode", "-input=false")
	if res.exitCode != 0 {
		t.Fatalf("plan after the apply exited %d, want 0 (empty)\n%s%s", res.exitCode, res.stdout, res.stderr)
	}
}
