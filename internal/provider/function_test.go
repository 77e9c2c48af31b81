package provider

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
)

// functionsVersionChecks skips, on a Terraform CLI older than 1.8 (in the CI
// matrix), the tests of provider functions, which such a CLI cannot call.
var functionsVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)}

// contentSHA256 is what collinear_dataset.content_sha256 must be for a file:
// the hex SHA-256 of its canonical rows, computed here without the provider.
func contentSHA256(t *testing.T, file string) string {
	t.Helper()
	sum, err := dataset.ScanFile(file, file, nil)
	if err != nil || sum.HasErrors() {
		t.Fatalf("scanning %s: %v %v", file, err, sum.Problems)
	}
	return hex.EncodeToString(sum.SHA256[:])
}

// TestAccFunctionDatasetSummary_validFiles: dataset_summary gives the row
// count, the format, the warnings, and the content_sha256 the resource plans
// and records for the same file.
func TestAccFunctionDatasetSummary_validFiles(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	clean := e.write("rows.jsonl", jsonl(sampleRows...))
	withKeys := e.write("rows.csv", "conv_prefix,response,ground_truth\nHi,Hello,1\nBye,Goodbye,0\n")
	exported := e.write("exported.json", "[\n"+rowJSON("q", "a", 1)+",\n"+`{"id":7,"conv_prefix":[{"role":"user","content":"q2"}],"response":{"role":"model","content":"a2"}}`+"\n]")
	sha := contentSHA256(t, clean)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   functionsVersionChecks,
		Steps: []resource.TestStep{{
			Config: e.fileResource("summary", clean) + fmt.Sprintf(`
output "clean" {
  value = provider::collinear::dataset_summary(%q)
}
output "csv" {
  value = provider::collinear::dataset_summary(%q)
}
output "exported" {
  value = provider::collinear::dataset_summary(%q)
}
`, clean, withKeys, exported),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("clean", knownvalue.ObjectExact(map[string]knownvalue.Check{
					"row_count":      knownvalue.Int64Exact(3),
					"content_sha256": knownvalue.StringExact(sha),
					"format":         knownvalue.StringExact("jsonl"),
					"warnings":       knownvalue.ListExact([]knownvalue.Check{}),
				})),
				statecheck.ExpectKnownValue("collinear_dataset.test", tfjsonpath.New("content_sha256"), knownvalue.StringExact(sha)),
				statecheck.ExpectKnownOutputValue("csv", knownvalue.ObjectExact(map[string]knownvalue.Check{
					"row_count":      knownvalue.Int64Exact(2),
					"content_sha256": knownvalue.StringExact(contentSHA256(t, withKeys)),
					"format":         knownvalue.StringExact("csv"),
					"warnings":       knownvalue.ListExact([]knownvalue.Check{}),
				})),
				statecheck.ExpectKnownOutputValue("exported", knownvalue.ObjectExact(map[string]knownvalue.Check{
					"row_count":      knownvalue.Int64Exact(2),
					"content_sha256": knownvalue.StringExact(contentSHA256(t, exported)),
					"format":         knownvalue.StringExact("json"),
					"warnings": knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringRegexp(regexp.MustCompile(`^.*exported\.json: row 2 \(line 3\): id: the row has the key "id"`)),
						knownvalue.StringRegexp(regexp.MustCompile(`^.*exported\.json: row 2 \(line 3\): response\.role: is "model", not "assistant"`)),
					}),
				})),
			},
		}},
	})
}

// TestAccFunctionDatasetSummary_badFiles: a file with an error fails the
// call with the resource's messages, naming the row, line and field; nothing
// is sent.
func TestAccFunctionDatasetSummary_badFiles(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	for _, tc := range []struct {
		name, content string
		want          *regexp.Regexp
	}{
		{"bad.jsonl", jsonl(sampleRows[0], `{"conv_prefix":[{"role":"user","content":"q"}],"response":{"role":"assistant","content":"a"},"ground_truth":"1"}`),
			wrappedText(`bad.jsonl: row 2 (line 2): ground_truth: must be an integer such as 0 or 1, got the string "1": remove the quotes`)},
		{"typo.jsonl", jsonl(sampleRows[0], `{"conv_prefix":[{"role":"user","content":"q"}],"response":{"role":"assistant","content":"a"},"ground_truht":1}`),
			wrappedText(`typo.jsonl: row 2 (line 2): ground_truht: is not a field; did you mean ground_truth?`)},
		{"latin1.csv", "conv_prefix,response\nq,a\nO\xf9 est le caf\xe9 ?,Au coin de la rue.\n",
			wrappedText(`latin1.csv: row 2 (line 3): conv_prefix: holds bytes that are not UTF-8: "O\xf9 est le caf\xe9 ?"; it looks like Windows-1252, in which it reads "Où est le café ?"`)},
		{"missing.json", "", wrappedText(`missing.json: cannot read`)},
	} {
		file := e.dir + "/" + tc.name
		if tc.content != "" {
			file = e.write(tc.name, tc.content)
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			TerraformVersionChecks:   functionsVersionChecks,
			Steps: []resource.TestStep{{
				Config:      fmt.Sprintf("output \"s\" {\n  value = provider::collinear::dataset_summary(%q)\n}\n", file),
				ExpectError: tc.want,
			}},
		})
	}
	if n := len(e.emu.Requests()); n != 0 {
		t.Fatalf("%d requests", n)
	}
}

// TestAccFunctionRowIDs: row_ids turns row_ids_json back into the ids in row
// order, nulls included, and refuses chunks that do not follow each other or
// are not JSON arrays. (The failing calls come first: the test's final
// destroy uses the last configuration.)
func TestAccFunctionRowIDs(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(numberedRows(1, 2*rowIDsPerChunk+5)...))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   functionsVersionChecks,
		Steps: []resource.TestStep{
			{
				Config:      `output "gap" { value = provider::collinear::row_ids({ "000000000" = "[\"a\"]", "000000002" = "[\"c\"]" }) }`,
				ExpectError: wrappedText(`row_ids_json has the key "000000002" where the chunk of the ids from row 1, "000000001", was expected`),
			},
			{
				Config:      `output "bad" { value = provider::collinear::row_ids({ "000000000" = "a,b" }) }`,
				ExpectError: wrappedText(`row_ids_json element "000000000" is not a JSON array of ids`),
			},
			{
				Config: e.fileResource("ids", file, "  compact_row_ids = true") + `
locals {
  ids = provider::collinear::row_ids(collinear_dataset.test.row_ids_json)
}
output "count" {
  value = length(local.ids)
}
output "same_as_flatten" {
  value = local.ids == tolist(flatten([for c in collinear_dataset.test.row_ids_json : jsondecode(c)]))
}
output "ids" {
  value = local.ids
}
output "literal" {
  value = provider::collinear::row_ids({
    "000000002" = "[\"c\"]"
    "000000000" = "[\"a\", null]"
  })
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("count", knownvalue.Int64Exact(2*rowIDsPerChunk+5)),
					statecheck.ExpectKnownOutputValue("same_as_flatten", knownvalue.Bool(true)),
					statecheck.ExpectKnownOutputValue("literal", knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("a"), knownvalue.Null(), knownvalue.StringExact("c"),
					})),
					e.expectOutputIDs("ids"),
				},
			},
		},
	})
}

// expectOutputIDs checks that row_ids(row_ids_json), recomputed from state
// as an output named name would be, is exactly the list of ids the emulator
// stored, in order.
func (e *accEnv) expectOutputIDs(name string) statecheck.StateCheck {
	return idsMatchEmulator{e: e, name: name}
}

type idsMatchEmulator struct {
	e    *accEnv
	name string
}

func (c idsMatchEmulator) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	out, ok := req.State.Values.Outputs[c.name]
	if !ok {
		resp.Error = fmt.Errorf("no output %q", c.name)
		return
	}
	got, _ := out.Value.([]any)
	stored := c.e.emu.Rows(testSpaceID, "ids")
	if len(got) != len(stored) {
		resp.Error = fmt.Errorf("output %q has %d ids, the emulator stored %d rows", c.name, len(got), len(stored))
		return
	}
	for i, row := range stored {
		if got[i] != row.ID {
			resp.Error = fmt.Errorf("output %q[%d] = %v, the emulator stored id %q", c.name, i, got[i], row.ID)
			return
		}
	}
}

// wrappedText matches text in Terraform's output, which wraps long lines at
// spaces.
func wrappedText(text string) *regexp.Regexp {
	return regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(text), " ", `\s+`))
}

// TestAccFunctions_noAPIKey: with no API key anywhere, a configuration that
// uses the functions in a check block plans, with a dataset still to create
// (its plan calls no API), and applies when it holds only the functions; no
// request is made.
func TestAccFunctions_noAPIKey(t *testing.T) {
	t.Setenv("COLLINEAR_API_KEY", "")
	os.Unsetenv("COLLINEAR_API_KEY")
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	checks := fmt.Sprintf(`
provider "collinear" {
  base_url = %q
}

locals {
  eval = provider::collinear::dataset_summary(%q)
}

check "eval_size" {
  assert {
    condition     = local.eval.row_count <= 1000
    error_message = "The eval split holds ${local.eval.row_count} rows: is it the training set?"
  }
}

output "rows" {
  value = local.eval.row_count
}
`, e.emu.URL(), file)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   functionsVersionChecks,
		Steps: []resource.TestStep{
			{Config: checks + datasetBlock("eval", file), PlanOnly: true, ExpectNonEmptyPlan: true},
			{
				Config: checks,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("rows", knownvalue.Int64Exact(3)),
				},
			},
		},
	})
	if n := len(e.emu.Requests()); n != 0 {
		t.Fatalf("%d requests", n)
	}
}
