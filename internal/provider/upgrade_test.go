package provider

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/collinear-ai/terraform-provider-collinear/internal/emulator"
)

// TestAccUpgrade_stateOfTheEarlierProvider: testdata/upgrade-v2 holds what
// the provider before the sync engine left after creating two datasets (one
// in list mode, one compact), appending rows and removing two: the state
// file with its private state (ledger version 2) as state.json, the
// sources, and the rows on the platform with their ids. The first plan with this provider is empty
// and an apply sends nothing.
func TestAccUpgrade_stateOfTheEarlierProvider(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	dir := filepath.Join("testdata", "upgrade-v2")
	for from, to := range map[string]string{"list.jsonl": "list.jsonl", "compact.jsonl": "compact.jsonl", "state.json": "terraform.tfstate"} {
		b, err := os.ReadFile(filepath.Join(dir, from))
		if err != nil {
			t.Fatal(err)
		}
		// The state names the provider at Terraform's registry; OpenTofu
		// resolves the same source address at its own.
		c.writeWork(to, strings.ReplaceAll(string(b), "registry.terraform.io/", providerHost()+"/"))
	}
	b, err := os.ReadFile(filepath.Join(dir, "platform.json"))
	if err != nil {
		t.Fatal(err)
	}
	var platform map[string]struct {
		DatasetID string `json:"dataset_id"`
		Rows      []struct {
			ID        string          `json:"id"`
			DBID      string          `json:"db_id"`
			CreatedAt time.Time       `json:"created_at"`
			Row       json.RawMessage `json:"row"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(b, &platform); err != nil {
		t.Fatal(err)
	}
	for name, ds := range platform {
		rows := make([]emulator.StoredRow, len(ds.Rows))
		for i, r := range ds.Rows {
			rows[i] = emulator.StoredRow{ID: r.ID, DBID: r.DBID, CreatedAt: r.CreatedAt, Row: r.Row}
		}
		if err := c.emu.RestoreDataset(testSpaceID, name, ds.DatasetID, rows); err != nil {
			t.Fatal(err)
		}
	}
	c.configure(`resource "collinear_dataset" "list" {
  space_id     = "` + testSpaceID + `"
  dataset_name = "fixture-list"
  file         = "${path.module}/list.jsonl"
}

resource "collinear_dataset" "compact" {
  space_id        = "` + testSpaceID + `"
  dataset_name    = "fixture-compact"
  file            = "${path.module}/compact.jsonl"
  compact_row_ids = true
}
`)
	c.planIsEmpty()
	c.mustTerraform("apply", "-auto-approve", "-input=false")
	if n := c.uploadedRows(); n != 0 {
		t.Fatalf("the first apply after the upgrade uploaded %d rows", n)
	}
	c.planIsEmpty()
}
