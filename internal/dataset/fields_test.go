package dataset

import (
	"strings"
	"testing"
)

func TestNearField(t *testing.T) {
	for name, want := range map[string]string{
		// Misspellings, one or two edits from a long field.
		"ground_truht":  "ground_truth", // two letters swapped: one edit
		"groundtruth":   "ground_truth",
		"ground truth":  "ground_truth",
		"Ground_Truth":  "ground_truth", // case is ignored
		"ground_truths": "ground_truth",
		"grund_trth":    "ground_truth", // two deletions
		"conv_prefx":    "conv_prefix",
		"conv-prefix":   "conv_prefix",
		"respone":       "response",
		"Response":      "response",
		"reponse":       "response",
		"contxt":        "context", // context (1) before content (2)
		"contex":        "context",
		// Far from every field.
		"id":                  "",
		"ids":                 "",
		"metadata":            "",
		"conversation_prefix": "",
		"ground_truth_source": "",
		"label":               "",
		"answer":              "",
		"text":                "",
		"":                    "",
	} {
		if got := nearField(name, rowFields); got != want {
			t.Errorf("nearField(%q, row fields) = %q, want %q", name, got, want)
		}
		if got := nearField([]byte(name), rowFields); got != want {
			t.Errorf("nearField([]byte(%q), row fields) = %q, want %q", name, got, want)
		}
	}
	for name, want := range map[string]string{
		// Fields of up to 5 characters allow one edit.
		"rol":      "role",
		"roles":    "role",
		"Role":     "role",
		"rloe":     "role",
		"contnet":  "content",
		"contents": "content",
		"context":  "content",
		"cnotent":  "content",
		// Two edits from role, or shorter than 3 characters.
		"rate":       "",
		"name":       "",
		"type":       "",
		"ro":         "",
		"r":          "",
		"tool_calls": "",
	} {
		if got := nearField(name, messageFields); got != want {
			t.Errorf("nearField(%q, message fields) = %q, want %q", name, got, want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "abc", 0},
		{"ABC", "abc", 0},
		{"abc", "abd", 1},
		{"abc", "ab", 1},
		{"ab", "abc", 1},
		{"acb", "abc", 1}, // a swap is one edit
		{"ca", "abc", 3},  // optimal string alignment: no edit of a swapped pair (Damerau would say 2)
		{"kitten", "sitting", 3},
		{"abcdef", "badcfe", 3},
		{strings.Repeat("a", 40), "a", 3}, // past the table: more than the limit
	} {
		if got := editDistance(tc.a, tc.b, 2); got != min(tc.want, 3) {
			t.Errorf("editDistance(%q, %q, 2) = %d, want %d", tc.a, tc.b, got, min(tc.want, 3))
		}
		if got := editDistance(tc.a, tc.b, 5); tc.want <= 5 && len(tc.a) <= 32 && got != tc.want {
			t.Errorf("editDistance(%q, %q, 5) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// A key near a field's name is a misspelling, an error naming both, unless
// the object has that field too: then it is an extra key, a warning. A
// misspelt required field is not also reported missing.
func TestScanMisspeltKeys(t *testing.T) {
	E, W := SeverityError, SeverityWarning
	for _, tc := range []struct {
		name   string
		format Format
		src    string
		want   []wantProblem
	}{
		{"ground_truht", FormatJSONL, row("ground_truht", "1"),
			[]wantProblem{{E, 1, 1, "ground_truht", "ground_truht is not a field; did you mean ground_truth? The fields of a row are conv_prefix, response, ground_truth and context"}}},
		{"conv_prefx instead of conv_prefix", FormatJSONL, `{"conv_prefx":[{"role":"user","content":"q"}],"response":{"role":"assistant","content":"a"}}`,
			[]wantProblem{{E, 1, 1, "conv_prefx", "did you mean conv_prefix?"}}},
		{"respone instead of response", FormatJSONL, `{"conv_prefix":[{"role":"user","content":"q"}],"respone":{"role":"assistant","content":"a"}}`,
			[]wantProblem{{E, 1, 1, "respone", "did you mean response?"}}},
		{"contxt", FormatJSONL, row("contxt", `"c"`),
			[]wantProblem{{E, 1, 1, "contxt", "did you mean context?"}}},
		{"rol in a message", FormatJSONL, `{"conv_prefix":[{"rol":"user","content":"q"}],"response":{"role":"assistant","content":"a"}}`,
			[]wantProblem{{E, 1, 1, "conv_prefix[0].rol", "conv_prefix[0].rol is not a field; did you mean role? The fields of a message are role and content"}}},
		{"contnet in the response", FormatJSONL, `{"conv_prefix":[{"role":"user","content":"q"}],"response":{"role":"assistant","contnet":"a"}}`,
			[]wantProblem{{E, 1, 1, "response.contnet", "did you mean content?"}}},
		{"context in a message without content", FormatJSONL, `{"conv_prefix":[{"role":"user","context":"q"}],"response":{"role":"assistant","content":"a"}}`,
			[]wantProblem{{E, 1, 1, "conv_prefix[0].context", "did you mean content?"}}},
		{"context in a message with content", FormatJSONL, `{"conv_prefix":[{"role":"user","context":"x","content":"q"}],"response":{"role":"assistant","content":"a"}}`,
			[]wantProblem{{W, 1, 1, "conv_prefix[0].context", `conv_prefix[0] has the key "context"`}}},
		{"both ground_truth and ground_truths", FormatJSONL, `{"conv_prefix":[{"role":"user","content":"q"}],"ground_truths":[1],"response":{"role":"assistant","content":"a"},"ground_truth":1}`,
			[]wantProblem{{W, 1, 1, "ground_truths", `the row has the key "ground_truths"`}}},
		{"a misspelling and a missing field", FormatJSONL, `{"conv_prefx":[],"respone":{}}`,
			[]wantProblem{{E, 1, 1, "conv_prefx", "did you mean conv_prefix?"}, {E, 1, 1, "respone", "did you mean response?"}}},
		{"in a JSON array", FormatJSON, "[\n" + okRow + ",\n" + row("Ground_Truth", "0") + "]",
			[]wantProblem{{E, 2, 3, "Ground_Truth", "did you mean ground_truth?"}}},
		{"csv column", FormatCSV, "conv_prefix,response,ground_truht\nq,a,1\n",
			[]wantProblem{{E, 0, 1, "ground_truht", `the header has the column "ground_truht" (column 3); did you mean ground_truth?`}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sum, rows := scanString(t, tc.format, tc.src)
			if len(sum.Problems) != len(tc.want) {
				t.Fatalf("problems:\n got %s\nwant %s", describe(sum.Problems), describeWant(tc.want))
			}
			for i, w := range tc.want {
				p := sum.Problems[i]
				if p.Severity != w.sev || p.Row != w.row || p.Line != w.line || p.Field != w.field || !strings.Contains(p.Detail, w.detail) {
					t.Fatalf("problem %d:\n got %s\nwant %s", i, describe(sum.Problems[i:i+1]), describeWant(tc.want[i:i+1]))
				}
			}
			if w := tc.want[0]; w.sev == E && len(rows) >= max(w.row, 1) {
				t.Fatalf("the row with the misspelt key was handed on: %s", dump(rows))
			}
		})
	}
}
