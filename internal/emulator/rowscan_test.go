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
	`[{"conv_prefix":[],"response":{"role":"a","content":"a"},"ground_truth":-0,"x":[1,2.5e-3,-0.0e+1,true,false,null,{"n":[[]]}]}]`,
	`[{"conv_prefix":[],"response":{"role":"a","content":"a"},"ground_truth":1.}]`,
	`[{"conv_prefix":[],"response":{"role":"a","content":"a"}}] x`,
	`[{"conv_prefix":[],"response":{"role":"a","content":"a"}} {}]`,
	`["text", 1, null, [1]]`,
	`[{"conv_prefix":"x","response":1}, {`,
	"[{\"conv_prefix\":[{\"role\":\"user\",\"content\":\"\xff\xfe\"}],\"response\":{\"role\":\"a\",\"content\":\"a\"}}]",
	`[{"conv_prefix":[{"role":"user","content":"q"}],"response":{"role":"assistant","content":"a"},"ground_truth":1,"context":"c"},{"conv_prefix":[{"role":"user","content":"q"}],"response":{"role":"assistant","content":"a"}}]`,
}

// FuzzScanRows checks what scanRows promises whatever the file: no panic, an
// error that is a syntax or a row error, raw rows that are valid JSON sliced
// from the file in order, and parsed rows that are complete.
func FuzzScanRows(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '[' {
			return // parseJSONRows never hands such input to the scanner
		}
		raws, rows, ferr := scanRows(data)
		syntaxErr := ferr != nil && strings.HasPrefix(ferr.detail, "Invalid JSON file: ")
		switch {
		case syntaxErr && (raws != nil || rows != nil):
			t.Fatalf("%q: rows with a syntax error", data)
		case ferr != nil && !syntaxErr && !strings.HasPrefix(ferr.detail, "Invalid row at index "):
			t.Fatalf("%q: unexpected error %q", data, ferr.detail)
		case ferr == nil && len(rows) != len(raws):
			t.Fatalf("%q: %d rows, %d raw rows", data, len(rows), len(raws))
		case !syntaxErr && !json.Valid(data):
			t.Fatalf("%q: accepted invalid JSON", data)
		}
		rest := data
		for i, raw := range raws {
			at := bytes.Index(rest, raw)
			if !json.Valid(raw) || at < 0 || &rest[at] != &raw[0] {
				t.Fatalf("%q: raw row %d %q is not valid JSON sliced from the file in order", data, i, raw)
			}
			rest = rest[at+len(raw):]
		}
		for i, p := range rows {
			if p.convPrefix == nil || !bytes.Equal(p.raw, raws[i]) {
				t.Fatalf("%q: row %d parsed as %+v", data, i, p)
			}
		}
	})
}

func TestScanRowsSlicesAndDecodesRows(t *testing.T) {
	data := []byte(` [ {"conv_prefix":[{"role":"user","content":"q\n\u00e9"}],"response":{"role":"assistant","content":"a"},"ground_truth":2,"id":"x"} ,
		{"context":"c","response":{"content":"b","role":"r","extra":1},"conv_prefix":[],"conv_prefix":[{"role":"s","content":"t"}]} ]`)
	raws, rows, ferr := scanRows(data)
	if ferr != nil || len(rows) != 2 {
		t.Fatalf("%d rows, %v", len(rows), ferr)
	}
	if want := `{"conv_prefix":[{"role":"user","content":"q\n\u00e9"}],"response":{"role":"assistant","content":"a"},"ground_truth":2,"id":"x"}`; string(raws[0]) != want {
		t.Errorf("raw row 0 = %s", raws[0])
	}
	if p := rows[0]; len(p.convPrefix) != 1 || p.convPrefix[0] != (message{"user", "q\né"}) || p.response != "a" || p.groundTruth == nil || *p.groundTruth != 2 || !p.hasID {
		t.Errorf("row 0 = %+v", p)
	}
	// Of a repeated key, the last value counts.
	if p := rows[1]; len(p.convPrefix) != 1 || p.convPrefix[0] != (message{"s", "t"}) || p.response != "b" || p.groundTruth != nil || p.hasID {
		t.Errorf("row 1 = %+v", p)
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
	for in, want := range map[string]string{
		`[{"conv_prefix":[],"response":{"role":"a","content":"a"}}] x`:    "Invalid JSON file: invalid character 'x'",
		`[{"conv_prefix":[],"response":{"role":"a","content":"a"}}] {}`:   "Invalid JSON file: invalid data after top-level value",
		`[{"conv_prefix":[],"response":{"role":"a","content":"a"},"x":}]`: "Invalid JSON file: ",
		`[7]`: "Invalid row at index 0: a row must be a JSON object, got",
		`[{"conv_prefix":{},"response":{"role":"a","content":"a"}}]`:             `field "conv_prefix" must be a list`,
		`[{"conv_prefix":[],"response":"a"}]`:                                    `field "response" must be an object`,
		`[{"conv_prefix":[],"response":{"role":"a","content":"a"},"context":1}]`: `field "context" must be a string`,
	} {
		if _, _, ferr := scanRows([]byte(in)); ferr == nil || !strings.Contains(ferr.detail, want) {
			t.Errorf("%s: error %v, want %q", in, ferr, want)
		}
	}
}
