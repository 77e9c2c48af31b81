package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/collinear-ai/terraform-provider-collinear/internal/rowsync"
)

// ModifyPlan reads and validates the source at every plan, so that an edit to
// the file shows up without filesha256() and bad rows are refused before
// anything is sent. It plans the computed values exactly: the row count, the
// content hash, and the ids: known for kept and adopted rows, unknown for
// each row the apply sends.
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
	plan.ID = resourceID(plan.SpaceID, plan.DatasetName)
	prior := priorOf(ctx, req, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	src, known, diags := sourceOf(ctx, &plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !known {
		// The rows come from another resource. The same checks run at
		// apply, before anything is sent.
		plan.planUnknownRows(prior)
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	if r.planRows(ctx, req, resp, &plan, prior, src) {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	}
}

// resourceID is a dataset's id, `<space_id>/<dataset_name>`: unknown while
// either is.
func resourceID(spaceID, name types.String) types.String {
	if spaceID.IsUnknown() || name.IsUnknown() {
		return types.StringUnknown()
	}
	return types.StringValue(spaceID.ValueString() + "/" + name.ValueString())
}

// priorOf is the state a plan changes: nil for a create, and for a
// replacement, which starts a new dataset.
func priorOf(ctx context.Context, req resource.ModifyPlanRequest, plan *datasetModel, diags *diag.Diagnostics) *datasetModel {
	if req.State.Raw.IsNull() {
		return nil
	}
	prior := &datasetModel{}
	diags.Append(req.State.Get(ctx, prior)...)
	if !sameUUID(plan.SpaceID.ValueString(), prior.SpaceID.ValueString()) || !plan.DatasetName.Equal(prior.DatasetName) {
		return nil
	}
	return prior
}

// lookAtPlan is what a create's plan learned by looking the dataset up.
type lookAtPlan struct {
	done      bool // the lookup answered
	exists    bool
	rows      int // rows the dataset holds
	datasetID string
}

// priorRecord is the record of the state a plan changes; an empty one for a
// create.
func priorRecord(ctx context.Context, prior *datasetModel, private privateGetter, diags *diag.Diagnostics) *rowsync.Record {
	if prior == nil {
		return &rowsync.Record{}
	}
	rec, _, d := readRecord(ctx, prior, private)
	diags.Append(d...)
	if rec != nil && rec.Incomplete() {
		diags.AddError("Row ledger does not match state",
			"The provider's private record of uploaded rows does not match the row ids in state, so it cannot tell which rows are already on the platform. "+
				"Nothing will be sent. Run `terraform apply -refresh-only` to rebuild the record from the platform, or re-import the dataset.")
	}
	return rec
}

// lookBeforeCreate looks up the dataset a create would make: every row
// already on it is unclaimed in the record it returns, so that source rows
// matching them are adopted, not sent again, by their match keys, which it
// adds to chk then. When it cannot look, the plan warns and the create
// looks before it sends.
func (r *datasetResource) lookBeforeCreate(ctx context.Context, plan *datasetModel, src *source, chk *checked, diags *diag.Diagnostics) (*rowsync.Record, lookAtPlan) {
	const later = "The create looks the dataset up before it sends anything and does not upload rows that are already there."
	switch {
	case r.data.hasNoKey():
		diags.AddWarning("Dataset not looked up at plan time",
			"No API key is configured, so the plan cannot show which rows are already on the platform. "+later)
		return &rowsync.Record{}, lookAtPlan{}
	case plan.SpaceID.IsUnknown() || plan.DatasetName.IsUnknown() || r.data == nil:
		diags.AddWarning("Dataset not looked up at plan time",
			"The provider could not look the dataset up while planning (its configuration or the dataset's name is not known yet), so the plan cannot show which rows are already on the platform. "+later)
		return &rowsync.Record{}, lookAtPlan{}
	}
	snap, err := r.lookup(ctx, plan, nil) // nothing recorded yet
	if err != nil {
		if failed := lookupFailure(err, false); failed.HasError() {
			diags.Append(failed...)
		} else {
			diags.AddWarning("Dataset not looked up at plan time",
				"Looking the dataset up failed, so the plan cannot show which rows are already on the platform. "+later+"\n\n"+err.Error())
		}
		return &rowsync.Record{}, lookAtPlan{}
	}
	rec := rowsync.SnapshotRecord(snap)
	if rec.NeedsKeys() {
		if err := src.addKeys(chk); err != nil {
			diags.AddAttributeError(path.Root("file"), "Unable to read rows file", err.Error())
		}
	}
	return rec, lookAtPlan{done: true, exists: snap.Exists, rows: snap.Len(), datasetID: snap.DatasetID}
}

// planPreview plans upload_preview: the rows this apply uploads. A plan that
// uploads nothing keeps the prior value (null after a refresh), so that a
// no-op plan shows no change.
func (m *datasetModel) planPreview(src *source, p *rowsync.Plan, capture *previewCapture, prior *datasetModel) diag.Diagnostics {
	var diags diag.Diagnostics
	preview, err := src.uploadPreview(p, capture)
	if err != nil {
		diags.AddAttributeError(path.Root("file"), "Unable to read rows file", err.Error())
		return diags
	}
	if preview.IsNull() && prior != nil {
		preview = prior.UploadPreview
	}
	m.UploadPreview = preview
	return diags
}

// planUnknownRows plans a source that is not known yet.
func (m *datasetModel) planUnknownRows(prior *datasetModel) {
	m.UploadPreview = types.ListUnknown(types.StringType)
	m.RowCount = types.Int64Unknown()
	m.ContentSHA256 = types.StringUnknown()
	m.setRowIDsUnknown()
	m.planDatasetID(prior, lookAtPlan{}, false)
}

// planDatasetID plans dataset_id: what the create's lookup found, or the
// prior value (kept as it is, null too, where the ids are), or unknown.
func (m *datasetModel) planDatasetID(prior *datasetModel, look lookAtPlan, keep bool) {
	switch {
	case look.datasetID != "":
		m.DatasetID = types.StringValue(look.datasetID)
	case prior != nil && (keep || !prior.DatasetID.IsNull()):
		m.DatasetID = prior.DatasetID
	default:
		m.DatasetID = types.StringUnknown()
	}
}

// planIDs plans row_ids (or row_ids_json) and dataset_id from a plan: known
// ids for kept and adopted rows, unknown ones for rows to send or settle. A
// create that adopts nothing leaves them all to the apply: the whole list is
// then unknown, which a plan prints in one line.
func (m *datasetModel) planIDs(p *rowsync.Plan, prior *datasetModel, look lookAtPlan) {
	if prior == nil && (!look.done || p.Adopted == 0) {
		m.setRowIDsUnknown()
		m.planDatasetID(prior, look, false)
		return
	}
	if prior != nil && p.InPlace && m.keepRowIDsOf(prior) {
		m.planDatasetID(prior, look, true)
		return
	}
	ids := idValues(p.IDs)
	for i, d := range p.Decisions {
		if d == rowsync.Send || d == rowsync.Settle {
			ids[i] = types.StringUnknown()
		}
	}
	m.setRowIDs(ids, prior)
	m.planDatasetID(prior, look, false)
}

// planDiagnostics says what a plan will do that a reviewer must know: rows
// adopted instead of uploaded, rows in doubt, rows left on the platform, a
// large dataset in list mode; and refuses a create over an existing dataset
// when if_exists says so.
func planDiagnostics(m *datasetModel, p *rowsync.Plan, look lookAtPlan) diag.Diagnostics {
	var diags diag.Diagnostics
	name := m.DatasetName.ValueString()
	if look.exists && m.IfExists.ValueString() == ifExistsError {
		diags.AddAttributeError(path.Root("if_exists"), "Dataset already exists",
			fmt.Sprintf("Dataset %q already exists in space %s with %d row(s), and if_exists = \"error\". Nothing will be sent. "+
				"To manage it with this configuration, import it:\n\nimport {\n  to = <address>\n  id = %q\n}\n\nor set if_exists = \"adopt\" to take the rows that match the source as this resource's.",
				name, m.SpaceID.ValueString(), look.rows, m.SpaceID.ValueString()+"/"+name))
		return diags
	}
	if limit := m.MaxUploadRows; !limit.IsNull() && !limit.IsUnknown() && int64(p.ToSend+p.InDoubt) > limit.ValueInt64() {
		diags.AddAttributeError(path.Root("max_upload_rows"), "Too many rows to upload",
			fmt.Sprintf("This plan would upload %d row(s) to dataset %q (%d new or edited, %d in doubt from an earlier upload), more than max_upload_rows = %d. %d row(s) are kept and %d adopted, which do not count. Nothing will be sent. Check the source file, or raise max_upload_rows.",
				p.ToSend+p.InDoubt, name, p.ToSend, p.InDoubt, limit.ValueInt64(), p.Kept, p.Adopted))
		return diags
	}
	if p.Adopted > 0 || look.exists {
		diags.AddAttributeWarning(path.Root("if_exists"), "Rows already on the platform are adopted, not uploaded",
			fmt.Sprintf("Dataset %q already holds rows that this state does not manage (%s). %d source row(s) match them and are adopted: their ids are known now and they are not uploaded again. %d row(s) will be uploaded.%s\n\n"+
				"Rows are matched by what the platform's lookup returns: the conversation, the response's text and ground_truth, not context nor the response's role. Set if_exists = \"error\" to refuse instead.",
				name, existingRows(look, p), p.Adopted, p.ToSend, notInSource(look, p)))
	}
	if p.InDoubt > 0 {
		diags.AddAttributeWarning(path.Root("row_ids"), "Rows of an earlier upload are in doubt",
			fmt.Sprintf("%d source row(s) were in an upload whose outcome is unknown, and no lookup has found them on the platform yet. The apply looks the dataset up first: rows it finds are recorded and not sent again; rows still missing once the upload can no longer be running (see the provider's upload_settle_time) are sent, the apply waiting for that if needed.", p.InDoubt))
	}
	if p.ReleasedRows > 0 {
		diags.AddAttributeWarning(path.Root("row_ids"), "Rows removed from the source stay on the platform",
			fmt.Sprintf("%d row(s) recorded in state are no longer in the source. The Collinear API cannot delete rows, so they stay in dataset %q; Terraform stops tracking them. Delete them in the Collinear UI if they must go.",
				p.ReleasedRows, name))
	}
	if !m.compact() && len(p.Decisions) > listModeWarnRows {
		diags.AddAttributeWarning(path.Root("compact_row_ids"), "Large dataset in list mode",
			fmt.Sprintf("The dataset has %d rows. Terraform compares a list of that many ids slowly, and the cost grows with the square of the count. Set compact_row_ids = true to keep the ids in row_ids_json, a few JSON strings of up to 1,000 ids each; switching uploads nothing.", len(p.Decisions)))
	}
	return diags
}

func existingRows(look lookAtPlan, p *rowsync.Plan) string {
	if look.done {
		return fmt.Sprintf("the dataset exists with %d row(s)", look.rows)
	}
	return fmt.Sprintf("%d found since the last apply", p.Adopted)
}

func notInSource(look lookAtPlan, p *rowsync.Plan) string {
	if !look.done {
		return ""
	}
	return fmt.Sprintf(" %d row(s) on the platform match no source row; they stay there, not managed by Terraform.", look.rows-p.Adopted)
}

// planRows plans the rows of a source whose content is known: it checks
// them, looks at the platform before a create, and plans ids, preview and
// the rows an update sends. It reports whether the plan may be set.
func (r *datasetResource) planRows(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, plan, prior *datasetModel, src *source) bool {
	diags := &resp.Diagnostics
	rec := priorRecord(ctx, prior, req.Private, diags)
	if diags.HasError() {
		return false
	}
	if prior != nil {
		src.expectRows(prior.RowCount)
	}
	// Bad rows are refused before anything is asked of the API.
	capture := newPreviewCapture(plan.previewLimit(), rec)
	chk, checkDiags := src.check(rec.NeedsKeys(), capture)
	diags.Append(checkDiags...)
	if diags.HasError() {
		return false
	}
	var look lookAtPlan
	if prior == nil {
		rec, look = r.lookBeforeCreate(ctx, plan, src, chk, diags)
		if diags.HasError() {
			return false
		}
	}
	plan.RowCount = types.Int64Value(int64(chk.summary.Rows))
	plan.ContentSHA256 = types.StringValue(chk.contentSHA256())
	p := rowsync.PlanRows(chk.fingerprints, rec)
	diags.Append(planDiagnostics(plan, p, look)...)
	if diags.HasError() {
		return false
	}
	plan.planIDs(p, prior, look)
	diags.Append(plan.planPreview(src, p, capture, prior)...)
	if prior != nil && p.ToSend+p.InDoubt > 0 {
		diags.Append(setPlannedRows(ctx, resp.Private, chk, rec.NeedsKeys())...)
	}
	return !diags.HasError()
}
