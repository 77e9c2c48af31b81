package provider

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The ids live in one of two attributes: the row_ids list, readable in plans
// element by element, or row_ids_json, one string that stays cheap for large
// datasets. These helpers hide which.

// rowIDs returns the ids of a state, from whichever attribute holds them.
func (m *datasetModel) rowIDs(ctx context.Context) ([]types.String, diag.Diagnostics) {
	if !m.RowIDsJSON.IsNull() && !m.RowIDsJSON.IsUnknown() {
		var raw []*string
		var diags diag.Diagnostics
		if err := json.Unmarshal([]byte(m.RowIDsJSON.ValueString()), &raw); err != nil {
			diags.AddAttributeError(path.Root("row_ids_json"), "Unreadable row ids", fmt.Sprintf("row_ids_json in state is not a JSON array of strings: %v", err))
			return nil, diags
		}
		ids := make([]types.String, len(raw))
		for i, id := range raw {
			ids[i] = types.StringPointerValue(id)
		}
		return ids, nil
	}
	return idsOf(ctx, m.RowIDs)
}

// hasRowIDs reports whether the state records any ids at all (an import has
// not yet).
func (m *datasetModel) hasRowIDs() bool {
	return !m.RowIDs.IsNull() || !m.RowIDsJSON.IsNull()
}

func (m *datasetModel) compact() bool { return m.CompactRowIDs.ValueBool() }

// setRowIDs stores ids in the attribute the mode asks for and nulls the other.
// Unknown elements are allowed only in list mode.
func (m *datasetModel) setRowIDs(ids []types.String) {
	if !m.compact() {
		m.RowIDs = stringList(ids)
		m.RowIDsJSON = types.StringNull()
		return
	}
	raw := make([]*string, len(ids))
	for i, id := range ids {
		if id.IsUnknown() {
			m.setRowIDsUnknown()
			return
		}
		raw[i] = id.ValueStringPointer()
	}
	b, _ := json.Marshal(raw) // a slice of string pointers always encodes
	m.RowIDsJSON = types.StringValue(string(b))
	m.RowIDs = types.ListNull(types.StringType)
}

// setRowIDsUnknown marks the ids as known only after apply.
func (m *datasetModel) setRowIDsUnknown() {
	if m.compact() {
		m.RowIDsJSON = types.StringUnknown()
		m.RowIDs = types.ListNull(types.StringType)
		return
	}
	m.RowIDs = types.ListUnknown(types.StringType)
	m.RowIDsJSON = types.StringNull()
}
