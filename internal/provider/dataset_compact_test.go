package provider

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// checkRowIDsJSONMatchEmulator checks that row_ids_json holds exactly the
// emulator's ids, in order, and that row_ids is null.
func (e *accEnv) checkRowIDsJSONMatchEmulator(name string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		attrs := s.RootModule().Resources["collinear_dataset.test"].Primary.Attributes
		if _, ok := attrs["row_ids.#"]; ok {
			return fmt.Errorf("row_ids is set in compact mode: %s elements", attrs["row_ids.#"])
		}
		var ids []string
		if err := json.Unmarshal([]byte(attrs["row_ids_json"]), &ids); err != nil {
			return fmt.Errorf("row_ids_json %q: %v", attrs["row_ids_json"], err)
		}
		if got, want := fmt.Sprint(ids), fmt.Sprint(e.storedIDs(name)); got != want || len(ids) == 0 {
			return fmt.Errorf("row_ids_json = %s, want %s", got, want)
		}
		return nil
	}
}

// TestAccDataset_compactRowIDs: in compact mode the ids live in one JSON
// string; appending rows still sends only the new ones; switching modes moves
// the ids and uploads nothing.
func TestAccDataset_compactRowIDs(t *testing.T) {
	e := newAccEnv(t)
	rows := numberedRows(1, 4)
	file := e.write("rows.jsonl", jsonl(rows...))
	compact := e.fileResource("eval", file, "  compact_row_ids = true")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: compact, Check: e.checkRowIDsJSONMatchEmulator("eval")},
			emptyPlanStep(compact),
			{
				PreConfig: func() {
					e.write("rows.jsonl", jsonl(append(append([]string{}, rows...), numberedRows(50, 2)...)...))
					e.emu.ResetLog()
				},
				Config: compact,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("collinear_dataset.test", plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue("collinear_dataset.test", tfpath("row_ids_json")),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					e.checkRowIDsJSONMatchEmulator("eval"),
					resource.TestCheckResourceAttr("collinear_dataset.test", "row_count", "6"),
					func(*terraform.State) error {
						if got := e.uploads(); len(got) != 1 || len(got[0]) != 2 {
							return fmt.Errorf("uploads = %v, want one of the 2 new rows", got)
						}
						return nil
					},
				),
			},
			{
				PreConfig: func() { e.emu.ResetLog() },
				Config:    e.fileResource("eval", file),
				Check: resource.ComposeAggregateTestCheckFunc(
					e.checkRowIDsMatchEmulator("eval"),
					resource.TestCheckNoResourceAttr("collinear_dataset.test", "row_ids_json"),
					func(*terraform.State) error {
						if n := len(e.uploads()); n != 0 {
							return fmt.Errorf("switching modes made %d uploads", n)
						}
						return nil
					},
				),
			},
		},
	})
}
