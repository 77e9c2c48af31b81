package provider

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/collinear-ai/terraform-provider-collinear/internal/emulator"
)

// TestAccDataset_wrongKey: a rejected key gives an error that says to check
// the key, never shows it, and stores nothing.
func TestAccDataset_wrongKey(t *testing.T) {
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	const wrongKey = "wrong-key-0123456789"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      e.providerWithKey(wrongKey) + datasetBlock("eval", file),
			ExpectError: wrapped(`(?i)api key`),
		}},
	})
	reqs := e.emu.Requests()
	if len(reqs) != 1 || reqs[0].Status != 401 {
		t.Fatalf("want exactly one request answered 401, got %d requests", len(reqs))
	}
	if reqs[0].Header.Get("Authorization") != "Bearer "+wrongKey {
		t.Fatalf("the key was not sent as a bearer token")
	}
	if n := len(e.emu.Rows(testSpaceID, "eval")); n != 0 {
		t.Fatalf("%d rows stored", n)
	}
}

// TestAccDataset_forbiddenSpace: 403 says to check the key's access to the
// space.
func TestAccDataset_forbiddenSpace(t *testing.T) {
	e := newAccEnv(t)
	e.emu.ForbidSpace(testSpaceID)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      e.fileResource("eval", file),
			ExpectError: wrapped(`(?i)access to the space`),
		}},
	})
}

// TestAccDataset_objectResponse: when the API answers {dataset_id, message}
// instead of the rows, the apply looks the dataset up and records the ids of
// the rows it sent; dataset_id is kept, and the next plan is empty (nothing
// is sent twice, nothing "changed outside of Terraform").
func TestAccDataset_objectResponse(t *testing.T) {
	e := newAccEnv(t)
	e.emu.SetShape(emulator.ShapeObject)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.fileResource("eval", file),
				ConfigStateChecks: []statecheck.StateCheck{
					e.rowIDsMatchEmulator("eval"),
					datasetStateCheck(func(attrs map[string]any) error {
						if got, want := attrs["dataset_id"], e.emu.DatasetID(testSpaceID, "eval"); got != want || want == "" {
							return fmt.Errorf("dataset_id = %v, want %q", got, want)
						}
						return nil
					}),
				},
			},
			emptyPlanStep(e.fileResource("eval", file)),
		},
	})
	if n := len(e.emu.Rows(testSpaceID, "eval")); n != 3 {
		t.Fatalf("emulator holds %d rows, want 3", n)
	}
}

// TestAccDataset_numericIDs: ids returned as JSON numbers become strings.
func TestAccDataset_numericIDs(t *testing.T) {
	e := newAccEnv(t)
	e.emu.Close()
	emu, err := emulator.Start(emulator.Options{APIKey: testAPIKey, NumericIDs: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	e.emu = emu
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.fileResource("eval", file),
			Check: resource.ComposeAggregateTestCheckFunc(
				e.checkRowIDsMatchEmulator("eval"),
				func(s *terraform.State) error {
					id := s.RootModule().Resources["collinear_dataset.test"].Primary.Attributes["row_ids.0"]
					if _, err := strconv.ParseInt(id, 10, 64); err != nil {
						return fmt.Errorf("row_ids[0] = %q, want a decimal number", id)
					}
					return nil
				},
			),
		}},
	})
}

// TestAccDataset_apiErrorsReachTheUser: the server's own words come through:
// a 400's detail, each 422 loc and msg, a 413's advice, a 5xx excerpt; and a
// rejected upload stores nothing.
func TestAccDataset_apiErrorsReachTheUser(t *testing.T) {
	cases := []struct {
		name  string
		fault emulator.Fault
		want  string
	}{
		{"400", emulator.Fault{Kind: emulator.FaultStatus, Status: 400, Body: `{"detail":"invalid input for query argument $4: 'x' (an integer is required)"}`},
			`invalid input for query argument \$4`},
		{"422", emulator.Fault{Kind: emulator.FaultStatus, Status: 422, Body: `{"detail":[{"loc":["body","space_id"],"msg":"Input should be a valid UUID","type":"uuid_parsing"},{"loc":["body","dataset_name"],"msg":"Field required","type":"missing"}]}`},
			`body\.space_id.*Input should be a valid UUID(.|\n)*body\.dataset_name.*Field required`},
		{"413", emulator.Fault{Kind: emulator.FaultStatus, Status: 413, Body: `{"detail":"Request entity too large"}`}, `(?i)batch`},
		{"502", emulator.Fault{Kind: emulator.Fault502}, `(?i)outcome(.|\n)*502`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newAccEnv(t)
			c.fault.Path = "/api/v1/dataset/upload"
			// Every attempt meets it: a 502 is an unknown outcome, checked
			// with a lookup and resent up to three times.
			for range 6 {
				e.emu.InjectFaults(c.fault)
			}
			file := e.write("rows.jsonl", jsonl(sampleRows...))
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      e.fileResource("eval", file),
					ExpectError: regexp.MustCompile(c.want),
				}},
			})
			if n := len(e.emu.Rows(testSpaceID, "eval")); n != 0 {
				t.Fatalf("%d rows stored", n)
			}
		})
	}
}

// TestAccProvider_insecureHTTPRefused: plain http to a host that is not
// loopback is refused before any request, unless insecure_http is set.
func TestAccProvider_insecureHTTPRefused(t *testing.T) {
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			// 192.0.2.1 is TEST-NET-1: nothing is there, and nothing is sent.
			Config: fmt.Sprintf(`
provider "collinear" {
  base_url = "http://192.0.2.1:8080"
  api_key  = %q
}
`, testAPIKey) + datasetBlock("eval", file),
			ExpectError: regexp.MustCompile(`insecure_http`),
		}},
	})
}

// TestAccProvider_userAgent: requests name the provider, its version and the
// Terraform version.
func TestAccProvider_userAgent(t *testing.T) {
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.fileResource("eval", file),
			Check: func(*terraform.State) error {
				ua := e.emu.Requests()[0].Header.Get("User-Agent")
				if !regexp.MustCompile(`^terraform-provider-collinear/test .*Terraform/1\.\d+\.\d+`).MatchString(ua) {
					return fmt.Errorf("User-Agent = %q", ua)
				}
				return nil
			},
		}},
	})
}
