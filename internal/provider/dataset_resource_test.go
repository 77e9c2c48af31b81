package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

var sampleRows = []string{
	rowJSON("Hey how are you?", "I'm good, how are you?", 1),
	rowJSON("What is 2+2?", "5", 0),
	rowJSON("Capital of France?", "Paris.", 1),
}

func TestAccDataset_createFromJSONL(t *testing.T) {
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.fileResource("eval-jsonl", file),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("collinear_dataset.test", "id", testSpaceID+"/eval-jsonl"),
					resource.TestCheckResourceAttr("collinear_dataset.test", "row_count", "3"),
					resource.TestCheckResourceAttr("collinear_dataset.test", "file", file),
					e.checkRowIDsMatchEmulator("eval-jsonl"),
				),
			},
			{
				Config: e.fileResource("eval-jsonl", file),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
	if got := e.uploads(); len(got) != 1 || len(got[0]) != 3 {
		t.Fatalf("want one upload of 3 rows, got %v", got)
	}
}

func TestAccDataset_createFromJSONArray(t *testing.T) {
	e := newAccEnv(t)
	file := e.write("rows.json", "[\n"+sampleRows[0]+",\n"+sampleRows[1]+"\n]\n")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.fileResource("eval-json", file),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("collinear_dataset.test", "row_count", "2"),
					e.checkRowIDsMatchEmulator("eval-json"),
				),
			},
			emptyPlanStep(e.fileResource("eval-json", file)),
		},
	})
}

func TestAccDataset_createFromCSV(t *testing.T) {
	e := newAccEnv(t)
	file := e.write("rows.csv", "conv_prefix,response,ground_truth,context\n"+
		"Hey how are you?,\"I'm good, thanks\",1,greeting\n"+
		"\"Say \"\"hi\"\"\",hi,0,\n")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.fileResource("eval-csv", file),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("collinear_dataset.test", "row_count", "2"),
					e.checkRowIDsMatchEmulator("eval-csv"),
				),
			},
			emptyPlanStep(e.fileResource("eval-csv", file)),
		},
	})
	// CSV cells become a user turn and an assistant response, sent as JSON.
	want := []string{
		`{"context":"greeting","conv_prefix":[{"content":"Hey how are you?","role":"user"}],"ground_truth":1,"response":{"content":"I'm good, thanks","role":"assistant"}}`,
		`{"conv_prefix":[{"content":"Say \"hi\"","role":"user"}],"ground_truth":0,"response":{"content":"hi","role":"assistant"}}`,
	}
	got := e.uploads()
	if len(got) != 1 || fmt.Sprint(got[0]) != fmt.Sprint(want) {
		t.Fatalf("uploads = %v\nwant one upload of %v", got, want)
	}
}

func inlineConfig(e *accEnv, name string, rows string) string {
	return e.provider() + fmt.Sprintf(`
resource "collinear_dataset" "test" {
  space_id     = %q
  dataset_name = %q
  rows         = %s
}
`, testSpaceID, name, rows)
}

const inlineTwoRows = `[
    {
      conv_prefix  = [{ role = "system", content = "Be brief." }, { role = "user", content = "Hi" }]
      response     = { role = "assistant", content = "Hello!" }
      ground_truth = 1
      context      = "greeting"
    },
    {
      conv_prefix = [{ role = "user", content = "Bye" }]
      response    = { role = "assistant", content = "Goodbye." }
    },
  ]`

func TestAccDataset_createFromRows(t *testing.T) {
	e := newAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: inlineConfig(e, "eval-inline", inlineTwoRows),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("collinear_dataset.test", "row_count", "2"),
					e.checkRowIDsMatchEmulator("eval-inline"),
				),
			},
			emptyPlanStep(inlineConfig(e, "eval-inline", inlineTwoRows)),
		},
	})
	want := []string{
		`{"context":"greeting","conv_prefix":[{"content":"Be brief.","role":"system"},{"content":"Hi","role":"user"}],"ground_truth":1,"response":{"content":"Hello!","role":"assistant"}}`,
		`{"conv_prefix":[{"content":"Bye","role":"user"}],"response":{"content":"Goodbye.","role":"assistant"}}`,
	}
	if got := e.uploads(); len(got) != 1 || fmt.Sprint(got[0]) != fmt.Sprint(want) {
		t.Fatalf("uploads = %v\nwant one upload of %v", got, want)
	}
}

// TestAccDataset_appendRows: two rows appended to the file plan as an update
// whose only unknown ids are the two new rows', and the apply sends exactly
// those two rows in one request, keeping the old ids.
func TestAccDataset_appendRows(t *testing.T) {
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	extra := []string{rowJSON("New question 1", "New answer 1", 1), rowJSON("New question 2", "New answer 2", 0)}
	var firstIDs []string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.fileResource("eval", file),
				Check: func(s *terraform.State) error {
					for _, r := range e.emu.Rows(testSpaceID, "eval") {
						firstIDs = append(firstIDs, r.ID)
					}
					e.emu.ResetLog()
					return nil
				},
			},
			{
				PreConfig: func() { e.write("rows.jsonl", jsonl(append(append([]string{}, sampleRows...), extra...)...)) },
				Config:    e.fileResource("eval", file),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("collinear_dataset.test", plancheck.ResourceActionUpdate),
						expectNewRowIDs{total: 5, unknown: 2},
					},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("collinear_dataset.test", "row_count", "5"),
					e.checkRowIDsMatchEmulator("eval"),
					func(s *terraform.State) error {
						attrs := s.RootModule().Resources["collinear_dataset.test"].Primary.Attributes
						for i, id := range firstIDs {
							if attrs[fmt.Sprintf("row_ids.%d", i)] != id {
								return fmt.Errorf("row_ids[%d] = %q, want the id from the first apply %q", i, attrs[fmt.Sprintf("row_ids.%d", i)], id)
							}
						}
						got := e.uploads()
						want := []string{compact(t, []byte(extra[0])), compact(t, []byte(extra[1]))}
						if len(got) != 1 || fmt.Sprint(got[0]) != fmt.Sprint(want) {
							return fmt.Errorf("uploads = %v, want exactly one with the 2 new rows", got)
						}
						for i, id := range firstIDs {
							if e.emu.Rows(testSpaceID, "eval")[i].ID != id {
								return fmt.Errorf("row %d changed id", i)
							}
						}
						return nil
					},
				),
			},
			emptyPlanStep(e.fileResource("eval", file)),
		},
	})
}

// TestAccDataset_duplicateRows: the same row twice is two rows, and adding a
// third copy uploads one more, not zero and not three.
func TestAccDataset_duplicateRows(t *testing.T) {
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(sampleRows[0], sampleRows[0]))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: e.fileResource("dups", file), Check: e.checkRowIDsMatchEmulator("dups")},
			{
				PreConfig: func() { e.write("rows.jsonl", jsonl(sampleRows[0], sampleRows[0], sampleRows[0])) },
				Config:    e.fileResource("dups", file),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{expectNewRowIDs{total: 3, unknown: 1}},
				},
				Check: e.checkRowIDsMatchEmulator("dups"),
			},
		},
	})
	if n := len(e.emu.Rows(testSpaceID, "dups")); n != 3 {
		t.Fatalf("emulator holds %d rows, want 3", n)
	}
}

// TestAccDataset_removeRow: removing a row sends nothing; the removed row's id
// leaves state.
func TestAccDataset_removeRow(t *testing.T) {
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: e.fileResource("eval", file)},
			{
				PreConfig: func() {
					e.write("rows.jsonl", jsonl(sampleRows[0], sampleRows[2]))
					e.emu.ResetLog()
				},
				Config: e.fileResource("eval", file),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("collinear_dataset.test", plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("collinear_dataset.test", "row_count", "2"),
					resource.TestCheckResourceAttr("collinear_dataset.test", "row_ids.#", "2"),
					func(s *terraform.State) error {
						stored := e.emu.Rows(testSpaceID, "eval")
						attrs := s.RootModule().Resources["collinear_dataset.test"].Primary.Attributes
						if attrs["row_ids.0"] != stored[0].ID || attrs["row_ids.1"] != stored[2].ID {
							return fmt.Errorf("row_ids = [%s %s], want the ids of rows 1 and 3", attrs["row_ids.0"], attrs["row_ids.1"])
						}
						if n := len(e.uploads()); n != 0 {
							return fmt.Errorf("%d uploads after removing a row, want 0", n)
						}
						return nil
					},
				),
			},
			emptyPlanStep(e.fileResource("eval", file)),
		},
	})
}

// TestAccDataset_rename: a new dataset_name replaces the resource and uploads
// every row to the new dataset.
func TestAccDataset_rename(t *testing.T) {
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: e.fileResource("old-name", file)},
			{
				Config: e.fileResource("new-name", file),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("collinear_dataset.test", plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: e.checkRowIDsMatchEmulator("new-name"),
			},
		},
	})
	if n := len(e.emu.Rows(testSpaceID, "old-name")); n != 3 {
		t.Fatalf("old dataset holds %d rows, want 3 (nothing is deleted)", n)
	}
}

// TestAccDataset_destroySendsNothing: destroy makes no request at all.
func TestAccDataset_destroySendsNothing(t *testing.T) {
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	var before int
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			// The refresh before a destroy reads the dataset back; the
			// destroy itself must send nothing.
			for _, r := range e.emu.Requests()[before:] {
				if r.Path != "/api/v1/dataset/name" {
					return fmt.Errorf("destroy sent %s %s", r.Method, r.Path)
				}
			}
			return nil
		},
		Steps: []resource.TestStep{
			{Config: e.fileResource("eval", file), Check: func(*terraform.State) error { before = len(e.emu.Requests()); return nil }},
		},
	})
	if n := len(e.emu.Rows(testSpaceID, "eval")); n != 3 {
		t.Fatalf("dataset holds %d rows after destroy, want 3", n)
	}
}
