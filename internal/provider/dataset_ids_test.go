package provider

import (
	"encoding/json"
	"testing"

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
