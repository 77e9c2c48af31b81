package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/collinear-ai/terraform-provider-collinear/internal/ledger"
)

// ModifyPlan reads and validates the source at every plan, so that an edit to
// the file shows up without filesha256() and bad rows are refused before
// anything is sent. It plans the computed values exactly: the row count, the
// content hash, and row_ids with the known ids of kept rows and an unknown id
// for each new row only.
func (r *datasetResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		if !req.State.Raw.IsNull() {
			resp.Diagnostics.AddWarning("Destroying does not delete the dataset",
				"The Collinear API has no delete endpoint: the dataset and its rows stay on the platform after Terraform forgets them.")
		}
		return
	}
	var plan datasetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var prior *datasetModel
	if !req.State.Raw.IsNull() {
		prior = &datasetModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, prior)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}

	if plan.SpaceID.IsUnknown() || plan.DatasetName.IsUnknown() {
		plan.ID = types.StringUnknown()
	} else {
		plan.ID = types.StringValue(plan.SpaceID.ValueString() + "/" + plan.DatasetName.ValueString())
	}
	// A replacement starts a new dataset: plan it as a create.
	replacing := prior != nil && (!plan.SpaceID.Equal(prior.SpaceID) || !plan.DatasetName.Equal(prior.DatasetName))
	if replacing {
		prior = nil
	}

	src, known, diags := sourceOf(ctx, &plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !known {
		// The rows come from another resource. The same checks run at
		// apply, before anything is sent.
		plan.RowCount = types.Int64Unknown()
		plan.ContentSHA256 = types.StringUnknown()
		plan.setRowIDsUnknown()
		plan.DatasetID = types.StringUnknown()
		if prior != nil && !prior.DatasetID.IsNull() {
			plan.DatasetID = prior.DatasetID
		}
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}

	var led *ledger.Ledger
	var priorIDs []types.String
	withKeys := false
	if prior != nil {
		src.expectRows(prior.RowCount)
		led, diags = readLedger(ctx, req.Private)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		priorIDs, diags = prior.rowIDs(ctx)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		withKeys = needsMatchKeys(led, priorIDs)
	}
	chk, diags := src.check(withKeys)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.RowCount = types.Int64Value(int64(chk.summary.Rows))
	plan.ContentSHA256 = types.StringValue(chk.contentSHA256())

	if !plan.compact() && chk.summary.Rows > listModeWarnRows {
		resp.Diagnostics.AddAttributeWarning(path.Root("compact_row_ids"), "Large dataset in list mode",
			fmt.Sprintf("The dataset has %d rows. Terraform compares a list of that many ids slowly (a no-op plan of 20,000 ids took 54 s and 3.3 GB here). Set compact_row_ids = true to keep the ids in row_ids_json, a few JSON strings of up to 1,000 ids each; switching uploads nothing.", chk.summary.Rows))
	}
	if prior == nil {
		plan.setRowIDsUnknown()
		plan.DatasetID = types.StringUnknown()
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}

	if led == nil {
		led = &ledger.Ledger{}
	}
	if len(priorIDs) != len(led.Rows) {
		resp.Diagnostics.AddError("Row ledger does not match state",
			fmt.Sprintf("State holds %d row ids but the provider's private record of uploaded rows holds %d, so the provider cannot tell which rows are already on the platform. "+
				"Nothing will be sent. Run `terraform apply -refresh-only` to rebuild the record from the platform, or re-import the dataset.", len(priorIDs), len(led.Rows)))
		return
	}

	assigned, removed := ledger.Match(led.Rows, chk.fingerprints)
	ids := make([]types.String, len(assigned))
	newRows := 0
	inPlace := len(assigned) == len(priorIDs)
	for i, e := range assigned {
		if e >= 0 {
			ids[i] = priorIDs[e]
		} else {
			ids[i] = types.StringUnknown()
			newRows++
		}
		inPlace = inPlace && e == i
	}
	if !inPlace || !plan.keepRowIDsOf(prior) {
		plan.setRowIDs(ids, prior)
	}
	if newRows > 0 {
		resp.Diagnostics.Append(setPlannedRows(ctx, resp.Private, chk, withKeys)...)
	}
	plan.DatasetID = prior.DatasetID
	if newRows > 0 && prior.DatasetID.IsNull() {
		// The API may reveal the dataset's id when it answers the upload.
		plan.DatasetID = types.StringUnknown()
	}
	if len(removed) > 0 {
		resp.Diagnostics.AddAttributeWarning(path.Root("row_ids"), "Rows removed from the source stay on the platform",
			fmt.Sprintf("%d row(s) recorded in state are no longer in the source. The Collinear API cannot delete rows, so they stay in dataset %q; Terraform stops tracking them. Delete them in the Collinear UI if they must go.",
				len(removed), plan.DatasetName.ValueString()))
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}
