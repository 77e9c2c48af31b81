package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/collinear-ai/terraform-provider-collinear/internal/emulator"
)

func fiveRows() []string {
	var rows []string
	for i := 1; i <= 5; i++ {
		rows = append(rows, rowJSON(fmt.Sprintf("Question %d?", i), fmt.Sprintf("Answer %d.", i), i%2))
	}
	return rows
}

// TestAccDataset_rowsDeletedOnPlatform: two rows deleted in the UI leave
// state at refresh, and the next apply re-sends exactly those two.
func TestAccDataset_rowsDeletedOnPlatform(t *testing.T) {
	e := newAccEnv(t)
	rows := fiveRows()
	file := e.write("rows.jsonl", jsonl(rows...))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: e.fileResource("eval", file)},
			{
				PreConfig: func() {
					stored := e.emu.Rows(testSpaceID, "eval")
					if err := e.emu.DeleteRows(testSpaceID, "eval", stored[1].ID, stored[3].ID); err != nil {
						t.Fatal(err)
					}
					e.emu.ResetLog()
				},
				Config: e.fileResource("eval", file),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("collinear_dataset.test", plancheck.ResourceActionUpdate),
						expectUnknownRowIDsAt{indexes: []int{1, 3}, total: 5},
					},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						got := e.uploads()
						want := []string{compact(t, []byte(rows[1])), compact(t, []byte(rows[3]))}
						if len(got) != 1 || fmt.Sprint(got[0]) != fmt.Sprint(want) {
							return fmt.Errorf("uploads = %v, want one with rows 2 and 4", got)
						}
						return nil
					},
				),
			},
			emptyPlanStep(e.fileResource("eval", file)),
		},
	})
	if n := len(e.emu.Rows(testSpaceID, "eval")); n != 5 {
		t.Fatalf("emulator holds %d rows, want 5", n)
	}
}

// TestAccDataset_datasetDeletedOnPlatform: a dataset deleted on the platform
// plans a create.
func TestAccDataset_datasetDeletedOnPlatform(t *testing.T) {
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: e.fileResource("eval", file)},
			{
				PreConfig: func() {
					if err := e.emu.DeleteDataset(testSpaceID, "eval"); err != nil {
						t.Fatal(err)
					}
				},
				Config: e.fileResource("eval", file),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("collinear_dataset.test", plancheck.ResourceActionCreate)},
				},
				Check: e.checkRowIDsMatchEmulator("eval"),
			},
		},
	})
}

// TestAccDataset_foreignRowsLeftAlone: rows added on the platform outside
// Terraform are not uploaded, not adopted and do not make the plan dirty.
func TestAccDataset_foreignRowsLeftAlone(t *testing.T) {
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: e.fileResource("eval", file)},
			{
				PreConfig: func() {
					if _, err := e.emu.AddRows(testSpaceID, "eval", json.RawMessage(rowJSON("UI question", "UI answer", 1))); err != nil {
						t.Fatal(err)
					}
				},
				Config:           e.fileResource("eval", file),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// TestAccDataset_lookupUnavailable: a missing lookup route (bare 404), a 405
// or a 503 keep plans working and change nothing.
func TestAccDataset_lookupUnavailable(t *testing.T) {
	for _, kind := range []emulator.FaultKind{emulator.FaultRouteNotFound, emulator.FaultMethodNotAllowed, emulator.Fault503} {
		t.Run(kind.String(), func(t *testing.T) {
			e := newAccEnv(t)
			file := e.write("rows.jsonl", jsonl(sampleRows...))
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{Config: e.fileResource("eval", file)},
					{
						PreConfig: func() {
							// Enough faults for every attempt the client makes.
							for range 10 {
								e.emu.InjectFaults(emulator.Fault{Kind: kind, Path: "/api/v1/dataset/name", RetryAfter: "0"})
							}
						},
						Config:           e.fileResource("eval", file),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
					},
				},
			})
			if n := len(e.uploads()); n != 1 {
				t.Fatalf("%d uploads, want 1", n)
			}
		})
	}
}

// TestAccDataset_importAdoptsRows: importing a dataset whose rows are the
// configuration's uploads nothing; with three extra rows in the configuration
// it uploads exactly those three.
func TestAccDataset_importAdoptsRows(t *testing.T) {
	e := newAccEnv(t)
	rows := fiveRows()
	var raws []json.RawMessage
	for _, r := range rows {
		raws = append(raws, json.RawMessage(r))
	}
	if _, err := e.emu.AddRows(testSpaceID, "existing", raws...); err != nil {
		t.Fatal(err)
	}
	file := e.write("rows.jsonl", jsonl(rows...))
	extra := []string{rowJSON("Extra 1", "E1", 1), rowJSON("Extra 2", "E2", 0), rowJSON("Extra 3", "E3", 1)}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:             e.fileResource("existing", file),
				ResourceName:       "collinear_dataset.test",
				ImportState:        true,
				ImportStateId:      testSpaceID + "/existing",
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].Attributes["row_ids.#"] != "5" {
						return fmt.Errorf("import recorded %v", states)
					}
					return nil
				},
			},
			{
				Config: e.fileResource("existing", file),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{expectNewRowIDs{total: 5, unknown: 0}},
				},
				Check: func(*terraform.State) error {
					if n := len(e.uploads()); n != 0 {
						return fmt.Errorf("apply after import made %d uploads, want 0", n)
					}
					return nil
				},
			},
			{
				PreConfig: func() { e.write("rows.jsonl", jsonl(append(append([]string{}, rows...), extra...)...)) },
				Config:    e.fileResource("existing", file),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{expectNewRowIDs{total: 8, unknown: 3}},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					e.checkRowIDsMatchEmulator("existing"),
					func(*terraform.State) error {
						got := e.uploads()
						want := []string{compact(t, []byte(extra[0])), compact(t, []byte(extra[1])), compact(t, []byte(extra[2]))}
						if len(got) != 1 || fmt.Sprint(got[0]) != fmt.Sprint(want) {
							return fmt.Errorf("uploads = %v, want exactly the 3 extra rows", got)
						}
						return nil
					},
				),
			},
			emptyPlanStep(e.fileResource("existing", file)),
		},
	})
}

// expectUnknownRowIDsAt checks that exactly the row_ids at indexes are
// planned unknown.
type expectUnknownRowIDsAt struct {
	indexes []int
	total   int
}

func (c expectUnknownRowIDsAt) CheckPlan(ctx context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	rc := findChange(req.Plan, "collinear_dataset.test")
	if rc == nil {
		resp.Error = fmt.Errorf("no planned change for collinear_dataset.test")
		return
	}
	afterUnknown, _ := rc.Change.AfterUnknown.(map[string]any)
	flags, ok := afterUnknown["row_ids"].([]any)
	if !ok || len(flags) != c.total {
		resp.Error = fmt.Errorf("row_ids planned as %v, want %d elements", afterUnknown["row_ids"], c.total)
		return
	}
	want := make(map[int]bool)
	for _, i := range c.indexes {
		want[i] = true
	}
	for i, f := range flags {
		if (f == true) != want[i] {
			resp.Error = fmt.Errorf("row_ids unknown flags = %v, want unknown exactly at %v", flags, c.indexes)
			return
		}
	}
}
