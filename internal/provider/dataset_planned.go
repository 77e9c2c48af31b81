package provider

import (
	"context"
	"encoding/hex"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
	"github.com/collinear-ai/terraform-provider-collinear/internal/rowsync"
)

// plannedRowsKey is the private-state key under which the plan of an update
// that adds rows hands its fingerprints of the source to the apply, so that
// the apply need not read the source once more before it sends anything: it
// checks each row it sends against them, and the whole content against the
// plan after. Only an update gets planned private state from the framework; a
// create reads the source first. The apply removes the key, so it never
// stays in state.
const plannedRowsKey = "planned_rows"

// plannedRows is the stored form: the fingerprints, packed, with what they
// were taken from.
type plannedRows struct {
	ContentSHA256 string `json:"content_sha256"`
	WithKeys      bool   `json:"with_keys"`
	Digests       string `json:"d"`
	Keys          string `json:"k"`
}

// setPlannedRows records chk in the plan's private state.
func setPlannedRows(ctx context.Context, private privateSetter, chk *checked, withKeys bool) diag.Diagnostics {
	digests, keys := rowsync.PackFingerprints(chk.fingerprints)
	b, err := json.Marshal(plannedRows{ContentSHA256: chk.contentSHA256(), WithKeys: withKeys, Digests: digests, Keys: keys})
	if err == nil {
		return private.SetKey(ctx, plannedRowsKey, b)
	}
	var diags diag.Diagnostics
	diags.AddError("Unable to record the planned rows", err.Error())
	return diags
}

// plannedCheck returns the plan's fingerprints as the check of the source
// the apply would otherwise make, or nil when the plan left none that fit:
// taken from the content and row count planned, with match keys if they are
// needed.
func plannedCheck(ctx context.Context, private privateGetter, m *datasetModel, withKeys bool) *checked {
	raw, diags := private.GetKey(ctx, plannedRowsKey)
	if diags.HasError() || len(raw) == 0 || m.ContentSHA256.IsUnknown() || m.RowCount.IsUnknown() {
		return nil
	}
	var rec plannedRows
	if json.Unmarshal(raw, &rec) != nil || rec.ContentSHA256 != m.ContentSHA256.ValueString() || (withKeys && !rec.WithKeys) {
		return nil
	}
	sum, err := hex.DecodeString(rec.ContentSHA256)
	if err != nil || len(sum) != 32 {
		return nil
	}
	fps, err := rowsync.UnpackFingerprints(rec.Digests, rec.Keys)
	if err != nil || int64(len(fps)) != m.RowCount.ValueInt64() {
		return nil
	}
	chk := &checked{summary: &dataset.Summary{Rows: len(fps)}, fingerprints: fps, fromPlan: true}
	copy(chk.summary.SHA256[:], sum)
	return chk
}
