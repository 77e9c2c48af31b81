package dataset

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// scanString scans src and returns the summary and the rows handed to fn.
func scanString(t *testing.T, format Format, src string) (*Summary, []Row) {
	t.Helper()
	var rows []Row
	sum, err := Scan(strings.NewReader(src), format, "f", func(i int, r *Row) error {
		if i != len(rows) {
			t.Fatalf("fn got index %d, want %d", i, len(rows))
		}
		rows = append(rows, *r)
		return nil
	})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return sum, rows
}

func errorsOf(s *Summary) []Problem {
	var out []Problem
	for _, p := range s.Problems {
		if p.Severity == SeverityError {
			out = append(out, p)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// sampleRows are the rows every sample file below holds.
var sampleRows = []Row{
	{
		ConvPrefix:  []Message{{Role: "user", Content: "Hey how are you?"}},
		Response:    Message{Role: "assistant", Content: "I'm good, how are you?"},
		GroundTruth: ptr[int64](1),
		Context:     ptr("greeting"),
	},
	{
		ConvPrefix: []Message{{Role: "user", Content: "Say \"hi\", <b>&</b>\nthen stop ✓ 😀"}},
		Response:   Message{Role: "assistant", Content: "hi, \u2028 done"},
	},
	{
		ConvPrefix:  []Message{{Role: "user", Content: "Rate this"}},
		Response:    Message{Role: "assistant", Content: ""},
		GroundTruth: ptr[int64](-5),
	},
}

const sampleJSON = `[
  {
    "conv_prefix": [{"role": "user", "content": "Hey how are you?"}],
    "response": {"role": "assistant", "content": "I'm good, how are you?"},
    "ground_truth": 1,
    "context": "greeting"
  },
  {"response": {"content": "hi, \u2028 done", "role": "assistant"}, "ground_truth": null, "context": null,
   "conv_prefix": [{"role": "user", "content": "Say \"hi\", \u003cb>&</b>\nthen stop ✓ \ud83d\ude00"}]},
  {"conv_prefix":[{"role":"user","content":"Rate this"}],"response":{"role":"assistant","content":""},"ground_truth":-5}
]
`

const sampleJSONL = `{"conv_prefix": [{"role": "user", "content": "Hey how are you?"}], "response": {"role": "assistant", "content": "I'm good, how are you?"}, "ground_truth": 1, "context": "greeting"}
{"conv_prefix": [{"role": "user", "content": "Say \"hi\", <b>&</b>\nthen stop \u2713 😀"}], "response": {"role": "assistant", "content": "hi, \u2028 done"}}

   
{"conv_prefix":[{"role":"user","content":"Rate this"}],"response":{"role":"assistant","content":""},"ground_truth":-5,"context":null}`

const sampleCSV = "conv_prefix,response,ground_truth,context\n" +
	"Hey how are you?,\"I'm good, how are you?\",1,greeting\n" +
	"\"Say \"\"hi\"\", <b>&</b>\nthen stop ✓ 😀\",\"hi, \u2028 done\",,\n" +
	"Rate this,,-5,\n"

func TestScanValidSamples(t *testing.T) {
	want := CheckRows(sampleRows)
	if len(want.Problems) != 0 {
		t.Fatalf("CheckRows(sampleRows) problems: %v", want.Problems)
	}
	var canon bytes.Buffer
	aw := NewArrayWriter(&canon)
	for i := range sampleRows {
		if err := aw.Write(&sampleRows[i]); err != nil {
			t.Fatal(err)
		}
	}
	aw.Close()
	if want.SHA256 != sha256.Sum256(canon.Bytes()) {
		t.Fatalf("CheckRows SHA256 is not the SHA-256 of the canonical array")
	}
	if want.Rows != 3 {
		t.Fatalf("CheckRows Rows = %d, want 3", want.Rows)
	}

	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
	bom := func(s string) string { return "\xEF\xBB\xBF" + s }
	for _, tc := range []struct {
		name   string
		format Format
		src    string
	}{
		{"json", FormatJSON, sampleJSON},
		{"json crlf", FormatJSON, crlf(sampleJSON)},
		{"json bom", FormatJSON, bom(sampleJSON)},
		{"json no trailing newline", FormatJSON, strings.TrimSpace(sampleJSON)},
		{"json canonical", FormatJSON, canon.String()},
		{"jsonl", FormatJSONL, sampleJSONL},
		{"jsonl crlf", FormatJSONL, crlf(sampleJSONL)},
		{"jsonl bom", FormatJSONL, bom(sampleJSONL)},
		{"jsonl trailing newline", FormatJSONL, sampleJSONL + "\n"},
		{"csv", FormatCSV, sampleCSV},
		{"csv crlf", FormatCSV, crlf(sampleCSV)},
		{"csv bom", FormatCSV, bom(sampleCSV)},
		{"csv no trailing newline", FormatCSV, strings.TrimSuffix(sampleCSV, "\n")},
		{"csv other column order", FormatCSV, "context,response,conv_prefix, ground_truth\n" +
			"greeting,\"I'm good, how are you?\",Hey how are you?,1\n" +
			",\"hi, \u2028 done\",\"Say \"\"hi\"\", <b>&</b>\nthen stop ✓ 😀\",\n" +
			",,Rate this, -5\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// One byte per read exercises every buffer boundary.
			for _, oneByte := range []bool{false, true} {
				var rows []Row
				var src io.Reader = strings.NewReader(tc.src)
				if oneByte {
					src = iotest.OneByteReader(src)
				}
				got, err := Scan(src, tc.format, "f", func(i int, r *Row) error {
					rows = append(rows, *r)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(got.Problems) != 0 {
					t.Fatalf("problems: %v", got.Problems)
				}
				if got.Rows != 3 || len(rows) != 3 {
					t.Fatalf("Rows = %d, fn calls = %d, want 3", got.Rows, len(rows))
				}
				if !reflect.DeepEqual(rows, sampleRows) {
					t.Fatalf("rows:\n got %s\nwant %s", dump(rows), dump(sampleRows))
				}
				if got.SHA256 != want.SHA256 {
					t.Fatalf("SHA256 differs from CheckRows of the same rows")
				}
			}
		})
	}
}

func dump(rows []Row) string {
	b, _ := json.Marshal(rows)
	return string(b)
}

// The fn of a scan may keep copies of rows: they must not change as the scan
// goes on.
func TestScanRowsMayBeKept(t *testing.T) {
	src := `{"conv_prefix":[{"role":"user","content":"a"}],"response":{"role":"assistant","content":"b"},"ground_truth":1,"context":"c"}
{"conv_prefix":[{"role":"user","content":"d"}],"response":{"role":"assistant","content":"e"},"ground_truth":2,"context":"f"}
`
	_, rows := scanString(t, FormatJSONL, src)
	if rows[0].ConvPrefix[0].Content != "a" || *rows[0].GroundTruth != 1 || *rows[0].Context != "c" {
		t.Fatalf("first row changed after the scan went on: %s", dump(rows))
	}
	_, rows = scanString(t, FormatCSV, "conv_prefix,response,ground_truth,context\na,b,1,c\nd,e,2,f\n")
	if rows[0].ConvPrefix[0].Content != "a" || *rows[0].GroundTruth != 1 || *rows[0].Context != "c" {
		t.Fatalf("first CSV row changed after the scan went on: %s", dump(rows))
	}
}

type wantProblem struct {
	sev    Severity
	row    int
	line   int
	field  string
	detail string // a substring of Detail
}

const okRow = `{"conv_prefix":[{"role":"user","content":"q"}],"response":{"role":"assistant","content":"a"}}`

// row builds a JSON row from okRow with one key's value replaced or, when
// value is "", removed; extra is appended as more keys.
func row(key, value string) string {
	m := map[string]string{
		"conv_prefix": `[{"role":"user","content":"q"}]`,
		"response":    `{"role":"assistant","content":"a"}`,
	}
	if value == "" {
		delete(m, key)
	} else {
		m[key] = value
	}
	var parts []string
	for _, k := range []string{"conv_prefix", "response", "ground_truth", "context"} {
		if v, ok := m[k]; ok {
			parts = append(parts, fmt.Sprintf("%q:%s", k, v))
		}
	}
	for k, v := range m {
		switch k {
		case "conv_prefix", "response", "ground_truth", "context":
		default:
			parts = append(parts, fmt.Sprintf("%q:%s", k, v))
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func TestScanProblems(t *testing.T) {
	E, W := SeverityError, SeverityWarning
	jsonl := func(rows ...string) string { return strings.Join(rows, "\n") + "\n" }
	for _, tc := range []struct {
		name   string
		format Format
		src    string
		want   []wantProblem
	}{
		// Whole-file problems.
		{"json empty", FormatJSON, "", []wantProblem{{E, 0, 0, "", "the file is empty"}}},
		{"json only space", FormatJSON, " \n\t", []wantProblem{{E, 0, 0, "", "the file is empty"}}},
		{"json empty array", FormatJSON, "[ ]", []wantProblem{{E, 0, 0, "", "the file has no rows"}}},
		{"jsonl empty", FormatJSONL, "\n \n", []wantProblem{{E, 0, 0, "", "the file has no rows"}}},
		{"csv empty", FormatCSV, "", []wantProblem{{E, 0, 0, "", "the file is empty"}}},
		{"csv header only", FormatCSV, "conv_prefix,response\n", []wantProblem{{E, 0, 0, "", "the file has no rows"}}},
		{"json object not array", FormatJSON, "\n" + okRow, []wantProblem{{E, 0, 2, "", "holds a single object"}}},
		{"json string not array", FormatJSON, `"rows"`, []wantProblem{{E, 0, 1, "", "holds a string"}}},
		{"json utf16", FormatJSON, "\xFF\xFE[\x00", []wantProblem{{E, 0, 1, "", "UTF-16"}}},
		{"json garbage", FormatJSON, "x", []wantProblem{{E, 0, 1, "", `found 'x' where '[' to start`}}},

		// Malformed JSON.
		{"json unclosed array", FormatJSON, "[\n" + okRow, []wantProblem{{E, 1, 2, "", "the JSON ends where ',' or ']' after row 1"}}},
		{"json missing comma", FormatJSON, "[\n" + okRow + "\n" + okRow + "]", []wantProblem{{E, 1, 3, "", "found '{' where ',' or ']' after row 1"}}},
		{"json trailing comma", FormatJSON, "[\n" + okRow + ",\n]", []wantProblem{{E, 2, 3, "", "a comma after the last row"}}},
		{"json data after array", FormatJSON, "[" + okRow + "]\n]", []wantProblem{{E, 0, 2, "", "the end of the file"}}},
		{"json bad escape", FormatJSON, "[\n\n" + `{"conv_prefix":[{"role":"user","content":"a\x"}]}` + "]", []wantProblem{{E, 1, 3, "", `invalid escape \x`}}},
		{"json raw newline in string", FormatJSON, "[" + `{"conv_prefix":[{"role":"user","content":"a` + "\n" + `"}]}]`, []wantProblem{{E, 1, 1, "", "a line break inside a string"}}},
		{"json unquoted key", FormatJSON, "[{conv_prefix: []}]", []wantProblem{{E, 1, 1, "", "a key in double quotes"}}},
		{"json bad number", FormatJSON, "[" + row("ground_truth", "-") + "]", []wantProblem{{E, 1, 1, "", "a digit must follow the minus sign"}}},
		{"json bad literal", FormatJSON, "[" + row("context", "nul") + "]", []wantProblem{{E, 1, 1, "", "expected null"}}},
		{"json row line", FormatJSON, "[\n" + okRow + ",\n\n  " + row("context", "1") + "]", []wantProblem{{E, 2, 4, "context", "context must be a string, got a number"}}},

		// JSONL lines.
		{"jsonl not json", FormatJSONL, jsonl(okRow, "{oops}", okRow), []wantProblem{{E, 2, 2, "", "a key in double quotes"}}},
		{"jsonl not an object", FormatJSONL, jsonl(okRow, "", "[1, 2]"), []wantProblem{{E, 2, 3, "", "starts with a list"}}},
		{"jsonl two objects on a line", FormatJSONL, jsonl(okRow+" "+okRow, okRow), []wantProblem{{E, 1, 1, "", "exactly one JSON object"}}},
		{"jsonl row split across lines", FormatJSONL,
			okRow + "\n" + `{"conv_prefix":[{"role":"user","content":"q"}],` + "\n" + ` "response":{"role":"assistant","content":"a"}}` + "\n" + okRow + "\n",
			[]wantProblem{{E, 2, 2, "", "a single line"}}},
		{"jsonl string split across lines", FormatJSONL,
			`{"conv_prefix":[{"role":"user","content":"q` + "\n" + `"}],"response":{"role":"assistant","content":"a"}}` + "\n" + okRow,
			[]wantProblem{{E, 1, 1, "", "a line break inside a string"}}},
		{"jsonl crlf error line", FormatJSONL, okRow + "\r\n\r\n" + row("ground_truth", "true") + "\r\n", []wantProblem{{E, 2, 3, "ground_truth", "got true: write 1 for true and 0 for false"}}},

		// Rows that are not objects.
		{"json row not object", FormatJSON, "[" + okRow + ",\n 7]", []wantProblem{{E, 2, 2, "", "each row must be an object"}}},

		// conv_prefix.
		{"conv_prefix missing", FormatJSONL, row("conv_prefix", ""), []wantProblem{{E, 1, 1, "conv_prefix", "conv_prefix is missing"}}},
		{"conv_prefix empty", FormatJSONL, row("conv_prefix", "[]"), []wantProblem{{E, 1, 1, "conv_prefix", "conv_prefix is empty"}}},
		{"conv_prefix string", FormatJSONL, row("conv_prefix", `"hi"`), []wantProblem{{E, 1, 1, "conv_prefix", "must be a list of messages"}}},
		{"conv_prefix null", FormatJSONL, row("conv_prefix", `null`), []wantProblem{{E, 1, 1, "conv_prefix", "got null"}}},
		{"message not object", FormatJSONL, row("conv_prefix", `[{"role":"user","content":"q"},"hi"]`), []wantProblem{{E, 1, 1, "conv_prefix[1]", "turn 2 of conv_prefix must be an object"}}},
		{"message without role", FormatJSONL, row("conv_prefix", `[{"content":"q"}]`), []wantProblem{{E, 1, 1, "conv_prefix[0].role", "turn 1 of conv_prefix has no role"}}},
		{"message without content", FormatJSONL, row("conv_prefix", `[{"role":"system","content":"s"},{"role":"user","content":"q"},{"role":"user"}]`), []wantProblem{{E, 1, 1, "conv_prefix[2].content", "turn 3 of conv_prefix has no content"}}},
		{"content not string", FormatJSONL, row("conv_prefix", `[{"role":"system","content":"s"},{"role":"user","content":"q"},{"role":"user","content":{"text":"x"}}]`), []wantProblem{{E, 1, 1, "conv_prefix[2].content", "the content of turn 3 of conv_prefix must be a string, got an object"}}},
		{"role not string", FormatJSONL, row("conv_prefix", `[{"role":1,"content":"q"}]`), []wantProblem{{E, 1, 1, "conv_prefix[0].role", "got a number"}}},
		{"role empty", FormatJSONL, row("conv_prefix", `[{"role":"","content":"q"}]`), []wantProblem{{E, 1, 1, "conv_prefix[0].role", "turn 1 of conv_prefix has an empty role"}}},
		{"role repeated", FormatJSONL, row("conv_prefix", `[{"role":"user","role":"user","content":"q"}]`), []wantProblem{{E, 1, 1, "conv_prefix[0].role", "more than once"}}},

		// response.
		{"response missing", FormatJSONL, row("response", ""), []wantProblem{{E, 1, 1, "response", "response is missing"}}},
		{"response string", FormatJSONL, row("response", `"a"`), []wantProblem{{E, 1, 1, "response", "response must be an object"}}},
		{"response without content", FormatJSONL, row("response", `{"role":"assistant"}`), []wantProblem{{E, 1, 1, "response.content", "response has no content"}}},
		{"response role not string", FormatJSONL, row("response", `{"role":["assistant"],"content":"a"}`), []wantProblem{{E, 1, 1, "response.role", "got a list"}}},
		{"response role empty", FormatJSONL, row("response", `{"role":"","content":"a"}`), []wantProblem{{E, 1, 1, "response.role", "response.role is empty"}}},

		// ground_truth.
		{"ground_truth quoted", FormatJSONL, row("ground_truth", `"1"`), []wantProblem{{E, 1, 1, "ground_truth", `must be an integer such as 0 or 1, got the string "1": remove the quotes`}}},
		{"ground_truth word", FormatJSONL, row("ground_truth", `"yes"`), []wantProblem{{E, 1, 1, "ground_truth", `got the string "yes"`}}},
		{"ground_truth fraction", FormatJSONL, row("ground_truth", `1.5`), []wantProblem{{E, 1, 1, "ground_truth", "got 1.5"}}},
		{"ground_truth exponent", FormatJSONL, row("ground_truth", `1e3`), []wantProblem{{E, 1, 1, "ground_truth", "got 1e3"}}},
		{"ground_truth true", FormatJSONL, row("ground_truth", `true`), []wantProblem{{E, 1, 1, "ground_truth", "got true"}}},
		{"ground_truth list", FormatJSONL, row("ground_truth", `[1]`), []wantProblem{{E, 1, 1, "ground_truth", "got a list"}}},
		{"ground_truth too big", FormatJSONL, row("ground_truth", `9223372036854775808`), []wantProblem{{E, 1, 1, "ground_truth", "out of range"}}},
		{"ground_truth too small", FormatJSONL, row("ground_truth", `-9223372036854775809`), []wantProblem{{E, 1, 1, "ground_truth", "out of range"}}},
		{"ground_truth huge", FormatJSONL, row("ground_truth", strings.Repeat("9", 100)), []wantProblem{{E, 1, 1, "ground_truth", "out of range"}}},
		{"ground_truth repeated", FormatJSONL, `{"conv_prefix":[{"role":"user","content":"q"}],"response":{"role":"assistant","content":"a"},"ground_truth":1,"ground_truth":0}`, []wantProblem{{E, 1, 1, "ground_truth", "more than once"}}},

		// context.
		{"context number", FormatJSONL, row("context", `3`), []wantProblem{{E, 1, 1, "context", "context must be a string, got a number"}}},
		{"context object", FormatJSONL, row("context", `{"a":"b"}`), []wantProblem{{E, 1, 1, "context", "got an object"}}},

		// Warnings.
		{"unknown key", FormatJSONL, row("id", `{"nested":[1,2,{"x":null}]}`), []wantProblem{{W, 1, 1, "id", `the row has the key "id"`}}},
		{"unknown key with a line break", FormatJSONL, row("a\nb", "1"), []wantProblem{{W, 1, 1, `"a\nb"`, `the row has the key "a\nb"`}}},
		{"unknown key in message", FormatJSONL, row("conv_prefix", `[{"role":"user","content":"q","name":"bob"}]`), []wantProblem{{W, 1, 1, "conv_prefix[0].name", `conv_prefix[0] has the key "name"`}}},
		{"unusual role", FormatJSONL, row("conv_prefix", `[{"role":"bot","content":"x"},{"role":"user","content":"q"}]`), []wantProblem{{W, 1, 1, "conv_prefix[0].role", `conv_prefix[0].role is "bot"; the usual roles are`}}},
		{"response role not assistant", FormatJSONL, row("response", `{"role":"user","content":"a"}`), []wantProblem{{W, 1, 1, "response.role", `response.role is "user", not "assistant"`}}},
		{"last turn not user", FormatJSONL, row("conv_prefix", `[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]`), []wantProblem{{W, 1, 1, "conv_prefix[1].role", `conv_prefix ends with a "assistant" turn (turn 2)`}}},

		{"warnings grouped", FormatJSONL, jsonl(row("id", "1"), row("id", "2"), row("id", "3")), []wantProblem{{W, 0, 0, "", "they occur 3 times:\n  id: row 1 (line 1), row 2 (line 2), row 3 (line 3)"}}},

		// CSV.
		{"csv unknown column", FormatCSV, "conv_prefix,response,label\nq,a,1\n", []wantProblem{{E, 0, 1, "label", `the unknown column "label" (column 3)`}}},
		{"csv missing column", FormatCSV, "conv_prefix,ground_truth\nq,1\n", []wantProblem{{E, 0, 1, "response", "no response column"}}},
		{"csv repeated column", FormatCSV, "conv_prefix,response,response\nq,a,b\n", []wantProblem{{E, 0, 1, "response", "twice"}}},
		{"csv bare quote", FormatCSV, "conv_prefix,response\nq,a\nq,a \"b\" c\nq,a\n", []wantProblem{{E, 2, 3, "", `bare " in non-quoted-field`}}},
		{"csv unclosed quote", FormatCSV, "conv_prefix,response\nq,a\n\"q,a\n", []wantProblem{{E, 2, 3, "", "malformed CSV"}}},
		{"csv field count", FormatCSV, "conv_prefix,response\nq,a\nq,a,b\n", []wantProblem{{E, 2, 3, "", "has 3 fields but the header has 2 columns"}}},
		{"csv empty prompt", FormatCSV, "conv_prefix,response\nq,a\n,a\n", []wantProblem{{E, 2, 3, "conv_prefix", "conv_prefix is empty"}}},
		{"csv ground_truth word", FormatCSV, "conv_prefix,response,ground_truth\nq,a,yes\n", []wantProblem{{E, 1, 2, "ground_truth", `got "yes"`}}},
		{"csv ground_truth fraction", FormatCSV, "conv_prefix,response,ground_truth\nq,a,0.5\n", []wantProblem{{E, 1, 2, "ground_truth", `got "0.5"`}}},
		{"csv ground_truth too big", FormatCSV, "conv_prefix,response,ground_truth\nq,a,99999999999999999999\n", []wantProblem{{E, 1, 2, "ground_truth", "out of range"}}},

		{"csv record line", FormatCSV, "conv_prefix,response,ground_truth\n\"multi\nline\",a,1\nq,a,x\n", []wantProblem{{E, 2, 4, "ground_truth", `got "x"`}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sum, rows := scanString(t, tc.format, tc.src)
			if !reflect.DeepEqual(problemKeys(sum.Problems), problemKeys(wantAsProblems(tc.want))) {
				t.Fatalf("problems:\n got %s\nwant %s", describe(sum.Problems), describeWant(tc.want))
			}
			checkProblemsBounded(t, sum.Problems)
			for i, w := range tc.want {
				if !strings.Contains(sum.Problems[i].Detail, w.detail) {
					t.Errorf("problem %d detail %q does not contain %q", i, sum.Problems[i].Detail, w.detail)
				}
				if sum.Problems[i].File != "f" || sum.Problems[i].Summary == "" {
					t.Errorf("problem %d: File %q, Summary %q", i, sum.Problems[i].File, sum.Problems[i].Summary)
				}
			}
			if sum.HasErrors() {
				if sum.SHA256 != [32]byte{} {
					t.Errorf("SHA256 set although there are errors")
				}
			} else if len(rows) != sum.Rows {
				t.Errorf("fn called %d times for %d rows", len(rows), sum.Rows)
			}
		})
	}
}

func wantAsProblems(ws []wantProblem) []Problem {
	var ps []Problem
	for _, w := range ws {
		ps = append(ps, Problem{Severity: w.sev, Row: w.row, Line: w.line, Field: w.field})
	}
	return ps
}

type problemKey struct {
	Severity  Severity
	Row, Line int
	Field     string
}

func problemKeys(ps []Problem) []problemKey {
	var out []problemKey
	for _, p := range ps {
		out = append(out, problemKey{Severity: p.Severity, Row: p.Row, Line: p.Line, Field: p.Field})
	}
	return out
}

func describe(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "\n  %s row %d line %d field %q: %s", p.Severity, p.Row, p.Line, p.Field, p.Detail)
	}
	return b.String()
}

func describeWant(ws []wantProblem) string {
	var b strings.Builder
	for _, w := range ws {
		fmt.Fprintf(&b, "\n  %s row %d line %d field %q: …%s…", w.sev, w.row, w.line, w.field, w.detail)
	}
	return b.String()
}

func TestScanErrorsAreBounded(t *testing.T) {
	var src strings.Builder
	for range 50 {
		src.WriteString(row("ground_truth", `"x"`) + "\n")
	}
	sum, _ := scanString(t, FormatJSONL, src.String())
	errs := errorsOf(sum)
	if len(errs) != MaxErrors+1 {
		t.Fatalf("got %d errors, want %d and one saying more were not listed", len(errs), MaxErrors+1)
	}
	last := errs[MaxErrors]
	if last.Row != 0 || !strings.Contains(last.Detail, "more errors were not listed") {
		t.Fatalf("last error: %+v", last)
	}
	if sum.Rows != MaxErrors+1 {
		t.Fatalf("Rows = %d: the scan should stop at the error after the last listed", sum.Rows)
	}

	// Exactly MaxErrors errors: no "more" problem.
	src.Reset()
	for range MaxErrors {
		src.WriteString(row("ground_truth", `"x"`) + "\n")
	}
	sum, _ = scanString(t, FormatJSONL, src.String())
	if n := len(errorsOf(sum)); n != MaxErrors {
		t.Fatalf("got %d errors, want %d", n, MaxErrors)
	}
}

func TestScanFnErrorStops(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	sum, err := Scan(strings.NewReader(sampleJSONL), FormatJSONL, "f", func(int, *Row) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 || sum == nil {
		t.Fatalf("err = %v after %d calls", err, calls)
	}
}

func TestScanFnNotCalledAfterError(t *testing.T) {
	var called []int
	src := okRow + "\n" + row("context", "1") + "\n" + okRow + "\n"
	sum, err := Scan(strings.NewReader(src), FormatJSONL, "f", func(i int, _ *Row) error {
		called = append(called, i)
		return nil
	})
	if err != nil || !sum.HasErrors() || sum.Rows != 3 {
		t.Fatalf("err %v, summary %+v", err, sum)
	}
	if !reflect.DeepEqual(called, []int{0}) {
		t.Fatalf("fn called for %v, want only row index 0 (before the error)", called)
	}
}

func TestScanReadError(t *testing.T) {
	broken := errors.New("disk on fire")
	for _, format := range []Format{FormatJSON, FormatJSONL, FormatCSV} {
		src := iotestErrAfter(sampleJSONL[:100], broken)
		if format == FormatJSON {
			src = iotestErrAfter("["+okRow+",", broken)
		}
		if format == FormatCSV {
			src = iotestErrAfter("conv_prefix,response\nq,a\n", broken)
		}
		sum, err := Scan(src, format, "f", nil)
		if err != nil {
			t.Fatal(err)
		}
		errs := errorsOf(sum)
		if len(errs) != 1 || !strings.Contains(errs[0].Detail, "disk on fire") {
			t.Errorf("%v: problems %s", format, describe(sum.Problems))
		}
	}
}

type errAfter struct {
	r   *strings.Reader
	err error
}

func (e *errAfter) Read(p []byte) (int, error) {
	if e.r.Len() == 0 {
		return 0, e.err
	}
	return e.r.Read(p)
}

func iotestErrAfter(s string, err error) *errAfter { return &errAfter{strings.NewReader(s), err} }

func TestScanFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "rows.JSONL")
	if err := os.WriteFile(good, []byte(sampleJSONL), 0o600); err != nil {
		t.Fatal(err)
	}
	sum, err := ScanFile(good, "data/rows.JSONL", nil)
	if err != nil || len(sum.Problems) != 0 || sum.Rows != 3 {
		t.Fatalf("err %v, summary %+v", err, sum)
	}
	if sum.SHA256 != CheckRows(sampleRows).SHA256 {
		t.Fatalf("SHA256 differs from CheckRows")
	}

	for _, tc := range []struct {
		path, name, detail string
	}{
		{filepath.Join(dir, "missing.json"), "data/missing.json", "no such file"},
		{dir + "/sub.json", "sub.json", "is a directory"},
		{good, "data/rows.txt", `unsupported extension ".txt"`},
		{good, "data/rows", `no file extension`},
	} {
		if tc.path == dir+"/sub.json" {
			if err := os.Mkdir(tc.path, 0o700); err != nil {
				t.Fatal(err)
			}
		}
		sum, err := ScanFile(tc.path, tc.name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(sum.Problems) != 1 {
			t.Fatalf("%s: problems %s", tc.name, describe(sum.Problems))
		}
		p := sum.Problems[0]
		if p.Severity != SeverityError || p.Row != 0 || p.File != tc.name || !strings.Contains(p.Detail, tc.detail) {
			t.Errorf("%s: problem %+v, want detail with %q", tc.name, p, tc.detail)
		}
		if strings.Contains(tc.detail, "such file") && (!strings.Contains(p.Detail, tc.path) || p.Summary != FileNotFound) {
			t.Errorf("a missing file: summary %q, detail %q; want %q and the path", p.Summary, p.Detail, FileNotFound)
		}
	}
}

func TestFormatOf(t *testing.T) {
	for path, want := range map[string]Format{
		"a.json": FormatJSON, "dir.v2/A.JSON": FormatJSON, "a.jsonl": FormatJSONL, "a.NDJSON": FormatJSONL, "a.csv": FormatCSV,
	} {
		if got, err := FormatOf(path); err != nil || got != want {
			t.Errorf("FormatOf(%q) = %v, %v; want %v", path, got, err, want)
		}
	}
	_, err := FormatOf("rows.tsv")
	if err == nil || !strings.Contains(err.Error(), ".json") || !strings.Contains(err.Error(), ".jsonl") ||
		!strings.Contains(err.Error(), ".ndjson") || !strings.Contains(err.Error(), ".csv") {
		t.Fatalf("FormatOf(rows.tsv) error %v should list the supported extensions", err)
	}
}

func TestProblemError(t *testing.T) {
	for _, tc := range []struct {
		p    Problem
		want string
	}{
		{Problem{File: "data/eval.jsonl", Row: 3, Line: 4, Field: "ground_truth",
			Detail: `ground_truth must be an integer such as 0 or 1, got the string "1": remove the quotes`},
			`data/eval.jsonl: row 3 (line 4): ground_truth: must be an integer such as 0 or 1, got the string "1": remove the quotes`},
		{Problem{Row: 3, Field: "conv_prefix[2].content", Detail: "the content of turn 3 must be a string"},
			`row 3: conv_prefix[2].content: the content of turn 3 must be a string`},
		{Problem{File: "a.json", Line: 7, Detail: "invalid JSON"}, `a.json: line 7: invalid JSON`},
		{Problem{File: "a.json", Summary: "No rows"}, `a.json: No rows`},
		{Problem{Detail: "x"}, `x`},
	} {
		if got := tc.p.Error(); got != tc.want {
			t.Errorf("Error() =\n %s\nwant\n %s", got, tc.want)
		}
	}
}

func TestCheckRows(t *testing.T) {
	sum := CheckRows(nil)
	if errs := errorsOf(sum); len(errs) != 1 || errs[0].Row != 0 || !strings.Contains(errs[0].Detail, "rows is empty") {
		t.Fatalf("no rows: %s", describe(sum.Problems))
	}
	rows := []Row{
		{ConvPrefix: []Message{{Role: "user", Content: "q"}}, Response: Message{Role: "assistant", Content: "a"}},
		{ConvPrefix: nil, Response: Message{Role: "assistant", Content: "a"}},
		{ConvPrefix: []Message{{Role: "", Content: "q"}}, Response: Message{Role: "", Content: "a"}},
		{ConvPrefix: []Message{{Role: "narrator", Content: "q"}, {Role: "assistant", Content: "x"}}, Response: Message{Role: "model", Content: "a"}},
	}
	sum = CheckRows(rows)
	want := []wantProblem{
		{SeverityError, 2, 0, "conv_prefix", "conv_prefix is empty"},
		{SeverityError, 3, 0, "conv_prefix[0].role", "empty role"},
		{SeverityError, 3, 0, "response.role", "response.role is empty"},
		{SeverityWarning, 4, 0, "conv_prefix[0].role", `conv_prefix[0].role is "narrator"`},
		{SeverityWarning, 4, 0, "response.role", `"model", not "assistant"`},
		{SeverityWarning, 4, 0, "conv_prefix[1].role", `ends with a "assistant" turn`},
	}
	if !reflect.DeepEqual(problemKeys(sum.Problems), problemKeys(wantAsProblems(want))) {
		t.Fatalf("problems:\n got %s\nwant %s", describe(sum.Problems), describeWant(want))
	}
	for i, w := range want {
		p := sum.Problems[i]
		if !strings.Contains(p.Detail, w.detail) || p.File != "" {
			t.Errorf("problem %d: %+v, want detail with %q", i, p, w.detail)
		}
	}
	if got := sum.Problems[0].Error(); !strings.HasPrefix(got, "row 2: conv_prefix: ") {
		t.Errorf("inline Error() = %q, want it to start with the row", got)
	}
	if sum.Rows != 4 || sum.SHA256 != [32]byte{} {
		t.Errorf("Rows %d, SHA256 %x", sum.Rows, sum.SHA256)
	}
}

// A row larger than the read buffer, with escapes and multi-byte characters
// falling across every buffer boundary, reads the same in every format.
func TestScanRowLargerThanBuffer(t *testing.T) {
	long := strings.Repeat("ab\"c\\d\té😀\u2028", 40_000) // about 640 KB
	want := []Row{{
		ConvPrefix:  []Message{{Role: "user", Content: long}},
		Response:    Message{Role: "assistant", Content: long[:len(long)/2]},
		GroundTruth: ptr[int64](1),
		Context:     ptr(long),
	}}
	canon := string(want[0].AppendCanonical(nil))
	var csvSrc bytes.Buffer
	w := csv.NewWriter(&csvSrc)
	for _, rec := range [][]string{
		{"conv_prefix", "response", "ground_truth", "context"},
		{long, long[:len(long)/2], "1", long},
	} {
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		format Format
		src    string
	}{
		{FormatJSON, "[" + canon + "]"},
		{FormatJSONL, canon + "\n"},
		{FormatCSV, csvSrc.String()},
	} {
		sum, rows := scanString(t, tc.format, tc.src)
		if len(sum.Problems) != 0 || !reflect.DeepEqual(rows, want) {
			t.Fatalf("%v: problems %s; rows equal: %v", tc.format, describe(sum.Problems), reflect.DeepEqual(rows, want))
		}
		if sum.SHA256 != CheckRows(want).SHA256 {
			t.Fatalf("%v: SHA256 differs from CheckRows", tc.format)
		}
	}
}

// An unknown Format is a Problem like any other, never a nil Summary.
func TestScanUnknownFormat(t *testing.T) {
	sum, err := Scan(strings.NewReader(sampleJSONL), Format(42), "f", nil)
	if err != nil || sum == nil || !sum.HasErrors() || sum.Problems[0].File != "f" || !strings.Contains(sum.Problems[0].Detail, "Format(42)") {
		t.Fatalf("Scan with an unknown format: %v, %+v", err, sum)
	}
}
