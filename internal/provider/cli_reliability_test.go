package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/collinear-ai/terraform-provider-collinear/internal/emulator"
)

// stateRowIDs reads row_ids of the resource at address from the state file.
func (c *cliEnv) stateRowIDs(address string) []string {
	c.t.Helper()
	b, err := os.ReadFile(filepath.Join(c.work, "terraform.tfstate"))
	if err != nil {
		c.t.Fatal(err)
	}
	var st struct {
		Resources []struct {
			Type, Name string
			Instances  []struct {
				IndexKey   any `json:"index_key"`
				Attributes struct {
					RowIDs     []string          `json:"row_ids"`
					RowIDsJSON map[string]string `json:"row_ids_json"`
				} `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		c.t.Fatal(err)
	}
	for _, r := range st.Resources {
		if r.Type+"."+r.Name == address && len(r.Instances) > 0 {
			a := r.Instances[0].Attributes
			if a.RowIDsJSON == nil {
				return a.RowIDs
			}
			// Chunk keys are zero-padded row indexes: sorted, they are in row
			// order.
			keys := slices.Sorted(maps.Keys(a.RowIDsJSON))
			var ids []string
			for _, k := range keys {
				var chunk []string
				if err := json.Unmarshal([]byte(a.RowIDsJSON[k]), &chunk); err != nil {
					c.t.Fatal(err)
				}
				ids = append(ids, chunk...)
			}
			return ids
		}
	}
	return nil
}

// storedIDs are the ids the emulator holds for a dataset, in order.
func (e *accEnv) storedIDs(name string) []string {
	var ids []string
	for _, r := range e.emu.Rows(testSpaceID, name) {
		ids = append(ids, r.ID)
	}
	return ids
}

// TestAccCLI_createResumesAfterFailedBatch: the third of five batches of a
// create fails. The two that landed are saved with their ids, and the plain
// re-apply that CI runs replaces the tainted resource: its create looks the
// dataset up, adopts the four rows already there and sends only the rest.
func TestAccCLI_createResumesAfterFailedBatch(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	rows := numberedRows(1, 10)
	c.writeWork("rows.jsonl", jsonl(rows...))
	c.configureWithProvider(`provider "collinear" { max_retries = 2 }`, datasetHCL(`"rows.jsonl"`, "  batch_size = 2"))
	failThirdBatch(c.accEnv)

	ctx := context.Background()
	res := c.terraform(ctx, nil, "apply", "-auto-approve", "-input=false", "-no-color")
	if res.exitCode == 0 {
		t.Fatal("apply succeeded; want the third batch to fail")
	}
	for _, want := range []string{"4 row(s) are on the platform", "Run `terraform apply` again"} {
		if !strings.Contains(strings.Join(strings.Fields(res.stderr), " "), want) {
			t.Fatalf("error does not say %q:\n%s", want, res.stderr)
		}
	}
	if got, want := c.stateRowIDs("collinear_dataset.test"), c.storedIDs("eval"); len(want) != 4 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("state row_ids = %v, want the 4 stored ids %v", got, want)
	}

	before := len(c.uploads())
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	sent := 0
	for _, u := range c.uploads()[before:] {
		sent += len(u)
	}
	if sent != 6 {
		t.Fatalf("the continued apply sent %d rows, want the 6 missing", sent)
	}
	if err := c.checkEachRowOnce("eval", rows); err != nil {
		t.Fatal(err)
	}
	if got, want := c.stateRowIDs("collinear_dataset.test"), c.storedIDs("eval"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("state row_ids = %v, want %v", got, want)
	}
	res = c.terraform(ctx, nil, "plan", "-detailed-exitcode", "-input=false")
	if res.exitCode != 0 {
		t.Fatalf("plan after the continued apply exited %d, want 0 (empty)\n%s", res.exitCode, res.stdout)
	}
}

// TestAccCLI_savedPlanRefusesEditedFile: a file edited between `terraform
// plan -out` and `terraform apply PLAN` is refused and nothing is sent.
func TestAccCLI_savedPlanRefusesEditedFile(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	c.writeWork("rows.jsonl", jsonl(sampleRows...))
	c.configure(datasetHCL(`"rows.jsonl"`))
	c.mustTerraform("plan", "-out=tfplan", "-input=false")
	c.writeWork("rows.jsonl", jsonl(sampleRows[0], sampleRows[1]))
	res := c.terraform(context.Background(), nil, "apply", "-input=false", "tfplan")
	if res.exitCode == 0 {
		t.Fatal("apply of a saved plan succeeded although the file changed")
	}
	if !strings.Contains(res.stderr, "inconsistent final plan") && !strings.Contains(res.stderr, "Rows changed since the plan") {
		t.Fatalf("unexpected error:\n%s", res.stderr)
	}
	if n := len(c.uploads()); n != 0 {
		t.Fatalf("%d uploads; an edited file must be refused before anything is sent", n)
	}
}

// TestAccCLI_interruptSavesWhatLanded: Ctrl-C during a long upload stops it
// promptly; the batches that landed are in state, and the next apply sends
// only the rest, each row once.
func TestAccCLI_interruptSavesWhatLanded(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	rows := numberedRows(1, 6)
	c.writeWork("rows.jsonl", jsonl(rows...))
	c.configure(datasetHCL(`"rows.jsonl"`, "  batch_size = 2"))
	// The second batch hangs long enough to interrupt it in flight.
	c.emu.InjectFaults(emulator.Fault{Kind: emulator.FaultDelay, Path: "/api/v1/dataset/upload", Skip: 1, Delay: time.Minute})

	cmd := exec.Command(terraformBinary(), "apply", "-auto-approve", "-input=false", "-no-color")
	cmd.Dir, cmd.Env = c.work, c.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	// The delay fault is taken when the second batch arrives.
	for len(c.emu.Rows(testSpaceID, "eval")) < 2 || c.emu.PendingFaults() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the upload never reached the second batch")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // the second batch is in flight
	interrupted := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	t.Logf("terraform exited %s after the interrupt", time.Since(interrupted).Round(time.Millisecond))

	landed := c.storedIDs("eval")
	if got := c.stateRowIDs("collinear_dataset.test"); len(got) == 0 || fmt.Sprint(got) != fmt.Sprint(landed) {
		t.Fatalf("state row_ids = %v, want the ids of the rows that landed %v\n%s", got, landed, stderr.String())
	}
	// The batch in flight may still land on a platform that goes on after
	// the client left: the error says until when to wait.
	if flat := strings.Join(strings.Fields(stderr.String()), " "); !strings.Contains(flat, "wait until") {
		t.Fatalf("the error does not say until when the interrupted upload may land:\n%s", stderr.String())
	}
	// This one dropped the request when the client left: the plain re-apply
	// adopts what landed and sends the rest.
	c.emu.ClearFaults()
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	if err := c.checkEachRowOnce("eval", rows); err != nil {
		t.Fatal(err)
	}
}

// TestAccCLI_parallelDatasetsUnderRateLimit: twenty datasets applied with
// -parallelism=10 while the API answers 429 beyond a request rate: all
// succeed, each row is stored once.
func TestAccCLI_parallelDatasetsUnderRateLimit(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	c.writeWork("rows.jsonl", jsonl(sampleRows...))
	c.configureWithProvider(`provider "collinear" { max_retries = 20 }`, fmt.Sprintf(`resource "collinear_dataset" "test" {
  count        = 20
  space_id     = %q
  dataset_name = "eval-${count.index}"
  file         = "rows.jsonl"
}
`, testSpaceID))
	c.emu.SetRateLimit(5, time.Second)
	c.mustTerraform("apply", "-auto-approve", "-input=false", "-parallelism=10")
	limited := 0
	for _, r := range c.emu.Requests() {
		if r.Status == 429 {
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("the rate limit never answered 429; the test proves nothing")
	}
	for i := range 20 {
		if err := c.checkEachRowOnce(fmt.Sprintf("eval-%d", i), sampleRows); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d requests answered 429", limited)
}

// TestAccCLI_retriesAndProgressAreLogged: each retry is a WARN line with the
// attempt, the status and the wait; each batch an INFO line with rows sent
// and elapsed time.
func TestAccCLI_retriesAndProgressAreLogged(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	c.writeWork("rows.jsonl", jsonl(numberedRows(1, 4)...))
	c.configure(datasetHCL(`"rows.jsonl"`, "  batch_size = 2"))
	c.emu.InjectFaults(emulator.Fault{Kind: emulator.Fault429, Path: "/api/v1/dataset/upload", RetryAfter: "1"})
	res := c.terraform(context.Background(), []string{"TF_LOG=INFO"}, "apply", "-auto-approve", "-input=false")
	if res.exitCode != 0 {
		t.Fatalf("apply: %s", res.stderr)
	}
	logs := res.stderr
	var retry string
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "[WARN]") && strings.Contains(line, "will be retried") {
			retry = line
		}
	}
	for _, want := range []string{"attempt=", "status=429", "wait=", "max_retries="} {
		if !strings.Contains(retry, want) {
			t.Fatalf("retry log line %q lacks %q\n%s", retry, want, logs)
		}
	}
	for _, want := range []string{"uploaded 2 / 4 rows", "uploaded 4 / 4 rows", "elapsed="} {
		if !strings.Contains(logs, want) {
			t.Fatalf("INFO log lacks %q", want)
		}
	}
}

// TestAccCLI_lookupUnavailableWarns: a refresh whose lookup route is missing
// warns and keeps state; the plan stays empty.
func TestAccCLI_lookupUnavailableWarns(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	c.writeWork("rows.jsonl", jsonl(sampleRows...))
	c.configure(datasetHCL(`"rows.jsonl"`))
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	c.emu.InjectFaults(emulator.Fault{Kind: emulator.FaultRouteNotFound, Path: "/api/v1/dataset/name"})
	res := c.terraform(context.Background(), nil, "plan", "-json", "-detailed-exitcode", "-input=false")
	if res.exitCode != 0 {
		t.Fatalf("plan exited %d, want 0 (empty)\n%s", res.exitCode, res.stdout)
	}
	d := findDiagnostic(diagnostics(t, res.stdout), "warning", "Unable to compare state with the platform")
	if d == nil || !strings.Contains(d.Detail, "does not offer the dataset lookup") {
		t.Fatalf("no lookup warning in:\n%s", res.stdout)
	}
}

// TestAccCLI_createTimeoutKeepsWhatLanded: a create that runs past its
// timeouts block stops, and the batches that landed are in state.
func TestAccCLI_createTimeoutKeepsWhatLanded(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	rows := numberedRows(1, 6)
	c.writeWork("rows.jsonl", jsonl(rows...))
	c.configure(datasetHCL(`"rows.jsonl"`, "  batch_size = 2\n  timeouts {\n    create = \"3s\"\n  }"))
	c.emu.InjectFaults(emulator.Fault{Kind: emulator.FaultDelay, Path: "/api/v1/dataset/upload", Skip: 1, Delay: time.Minute})
	res := c.terraform(context.Background(), nil, "apply", "-auto-approve", "-input=false", "-no-color")
	if res.exitCode == 0 {
		t.Fatal("apply succeeded past its timeout")
	}
	if !strings.Contains(res.stderr, "2 row(s) are on the platform") {
		t.Fatalf("error does not say what landed:\n%s", res.stderr)
	}
	if got, want := c.stateRowIDs("collinear_dataset.test"), c.storedIDs("eval"); len(want) != 2 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("state row_ids = %v, want the 2 stored ids %v", got, want)
	}
}
