package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/collinear-ai/terraform-provider-collinear/internal/emulator"
)

// The tests in this file drive the real CLI through the flows in which rows
// could be stored twice or ids lost, and check each time, from the
// emulator, that every source row is stored exactly once and that row_ids[i]
// names the stored row whose content is source row i.

// checkAligned checks the dataset "eval" against rows and the state's
// row_ids; others are rows added outside Terraform.
func (c *cliEnv) checkAligned(rows []string, others ...string) {
	c.t.Helper()
	if err := c.checkEachRowOnce("eval", append(append([]string{}, rows...), others...)); err != nil {
		c.t.Fatal(err)
	}
	stored := map[string]string{}
	for _, r := range c.emu.Rows(testSpaceID, "eval") {
		stored[r.ID] = compact(c.t, r.Row)
	}
	ids := c.stateRowIDs("collinear_dataset.test")
	if len(ids) != len(rows) {
		c.t.Fatalf("state holds %d row ids, want %d", len(ids), len(rows))
	}
	for i, id := range ids {
		if got, want := stored[id], compact(c.t, []byte(rows[i])); got != want {
			c.t.Fatalf("row_ids[%d] = %q names the stored row %s, want source row %d: %s", i, id, got, i, want)
		}
	}
}

// uploadedRows counts the rows of every upload the emulator received.
func (c *cliEnv) uploadedRows() int {
	n := 0
	for _, u := range c.uploads() {
		n += len(u)
	}
	return n
}

// planIsEmpty fails the test unless a plan shows no change.
func (c *cliEnv) planIsEmpty() {
	c.t.Helper()
	res := c.terraform(context.Background(), nil, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	if res.exitCode != 0 {
		c.t.Fatalf("plan exited %d, want 0 (no changes)\n%s\n%s", res.exitCode, res.stdout, res.stderr)
	}
	if strings.Contains(res.stdout, "changed outside of") {
		c.t.Fatalf("the plan reports changes outside of Terraform:\n%s", res.stdout)
	}
}

// TestAccSync_createOverAnExistingDataset (behaviour 1): every way a create
// can meet a dataset that already holds rows adopts them and sends only the
// rest.
func TestAccSync_createOverAnExistingDataset(t *testing.T) {
	rows := numberedRows(1, 6)
	more := append(append([]string{}, rows...), numberedRows(100, 2)...)
	t.Run("a second workspace", func(t *testing.T) {
		t.Parallel()
		first := newCLIEnv(t)
		first.writeWork("rows.jsonl", jsonl(rows...))
		first.configure(datasetHCL(`"rows.jsonl"`))
		first.mustTerraform("apply", "-auto-approve", "-input=false")

		second := &cliEnv{accEnv: first.accEnv, work: t.TempDir(), env: first.env}
		second.writeWork("rows.jsonl", jsonl(more...))
		second.configure(datasetHCL(`"rows.jsonl"`))
		res := second.mustTerraform("plan", "-json", "-input=false")
		d := findDiagnostic(diagnostics(t, res.stdout), "warning", "Rows already on the platform are adopted, not uploaded")
		if d == nil || !strings.Contains(d.Detail, "6 source row(s) match them") || !strings.Contains(d.Detail, "2 row(s) will be uploaded") || !strings.Contains(d.Detail, "not context") {
			t.Fatalf("no adoption warning with the numbers:\n%s", res.stdout)
		}
		second.mustTerraform("apply", "-auto-approve", "-input=false")
		if n := second.uploadedRows(); n != 8 {
			t.Fatalf("%d rows uploaded in all, want 6 then 2", n)
		}
		second.checkAligned(more)
		second.planIsEmpty()
	})
	t.Run("destroy then apply", func(t *testing.T) {
		t.Parallel()
		c := newCLIEnv(t)
		c.writeWork("rows.jsonl", jsonl(rows...))
		c.configure(datasetHCL(`"rows.jsonl"`))
		c.mustTerraform("apply", "-auto-approve", "-input=false")
		c.mustTerraform("destroy", "-auto-approve", "-input=false")
		c.mustTerraform("apply", "-auto-approve", "-input=false")
		if n := c.uploadedRows(); n != 6 {
			t.Fatalf("%d rows uploaded in all, want 6", n)
		}
		c.checkAligned(rows)
		c.planIsEmpty()
	})
	t.Run("apply -replace", func(t *testing.T) {
		t.Parallel()
		c := newCLIEnv(t)
		c.writeWork("rows.jsonl", jsonl(rows...))
		c.configure(datasetHCL(`"rows.jsonl"`, "  compact_row_ids = true"))
		c.mustTerraform("apply", "-auto-approve", "-input=false")
		c.mustTerraform("apply", "-auto-approve", "-input=false", "-replace=collinear_dataset.test")
		if n := c.uploadedRows(); n != 6 {
			t.Fatalf("%d rows uploaded in all, want 6", n)
		}
		c.configure(datasetHCL(`"rows.jsonl"`))
		c.mustTerraform("apply", "-auto-approve", "-input=false")
		c.checkAligned(rows)
		c.planIsEmpty()
	})
	t.Run("the same space in upper case", func(t *testing.T) {
		t.Parallel()
		c := newCLIEnv(t)
		c.writeWork("rows.jsonl", jsonl(rows...))
		c.configure(datasetHCL(`"rows.jsonl"`))
		c.mustTerraform("apply", "-auto-approve", "-input=false")
		c.configure(strings.Replace(datasetHCL(`"rows.jsonl"`), testSpaceID, strings.ToUpper(testSpaceID), 1))
		res := c.mustTerraform("plan", "-no-color", "-input=false")
		if strings.Contains(res.stdout, "must be replaced") || strings.Contains(res.stdout, "forces replacement") {
			t.Fatalf("another spelling of the space plans a replacement:\n%s", res.stdout)
		}
		c.mustTerraform("apply", "-auto-approve", "-input=false")
		if n := c.uploadedRows(); n != 6 {
			t.Fatalf("%d rows uploaded in all, want 6", n)
		}
		c.checkAligned(rows)
		c.planIsEmpty()
	})
	t.Run("a state restored from an older backup", func(t *testing.T) {
		t.Parallel()
		c := newCLIEnv(t)
		c.writeWork("rows.jsonl", jsonl(rows...))
		c.configure(datasetHCL(`"rows.jsonl"`))
		c.mustTerraform("apply", "-auto-approve", "-input=false")
		backup, err := os.ReadFile(filepath.Join(c.work, "terraform.tfstate"))
		if err != nil {
			t.Fatal(err)
		}
		c.writeWork("rows.jsonl", jsonl(more...))
		c.mustTerraform("apply", "-auto-approve", "-input=false")
		c.writeWork("terraform.tfstate", string(backup))
		// Even after a refresh-only apply has recorded them, the rows that
		// appeared since the backup's last apply are adopted.
		c.mustTerraform("apply", "-refresh-only", "-auto-approve", "-input=false")
		c.mustTerraform("apply", "-auto-approve", "-input=false")
		if n := c.uploadedRows(); n != 8 {
			t.Fatalf("%d rows uploaded in all, want 8: none twice", n)
		}
		c.checkAligned(more)
		c.planIsEmpty()
	})
	t.Run("if_exists error", func(t *testing.T) {
		t.Parallel()
		c := newCLIEnv(t)
		c.writeWork("rows.jsonl", jsonl(rows...))
		c.configure(datasetHCL(`"rows.jsonl"`))
		c.mustTerraform("apply", "-auto-approve", "-input=false")
		other := &cliEnv{accEnv: c.accEnv, work: t.TempDir(), env: c.env}
		other.writeWork("rows.jsonl", jsonl(more...))
		other.configure(datasetHCL(`"rows.jsonl"`, `  if_exists = "error"`))
		res := other.terraform(context.Background(), nil, "plan", "-no-color", "-input=false")
		flat := strings.Join(strings.Fields(res.stderr), " ")
		if res.exitCode == 0 || !strings.Contains(flat, "Dataset already exists") || !strings.Contains(flat, fmt.Sprintf(`id = "%s/eval"`, testSpaceID)) {
			t.Fatalf("plan exit %d, want an error with the import block:\n%s", res.exitCode, res.stderr)
		}
		if n := c.uploadedRows(); n != 6 {
			t.Fatalf("%d rows uploaded in all, want only the first apply's 6", n)
		}
	})
}

// TestAccSync_failedCreateContinues (behaviour 1): the plain re-apply after a
// create failed part-way replaces the tainted resource and adopts what
// landed. TestAccCLI_createResumesAfterFailedBatch covers the batches; this
// checks the ids line up with the rows.
func TestAccSync_failedCreateContinues(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	rows := numberedRows(1, 10)
	c.writeWork("rows.jsonl", jsonl(rows...))
	c.configureWithProvider(`provider "collinear" { max_retries = 2 }`, datasetHCL(`"rows.jsonl"`, "  batch_size = 2"))
	failThirdBatch(c.accEnv)
	if res := c.terraform(context.Background(), nil, "apply", "-auto-approve", "-input=false"); res.exitCode == 0 {
		t.Fatal("apply succeeded; want the third batch to fail")
	}
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	c.checkAligned(rows)
	c.planIsEmpty()
}

// TestAccSync_objectAnswerGetsIDs (behaviour 7): when the API answers
// {dataset_id, message} instead of the rows, the same apply looks the
// dataset up and records every id; the next plan is empty and reports
// nothing changed outside of Terraform.
func TestAccSync_objectAnswerGetsIDs(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	c.emu.SetShape(emulator.ShapeObject)
	rows := numberedRows(1, 5)
	c.writeWork("rows.jsonl", jsonl(rows[:3]...))
	c.configure(datasetHCL(`"rows.jsonl"`, "  batch_size = 2"))
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	c.checkAligned(rows[:3])
	c.writeWork("rows.jsonl", jsonl(rows...))
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	c.checkAligned(rows)
	// Nothing changed outside of Terraform: no id is filled in by a refresh.
	c.planIsEmpty()
	c.mustTerraform("plan", "-out=tfplan", "-input=false")
	res := c.mustTerraform("show", "-json", "tfplan")
	var plan struct {
		ResourceDrift []struct {
			Change struct {
				Before, After struct {
					RowIDs    []string `json:"row_ids"`
					DatasetID string   `json:"dataset_id"`
				}
			} `json:"change"`
		} `json:"resource_drift"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &plan); err != nil {
		t.Fatal(err)
	}
	for _, d := range plan.ResourceDrift {
		if fmt.Sprint(d.Change.Before) != fmt.Sprint(d.Change.After) {
			t.Fatalf("the refresh changed ids the apply recorded: %+v -> %+v", d.Change.Before, d.Change.After)
		}
	}
}

// TestAccSync_lateCommitIsRecordedNotResent (behaviour 2): an update times
// out while the API is still working; the recovery lookup runs before the
// API commits. The rows stay in doubt, and when they land the next apply
// records them instead of uploading them again.
func TestAccSync_lateCommitIsRecordedNotResent(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	rows := numberedRows(1, 5)
	c.writeWork("rows.jsonl", jsonl(rows[:3]...))
	c.configure(datasetHCL(`"rows.jsonl"`, "  timeouts {\n    update = \"2s\"\n  }"))
	c.mustTerraform("apply", "-auto-approve", "-input=false")

	c.writeWork("rows.jsonl", jsonl(rows...))
	c.emu.InjectFaults(emulator.Fault{Kind: emulator.FaultLateCommit, Path: "/api/v1/dataset/upload", Delay: 4 * time.Second})
	res := c.terraform(context.Background(), nil, "apply", "-auto-approve", "-input=false", "-no-color")
	flat := strings.Join(strings.Fields(res.stderr), " ")
	if res.exitCode == 0 || !strings.Contains(flat, "the outcome of uploading 2 row(s) is unknown") || !strings.Contains(flat, "never sending them again") {
		t.Fatalf("apply exit %d, want the rows in doubt:\n%s", res.exitCode, res.stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.emu.WaitLateCommits(ctx); err != nil {
		t.Fatal(err)
	}
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	if n := c.uploadedRows(); n != 5 {
		t.Fatalf("%d rows uploaded in all, want 5: the late rows must not be sent again", n)
	}
	c.checkAligned(rows)
	c.planIsEmpty()
}

// TestAccSync_doubtProvenMissingIsSent (behaviour 2): rows of an upload that
// never answered, still missing once the upload can no longer be running
// (upload_settle_time), are sent again; the apply waits for that time.
func TestAccSync_doubtProvenMissingIsSent(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	rows := numberedRows(1, 4)
	c.writeWork("rows.jsonl", jsonl(rows[:2]...))
	// The settle time leaves the plan below, which must still see the rows
	// in doubt, time to start on a loaded machine; the update timeout ends
	// the apply whose upload hangs.
	const settle = `provider "collinear" { upload_settle_time = "10s" }`
	c.configureWithProvider(settle, datasetHCL(`"rows.jsonl"`, "  timeouts {\n    update = \"2s\"\n  }"))
	c.mustTerraform("apply", "-auto-approve", "-input=false")

	c.writeWork("rows.jsonl", jsonl(rows...))
	c.emu.InjectFaults(emulator.Fault{Kind: emulator.FaultHang, Path: "/api/v1/dataset/upload"})
	if res := c.terraform(context.Background(), nil, "apply", "-auto-approve", "-input=false"); res.exitCode == 0 {
		t.Fatal("apply succeeded; want the upload in doubt")
	}
	res := c.mustTerraform("plan", "-json", "-input=false")
	if findDiagnostic(diagnostics(t, res.stdout), "warning", "Rows of an earlier upload are in doubt") == nil {
		t.Fatalf("the plan does not say rows are in doubt:\n%s", res.stdout)
	}
	// This apply waits out the settle time before it sends.
	c.configureWithProvider(settle, datasetHCL(`"rows.jsonl"`))
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	if n := c.uploadedRows(); n != 4 {
		t.Fatalf("%d rows uploaded in all, want 4", n)
	}
	c.checkAligned(rows)
	c.planIsEmpty()
}

// TestAccSync_recoveryNeverClaimsForeignRows (behaviour 3): a row someone
// added outside Terraform, which the state counts as foreign, has the same
// conversation, response and label as a new source row but another context.
// The new row's upload fails with a 500; the recovery lookup must not take
// the foreign row for it: the row is sent again and stored once.
func TestAccSync_recoveryNeverClaimsForeignRows(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	withContext := func(row, ctx string) string { return strings.TrimSuffix(row, "}") + fmt.Sprintf(`,"context":%q}`, ctx) }
	rows := numberedRows(1, 3)
	theirs := withContext(rowJSON("Same question?", "Same answer.", 1), "theirs")
	ours := withContext(rowJSON("Same question?", "Same answer.", 1), "ours")
	c.writeWork("rows.jsonl", jsonl(rows[:2]...))
	c.configure(datasetHCL(`"rows.jsonl"`))
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	if _, err := c.emu.AddRows(testSpaceID, "eval", json.RawMessage(theirs)); err != nil {
		t.Fatal(err)
	}
	// An apply records the row as foreign.
	c.writeWork("rows.jsonl", jsonl(rows...))
	c.mustTerraform("apply", "-auto-approve", "-input=false")

	all := append(append([]string{}, rows...), ours)
	c.writeWork("rows.jsonl", jsonl(all...))
	c.emu.InjectFaults(emulator.Fault{Kind: emulator.Fault500, Path: "/api/v1/dataset/upload"})
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	c.checkAligned(all, theirs)
	c.planIsEmpty()
}

// TestAccSync_answersPairedByContent (behaviours 4 and 5): an answer that
// lists the rows in another order, one that repeats an id, and a 503 a
// gateway gives after the API stored the rows: every row is stored once and
// row_ids[i] is the id of row i.
func TestAccSync_answersPairedByContent(t *testing.T) {
	for _, kind := range []emulator.FaultKind{emulator.FaultReorderedAnswer, emulator.FaultDuplicateIDs, emulator.Fault503AfterCommit} {
		t.Run(kind.String(), func(t *testing.T) {
			t.Parallel()
			c := newCLIEnv(t)
			rows := numberedRows(1, 6)
			c.writeWork("rows.jsonl", jsonl(rows...))
			c.configure(datasetHCL(`"rows.jsonl"`, "  batch_size = 3"))
			c.emu.InjectFaults(emulator.Fault{Kind: kind, Path: "/api/v1/dataset/upload", Skip: 1})
			c.mustTerraform("apply", "-auto-approve", "-input=false")
			if n := c.uploadedRows(); n != 6 {
				t.Fatalf("%d rows uploaded, want 6: none twice", n)
			}
			c.checkAligned(rows)
			c.planIsEmpty()
		})
	}
}

// TestAccSync_lookupThatNeverAnswers (behaviour 6): a refresh, and the data
// source, whose lookup never answers fail within the read timeout with an
// error that names the endpoint.
func TestAccSync_lookupThatNeverAnswers(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	c.writeWork("rows.jsonl", jsonl(sampleRows...))
	readTimeout := "  timeouts {\n    read = \"2s\"\n  }"
	c.configure(datasetHCL(`"rows.jsonl"`, readTimeout))
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	for _, hcl := range []string{
		datasetHCL(`"rows.jsonl"`, readTimeout),
		fmt.Sprintf("data \"collinear_dataset\" \"d\" {\n  space_id     = %q\n  dataset_name = \"eval\"\n%s\n}\n", testSpaceID, readTimeout),
	} {
		c.configure(hcl)
		c.emu.InjectFaults(emulator.Fault{Kind: emulator.FaultHang, Path: "/api/v1/dataset/name"})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		start := time.Now()
		res := c.terraform(ctx, nil, "plan", "-input=false", "-no-color")
		cancel()
		flat := strings.Join(strings.Fields(res.stderr), " ")
		if res.exitCode == 0 || !strings.Contains(flat, "POST /api/v1/dataset/name") || !strings.Contains(flat, "read timeout") {
			t.Fatalf("plan exit %d after %s, want the lookup's timeout naming the endpoint:\n%s", res.exitCode, time.Since(start), res.stderr)
		}
	}
}
