package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccJudgeAndEvaluation_invalidArgumentsFailAtPlan: bad enum values and
// UUIDs are refused by `terraform plan` with an error naming the attribute,
// and the API receives nothing.
func TestAccJudgeAndEvaluation_invalidArgumentsFailAtPlan(t *testing.T) {
	e := newAccEnv(t)
	judge := func(attrs string) string {
		return fmt.Sprintf("resource \"collinear_judge\" \"bad\" {\n%s\n}\n", attrs)
	}
	valid := map[string]string{
		"space_id": `"` + testSpaceID + `"`, "name": `"n"`, "judge_behavior_type": `"custom"`,
		"model_name": `"prompted_model"`, "judge_values": `[0, 1]`,
	}
	judgeWith := func(name, value string) string {
		attrs := ""
		for k, v := range valid {
			if k == name {
				v = value
			}
			attrs += fmt.Sprintf("  %s = %s\n", k, v)
		}
		if _, ok := valid[name]; !ok {
			attrs += fmt.Sprintf("  %s = %s\n", name, value)
		}
		return judge(attrs)
	}
	evaluation := func(datasetID, judgeIDs string) string {
		return fmt.Sprintf("resource \"collinear_evaluation\" \"bad\" {\n  space_id = %q\n  dataset_id = %s\n  judge_ids = %s\n  name = \"n\"\n}\n", testSpaceID, datasetID, judgeIDs)
	}
	uuid := `"0e5a0c1e-9a43-4b9e-8f0e-7f3f9d1d2c33"`
	cases := []struct{ config, want string }{
		{judgeWith("judge_behavior_type", `"strict"`), `Attribute judge_behavior_type value must be one of: \["safety" "reliability" "custom"\], got: "strict"`},
		{judgeWith("model_name", `"gpt-4"`), `Attribute model_name value must be one of: .*"quality_of_reasoning"\], got: "gpt-4"`},
		{judgeWith("space_id", `"space-1"`), `Attribute space_id must be a UUID`},
		{judgeWith("model_id", `"m1"`), `Attribute model_id must be a UUID`},
		{judgeWith("dataset_annotation_ids", `["row-1"]`), `Attribute dataset_annotation_ids\[0\] must be a UUID`},
		{judgeWith("name", `""`), `Attribute name string length must be at least 1`},
		{evaluation(`"d1"`, "["+uuid+"]"), `Attribute dataset_id must be a UUID`},
		{evaluation(uuid, `["j1"]`), `Attribute judge_ids\[0\] must be a UUID`},
		{evaluation(uuid, `[]`), `Attribute judge_ids list must contain at least 1 elements`},
		{evaluation(uuid, "["+uuid+", "+uuid+"]"), `judge_ids.*duplicate`},
		{"data \"collinear_judges\" \"bad\" {\n  space_id = \"s\"\n}\n", `Attribute space_id must be a UUID`},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      e.provider() + c.config,
			PlanOnly:    true,
			ExpectError: wrapped(`(?s)` + c.want),
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
	if n := len(e.emu.Requests()); n != 0 {
		t.Fatalf("invalid configurations made %d API request(s)", n)
	}
}
