package provider

import (
	"archive/zip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/collinear-ai/terraform-provider-collinear/internal/emulator"
)

// planFileText returns the contents of every file in a saved plan (a zip
// archive, compressed, so a raw search would miss what it holds).
func planFileText(t *testing.T, planFile string) string {
	t.Helper()
	zr, err := zip.OpenReader(planFile)
	if err != nil {
		t.Fatalf("reading the saved plan: %v", err)
	}
	defer zr.Close()
	var all strings.Builder
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	return all.String()
}

// TestAccCLI_apiKeyNeverLeaks: given through COLLINEAR_API_KEY, the API key
// appears in neither the saved plan, its `terraform show -json`, the state,
// nor Terraform's and the provider's trace logs, even when the API echoes it
// in an error. Given through a variable, Terraform itself writes it into the
// saved plan, as the docs say: the test checks that too, so that it is known
// to see into saved plans (zip archives, compressed).
func TestAccCLI_apiKeyNeverLeaks(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	c.writeWork("rows.jsonl", jsonl(sampleRows...))
	c.configure(datasetHCL(`"rows.jsonl"`))
	trace := []string{"TF_LOG=TRACE"}
	ctx := context.Background()
	var logs strings.Builder
	run := func(args ...string) cliResult {
		t.Helper()
		res := c.terraform(ctx, trace, args...)
		logs.WriteString(res.stdout + res.stderr)
		if res.exitCode != 0 {
			t.Fatalf("terraform %v exited %d:\n%s", args, res.exitCode, res.stderr)
		}
		return res
	}
	run("plan", "-out=plan.tfplan", "-input=false", "-no-color")
	showPlan := c.mustTerraform("show", "-json", "plan.tfplan")
	run("apply", "-input=false", "-no-color", "plan.tfplan")
	run("plan", "-input=false", "-no-color")
	showState := c.mustTerraform("show", "-json")
	if len(c.uploads()) != 1 {
		t.Fatal("the apply uploaded nothing: the key was not used")
	}
	// Errors carry server text back: make the API echo the key in one, on
	// every attempt, so that the refresh gives up and reports it.
	echo := emulator.Fault{Kind: emulator.Fault500, Path: "/api/v1/dataset/name", Body: "bad key " + testAPIKey}
	for range DefaultMaxRetries + 1 {
		c.emu.InjectFaults(echo)
	}
	res := c.terraform(ctx, trace, "plan", "-input=false", "-no-color")
	logs.WriteString(res.stdout + res.stderr)
	if !strings.Contains(logs.String(), "provider.terraform-provider-collinear") || !strings.Contains(logs.String(), "/api/v1/dataset/upload") ||
		!strings.Contains(res.stdout+res.stderr, "bad key") {
		t.Fatal("the trace logs do not hold the provider's log lines and the echoed error: the test would not see a leak")
	}
	state, err := os.ReadFile(filepath.Join(c.work, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	for what, text := range map[string]string{
		"the saved plan":                    planFileText(t, filepath.Join(c.work, "plan.tfplan")),
		"terraform show -json of the plan":  showPlan.stdout,
		"terraform show -json of the state": showState.stdout,
		"the state":                         string(state),
		"the trace logs":                    logs.String(),
	} {
		if i := strings.Index(text, testAPIKey); i >= 0 {
			t.Errorf("the API key is in %s: ...%s...", what, text[max(0, i-200):min(len(text), i+50)])
		}
	}

	// The same through a sensitive variable: Terraform keeps variable values
	// in saved plans.
	c.configureWithProvider(`variable "collinear_api_key" {
  type      = string
  sensitive = true
}

provider "collinear" {
  api_key = var.collinear_api_key
}`, datasetHCL(`"rows.jsonl"`))
	viaVariable := []string{"COLLINEAR_API_KEY=", "TF_VAR_collinear_api_key=" + testAPIKey}
	if res := c.terraform(ctx, viaVariable, "plan", "-out=var.tfplan", "-input=false", "-no-color"); res.exitCode != 0 {
		t.Fatalf("plan with the key in a variable exited %d:\n%s", res.exitCode, res.stderr)
	}
	if !strings.Contains(planFileText(t, filepath.Join(c.work, "var.tfplan")), testAPIKey) {
		t.Error("the key given through a variable is not in the saved plan: the docs say it is")
	}
	if res := c.mustTerraform("show", "-json", "var.tfplan"); !strings.Contains(res.stdout, testAPIKey) {
		t.Error("the key given through a variable is not in terraform show -json of the saved plan: the docs say it is")
	}
}
