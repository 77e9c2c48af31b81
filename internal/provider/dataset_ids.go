package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The ids live in one of two attributes: the row_ids list, readable in plans
// element by element, or row_ids_json, a map of JSON strings that stays cheap
// for large datasets. These helpers hide which.

// rowIDsPerChunk is how many ids one element of row_ids_json holds at most.
// A map of a few hundred strings compares quickly (100,000 ids make 100
// elements). It is a map, not a list, because Terraform shows a changed list
// element together with its unchanged neighbours, while it hides every
// unchanged map element: a plan that adds rows shows only the new chunks.
const rowIDsPerChunk = 1000

// chunkKey is the key of the chunk whose first row is the i-th: zero-padded,
// so that the keys sort, and Terraform's `for` over the map runs, in row
// order.
func chunkKey(i int) string { return fmt.Sprintf("%09d", i) }

// rowIDs returns the ids of a state, from whichever attribute holds them.
func (m *datasetModel) rowIDs(ctx context.Context) ([]types.String, diag.Diagnostics) {
	return m.idsOfEither(ctx, false)
}

// plannedRowIDs returns the ids of a plan, some of which may be unknown: in
// compact mode every id of an unknown chunk is. nil when the plan has none.
func (m *datasetModel) plannedRowIDs(ctx context.Context) ([]types.String, diag.Diagnostics) {
	return m.idsOfEither(ctx, true)
}

// idsOfEither reads the ids from whichever attribute holds them. In a plan
// (planned) a chunk of row_ids_json that is not known stands for as many
// unknown ids as rows up to the next chunk; in state it is an error.
func (m *datasetModel) idsOfEither(ctx context.Context, planned bool) ([]types.String, diag.Diagnostics) {
	if m.RowIDsJSON.IsNull() || m.RowIDsJSON.IsUnknown() {
		return idsOf(ctx, m.RowIDs)
	}
	chunks := sortedChunks(m.RowIDsJSON)
	size := 0
	for _, elem := range chunks {
		if chunk, ok := elem.value.(types.String); ok {
			size += strings.Count(chunk.ValueString(), ",") + 1
		}
	}
	ids := make([]types.String, 0, size)
	for k, elem := range chunks {
		chunk, ok := elem.value.(types.String)
		var err error
		switch {
		case ok && !chunk.IsNull() && !chunk.IsUnknown():
			ids, err = appendRowIDsJSON(ids, chunk.ValueString())
		case planned:
			end := int(m.RowCount.ValueInt64())
			if k+1 < len(chunks) {
				end, _ = strconv.Atoi(chunks[k+1].key)
			}
			for len(ids) < end {
				ids = append(ids, types.StringUnknown())
			}
		default:
			err = fmt.Errorf("element %q is not a known string", elem.key)
		}
		if err != nil {
			var diags diag.Diagnostics
			diags.AddAttributeError(path.Root("row_ids_json").AtMapKey(elem.key), "Unreadable row ids", fmt.Sprintf("row_ids_json is not a map of JSON arrays of strings: %v", err))
			return nil, diags
		}
	}
	return ids, nil
}

func idsOf(ctx context.Context, l types.List) ([]types.String, diag.Diagnostics) {
	if l.IsNull() || l.IsUnknown() {
		return nil, nil
	}
	var ids []types.String
	d := l.ElementsAs(ctx, &ids, false)
	return ids, d
}

type keyedChunk struct {
	key   string
	value attrValue
}

// sortedChunks returns the elements of row_ids_json in key order, which is
// row order.
func sortedChunks(m types.Map) []keyedChunk {
	elems := m.Elements()
	out := make([]keyedChunk, 0, len(elems))
	for k, v := range elems {
		out = append(out, keyedChunk{k, v})
	}
	slices.SortFunc(out, func(a, b keyedChunk) int { return strings.Compare(a.key, b.key) })
	return out
}

// hasRowIDs reports whether the state records any ids at all (an import has
// not yet).
func (m *datasetModel) hasRowIDs() bool {
	return !m.RowIDs.IsNull() || !m.RowIDsJSON.IsNull()
}

func (m *datasetModel) compact() bool { return m.CompactRowIDs.ValueBool() }

// setRowIDs stores ids, some of which may be unknown in a plan, in the
// attribute the mode asks for and nulls the other. In compact mode the chunks
// of prior (nil for none) that still hold the same ids at the same place are
// kept as they are, so that a plan and its apply cut the ids alike and an
// append leaves every existing chunk unchanged.
func (m *datasetModel) setRowIDs(ids []types.String, prior *datasetModel) {
	if !m.compact() {
		m.RowIDs = stringList(ids)
		m.RowIDsJSON = types.MapNull(types.StringType)
		return
	}
	var priorChunks []keyedChunk
	if prior != nil && prior.compact() && !prior.RowIDsJSON.IsNull() && !prior.RowIDsJSON.IsUnknown() {
		priorChunks = sortedChunks(prior.RowIDsJSON)
	}
	m.RowIDsJSON = types.MapValueMust(types.StringType, chunkRowIDs(ids, priorChunks))
	m.RowIDs = types.ListNull(types.StringType)
}

// chunkRowIDs cuts ids into the elements of row_ids_json, keyed by their
// first row: first the prior chunks, as long as each still holds exactly the
// ids at its place under the same key, then chunks of rowIDsPerChunk ids. A
// chunk with an unknown id is unknown.
func chunkRowIDs(ids []types.String, prior []keyedChunk) map[string]attrValue {
	out := make(map[string]attrValue, len(prior)+len(ids)/rowIDsPerChunk+1)
	pos := 0
	for _, elem := range prior {
		chunk, ok := elem.value.(types.String)
		if !ok || chunk.IsNull() || chunk.IsUnknown() || elem.key != chunkKey(pos) {
			break
		}
		n, ok := chunkHolds(chunk.ValueString(), ids[pos:])
		if !ok {
			break
		}
		out[elem.key] = chunk
		pos += n
	}
	for pos < len(ids) {
		part := ids[pos:min(pos+rowIDsPerChunk, len(ids))]
		if slices.ContainsFunc(part, types.String.IsUnknown) {
			out[chunkKey(pos)] = types.StringUnknown()
		} else {
			out[chunkKey(pos)] = types.StringValue(encodeRowIDsJSON(part))
		}
		pos += len(part)
	}
	return out
}

// chunkHolds reports whether a chunk of row_ids_json holds exactly the first
// n ids of ids, n > 0, and which n. A chunk as encodeRowIDsJSON writes it is
// compared in place, without decoding it into new values; any other is
// decoded.
func chunkHolds(chunk string, ids []types.String) (n int, ok bool) {
	if n, ok, plain := plainChunkHolds(chunk, ids); plain {
		return n, ok
	}
	held, err := decodeRowIDsJSON(chunk)
	if err != nil || len(held) == 0 || len(held) > len(ids) ||
		!slices.EqualFunc(held, ids[:len(held)], func(a, b types.String) bool { return a.Equal(b) }) {
		return 0, false
	}
	return len(held), true
}

// plainChunkHolds is chunkHolds for a chunk in the plain form
// (walkPlainRowIDs). plain is false when the chunk is not of that form.
func plainChunkHolds(chunk string, ids []types.String) (n int, ok, plain bool) {
	differs := false
	plain = walkPlainRowIDs(chunk, func(id types.String) bool {
		if n >= len(ids) || !ids[n].Equal(id) {
			differs = true
			return false
		}
		n++
		return true
	})
	if !plain || differs {
		return 0, false, plain
	}
	return n, n > 0, true
}

// keepRowIDsOf takes the ids attributes of prior as they are, when the ids
// are the same and so is the mode: re-encoding them would copy every id to
// come out identical. It reports whether it did.
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
		m.RowIDsJSON = types.MapUnknown(types.StringType)
		m.RowIDs = types.ListNull(types.StringType)
		return
	}
	m.RowIDs = types.ListUnknown(types.StringType)
	m.RowIDsJSON = types.MapNull(types.StringType)
}

// plainID reports whether a byte may appear in an id written into
// row_ids_json without escaping, as encoding/json writes it: printable
// ASCII other than the quote, the backslash and the HTML characters that
// json.Marshal escapes. Platform ids (UUIDs, numbers) are all plain.
func plainID(c byte) bool {
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
}

// decodeRowIDsJSON reads one element of row_ids_json: a JSON array of
// strings and nulls.
func decodeRowIDsJSON(s string) ([]types.String, error) {
	return appendRowIDsJSON(make([]types.String, 0, strings.Count(s, ",")+1), s)
}

// appendRowIDsJSON appends the ids of one element of row_ids_json to dst.
// Plain ids are substrings of s, so the ids of a large state cost one string
// header each rather than a copy; anything else goes through encoding/json.
func appendRowIDsJSON(dst []types.String, s string) ([]types.String, error) {
	if ids, ok := scanPlainRowIDs(dst, s); ok {
		return ids, nil
	}
	var raw []*string
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return dst, err
	}
	for _, id := range raw {
		dst = append(dst, types.StringPointerValue(id))
	}
	return dst, nil
}

// scanPlainRowIDs is appendRowIDsJSON for a chunk in the plain form
// (walkPlainRowIDs). ok is false for anything else, which the caller then
// decodes in full; dst is then returned as it came.
func scanPlainRowIDs(dst []types.String, s string) (ids []types.String, ok bool) {
	ids = dst
	if !walkPlainRowIDs(s, func(id types.String) bool { ids = append(ids, id); return true }) {
		return dst, false
	}
	return ids, true
}

// walkPlainRowIDs hands visit, in order, the ids of a chunk in the form
// encodeRowIDsJSON writes: a JSON array of nulls and strings of plainID
// bytes, with optional whitespace. Plain ids are substrings of s. It stops
// early when visit returns false. It reports whether s is of that form, as
// far as it read; anything else must be decoded in full.
func walkPlainRowIDs(s string, visit func(types.String) bool) bool {
	i := skipJSONSpace(s, 0)
	if i >= len(s) || s[i] != '[' {
		return false
	}
	i = skipJSONSpace(s, i+1)
	if i < len(s) && s[i] == ']' {
		return skipJSONSpace(s, i+1) == len(s)
	}
	for i < len(s) {
		var id types.String
		switch {
		case s[i] == '"':
			j := i + 1
			for j < len(s) && plainID(s[j]) {
				j++
			}
			if j >= len(s) || s[j] != '"' {
				return false
			}
			id, i = types.StringValue(s[i+1:j]), j+1
		case strings.HasPrefix(s[i:], "null"):
			id, i = types.StringNull(), i+len("null")
		default:
			return false
		}
		if !visit(id) {
			return true
		}
		i = skipJSONSpace(s, i)
		switch {
		case i < len(s) && s[i] == ']':
			return skipJSONSpace(s, i+1) == len(s)
		case i < len(s) && s[i] == ',':
			i = skipJSONSpace(s, i+1)
		default:
			return false
		}
	}
	return false
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

// stringList is a list of strings, as state holds row_ids.
func stringList(values []types.String) types.List {
	elems := make([]attrValue, len(values))
	for i, v := range values {
		elems[i] = v
	}
	return types.ListValueMust(types.StringType, elems)
}
