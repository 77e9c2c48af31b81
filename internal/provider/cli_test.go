package provider

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/collinear-ai/terraform-provider-collinear/internal/emulator"
)

// The tests in this file drive the terraform CLI directly against a built
// provider binary installed through dev_overrides, as a user's machine or CI
// runner would. They cover what terraform-plugin-testing cannot observe:
// warnings, saved plans, interrupts, -parallelism and raw logs.

var (
	buildOnce sync.Once
	builtDir  string
	buildErr  error
)

// providerBinaryDir builds the provider once per test run.
func providerBinaryDir(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir := filepath.Join(runTempDir, "bin")
		builtDir = dir
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-collinear"), "-ldflags", "-X main.version=0.0.0-test", "../..")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("building the provider: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtDir
}

// terraformBinary is the CLI the tests drive: TF_ACC_TERRAFORM_PATH when set
// (as terraform-plugin-testing reads it, e.g. an OpenTofu build), else
// terraform on PATH.
func terraformBinary() string {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	return "terraform"
}

// providerHost is the registry host the CLI resolves the provider's short
// source address to: OpenTofu's differs from Terraform's.
func providerHost() string {
	if h := os.Getenv("TF_ACC_PROVIDER_HOST"); h != "" {
		return h
	}
	return "registry.terraform.io"
}

// cliEnv is a working directory with a CLI configuration that installs the
// built provider through dev_overrides.
type cliEnv struct {
	*accEnv
	work string
	env  []string
}

func newCLIEnv(t *testing.T) *cliEnv {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		// The HashiCorp convention, as resource.Test does: acceptance tests
		// run only when asked. `make test` sets TF_ACC=1.
		t.Skip("acceptance test: set TF_ACC=1")
	}
	bin := providerBinaryDir(t)
	e := newAccEnv(t)
	cfgDir := t.TempDir()
	cfg := filepath.Join(cfgDir, "terraform.rc")
	rc := fmt.Sprintf(`disable_checkpoint = true
provider_installation {
  dev_overrides {
    "%s/collinear-ai/collinear" = %q
  }
  direct {}
}
`, providerHost(), bin)
	if err := os.WriteFile(cfg, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"TF_CLI_CONFIG_FILE=" + cfg,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"COLLINEAR_BASE_URL=" + e.emu.URL(),
		"COLLINEAR_API_KEY=" + testAPIKey,
	}
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "PATH", "HOME", "TMPDIR", "GOCOVERDIR":
			env = append(env, kv)
		}
	}
	return &cliEnv{accEnv: e, work: t.TempDir(), env: env}
}

// configure writes main.tf in the working directory, with a provider block
// that takes the key and URL from the environment.
func (c *cliEnv) configure(hcl string) {
	c.t.Helper()
	c.configureWithProvider(`provider "collinear" {}`, hcl)
}

func (c *cliEnv) configureWithProvider(provider, hcl string) {
	c.t.Helper()
	main := "terraform {\n  required_providers {\n    collinear = { source = \"collinear-ai/collinear\" }\n  }\n}\n\n" + provider + "\n\n" + hcl
	if err := os.WriteFile(filepath.Join(c.work, "main.tf"), []byte(main), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

// writeWork writes a file relative to the working directory.
func (c *cliEnv) writeWork(rel, content string) {
	c.t.Helper()
	p := filepath.Join(c.work, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

type cliResult struct {
	stdout, stderr string
	exitCode       int
}

// terraform runs the CLI in the working directory.
func (c *cliEnv) terraform(ctx context.Context, extraEnv []string, args ...string) cliResult {
	c.t.Helper()
	cmd := exec.CommandContext(ctx, terraformBinary(), args...)
	cmd.Dir = c.work
	cmd.Env = append(append([]string{}, c.env...), extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := cliResult{stdout: stdout.String(), stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.exitCode = exitErr.ExitCode()
	default:
		c.t.Fatalf("terraform %v: %v", args, err)
	}
	return res
}

// mustTerraform runs the CLI and fails the test on a non-zero exit.
func (c *cliEnv) mustTerraform(args ...string) cliResult {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res := c.terraform(ctx, nil, args...)
	if res.exitCode != 0 {
		c.t.Fatalf("terraform %s exited %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.exitCode, res.stdout, res.stderr)
	}
	return res
}

// diagnostic is one diagnostic from Terraform's machine-readable UI.
type diagnostic struct {
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail"`
}

// diagnostics extracts the diagnostics of `terraform ... -json` output.
func diagnostics(t *testing.T, stdout string) []diagnostic {
	t.Helper()
	var out []diagnostic
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var msg struct {
			Type       string     `json:"type"`
			Diagnostic diagnostic `json:"diagnostic"`
		}
		if json.Unmarshal(sc.Bytes(), &msg) == nil && msg.Type == "diagnostic" {
			out = append(out, msg.Diagnostic)
		}
	}
	return out
}

func findDiagnostic(diags []diagnostic, severity, summary string) *diagnostic {
	for i := range diags {
		if diags[i].Severity == severity && diags[i].Summary == summary {
			return &diags[i]
		}
	}
	return nil
}

// datasetHCL is collinear_dataset.test, dataset "eval", reading file.
func datasetHCL(file string, extra ...string) string {
	return fmt.Sprintf(`resource "collinear_dataset" "test" {
  space_id     = %q
  dataset_name = "eval"
  file         = %s
%s
}
`, testSpaceID, file, strings.Join(extra, "\n"))
}

// TestAccCLI_removedRowsWarn: removing rows from the source plans no upload
// and warns how many rows stay on the platform.
func TestAccCLI_removedRowsWarn(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	c.writeWork("data/rows.jsonl", jsonl(sampleRows...))
	c.configure(datasetHCL(`"${path.module}/data/rows.jsonl"`))
	c.mustTerraform("apply", "-auto-approve", "-input=false")

	c.writeWork("data/rows.jsonl", jsonl(sampleRows[0]))
	res := c.mustTerraform("plan", "-json", "-input=false")
	d := findDiagnostic(diagnostics(t, res.stdout), "warning", "Rows removed from the source stay on the platform")
	if d == nil {
		t.Fatalf("no warning about removed rows in:\n%s", res.stdout)
	}
	if !strings.Contains(d.Detail, "2 row(s)") {
		t.Fatalf("warning does not say how many rows: %q", d.Detail)
	}

	before := len(c.uploads())
	res = c.mustTerraform("apply", "-auto-approve", "-input=false", "-json")
	if n := len(c.uploads()) - before; n != 0 {
		t.Fatalf("apply after removing rows made %d uploads, want 0", n)
	}
	if d := findDiagnostic(diagnostics(t, res.stdout), "warning", "Rows removed from the source stay on the platform"); d == nil {
		t.Fatalf("apply did not repeat the warning:\n%s", res.stdout)
	}
}

// TestAccCLI_destroyWarns: destroy sends nothing and says the dataset stays.
func TestAccCLI_destroyWarns(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	c.writeWork("rows.jsonl", jsonl(sampleRows...))
	c.configure(datasetHCL(`"rows.jsonl"`))
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	before := len(c.emu.Requests())
	res := c.mustTerraform("destroy", "-auto-approve", "-input=false", "-json")
	if findDiagnostic(diagnostics(t, res.stdout), "warning", "Dataset left on the Collinear platform") == nil {
		t.Fatalf("destroy did not warn that the dataset stays:\n%s", res.stdout)
	}
	// The refresh before a destroy reads the dataset back; the destroy
	// itself must send nothing.
	for _, r := range c.emu.Requests()[before:] {
		if r.Path != "/api/v1/dataset/name" {
			t.Fatalf("destroy sent %s %s; only the read-back lookup is expected", r.Method, r.Path)
		}
	}
}

// TestAccCLI_checkoutElsewherePlansEmpty: state keeps `file` as written, so
// the same configuration and state in another directory (another machine or
// CI runner) plans nothing.
func TestAccCLI_checkoutElsewherePlansEmpty(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	c.writeWork("data/rows.jsonl", jsonl(sampleRows...))
	c.configure(datasetHCL(`"${path.module}/data/rows.jsonl"`))
	c.mustTerraform("apply", "-auto-approve", "-input=false")

	st, err := os.ReadFile(filepath.Join(c.work, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(st, []byte(`"file": "./data/rows.jsonl"`)) {
		t.Fatalf("state does not keep the file path as written:\n%s", st)
	}

	elsewhere := t.TempDir()
	for _, f := range []string{"main.tf", "terraform.tfstate", "data/rows.jsonl"} {
		b, err := os.ReadFile(filepath.Join(c.work, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(elsewhere, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(elsewhere, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c.work = elsewhere
	res := c.terraform(context.Background(), nil, "plan", "-detailed-exitcode", "-input=false")
	if res.exitCode != 0 {
		t.Fatalf("plan in another checkout exited %d (2 = changes), want 0\n%s%s", res.exitCode, res.stdout, res.stderr)
	}
}

// TestAccCLI_unusualRowsWarn: an unusual role and a conversation whose last
// turn is not the user's are warnings, not errors.
func TestAccCLI_unusualRowsWarn(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	c.writeWork("rows.jsonl", jsonl(
		`{"conv_prefix":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}],"response":{"role":"assistant","content":"Again"}}`,
		`{"conv_prefix":[{"role":"narrator","content":"Once"}],"response":{"role":"assistant","content":"upon"}}`,
	))
	c.configure(datasetHCL(`"rows.jsonl"`))
	res := c.mustTerraform("plan", "-json", "-input=false")
	var warnings []string
	for _, d := range diagnostics(t, res.stdout) {
		if d.Severity == "warning" {
			warnings = append(warnings, d.Summary+": "+d.Detail)
		}
		if d.Severity == "error" {
			t.Fatalf("unexpected error: %s: %s", d.Summary, d.Detail)
		}
	}
	all := strings.Join(warnings, "\n")
	for _, want := range []string{"row 1 (line 1)", "row 2 (line 2)", "narrator"} {
		if !strings.Contains(all, want) {
			t.Fatalf("warnings do not mention %q:\n%s", want, all)
		}
	}
}

// TestAccCLI_foreignRowsWarnButReleasedRowsDoNot: rows added on the platform
// are reported; rows that left the source, which stay on the platform, are
// not reported as foreign on later plans.
func TestAccCLI_foreignRowsWarnButReleasedRowsDoNot(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	c.writeWork("rows.jsonl", jsonl(sampleRows...))
	c.configure(datasetHCL(`"rows.jsonl"`))
	c.mustTerraform("apply", "-auto-approve", "-input=false")

	c.writeWork("rows.jsonl", jsonl(sampleRows[0], sampleRows[1]))
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	res := c.mustTerraform("plan", "-json", "-input=false")
	if d := findDiagnostic(diagnostics(t, res.stdout), "warning", "Rows on the platform not managed by Terraform"); d != nil {
		t.Fatalf("a row removed from the source is reported as foreign: %s", d.Detail)
	}

	if _, err := c.emu.AddRows(testSpaceID, "eval", json.RawMessage(rowJSON("UI question", "UI answer", 1))); err != nil {
		t.Fatal(err)
	}
	res = c.mustTerraform("plan", "-json", "-input=false")
	d := findDiagnostic(diagnostics(t, res.stdout), "warning", "Rows on the platform not managed by Terraform")
	if d == nil || !strings.Contains(d.Detail, "1 row(s)") {
		t.Fatalf("no warning about the one foreign row:\n%s", res.stdout)
	}
}

// TestAccCLI_wrongIDCountKeepsRowsAndRefreshFindsIDs: when the API stores a
// batch but returns one id fewer, the answer cannot be paired with the rows:
// the apply looks the dataset up, finds the rows it sent and records them
// with their ids, never sending them again; the next plan is empty.
func TestAccCLI_wrongIDCountKeepsRowsAndRefreshFindsIDs(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	c.writeWork("rows.jsonl", jsonl(sampleRows...))
	c.configure(datasetHCL(`"rows.jsonl"`))
	c.emu.InjectFaults(emulator.Fault{Kind: emulator.FaultWrongCount, Path: "/api/v1/dataset/upload"})
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	if n := len(c.uploads()); n != 1 {
		t.Fatalf("%d uploads, want 1: the stored rows must not be sent again", n)
	}
	if got, want := c.stateRowIDs("collinear_dataset.test"), c.storedIDs("eval"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("state row_ids = %v, want the stored ids %v", got, want)
	}
	if err := c.checkEachRowOnce("eval", sampleRows); err != nil {
		t.Fatal(err)
	}
	if res := c.terraform(context.Background(), nil, "plan", "-detailed-exitcode", "-input=false"); res.exitCode != 0 {
		t.Fatalf("plan after the apply exited %d, want 0 (empty)\n%s", res.exitCode, res.stdout)
	}
}

// TestAccCLI_largeListModeWarns: past 5,000 rows a plan in list mode warns to
// switch to compact_row_ids; in compact mode it does not.
func TestAccCLI_largeListModeWarns(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	c.writeWork("rows.jsonl", jsonl(numberedRows(1, listModeWarnRows+1)...))
	c.configure(datasetHCL(`"rows.jsonl"`))
	res := c.mustTerraform("plan", "-json", "-input=false")
	if findDiagnostic(diagnostics(t, res.stdout), "warning", "Large dataset in list mode") == nil {
		t.Fatalf("no warning for %d rows in list mode:\n%s", listModeWarnRows+1, res.stdout)
	}
	c.configure(datasetHCL(`"rows.jsonl"`, "  compact_row_ids = true"))
	res = c.mustTerraform("plan", "-json", "-input=false")
	if findDiagnostic(diagnostics(t, res.stdout), "warning", "Large dataset in list mode") != nil {
		t.Fatal("compact mode still warns about list mode")
	}
	// A create's plan looks the dataset up, once; it never uploads.
	for _, r := range c.emu.Requests() {
		if r.Path != "/api/v1/dataset/name" {
			t.Fatalf("a plan sent %s %s", r.Method, r.Path)
		}
	}
	if n := len(c.emu.Requests()); n != 2 {
		t.Fatalf("two plans made %d lookups, want 2", n)
	}
}

// TestAccCLI_compactAppendPlanShowsOnlyNewChunks: in compact mode, the plan
// of an append leaves the chunks of ids already uploaded unchanged and hidden
// and shows one unknown element for the new rows, instead of printing every
// id held before (as an unknown single string would) or the chunk next to the
// change (as a list would).
func TestAccCLI_compactAppendPlanShowsOnlyNewChunks(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	rows := numberedRows(1, 2*rowIDsPerChunk+500)
	c.writeWork("rows.jsonl", jsonl(rows...))
	c.configure(datasetHCL(`"rows.jsonl"`, "  compact_row_ids = true"))
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	stored := c.storedIDs("eval")

	c.writeWork("rows.jsonl", jsonl(append(rows, numberedRows(9000, 3)...)...))
	res := c.mustTerraform("plan", "-no-color", "-input=false")
	for _, id := range []string{stored[0], stored[len(stored)-1]} {
		if strings.Contains(res.stdout, id) {
			t.Fatalf("the plan prints the id %s of a row already uploaded:\n%s", id, res.stdout)
		}
	}
	for _, want := range []string{"row_count       = 2500 -> 2503", "# (3 unchanged elements hidden)", `+ "000002500" = (known after apply)`} {
		if !strings.Contains(res.stdout, want) {
			t.Fatalf("the plan does not show %q:\n%s", want, res.stdout)
		}
	}

	before := len(c.uploads())
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	if got := c.uploads()[before:]; len(got) != 1 || len(got[0]) != 3 {
		t.Fatalf("the append uploaded %v, want one request of the 3 new rows", got)
	}
	res = c.mustTerraform("plan", "-detailed-exitcode", "-input=false")
	if res.exitCode != 0 {
		t.Fatalf("the plan after the append is not empty:\n%s", res.stdout)
	}
}
