package provider

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// checkRowIDsJSONMatchEmulator checks that row_ids_json, decoded chunk by
// chunk, holds exactly the emulator's ids, in order, and that row_ids is null.
func (e *accEnv) checkRowIDsJSONMatchEmulator(name string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		attrs := s.RootModule().Resources["collinear_dataset.test"].Primary.Attributes
		if _, ok := attrs["row_ids.#"]; ok {
			return fmt.Errorf("row_ids is set in compact mode: %s elements", attrs["row_ids.#"])
		}
		var keys []string
		for k := range attrs {
			if key, ok := strings.CutPrefix(k, "row_ids_json."); ok && key != "%" {
				keys = append(keys, key)
			}
		}
		if n, err := strconv.Atoi(attrs["row_ids_json.%"]); err != nil || n != len(keys) {
			return fmt.Errorf("row_ids_json.%% = %q for %d keys", attrs["row_ids_json.%"], len(keys))
		}
		slices.Sort(keys)
		var ids []string
		for _, key := range keys {
			var chunk []string
			if err := json.Unmarshal([]byte(attrs["row_ids_json."+key]), &chunk); err != nil {
				return fmt.Errorf("row_ids_json[%s]: %v", key, err)
			}
			if len(chunk) == 0 || len(chunk) > rowIDsPerChunk || key != chunkKey(len(ids)) {
				return fmt.Errorf("row_ids_json[%s] holds %d ids after %d", key, len(chunk), len(ids))
			}
			ids = append(ids, chunk...)
		}
		if got, want := fmt.Sprint(ids), fmt.Sprint(e.storedIDs(name)); got != want || len(ids) == 0 {
			return fmt.Errorf("row_ids_json = %s, want %s", got, want)
		}
		return nil
	}
}

// TestAccDataset_compactRowIDs: in compact mode the ids live in chunks of
// JSON; appending rows still sends only the new ones; switching modes moves
// the ids and uploads nothing.
func TestAccDataset_compactRowIDs(t *testing.T) {
	e := newAccEnv(t)
	rows := numberedRows(1, 4)
	file := e.write("rows.jsonl", jsonl(rows...))
	compact := e.fileResource("eval", file, "  compact_row_ids = true")
	resource.ParallelTest(t, resource.TestCase{
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
					// The chunk of the 4 uploaded rows stays known; only the
					// new rows' chunk is unknown.
					plancheck.ExpectKnownValue("collinear_dataset.test", tfpath("row_ids_json").AtMapKey("000000000"), knownvalue.NotNull()),
					plancheck.ExpectUnknownValue("collinear_dataset.test", tfpath("row_ids_json").AtMapKey("000000004")),
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
