package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
	"github.com/collinear-ai/terraform-provider-collinear/internal/rowsync"
	"github.com/collinear-ai/terraform-provider-collinear/internal/upload"
)

// Read brings state in line with the platform through the dataset lookup
// (rowsync.Reconcile). It changes state only on positive evidence: a dataset
// is gone when the lookup says so, a row is gone when a successful lookup
// lacks its id. A lookup that is not possible leaves state as it is, with a
// warning, so that plans keep working; one that does not answer within the
// read timeout is an error.
func (r *datasetResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var st datasetModel
	resp.Diagnostics.Append(req.State.Get(ctx, &st)...)
	if resp.Diagnostics.HasError() {
		return
	}
	rec, hasLedger, diags := readRecord(ctx, &st, req.Private)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	importing := !hasLedger && !st.hasRowIDs()
	if r.data == nil || r.data.client == nil {
		if importing || r.data.hasNoKey() {
			r.client(&resp.Diagnostics)
		}
		return
	}
	snap, err := r.lookup(ctx, &st, rec)
	switch {
	case err != nil:
		resp.Diagnostics.Append(lookupFailure(err, importing)...)
		return
	case !snap.Exists:
		if !importing {
			tflog.Warn(ctx, "dataset no longer exists on the platform; removing it from state", map[string]any{"space_id": st.SpaceID.ValueString(), "dataset_name": st.DatasetName.ValueString()})
		}
		resp.State.RemoveResource(ctx)
		return
	}
	var rep rowsync.Report
	if importing {
		rec = rowsync.ImportRecord(snap)
		st.adoptImported(len(rec.Rows))
		rep.RowsChanged = true
	} else {
		rec, rep = rowsync.Reconcile(rec, snap, r.data.settleTime)
	}
	st.ID = resourceID(st.SpaceID, st.DatasetName)
	// The preview told what one apply would publish; once applied it is not
	// a property of the dataset, and a plan must not show it again as a
	// removal (see DESIGN.md).
	st.UploadPreview = types.ListNull(types.StringType)
	if snap.DatasetID != "" {
		st.DatasetID = types.StringValue(snap.DatasetID)
	} else if st.DatasetID.IsUnknown() {
		st.DatasetID = types.StringNull()
	}
	prior := st
	// Unchanged, the ids and the ledger stay exactly as they came.
	resp.Diagnostics.Append(writeRecord(ctx, &st, &prior, rec, !rep.RowsChanged, resp.Private)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &st)...)
	resp.Diagnostics.Append(reportDiagnostics(ctx, rep, st.DatasetName.ValueString())...)
}

// lookup looks the dataset of m up within the read timeout; rec, what state
// recorded of it, sizes what the lookup reads.
func (r *datasetResource) lookup(ctx context.Context, m *datasetModel, rec *rowsync.Record) (*rowsync.Snapshot, error) {
	timeout, diags := m.Timeouts.Read(ctx, defaultReadTimeout)
	if diags.HasError() {
		timeout = defaultReadTimeout
	}
	ctx, cancel := context.WithTimeout(r.data.withMaskedKey(ctx), timeout)
	defer cancel()
	rows, idWidth := rec.LookHints()
	snap, err := rowsync.Look(ctx, r.data.client, m.SpaceID.ValueString(), m.DatasetName.ValueString(), rows, idWidth)
	if errors.Is(err, context.DeadlineExceeded) {
		err = lookupTimedOut(err, timeout)
	}
	return snap, err
}

// lookupTimedOut says which request did not answer in time, and what to do.
func lookupTimedOut(err error, timeout time.Duration) error {
	return fmt.Errorf("%s if the dataset is very large: %w", notAnswered("dataset lookup", "POST "+client.LookupPath, "read", timeout), err)
}

// adoptImported sets what an import learns of a dataset besides its rows.
func (m *datasetModel) adoptImported(rows int) {
	if m.CompactRowIDs.IsNull() {
		m.CompactRowIDs = types.BoolValue(rows > listModeWarnRows)
	}
	m.RowCount = types.Int64Value(int64(rows))
	m.ContentSHA256 = types.StringNull()
	m.BatchSize = types.Int64Value(upload.DefaultBatchRows)
}

// reportDiagnostics tells what a refresh found that a user must know.
func reportDiagnostics(ctx context.Context, rep rowsync.Report, name string) diag.Diagnostics {
	var diags diag.Diagnostics
	if rep.Gone > 0 {
		tflog.Warn(ctx, "rows deleted on the platform", map[string]any{"rows_gone": rep.Gone})
		diags.AddWarning("Rows deleted on the platform",
			fmt.Sprintf("%d row(s) recorded in state are no longer in dataset %q on the platform. They leave state, and the next apply uploads them again from the source.", rep.Gone, name))
	}
	if rep.Found+rep.Missing > 0 {
		tflog.Info(ctx, "rows in doubt settled", map[string]any{"rows_found": rep.Found, "rows_missing": rep.Missing})
	}
	if rep.Ambiguous > 0 {
		diags.AddWarning("Rows in doubt match the platform ambiguously",
			fmt.Sprintf("%d row(s) of uploads whose outcome was unknown, or stored without ids, match rows of dataset %q ambiguously (more copies than were sent, or only some of them), so the provider cannot tell which are Terraform's. They are neither recorded nor sent again; an apply that needs them stops. To take the rows that are there as Terraform's, run `terraform state rm <address>` and import the dataset again.", rep.Ambiguous, name))
	}
	if rep.Foreign > 0 {
		diags.AddWarning("Rows on the platform not managed by Terraform",
			fmt.Sprintf("Dataset %q holds %d row(s) that this state does not manage. Rows that appeared since the last apply and match source rows to upload are adopted by the next plan instead of being uploaded again (see if_exists); the others are left alone: Terraform neither tracks nor re-uploads them.", name, rep.Foreign))
	}
	return diags
}

// lookupFailure explains a lookup that could not tell what is on the
// platform. During a refresh it is a warning, never a change, unless the
// lookup did not answer in time or the key was refused; an import cannot go
// on without it.
func lookupFailure(err error, importing bool) diag.Diagnostics {
	var diags diag.Diagnostics
	var apiErr *client.APIError
	switch {
	case errors.As(err, &apiErr) && (apiErr.StatusCode == 401 || apiErr.StatusCode == 403):
		diags.AddError(apiErr.Summary(), apiErr.Error())
	case errors.Is(err, context.DeadlineExceeded):
		diags.AddError("Dataset lookup timed out", err.Error())
	case importing:
		diags.AddError("Unable to look up the dataset to import", err.Error())
	default:
		what := "The dataset lookup failed"
		if errors.Is(err, client.ErrLookupUnavailable) {
			what = "The API does not offer the dataset lookup (POST /api/v1/dataset/name)"
		}
		diags.AddWarning("Unable to compare state with the platform",
			what+", so rows deleted or added on the platform cannot be detected; state is kept as it is and nothing is uploaded again because of it.\n\n"+err.Error())
	}
	return diags
}
