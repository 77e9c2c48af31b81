package dataset

import (
	"strings"
	"testing"
)

// cp1252 is "Où est le café ?" as Excel on Windows saves it.
const cp1252 = "O\xf9 est le caf\xe9 ?"

// Text that is not UTF-8 is an error in every format and every field, with
// the row, the line of the bad text and the field; nothing is read as U+FFFD.
func TestScanTextNotUTF8(t *testing.T) {
	E := SeverityError
	msg := func(role, content string) string {
		return `{"role":"` + role + `","content":"` + content + `"}`
	}
	rowWith := func(conv, resp string, extra string) string {
		return `{"conv_prefix":[` + conv + `],"response":` + resp + extra + `}`
	}
	ok := msg("user", "q")
	okResp := msg("assistant", "a")
	for _, tc := range []struct {
		name   string
		format Format
		src    string
		want   wantProblem
	}{
		{"jsonl content", FormatJSONL, okRow + "\n" + rowWith(msg("user", cp1252), okResp, ""),
			wantProblem{E, 2, 2, "conv_prefix[0].content", `conv_prefix[0].content holds bytes that are not UTF-8: "O\xf9 est le caf\xe9 ?"; it looks like Windows-1252, in which it reads "Où est le café ?": re-save the file as UTF-8`}},
		{"jsonl role", FormatJSONL, rowWith(msg("us\xe9r", "q"), okResp, ""),
			wantProblem{E, 1, 1, "conv_prefix[0].role", `conv_prefix[0].role holds bytes that are not UTF-8: "us\xe9r"`}},
		{"jsonl response", FormatJSONL, rowWith(ok, msg("assistant", "caf\xe9"), ""),
			wantProblem{E, 1, 1, "response.content", `reads "café"`}},
		{"jsonl context", FormatJSONL, rowWith(ok, okResp, ",\"context\":\"caf\xe9\""),
			wantProblem{E, 1, 1, "context", `context holds bytes that are not UTF-8`}},
		{"jsonl ground_truth string", FormatJSONL, rowWith(ok, okResp, ",\"ground_truth\":\"\xe9\""),
			wantProblem{E, 1, 1, "ground_truth", `ground_truth holds bytes that are not UTF-8`}},
		{"jsonl key of the row", FormatJSONL, rowWith(ok, okResp, ",\"caf\xe9\":1"),
			wantProblem{E, 1, 1, "", `a key of the row holds bytes that are not UTF-8: "caf\xe9"`}},
		{"jsonl key of a message", FormatJSONL, rowWith("{\"role\":\"user\",\"content\":\"q\",\"caf\xe9\":1}", okResp, ""),
			wantProblem{E, 1, 1, "conv_prefix[0]", `a key of conv_prefix[0] holds bytes`}},
		{"jsonl value of an unknown key", FormatJSONL, rowWith(ok, okResp, ",\"id\":[\"caf\xe9 noir\"]"),
			wantProblem{E, 1, 1, "id", `id holds bytes that are not UTF-8: "\xe9 noir"`}},
		{"json line of the bad text", FormatJSON, "[\n" + okRow + ",\n{\n \"conv_prefix\": [" + ok + "],\n\n \"response\": " + msg("assistant", "caf\xe9") + "\n}]",
			wantProblem{E, 2, 6, "response.content", `not UTF-8`}},
		{"not Windows-1252", FormatJSONL, rowWith(msg("user", "a\x81b"), okResp, ""),
			wantProblem{E, 1, 1, "conv_prefix[0].content", `conv_prefix[0].content holds bytes that are not UTF-8: "a\x81b"; re-save the file as UTF-8`}},
		{"mixed encodings", FormatJSONL, rowWith(msg("user", "é and \xe9"), okResp, ""),
			wantProblem{E, 1, 1, "conv_prefix[0].content", `"é and \xe9"; re-save the file as UTF-8`}},
		{"long text is cut around the bad byte", FormatJSONL, rowWith(msg("user", strings.Repeat("x", 100)+"caf\xe9"+strings.Repeat("y", 100)), okResp, ""),
			wantProblem{E, 1, 1, "conv_prefix[0].content", `: …"xxxxxxxxxcaf\xe9yyyyyyyyyyyyyyyyyyyyyyyyyyy"…; it looks like Windows-1252, in which it reads …"xxxxxxxxxcaféyyyyyyyyyyyyyyyyyyyyyyyyyyy"…`}},
		{"csv cell", FormatCSV, "conv_prefix,response\nq,a\n" + cp1252 + ",Au coin de la rue.\n",
			wantProblem{E, 2, 3, "conv_prefix", `conv_prefix holds bytes that are not UTF-8: "O\xf9 est le caf\xe9 ?"; it looks like Windows-1252, in which it reads "Où est le café ?": re-save the file as UTF-8 (in Excel: Save As, "CSV UTF-8")`}},
		{"csv cell on a later line of its record", FormatCSV, "conv_prefix,response,context\n\"q\nq\",a,\"c\n\xe9\"\n",
			wantProblem{E, 1, 3, "context", `context holds bytes that are not UTF-8`}},
		{"csv header", FormatCSV, "conv_prefix,response,caf\xe9\nq,a,b\n",
			wantProblem{E, 0, 1, "", `the header's column 3 holds bytes that are not UTF-8`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sum, rows := scanString(t, tc.format, tc.src)
			errs := errorsOf(sum)
			if len(errs) != 1 || len(rows) >= max(tc.want.row, 1) {
				t.Fatalf("want one error and only the rows before it handed on, got %d rows and problems:%s", len(rows), describe(sum.Problems))
			}
			p := errs[0]
			if p.Row != tc.want.row || p.Line != tc.want.line || p.Field != tc.want.field || !strings.Contains(p.Detail, tc.want.detail) {
				t.Fatalf("got  %s row %d line %d field %q: %s\nwant row %d line %d field %q: …%s…",
					p.Severity, p.Row, p.Line, p.Field, p.Detail, tc.want.row, tc.want.line, tc.want.field, tc.want.detail)
			}
			if p.Summary != "Text not in UTF-8" || p.File != "f" || strings.ContainsRune(p.Error(), '\uFFFD') {
				t.Fatalf("problem %+v", p)
			}
		})
	}
}

// A bad cell in every row of a CSV file exported in Windows-1252 stops the
// scan after MaxErrors errors, as any other error does.
func TestScanWindows1252FileStopsAtMaxErrors(t *testing.T) {
	var src strings.Builder
	src.WriteString("conv_prefix,response\n")
	for range 50 {
		src.WriteString(cp1252 + ",Au coin de la rue.\n")
	}
	sum, rows := scanString(t, FormatCSV, src.String())
	if errs := errorsOf(sum); len(errs) != MaxErrors+1 || len(rows) != 0 || sum.SHA256 != [32]byte{} {
		t.Fatalf("%d rows, problems:%s", len(rows), describe(sum.Problems))
	}
}

// An escape of half a surrogate pair stands for no character: an error at
// its field, never U+FFFD. A complete pair is a character.
func TestScanUnpairedSurrogate(t *testing.T) {
	content := func(s string) string {
		return `{"conv_prefix":[{"role":"user","content":"` + s + `"}],"response":{"role":"assistant","content":"a"}}`
	}
	for _, tc := range []struct {
		name, src, field, detail string
	}{
		{"high alone", content(`smile \ud83d`), "conv_prefix[0].content", `conv_prefix[0].content holds the escape \ud83d, one half of a UTF-16 surrogate pair without the other`},
		{"low alone", content(`\ude00 smile`), "conv_prefix[0].content", `holds the escape \ude00`},
		{"high before another escape", content(`\ud83d\u0041`), "conv_prefix[0].content", `holds the escape \ud83d`},
		{"two highs", content(`\ud83d\ud83d\ude00`), "conv_prefix[0].content", `holds the escape \ud83d`},
		{"in context", `{"conv_prefix":[{"role":"user","content":"q"}],"response":{"role":"assistant","content":"a"},"context":"\udfff"}`, "context", `context holds the escape \udfff`},
		{"in a role", `{"conv_prefix":[{"role":"us\ud800er","content":"q"}],"response":{"role":"assistant","content":"a"}}`, "conv_prefix[0].role", `holds the escape \ud800`},
		{"in a key", `{"conv_prefix":[{"role":"user","content":"q"}],"response":{"role":"assistant","content":"a","\ud83d":1}}`, "response", `a key of response holds the escape \ud83d`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, format := range []Format{FormatJSONL, FormatJSON} {
				src := okRow + "\n" + tc.src + "\n"
				if format == FormatJSON {
					src = "[" + okRow + ",\n" + tc.src + "\n]"
				}
				sum, rows := scanString(t, format, src)
				errs := errorsOf(sum)
				if len(errs) != 1 || len(rows) != 1 {
					t.Fatalf("%v: %d rows handed on, problems:%s", format, len(rows), describe(sum.Problems))
				}
				p := errs[0]
				if p.Summary != "Unpaired surrogate" || p.Row != 2 || p.Line != 2 || p.Field != tc.field || !strings.Contains(p.Detail, tc.detail) {
					t.Fatalf("%v: got %+v\nwant field %q and detail …%s…", format, p, tc.field, tc.detail)
				}
			}
		})
	}
	sum, rows := scanString(t, FormatJSONL, content(`pair \ud83d\ude00 and \uD83D\uDE00`))
	if len(sum.Problems) != 0 || len(rows) != 1 || rows[0].ConvPrefix[0].Content != "pair 😀 and 😀" {
		t.Fatalf("a complete pair: problems%s, rows %s", describe(sum.Problems), dump(rows))
	}
}
