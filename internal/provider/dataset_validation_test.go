package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// wrapped compiles a pattern whose spaces match any run of white space:
// Terraform wraps long diagnostics.
func wrapped(pattern string) *regexp.Regexp {
	return regexp.MustCompile(strings.ReplaceAll(pattern, " ", `\s+`))
}

// TestAccDataset_invalidSourcesFailAtPlan: every kind of bad input is refused
// by `terraform plan` with an error naming the file, the row (and line) and
// the field, and the API receives nothing.
func TestAccDataset_invalidSourcesFailAtPlan(t *testing.T) {
	e := newAccEnv(t)
	user := `[{"role":"user","content":"Hi"}]`
	resp := `{"role":"assistant","content":"Hello"}`
	cases := []struct {
		name, file, content, want string
	}{
		{"missing file", "absent.jsonl", "", `absent\.jsonl`},
		{"unsupported extension", "rows.txt", "x", `(?i)unsupported extension ".txt"`},
		{"malformed JSON", "bad.json", `[{"conv_prefix": [}`, `bad\.json`},
		{"JSON not an array", "obj.json", `{"conv_prefix": []}`, `(?i)array`},
		{"malformed JSONL line", "bad.jsonl", rowJSON("a", "b", 1) + "\n{not json\n", `bad\.jsonl: row 2 \(line 2\)`},
		{"malformed CSV", "bad.csv", "conv_prefix,response\n\"unclosed,x\n", `bad\.csv`},
		{"row not an object", "rows.jsonl", "[1,2]\n", `row 1 \(line 1\)`},
		{"conv_prefix missing", "rows.jsonl", `{"response":` + resp + `}` + "\n", `row 1 \(line 1\): conv_prefix`},
		{"conv_prefix empty", "rows.jsonl", rowJSON("a", "b", 1) + "\n" + `{"conv_prefix":[],"response":` + resp + `}` + "\n", `row 2 \(line 2\): conv_prefix`},
		{"conv_prefix not a list", "rows.jsonl", `{"conv_prefix":"Hi","response":` + resp + `}` + "\n", `row 1 \(line 1\): conv_prefix`},
		{"message without role", "rows.jsonl", `{"conv_prefix":[{"content":"Hi"}],"response":` + resp + `}` + "\n", `conv_prefix\[0\]\.role`},
		{"message without content", "rows.jsonl", `{"conv_prefix":[{"role":"user"}],"response":` + resp + `}` + "\n", `conv_prefix\[0\]\.content`},
		{"non-string content", "rows.jsonl", `{"conv_prefix":[{"role":"user","content":5}],"response":` + resp + `}` + "\n", `conv_prefix\[0\]\.content`},
		{"response missing", "rows.jsonl", `{"conv_prefix":` + user + `}` + "\n", `row 1 \(line 1\): response`},
		{"ground_truth string", "rows.jsonl", `{"conv_prefix":` + user + `,"response":` + resp + `,"ground_truth":"1"}` + "\n", `row 1 \(line 1\): ground_truth`},
		{"ground_truth float", "rows.jsonl", `{"conv_prefix":` + user + `,"response":` + resp + `,"ground_truth":1.5}` + "\n", `ground_truth`},
		{"ground_truth bool", "rows.jsonl", `{"conv_prefix":` + user + `,"response":` + resp + `,"ground_truth":true}` + "\n", `ground_truth`},
		{"context not a string", "rows.jsonl", `{"conv_prefix":` + user + `,"response":` + resp + `,"context":7}` + "\n", `row 1 \(line 1\): context`},
		{"no rows", "empty.jsonl", "\n\n", `(?i)no rows`},
		{"CSV ground_truth", "rows.csv", "conv_prefix,response,ground_truth\nHi,Hello,yes\n", `rows\.csv: row 1 \(line 2\): ground_truth`},
	}
	var steps []resource.TestStep
	for i, c := range cases {
		// Each case has a file of its own: all are written before any runs.
		name := fmt.Sprintf("%02d-%s", i, c.file)
		path := e.dir + "/" + name
		if c.content != "" {
			path = e.write(name, c.content)
		}
		steps = append(steps, resource.TestStep{
			Config:      e.fileResource("bad", path),
			PlanOnly:    true,
			ExpectError: wrapped(c.want),
		})
	}
	// Inline rows: the error points at the nested attribute.
	steps = append(steps, resource.TestStep{
		Config: inlineConfig(e, "bad", `[{
      conv_prefix = []
      response    = { role = "assistant", content = "x" }
    }]`),
		PlanOnly:    true,
		ExpectError: wrapped(`row 1: conv_prefix: is empty`),
	})
	steps = append(steps, resource.TestStep{
		Config: e.provider() + `
resource "collinear_dataset" "test" {
  space_id     = "not-a-uuid"
  dataset_name = "bad"
  file         = "x.jsonl"
}`,
		PlanOnly:    true,
		ExpectError: regexp.MustCompile(`(?i)must be a UUID`),
	})
	steps = append(steps, resource.TestStep{
		Config: e.provider() + `
resource "collinear_dataset" "test" {
  space_id     = "` + testSpaceID + `"
  dataset_name = "bad"
}`,
		PlanOnly:    true,
		ExpectError: regexp.MustCompile(`(?i)file.*rows|rows.*file`),
	})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
	if n := len(e.emu.Requests()); n != 0 {
		t.Fatalf("the API received %d requests; bad input must be refused before anything is sent", n)
	}
}
