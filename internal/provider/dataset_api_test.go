package provider

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/collinear-ai/terraform-provider-collinear/internal/emulator"
)

// TestAccDataset_wrongKey: a rejected key gives an error that says to check
// the key, never shows it, and stores nothing.
func TestAccDataset_wrongKey(t *testing.T) {
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	const wrongKey = "wrong-key-0123456789"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.providerWithKey(wrongKey) + fmt.Sprintf(`
resource "collinear_dataset" "test" {
  space_id     = %q
  dataset_name = "eval"
  file         = %q
}`, testSpaceID, file),
			ExpectError: wrapped(`(?i)api key`),
		}},
	})
	reqs := e.emu.Requests()
	if len(reqs) != 1 || reqs[0].Status != 401 {
		t.Fatalf("want exactly one request answered 401, got %d requests", len(reqs))
	}
	if reqs[0].Header.Get("Authorization") != "Bearer "+wrongKey {
		t.Fatalf("the key was not sent as a bearer token")
	}
	if n := len(e.emu.Rows(testSpaceID, "eval")); n != 0 {
		t.Fatalf("%d rows stored", n)
	}
}

// TestAccDataset_forbiddenSpace: 403 says to check the key's access to the
// space.
func TestAccDataset_forbiddenSpace(t *testing.T) {
	e := newAccEnv(t)
	e.emu.ForbidSpace(testSpaceID)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      e.fileResource("eval", file),
			ExpectError: wrapped(`(?i)access to the space`),
		}},
	})
}

// TestAccDataset_objectResponse: when the API answers {dataset_id, message}
// instead of the rows, the rows are recorded with null ids, dataset_id is
// kept, and the next plan is empty (nothing is sent twice).
func TestAccDataset_objectResponse(t *testing.T) {
	e := newAccEnv(t)
	e.emu.SetShape(emulator.ShapeObject)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.fileResource("eval", file),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("collinear_dataset.test", "row_ids.#", "3"),
					resource.TestCheckNoResourceAttr("collinear_dataset.test", "row_ids.0"),
					func(s *terraform.State) error {
						got := s.RootModule().Resources["collinear_dataset.test"].Primary.Attributes["dataset_id"]
						if want := e.emu.DatasetID(testSpaceID, "eval"); got != want || got == "" {
							return fmt.Errorf("dataset_id = %q, want %q", got, want)
						}
						return nil
					},
				),
			},
			{
				Config:           e.fileResource("eval", file),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
	if n := len(e.emu.Rows(testSpaceID, "eval")); n != 3 {
		t.Fatalf("emulator holds %d rows, want 3", n)
	}
}

// TestAccDataset_numericIDs: ids returned as JSON numbers become strings.
func TestAccDataset_numericIDs(t *testing.T) {
	e := newAccEnv(t)
	e.emu.Close()
	emu, err := emulator.Start(emulator.Options{APIKey: testAPIKey, NumericIDs: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	e.emu = emu
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.fileResource("eval", file),
			Check: resource.ComposeAggregateTestCheckFunc(
				e.checkRowIDsMatchEmulator("eval"),
				func(s *terraform.State) error {
					id := s.RootModule().Resources["collinear_dataset.test"].Primary.Attributes["row_ids.0"]
					if _, err := strconv.ParseInt(id, 10, 64); err != nil {
						return fmt.Errorf("row_ids[0] = %q, want a decimal number", id)
					}
					return nil
				},
			),
		}},
	})
}
