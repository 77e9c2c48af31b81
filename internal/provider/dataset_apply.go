package provider

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
	"github.com/collinear-ai/terraform-provider-collinear/internal/rowsync"
	"github.com/collinear-ai/terraform-provider-collinear/internal/upload"
)

const (
	defaultApplyTimeout = 20 * time.Minute
	defaultReadTimeout  = 5 * time.Minute
)

func (r *datasetResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan datasetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultApplyTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r.apply(ctx, &applyRequest{plan: &plan}, &resp.State, resp.Private, &resp.Diagnostics)
}

func (r *datasetResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior datasetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultApplyTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r.apply(ctx, &applyRequest{plan: &plan, prior: &prior, private: req.Private}, &resp.State, resp.Private, &resp.Diagnostics)
}

// applyRequest is what Create and Update hand to apply: the planned values,
// and for an update the prior state and the plan's private state.
type applyRequest struct {
	plan    *datasetModel
	prior   *datasetModel
	private privateGetter
}

// apply makes the platform hold the planned rows (rowsync.Apply) and records
// every row that is on it, even when the apply fails partway, so that
// nothing is ever sent twice.
func (r *datasetResource) apply(ctx context.Context, req *applyRequest, state stateSetter, private privateSetter, diags *diag.Diagnostics) {
	c := r.client(diags)
	if c == nil {
		return
	}
	ctx = r.data.withMaskedKey(ctx)
	ch, chk := r.change(ctx, req, diags)
	if diags.HasError() {
		return
	}
	res := rowsync.Apply(ctx, c, r.applyOptions(ctx, req.plan), ch)
	creating := req.prior == nil
	if res.Err != nil && creating && len(res.Record.Rows) == 0 {
		// Nothing landed: there is nothing to record and the resource does
		// not exist yet.
		diags.Append(applyErrorDiagnostics(res, true)...)
		return
	}
	out := *req.plan
	out.ID = resourceID(req.plan.SpaceID, req.plan.DatasetName)
	out.DatasetID = types.StringNull()
	if res.DatasetID != "" {
		out.DatasetID = types.StringValue(res.DatasetID)
	}
	if out.UploadPreview.IsUnknown() {
		out.UploadPreview = types.ListNull(types.StringType)
	}
	out.RowCount = types.Int64Value(int64(len(res.Record.Rows)))
	out.ContentSHA256 = types.StringNull()
	if res.Complete {
		out.RowCount = types.Int64Value(int64(len(chk.fingerprints)))
		out.ContentSHA256 = types.StringValue(chk.contentSHA256())
	}
	diags.Append(writeRecord(ctx, &out, req.prior, res.Record, false, private)...)
	diags.Append(private.SetKey(ctx, plannedRowsKey, nil)...)
	diags.Append(state.Set(ctx, &out)...)
	if res.NoIDs > 0 {
		diags.AddAttributeWarning(path.Root("row_ids"), "Some row ids are not known yet",
			fmt.Sprintf("The API stored %d row(s) without returning their ids, and looking the dataset up could not tell them yet, so their elements in row_ids are null. The rows are recorded as uploaded and will not be sent again; a later refresh fills the ids in.", res.NoIDs))
	}
	if res.Err != nil {
		diags.Append(applyErrorDiagnostics(res, creating)...)
	}
}

// change gathers what rowsync.Apply needs: the source, checked now or taken
// from the plan, with a way to read the rows to send; the prior record; the
// ids the plan showed. Nothing is sent when the source is not what was
// planned.
func (r *datasetResource) change(ctx context.Context, req *applyRequest, diags *diag.Diagnostics) (*rowsync.Change, *checked) {
	plan := req.plan
	src, known, d := sourceOf(ctx, plan)
	diags.Append(d...)
	if diags.HasError() {
		return nil, nil
	}
	if !known {
		diags.AddError("Rows not known at apply", "The file path or the inline rows are still unknown at apply time. This is a bug in the provider; please report it.")
		return nil, nil
	}
	ch := &rowsync.Change{
		SpaceID: plan.SpaceID.ValueString(), Name: plan.DatasetName.ValueString(),
		Creating: req.prior == nil, IfExists: rowsync.AdoptExisting,
	}
	if !plan.MaxUploadRows.IsNull() {
		limit := int(plan.MaxUploadRows.ValueInt64())
		ch.MaxSend = &limit
	}
	if plan.IfExists.ValueString() == ifExistsError {
		ch.IfExists = rowsync.RefuseExisting
	}
	ch.Planned, d = plannedIDs(ctx, plan)
	diags.Append(d...)
	// A create needs keys to adopt rows: surely when its plan adopted some
	// (it showed their ids), and otherwise only if its lookup finds rows,
	// when Change.Keys reads them.
	withKeys := ch.Creating && ch.Planned != nil
	if req.prior != nil {
		var rec *rowsync.Record
		rec, _, d = readRecord(ctx, req.prior, req.private)
		diags.Append(d...)
		ch.Prior, ch.DatasetID, withKeys = rec, req.prior.DatasetID.ValueString(), rec.NeedsKeys()
	}
	if diags.HasError() {
		return nil, nil
	}
	chk := r.checkedSource(ctx, req, src, withKeys, diags)
	if diags.HasError() {
		return nil, nil
	}
	ch.Source = chk.fingerprints
	if !withKeys {
		ch.Keys = func() error { return src.addKeys(chk) }
	}
	ch.Read = func(send []bool) (iter.Seq[upload.Row], func() error) { return src.rowsToSend(chk, send) }
	return ch, chk
}

// checkedSource is the source as the apply sends it: an update that adds
// rows takes the fingerprints its plan recorded (and the read that sends
// checks the rows against them); anything else reads the source once now,
// before sending, and it must be the planned content.
func (r *datasetResource) checkedSource(ctx context.Context, req *applyRequest, src *source, withKeys bool, diags *diag.Diagnostics) *checked {
	if req.private != nil {
		if chk := plannedCheck(ctx, req.private, req.plan, withKeys); chk != nil {
			return chk
		}
	}
	src.expectRows(req.plan.RowCount)
	chk, d := src.check(withKeys, nil)
	diags.Append(d.Errors()...)
	if diags.HasError() {
		return nil
	}
	if want := req.plan.ContentSHA256; !want.IsUnknown() && want.ValueString() != chk.contentSHA256() {
		diags.AddAttributeError(path.Root("file"), "Rows changed since the plan",
			fmt.Sprintf("The rows read now (SHA-256 %s) are not the rows that were planned (SHA-256 %s). Nothing was sent. Run terraform plan again to review the new content.", chk.contentSHA256(), want.ValueString()))
	}
	return chk
}

// plannedIDs reads the ids the plan showed: nil when it showed none.
func plannedIDs(ctx context.Context, plan *datasetModel) (*rowsync.PlannedIDs, diag.Diagnostics) {
	if plan.RowIDs.IsUnknown() || plan.RowIDsJSON.IsUnknown() {
		return nil, nil
	}
	ids, diags := plan.plannedRowIDs(ctx)
	if diags.HasError() || ids == nil {
		return nil, diags
	}
	out := &rowsync.PlannedIDs{IDs: make([]string, len(ids)), Known: make([]bool, len(ids))}
	for i, id := range ids {
		out.IDs[i], out.Known[i] = id.ValueString(), !id.IsUnknown()
	}
	return out, diags
}

func (r *datasetResource) applyOptions(ctx context.Context, plan *datasetModel) rowsync.Options {
	return rowsync.Options{
		BatchRows:  int(plan.BatchSize.ValueInt64()),
		SettleTime: r.data.settleTime,
		Log:        func(msg string, kv ...any) { tflog.Warn(ctx, msg, fields(kv)) },
		Progress: func(sent, total int, elapsed time.Duration) {
			tflog.Info(ctx, fmt.Sprintf("uploaded %d / %d rows", sent, total), map[string]any{"rows_sent": sent, "rows_total": total, "elapsed": elapsed.Round(time.Millisecond).String()})
		},
	}
}

// applyErrorDiagnostics explains a failed apply and, when some rows landed,
// what the next apply does with them.
func applyErrorDiagnostics(res *rowsync.Result, creating bool) diag.Diagnostics {
	var diags diag.Diagnostics
	summary, detail := describeApplyError(res.Err)
	var b strings.Builder
	b.WriteString(detail)
	if n := len(res.Record.Rows); n > 0 {
		fmt.Fprintf(&b, "\n\n%d row(s) are on the platform and recorded in state with their ids; they will not be sent again.", n)
		if creating {
			b.WriteString(" Run `terraform apply` again: Terraform re-creates the resource (it is tainted), and that create looks the dataset up first and adopts every row already there, so only the rows still missing are sent.")
		} else {
			b.WriteString(" Run `terraform apply` again to send only the rows still missing.")
		}
	}
	var doubt *rowsync.DoubtError
	if creating && errors.As(res.Err, &doubt) && !doubt.Until.IsZero() {
		fmt.Fprintf(&b, "\n\nThe rows in doubt are not in state: the next apply re-creates the resource and adopts the rows its lookup finds. If the platform still stores them after that lookup, they would be stored twice, so wait until %s (UTC) before applying again.", doubt.Until.UTC().Format(time.DateTime))
	}
	diags.AddError(summary, b.String())
	return diags
}

// describeApplyError gives the summary and the explanation of an apply's
// error.
func describeApplyError(err error) (summary, detail string) {
	var apiErr *client.APIError
	var unknown *client.OutcomeUnknownError
	var doubt *rowsync.DoubtError
	var ambiguous *rowsync.AmbiguousError
	switch {
	case errors.As(err, &doubt):
		return "Upload outcome unknown", doubt.Error()
	case errors.As(err, &ambiguous):
		return "Upload outcome ambiguous", ambiguous.Error()
	case errors.Is(err, rowsync.ErrDatasetExists):
		return "Dataset already exists", "The dataset was created on the platform after the plan, and if_exists = \"error\". Nothing was sent. Import it, or set if_exists = \"adopt\"."
	case errors.As(err, new(*rowsync.TooManyRowsError)):
		return "Too many rows to upload", err.Error() + ". Check the source, or raise max_upload_rows."
	case errors.Is(err, rowsync.ErrPlanChanged):
		return "Rows on the platform changed since the plan", "The rows the plan adopted are not the ones on the platform now. Nothing was sent. Run terraform plan again."
	case errors.As(err, &unknown):
		// Checked before APIError: an unknown outcome wraps the API error
		// (500, 502, 503, 504) that caused it.
		return unknown.Summary(), unknown.Error()
	case errors.As(err, &apiErr):
		return apiErr.Summary(), apiErr.Error()
	case errors.Is(err, upload.ErrSourceChanged):
		return "Rows changed during the apply", err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return "Upload timed out", "The upload did not finish within the timeout. Raise it in the resource's timeouts block, or lower batch_size."
	case errors.Is(err, context.Canceled):
		return "Upload interrupted", "The upload was cancelled."
	}
	return "Upload failed", err.Error()
}
