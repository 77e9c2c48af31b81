package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

// unknownPathConfig takes the file path from terraform_data, whose output is
// unknown until apply, as a path computed by another resource would be.
func unknownPathConfig(e *accEnv, file string) string {
	return e.provider() + fmt.Sprintf(`
resource "terraform_data" "path" {
  input = %q
}

resource "collinear_dataset" "test" {
  space_id     = %q
  dataset_name = "eval"
  file         = terraform_data.path.output
}
`, file, testSpaceID)
}

// TestAccDataset_pathUnknownAtPlan: with a path known only at apply, the
// computed values are unknown in the plan and the rows are checked and
// uploaded at apply.
func TestAccDataset_pathUnknownAtPlan(t *testing.T) {
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: unknownPathConfig(e, file),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectUnknownValue("collinear_dataset.test", tfpath("row_count")),
				plancheck.ExpectUnknownValue("collinear_dataset.test", tfpath("content_sha256")),
			}},
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("collinear_dataset.test", "row_count", "3"),
				e.checkRowIDsMatchEmulator("eval"),
			),
		}},
	})
}

// TestAccDataset_badRowsUnknownAtPlanFailAtApply: the same checks run at
// apply, before anything is sent.
func TestAccDataset_badRowsUnknownAtPlanFailAtApply(t *testing.T) {
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(sampleRows[0], `{"conv_prefix":[{"role":"user","content":"x"}],"response":{"role":"assistant","content":"y"},"ground_truth":"1"}`))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      unknownPathConfig(e, file),
			ExpectError: wrapped(`row 2 \(line 2\): ground_truth`),
		}},
	})
	if n := len(e.emu.Requests()); n != 0 {
		t.Fatalf("%d requests; bad rows must be refused before anything is sent", n)
	}
}
