package dataset

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// Each kind of warning is one Problem listing its places: the first
// MaxListed, then how many more. No two warnings share a summary, which
// Terraform would fold into one.
func TestScanWarningsListEveryPlace(t *testing.T) {
	var src strings.Builder
	for i := range 25 {
		role := "bot"
		if i%2 == 1 {
			role = fmt.Sprintf("narrator%d", i)
		}
		src.WriteString(row("conv_prefix", fmt.Sprintf(`[{"role":%q,"content":"x"},{"role":"user","content":"q"}]`, role)) + "\n")
	}
	src.WriteString(row("response", `{"role":"model","content":"a"}`) + "\n")
	sum, rows := scanString(t, FormatJSONL, src.String())
	if sum.HasErrors() || len(rows) != 26 {
		t.Fatalf("warnings must not stop rows: %d rows, problems%s", len(rows), describe(sum.Problems))
	}
	if len(sum.Problems) != 2 {
		t.Fatalf("want one warning per kind, got%s", describe(sum.Problems))
	}
	roles, response := sum.Problems[0], sum.Problems[1]
	if roles.Summary != "Unusual role" || roles.Row != 0 || roles.Line != 0 || roles.Field != "" {
		t.Fatalf("roles warning: %+v", roles)
	}
	var want strings.Builder
	want.WriteString("25 turns have an unusual role; the usual roles are system, user, assistant, tool, developer or function:")
	for i := range MaxListed {
		role := `"bot"`
		if i%2 == 1 {
			role = fmt.Sprintf(`"narrator%d"`, i)
		}
		fmt.Fprintf(&want, "\n  row %d (line %d): conv_prefix[0].role is %s", i+1, i+1, role)
	}
	want.WriteString("\n  ... and 15 more")
	if roles.Detail != want.String() {
		t.Fatalf("roles warning detail:\n%s\nwant\n%s", roles.Detail, want.String())
	}
	if response.Summary != "Unexpected response role" || response.Row != 26 || response.Field != "response.role" ||
		response.Detail != `response.role is "model", not "assistant"; the response should be the assistant's turn` {
		t.Fatalf("response warning: %+v", response)
	}
	// The same input gives the same problems, byte for byte.
	again, _ := scanString(t, FormatJSONL, src.String())
	if !reflect.DeepEqual(again.Problems, sum.Problems) {
		t.Fatal("a second scan lists the warnings differently")
	}
}

// Several places in one row keep the row (and the field, when it is the
// same); several rows keep neither.
func TestScanWarningsInOneRow(t *testing.T) {
	sum, _ := scanString(t, FormatJSONL, okRow+"\n"+row("conv_prefix", `[{"role":"bot","content":"x"},{"role":"narrator","content":"y"},{"role":"user","content":"q"}]`)+"\n")
	if len(sum.Problems) != 1 {
		t.Fatalf("problems%s", describe(sum.Problems))
	}
	p := sum.Problems[0]
	want := "2 turns have an unusual role; the usual roles are system, user, assistant, tool, developer or function:\n" +
		"  row 2 (line 2): conv_prefix[0].role is \"bot\"\n" +
		"  row 2 (line 2): conv_prefix[1].role is \"narrator\""
	if p.Row != 2 || p.Line != 2 || p.Field != "" || p.Detail != want {
		t.Fatalf("got %+v\nwant detail\n%s", p, want)
	}
	if got := p.Error(); !strings.HasPrefix(got, "f: row 2 (line 2): 2 turns have") {
		t.Fatalf("Error() = %q", got)
	}
}

// Unknown keys are one warning listing every key with its places; a key in
// one row only is a sentence about that row.
func TestScanUnknownKeysListedInFull(t *testing.T) {
	one, _ := scanString(t, FormatJSONL, okRow+"\n"+row("id", `"r2"`)+"\n")
	if len(one.Problems) != 1 {
		t.Fatalf("problems%s", describe(one.Problems))
	}
	if p := one.Problems[0]; p.Row != 2 || p.Line != 2 || p.Field != "id" || p.Summary != "Keys not uploaded" ||
		p.Detail != `the row has the key "id"; it is not part of a dataset row (conv_prefix, response, ground_truth, context) or of a message (role, content), so it is ignored and not uploaded` {
		t.Fatalf("one key: %+v", p)
	}

	var src strings.Builder
	for i := range 30 {
		src.WriteString(row("id", fmt.Sprint(i)) + "\n")
		if i%10 == 0 {
			src.WriteString(row("conv_prefix", `[{"role":"user","content":"q","name":"bob"}]`) + "\n")
		}
	}
	for i := range 3 {
		src.WriteString(row(fmt.Sprintf("extra%d", i), "1") + "\n")
	}
	sum, rows := scanString(t, FormatJSONL, src.String())
	if sum.HasErrors() || len(rows) != 36 || len(sum.Problems) != 1 {
		t.Fatalf("%d rows, problems%s", len(rows), describe(sum.Problems))
	}
	want := "keys that are not part of a dataset row (conv_prefix, response, ground_truth, context) or of a message (role, content) are ignored and not uploaded; they occur 36 times:\n" +
		"  id: row 1 (line 1), row 3 (line 3), row 4 (line 4), row 5 (line 5), row 6 (line 6), row 7 (line 7), row 8 (line 8), row 9 (line 9), row 10 (line 10), row 11 (line 11) ... and 20 more\n" +
		"  conv_prefix[0].name: row 2 (line 2), row 13 (line 13), row 24 (line 24)\n" +
		"  extra0: row 34 (line 34)\n" +
		"  extra1: row 35 (line 35)\n" +
		"  extra2: row 36 (line 36)"
	if p := sum.Problems[0]; p.Row != 0 || p.Field != "" || p.Detail != want {
		t.Fatalf("detail:\n%s\nwant\n%s", p.Detail, want)
	}

	// Past MaxListedKeys distinct keys, the others are counted.
	src.Reset()
	for i := range MaxListedKeys + 5 {
		src.WriteString(row(fmt.Sprintf("k%d", i), "1") + "\n")
	}
	src.WriteString(row("k0", "1") + "\n")
	sum, _ = scanString(t, FormatJSONL, src.String())
	d := sum.Problems[0].Detail
	if n := strings.Count(d, "\n  k"); n != MaxListedKeys || !strings.HasSuffix(d, "\n  ... and 5 more occurrences of other keys") ||
		!strings.Contains(d, "\n  k0: row 1 (line 1), row 106 (line 106)\n") {
		t.Fatalf("%d keys listed:\n%s", n, d)
	}
	checkProblemsBounded(t, sum.Problems)
}

// Errors come first, in the order found, then one warning per kind in the
// order the kinds first occurred.
func TestScanProblemsOrder(t *testing.T) {
	src := jsonl(
		row("response", `{"role":"model","content":"a"}`),
		row("id", "1"),
		row("ground_truth", `"x"`),
		row("conv_prefix", `[{"role":"bot","content":"q"}]`),
	)
	sum, _ := scanString(t, FormatJSONL, src)
	var got []string
	for _, p := range sum.Problems {
		got = append(got, p.Summary)
	}
	want := []string{"Invalid ground_truth", "Unexpected response role", "Keys not uploaded", "Unusual role", "Last turn is not the user's"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("order %q, want %q", got, want)
	}
}

func jsonl(rows ...string) string { return strings.Join(rows, "\n") + "\n" }

// Each row handed on carries the line it starts on; inline rows have none.
func TestScanRowLines(t *testing.T) {
	lines := func(format Format, src string) []int {
		var got []int
		sum, err := scan(strings.NewReader(src), format, "f", func(r ScannedRow) error {
			got = append(got, r.Line)
			return nil
		})
		if err != nil || sum.HasErrors() {
			t.Fatalf("%v: %v%s", format, err, describe(sum.Problems))
		}
		return got
	}
	for _, tc := range []struct {
		format Format
		src    string
		want   []int
	}{
		{FormatJSONL, okRow + "\n\n\r\n" + okRow + "\n" + okRow, []int{1, 4, 5}},
		{FormatJSON, "[\n  " + okRow + ",\n\n  {\n    \"conv_prefix\": [{\"role\": \"user\", \"content\": \"q\"}],\n    \"response\": {\"role\": \"assistant\", \"content\": \"a\"}\n  }, " + okRow + "]", []int{2, 4, 7}},
		{FormatCSV, "\nconv_prefix,response\nq,a\n\"multi\nline\",a\nq,a\n", []int{3, 4, 6}},
	} {
		if got := lines(tc.format, tc.src); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: lines %v, want %v", tc.format, got, tc.want)
		}
	}
}
