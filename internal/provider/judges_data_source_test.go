package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

func judgeObject(id, name, behavior string) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"id": knownvalue.StringExact(id), "name": knownvalue.StringExact(name), "behavior_type": knownvalue.StringExact(behavior),
	})
}

func TestAccJudgesDataSource(t *testing.T) {
	e := newAccEnv(t)
	tone1 := e.emu.AddJudge(testSpaceID, "tone", "custom")
	safety := e.emu.AddJudge(testSpaceID, "harm", "safety")
	tone2 := e.emu.AddJudge(testSpaceID, "tone", "reliability")
	e.emu.AddJudge(otherSpaceID, "tone", "custom")
	config := e.provider() + fmt.Sprintf(`
data "collinear_judges" "all" {
  space_id = %[1]q
}

data "collinear_judges" "tone" {
  space_id = %[1]q
  name     = "tone"
}

data "collinear_judges" "none" {
  space_id = %[1]q
  name     = "nobody"
}
`, testSpaceID)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.collinear_judges.all", tfpath("judges"), knownvalue.ListExact([]knownvalue.Check{
					judgeObject(tone1, "tone", "custom"), judgeObject(safety, "harm", "safety"), judgeObject(tone2, "tone", "reliability"),
				})),
				statecheck.ExpectKnownValue("data.collinear_judges.tone", tfpath("ids"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.StringExact(tone1), knownvalue.StringExact(tone2),
				})),
				statecheck.ExpectKnownValue("data.collinear_judges.tone", tfpath("judges"), knownvalue.ListSizeExact(2)),
				statecheck.ExpectKnownValue("data.collinear_judges.none", tfpath("judges"), knownvalue.ListSizeExact(0)),
				statecheck.ExpectKnownValue("data.collinear_judges.none", tfpath("ids"), knownvalue.ListSizeExact(0)),
			},
		}},
	})
}

func TestAccJudgesDataSource_removedSpace(t *testing.T) {
	e := newAccEnv(t)
	e.emu.RemoveSpace(testSpaceID)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      e.provider() + fmt.Sprintf("data \"collinear_judges\" \"all\" {\n  space_id = %q\n}\n", testSpaceID),
			ExpectError: wrapped(`(?s)Error: Space not found.*does not know space ` + testSpaceID + `.*check space_id`),
		}},
	})
}
