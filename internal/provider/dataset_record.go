package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/collinear-ai/terraform-provider-collinear/internal/rowsync"
)

// The record of which rows are on the platform lives in two places: the ids
// in state (row_ids or row_ids_json) and the rest in private state (the
// ledger, and what lookups found beside it). These helpers join them into a
// rowsync.Record and split it again, so that nothing else handles ids and
// ledger apart.

type privateGetter interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

type privateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

type stateSetter interface {
	Set(ctx context.Context, val any) diag.Diagnostics
}

// readRecord joins the ids of a state with its private state. hasLedger is
// false when private state holds no ledger (before the first apply, or right
// after an import).
func readRecord(ctx context.Context, m *datasetModel, private privateGetter) (rec *rowsync.Record, hasLedger bool, diags diag.Diagnostics) {
	ids, d := m.rowIDs(ctx)
	diags.Append(d...)
	ledgerBytes, d := private.GetKey(ctx, rowsync.LedgerKey)
	diags.Append(d...)
	platformBytes, d := private.GetKey(ctx, rowsync.PlatformKey)
	diags.Append(d...)
	if diags.HasError() {
		return nil, false, diags
	}
	rec, err := rowsync.Decode(idStrings(ids), ledgerBytes, platformBytes)
	if err != nil {
		diags.AddError("Unreadable record of uploaded rows", err.Error()+
			"\n\nNothing was sent. To rebuild the record from the platform, run `terraform state rm <address>` and import the dataset again.")
		return nil, false, diags
	}
	return rec, len(ledgerBytes) > 0, diags
}

// writeRecord stores a record: its ids in m (cut as prior's were, see
// setRowIDs) unless rowsUnchanged says they are the ones m already holds,
// and the rest in private state.
func writeRecord(ctx context.Context, m, prior *datasetModel, rec *rowsync.Record, rowsUnchanged bool, private privateSetter) diag.Diagnostics {
	var diags diag.Diagnostics
	if !rowsUnchanged {
		// Unchanged rows keep the ledger already stored: encoding it again
		// would copy it whole at every refresh.
		ledgerBytes, err := rec.EncodeLedger()
		if err != nil {
			diags.AddError("Unable to record uploaded rows", err.Error())
			return diags
		}
		m.setRowIDs(idValues(rec.IDs()), prior)
		diags.Append(private.SetKey(ctx, rowsync.LedgerKey, ledgerBytes)...)
	}
	platformBytes, err := rec.EncodePlatform()
	if err != nil {
		diags.AddError("Unable to record uploaded rows", err.Error())
		return diags
	}
	diags.Append(private.SetKey(ctx, rowsync.PlatformKey, platformBytes)...)
	return diags
}

// idStrings turns state's ids into the record's: "" for a null id.
func idStrings(ids []types.String) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.ValueString()
	}
	return out
}

// idValues turns the record's ids into state's: null for "".
func idValues(ids []string) []types.String {
	out := make([]types.String, len(ids))
	for i, id := range ids {
		if id == "" {
			out[i] = types.StringNull()
		} else {
			out[i] = types.StringValue(id)
		}
	}
	return out
}
