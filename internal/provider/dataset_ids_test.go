package provider

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The fast paths must read and write row_ids_json exactly as encoding/json
// does, or a provider upgrade would show a spurious diff on every dataset.
func TestRowIDsJSONMatchesEncodingJSON(t *testing.T) {
	for _, ids := range [][]types.String{
		{},
		{types.StringValue("3c90c3cc-0d44-4b50-8888-8dd25736052a"), types.StringNull(), types.StringValue("42")},
		{types.StringValue("")},
		{types.StringValue(`a"b`), types.StringValue(`back\slash`), types.StringValue("<&>"), types.StringValue("é"), types.StringValue("tab\t")},
	} {
		got := encodeRowIDsJSON(ids)
		if want := marshalRowIDs(ids); got != want {
			t.Errorf("encode %v = %s, want %s", ids, got, want)
		}
		back, err := decodeRowIDsJSON(got)
		if err != nil || len(back) != len(ids) {
			t.Fatalf("decode %s: %v, %v", got, back, err)
		}
		for i := range ids {
			if !back[i].Equal(ids[i]) {
				t.Errorf("decode %s: element %d = %v, want %v", got, i, back[i], ids[i])
			}
		}
	}
}

func FuzzDecodeRowIDsJSON(f *testing.F) {
	for _, s := range []string{`[]`, ` [ "a" , null ] `, `["a","b"]`, `["\u0041"]`, `[1]`, `["a",]`, `["a"] x`, `nul`, `[null`, `{}`, `["<"]`, "[\"\xff\"]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var ref []*string
		refErr := json.Unmarshal([]byte(s), &ref)
		if ref == nil && refErr == nil {
			// JSON null decodes to a nil slice; the state never holds it.
			return
		}
		got, err := decodeRowIDsJSON(s)
		if (err == nil) != (refErr == nil) {
			t.Fatalf("%q: err = %v, encoding/json says %v", s, err, refErr)
		}
		if err != nil {
			return
		}
		if len(got) != len(ref) {
			t.Fatalf("%q: %d ids, encoding/json %d", s, len(got), len(ref))
		}
		for i := range ref {
			if !got[i].Equal(types.StringPointerValue(ref[i])) {
				t.Fatalf("%q: id %d = %v, encoding/json %v", s, i, got[i], ref[i])
			}
		}
	})
}

func numberedIDs(prefix string, from, to int) []types.String {
	var ids []types.String
	for i := from; i < to; i++ {
		ids = append(ids, types.StringValue(fmt.Sprintf("%s%d", prefix, i)))
	}
	return ids
}

// chunkStrings lists chunks in key order, "?" for an unknown one, with
// their keys.
func chunkStrings(t *testing.T, chunks map[string]attr.Value) (keys, values []string) {
	t.Helper()
	for _, c := range sortedChunks(types.MapValueMust(types.StringType, chunks)) {
		s, ok := c.value.(types.String)
		switch {
		case !ok:
			t.Fatalf("chunk %s is a %T", c.key, c.value)
		case s.IsUnknown():
			values = append(values, "?")
		default:
			values = append(values, s.ValueString())
		}
		keys = append(keys, c.key)
	}
	return keys, values
}

// keyed is chunks as chunkRowIDs takes its prior.
func keyed(chunks map[string]attr.Value) []keyedChunk {
	return sortedChunks(types.MapValueMust(types.StringType, chunks))
}

// TestChunkRowIDs: an append keeps every chunk written before and plans only
// new chunks as unknown; the apply then cuts the same chunks, under the same
// keys, so that Terraform finds the result consistent with the plan.
func TestChunkRowIDs(t *testing.T) {
	ids := numberedIDs("r", 0, 2500)
	first := chunkRowIDs(ids, nil)
	keys, vals := chunkStrings(t, first)
	if !slices.Equal(keys, []string{"000000000", "000001000", "000002000"}) || vals[0] != encodeRowIDsJSON(ids[:1000]) || vals[2] != encodeRowIDsJSON(ids[2000:]) {
		t.Fatalf("2,500 ids cut into %v", keys)
	}

	// Plan of an append of 1,200 rows: the 3 chunks stay, 2 unknown follow.
	planned := append(slices.Clone(ids), make([]types.String, 1200)...)
	for i := 2500; i < len(planned); i++ {
		planned[i] = types.StringUnknown()
	}
	planKeys, plan := chunkStrings(t, chunkRowIDs(planned, keyed(first)))
	if want := append(slices.Clone(vals), "?", "?"); !slices.Equal(plan, want) || planKeys[3] != "000002500" || planKeys[4] != "000003500" {
		t.Fatalf("plan of an append: %v", planKeys)
	}
	// Apply: the same chunks under the same keys, the new ones known.
	applied := append(slices.Clone(ids), numberedIDs("n", 0, 1200)...)
	gotKeys, got := chunkStrings(t, chunkRowIDs(applied, keyed(first)))
	if !slices.Equal(gotKeys, planKeys) || !slices.Equal(got[:3], plan[:3]) || got[3] != encodeRowIDsJSON(applied[2500:3500]) || got[4] != encodeRowIDsJSON(applied[3500:]) {
		t.Fatalf("apply of an append does not match its plan: %v", gotKeys)
	}

	// A row removed from the second chunk: the first stays, the rest is cut
	// again from there.
	removed := slices.Delete(slices.Clone(ids), 1500, 1501)
	gotKeys, got = chunkStrings(t, chunkRowIDs(removed, keyed(first)))
	if len(got) != 3 || got[0] != vals[0] || got[1] != encodeRowIDsJSON(removed[1000:2000]) || gotKeys[2] != "000002000" {
		t.Fatalf("after a removal: %v", gotKeys)
	}

	// Null ids are written as null and kept; no ids at all is no chunk.
	if _, got := chunkStrings(t, chunkRowIDs([]types.String{types.StringValue("a"), types.StringNull()}, nil)); len(got) != 1 || got[0] != `["a",null]` {
		t.Errorf("null ids: %v", got)
	}
	if got := chunkRowIDs(nil, keyed(first)); len(got) != 0 {
		t.Errorf("no ids: %d chunks", len(got))
	}
}

// TestRowIDsRoundTrip: ids written by setRowIDs read back the same, in order,
// past the point where the keys' order and the map's order differ.
func TestRowIDsRoundTrip(t *testing.T) {
	ids := numberedIDs("r", 0, 12_345)
	m := &datasetModel{CompactRowIDs: types.BoolValue(true)}
	m.setRowIDs(ids, nil)
	back, diags := m.rowIDs(t.Context())
	if diags.HasError() || !slices.EqualFunc(back, ids, func(a, b types.String) bool { return a.Equal(b) }) {
		t.Fatalf("round trip: %d ids, %v", len(back), diags)
	}
}

// FuzzChunkHolds: comparing a chunk in place agrees with decoding it.
func FuzzChunkHolds(f *testing.F) {
	for _, s := range []string{`["a","b"]`, `["a",null]`, `[]`, `["a"]x`, ` ["a"]`, `["a",]`, `["a""b"]`, `[null]`, `["\u0061"]`, `["a","b","c"]`} {
		f.Add(s, "a,b")
	}
	f.Fuzz(func(t *testing.T, chunk, list string) {
		var ids []types.String
		for _, id := range strings.Split(list, ",") {
			if id == "~" {
				ids = append(ids, types.StringNull())
			} else {
				ids = append(ids, types.StringValue(id))
			}
		}
		n, ok := chunkHolds(chunk, ids)
		held, err := decodeRowIDsJSON(chunk)
		want := err == nil && len(held) > 0 && len(held) <= len(ids) &&
			slices.EqualFunc(held, ids[:len(held)], func(a, b types.String) bool { return a.Equal(b) })
		if ok != want || ok && n != len(held) {
			t.Fatalf("chunkHolds(%q, %v) = %d, %v; decoding says %v (%d ids, %v)", chunk, ids, n, ok, want, len(held), err)
		}
	})
}
