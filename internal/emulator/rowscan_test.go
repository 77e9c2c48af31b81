package emulator

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

var scanSeeds = []string{
	`[]`, ` [ ] `, `[`, `]`, `[1]`, `[{}]`, `[{},]`, `[{}`, `[{"a":1}]`, `[{"a" 1}]`, `[{"a":}]`, `[{1:2}]`,
	`[{"conv_prefix":[],"response":{"role":"assistant","content":"a"}}]`,
	`[{"conv_prefix":[{"role":"user","content":"q\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}],"response":{"role":"a","content":"é"}}]`,
	`[{"conv_prefix":[{"role":"user","content":"\x"}],"response":{"role":"a","content":"a"}}]`,
	`[{"conv_prefix":[{"role":"user","content":"\u12"}],"response":{"role":"a","content":"a"}}]`,
	"[{\"conv_prefix\":[{\"role\":\"user\",\"content\":\"tab\there\"}],\"response\":{\"role\":\"a\",\"content\":\"a\"}}]",
	`[{"conv_prefix":[],"response":{"role":"a","content":"a"},"ground_truth":-0,"x":[1,2.5e-3,-0.0e+1,true,false,null,{"n":[[]]}]}]`,
	`[{"conv_prefix":[],"response":{"role":"a","content":"a"},"ground_truth":01}]`,
	`[{"conv_prefix":[],"response":{"role":"a","content":"a"},"ground_truth":1.}]`,
	`[{"conv_prefix":[],"response":{"role":"a","content":"a"},"ground_truth":1e}]`,
	`[{"conv_prefix":[],"response":{"role":"a","content":"a"},"ground_truth":-}]`,
	`[{"conv_prefix":[],"response":{"role":"a","content":"a"},"ground_truth":tru}]`,
	`[{"conv_prefix":[],"response":{"role":"a","content":"a"}}] x`,
	`[{"conv_prefix":[],"response":{"role":"a","content":"a"}} {}]`,
	`["text", 1, null, [1]]`,
	`[{"conv_prefix":"x","response":1}, {`,
	"[{\"conv_prefix\":[{\"role\":\"user\",\"content\":\"\xff\xfe\"}],\"response\":{\"role\":\"a\",\"content\":\"a\"}}]",
	`[{"conv_prefix":[{"role":"user","content":"q"}],"response":{"role":"assistant","content":"a"},"ground_truth":1,"context":"c"},{"conv_prefix":[{"role":"user","content":"q"}],"response":{"role":"assistant","content":"a"}}]`,
	`"\`, `[{"\`, `[{"a":"\`, `[{"":"",`,
}

// TestScanRowsAgreesWithEncodingJSON checks the hand-written scanner against
// encoding/json: the same inputs are valid, and each row is sliced out whole.
func TestScanRowsAgreesWithEncodingJSON(t *testing.T) {
	for _, in := range scanSeeds {
		checkScanAgainstStdlib(t, []byte(in))
	}
}

func FuzzScanRows(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '[' {
			return // parseJSONRows never hands such input to the scanner
		}
		checkScanAgainstStdlib(t, data)
	})
}

func checkScanAgainstStdlib(t *testing.T, data []byte) {
	t.Helper()
	raws, rows, ferr := scanRows(data)
	var want []json.RawMessage
	stdErr := json.Unmarshal(data, &want)
	syntaxErr := ferr != nil && strings.HasPrefix(ferr.detail, "Invalid JSON file")
	if (stdErr != nil) != syntaxErr {
		t.Fatalf("%q: encoding/json error %v, scanner error %v", data, stdErr, ferr)
	}
	if stdErr != nil {
		return
	}
	if len(raws) != len(want) {
		t.Fatalf("%q: %d rows, encoding/json found %d", data, len(raws), len(want))
	}
	for i := range raws {
		if !bytes.Equal(raws[i], want[i]) {
			t.Fatalf("%q: row %d is %q, want %q", data, i, raws[i], want[i])
		}
	}
	if ferr != nil {
		return
	}
	// Valid rows: the decoded messages agree with encoding/json's decoding.
	for i, raw := range raws {
		var doc struct {
			ConvPrefix []message `json:"conv_prefix"`
			Response   message   `json:"response"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%q: row %d accepted by the scanner, refused by encoding/json: %v", data, i, err)
		}
		if len(doc.ConvPrefix) != len(rows[i].convPrefix) || doc.Response.Content != rows[i].response {
			t.Fatalf("%q: row %d decoded as %+v / %q, want %+v / %q", data, i, rows[i].convPrefix, rows[i].response, doc.ConvPrefix, doc.Response.Content)
		}
		for j, m := range doc.ConvPrefix {
			if rows[i].convPrefix[j] != m {
				t.Fatalf("%q: row %d message %d decoded as %+v, want %+v", data, i, j, rows[i].convPrefix[j], m)
			}
		}
	}
}

func TestScanRowsNamesShapeErrors(t *testing.T) {
	_, _, ferr := scanRows([]byte(`[{"conv_prefix":[],"response":{"role":"a","content":"a"}}, {"conv_prefix":[{"role":"user","content":2}],"response":{"role":"a","content":"a"}}]`))
	if ferr == nil || !strings.Contains(ferr.detail, "index 1") || !strings.Contains(ferr.detail, "conv_prefix[0]") {
		t.Errorf("error %v, want one naming row 1 and conv_prefix[0]", ferr)
	}
	// A syntax error later in the file wins over a shape error before it.
	_, _, ferr = scanRows([]byte(`["text", {`))
	if ferr == nil || !strings.HasPrefix(ferr.detail, "Invalid JSON file") {
		t.Errorf("error %v, want the syntax error", ferr)
	}
	// Keys are case-sensitive, as on the platform.
	_, _, ferr = scanRows([]byte(`[{"Conv_Prefix":[],"response":{"role":"a","content":"a"}}]`))
	if ferr == nil || !strings.Contains(ferr.detail, `"conv_prefix" is required`) {
		t.Errorf("error %v", ferr)
	}
}
