package provider

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccDatasetDataSource_readsWhatTheResourceWrote: the data source returns
// the dataset id, the row count, the ids in order and the rows themselves.
func TestAccDatasetDataSource_readsWhatTheResourceWrote(t *testing.T) {
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	config := e.fileResource("eval", file) + fmt.Sprintf(`
data "collinear_dataset" "read" {
  space_id     = %q
  dataset_name = collinear_dataset.test.dataset_name
  depends_on   = [collinear_dataset.test]
}

output "first_response" {
  value = jsondecode(data.collinear_dataset.read.rows_json)[0].response
}
`, testSpaceID)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("data.collinear_dataset.read", "row_count", "3"),
				resource.TestCheckResourceAttrPair("data.collinear_dataset.read", "row_ids.#", "collinear_dataset.test", "row_ids.#"),
				resource.TestCheckResourceAttrPair("data.collinear_dataset.read", "row_ids.0", "collinear_dataset.test", "row_ids.0"),
				resource.TestCheckResourceAttrPair("data.collinear_dataset.read", "row_ids.2", "collinear_dataset.test", "row_ids.2"),
				resource.TestCheckOutput("first_response", "I'm good, how are you?"),
				func(s *terraform.State) error {
					attrs := s.RootModule().Resources["data.collinear_dataset.read"].Primary.Attributes
					if attrs["dataset_id"] != e.emu.DatasetID(testSpaceID, "eval") {
						return fmt.Errorf("dataset_id = %q, want %q", attrs["dataset_id"], e.emu.DatasetID(testSpaceID, "eval"))
					}
					var rows []map[string]any
					if err := json.Unmarshal([]byte(attrs["rows_json"]), &rows); err != nil {
						return err
					}
					if len(rows) != 3 || rows[1]["ground_truth"] != float64(0) {
						return fmt.Errorf("rows_json = %s", attrs["rows_json"])
					}
					return nil
				},
			),
		}},
	})
}

// TestAccDatasetDataSource_notFound: an unknown dataset is an error that
// names it.
func TestAccDatasetDataSource_notFound(t *testing.T) {
	e := newAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.provider() + fmt.Sprintf(`
data "collinear_dataset" "read" {
  space_id     = %q
  dataset_name = "nope"
}`, testSpaceID),
			ExpectError: wrapped(`Dataset not found`),
		}},
	})
}
