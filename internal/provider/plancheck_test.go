package provider

import (
	"context"
	"fmt"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// expectNewRowIDs checks the plan of collinear_dataset.test: row_ids is a
// known list of `total` elements whose last `unknown` elements, and only
// those, are unknown, and whose known elements are the ids already in state,
// so a reviewer sees exactly which rows are new.
type expectNewRowIDs struct {
	total, unknown int
}

func (c expectNewRowIDs) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	rc := findChange(req.Plan, "collinear_dataset.test")
	if rc == nil {
		resp.Error = fmt.Errorf("no planned change for collinear_dataset.test")
		return
	}
	afterUnknown, _ := rc.Change.AfterUnknown.(map[string]any)
	flags, ok := afterUnknown["row_ids"].([]any)
	if afterUnknown["row_ids"] == nil {
		// Terraform leaves out of after_unknown what is wholly known.
		after, _ := rc.Change.After.(map[string]any)
		ids, _ := after["row_ids"].([]any)
		flags, ok = make([]any, len(ids)), ids != nil
		for i := range flags {
			flags[i] = false
		}
	}
	if !ok {
		resp.Error = fmt.Errorf("row_ids is planned as wholly unknown (%v), want a list with %d unknown elements (actions %v, before %v)", afterUnknown["row_ids"], c.unknown, rc.Change.Actions, rc.Change.Before)
		return
	}
	if len(flags) != c.total {
		resp.Error = fmt.Errorf("row_ids is planned with %d elements, want %d", len(flags), c.total)
		return
	}
	before, _ := rc.Change.Before.(map[string]any)
	after, _ := rc.Change.After.(map[string]any)
	beforeIDs, _ := before["row_ids"].([]any)
	afterIDs, _ := after["row_ids"].([]any)
	for i, f := range flags {
		wantUnknown := i >= c.total-c.unknown
		if f == true != wantUnknown {
			resp.Error = fmt.Errorf("row_ids[%d] unknown = %v, want %v (flags %v)", i, f, wantUnknown, flags)
			return
		}
		if !wantUnknown && (i >= len(beforeIDs) || i >= len(afterIDs) || afterIDs[i] != beforeIDs[i]) {
			resp.Error = fmt.Errorf("row_ids[%d] is planned as %v, want the id in state", i, afterIDs[i])
			return
		}
	}
}

func findChange(plan *tfjson.Plan, address string) *tfjson.ResourceChange {
	for _, rc := range plan.ResourceChanges {
		if rc.Address == address {
			return rc
		}
	}
	return nil
}

// tfpath is a top-level attribute path for plan and state checks.
func tfpath(name string) tfjsonpath.Path { return tfjsonpath.New(name) }

// emptyPlanStep plans config again and expects no change: nothing would be
// uploaded.
func emptyPlanStep(config string) resource.TestStep {
	return resource.TestStep{
		Config:           config,
		ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
	}
}
