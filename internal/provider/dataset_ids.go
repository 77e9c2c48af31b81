package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

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
		ids, err := decodeRowIDsJSON(m.RowIDsJSON.ValueString())
		if err != nil {
			var diags diag.Diagnostics
			diags.AddAttributeError(path.Root("row_ids_json"), "Unreadable row ids", fmt.Sprintf("row_ids_json in state is not a JSON array of strings: %v", err))
			return nil, diags
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
	for _, id := range ids {
		if id.IsUnknown() {
			m.setRowIDsUnknown()
			return
		}
	}
	m.RowIDsJSON = types.StringValue(encodeRowIDsJSON(ids))
	m.RowIDs = types.ListNull(types.StringType)
}

// keepRowIDsOf takes the ids attributes of prior as they are, when the ids
// are the same and so is the mode. At 700,000 rows this spares re-encoding
// a 27 MB string that would come out identical. It reports whether it did.
func (m *datasetModel) keepRowIDsOf(prior *datasetModel) bool {
	if m.compact() != prior.compact() {
		return false
	}
	m.RowIDs, m.RowIDsJSON = prior.RowIDs, prior.RowIDsJSON
	return true
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

// plainID reports whether a byte may appear in an id written into
// row_ids_json without escaping, as encoding/json writes it: printable
// ASCII other than the quote, the backslash and the HTML characters that
// json.Marshal escapes. Platform ids (UUIDs, numbers) are all plain.
func plainID(c byte) bool {
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
}

// decodeRowIDsJSON reads row_ids_json: a JSON array of strings and nulls.
// Plain ids are returned as substrings of s, so the ids of a large state cost
// one string header each rather than a copy; anything else goes through
// encoding/json.
func decodeRowIDsJSON(s string) ([]types.String, error) {
	if ids, ok := scanPlainRowIDs(s); ok {
		return ids, nil
	}
	var raw []*string
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, err
	}
	ids := make([]types.String, len(raw))
	for i, id := range raw {
		ids[i] = types.StringPointerValue(id)
	}
	return ids, nil
}

// scanPlainRowIDs is decodeRowIDsJSON for the array encodeRowIDsJSON writes
// (ids made of plainID bytes, nulls, optional whitespace). ok is false for
// anything else, which the caller then decodes in full.
func scanPlainRowIDs(s string) (ids []types.String, ok bool) {
	i := skipJSONSpace(s, 0)
	if i >= len(s) || s[i] != '[' {
		return nil, false
	}
	ids = make([]types.String, 0, strings.Count(s, ",")+1)
	i = skipJSONSpace(s, i+1)
	if i < len(s) && s[i] == ']' {
		return ids, skipJSONSpace(s, i+1) == len(s)
	}
	for i < len(s) {
		switch {
		case s[i] == '"':
			j := i + 1
			for j < len(s) && plainID(s[j]) {
				j++
			}
			if j >= len(s) || s[j] != '"' {
				return nil, false
			}
			ids = append(ids, types.StringValue(s[i+1:j]))
			i = j + 1
		case strings.HasPrefix(s[i:], "null"):
			ids = append(ids, types.StringNull())
			i += len("null")
		default:
			return nil, false
		}
		i = skipJSONSpace(s, i)
		switch {
		case i < len(s) && s[i] == ']':
			return ids, skipJSONSpace(s, i+1) == len(s)
		case i < len(s) && s[i] == ',':
			i = skipJSONSpace(s, i+1)
		default:
			return nil, false
		}
	}
	return nil, false
}

func skipJSONSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// encodeRowIDsJSON writes ids (none unknown) as json.Marshal writes a slice
// of string pointers, in one allocation when every id is plain.
func encodeRowIDsJSON(ids []types.String) string {
	size := len("[]") + len(ids)
	for _, id := range ids {
		if id.IsNull() {
			size += len("null")
			continue
		}
		v := id.ValueString()
		for k := 0; k < len(v); k++ {
			if !plainID(v[k]) {
				return marshalRowIDs(ids)
			}
		}
		size += len(v) + 2
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		if id.IsNull() {
			b.WriteString("null")
			continue
		}
		b.WriteByte('"')
		b.WriteString(id.ValueString())
		b.WriteByte('"')
	}
	b.WriteByte(']')
	return b.String()
}

func marshalRowIDs(ids []types.String) string {
	raw := make([]*string, len(ids))
	for i, id := range ids {
		raw[i] = id.ValueStringPointer()
	}
	b, _ := json.Marshal(raw) // a slice of string pointers always encodes
	return string(b)
}
