package provider

import (
	"fmt"
	"os"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccProvider_missingKeyNamesBothWays: a missing key is an error only
// where the API is called (the create, a refresh), and the error says how to
// give one, both ways; the plan of a new dataset needs no key.
func TestAccProvider_missingKeyNamesBothWays(t *testing.T) {
	t.Setenv("COLLINEAR_API_KEY", "")
	os.Unsetenv("COLLINEAR_API_KEY")
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	noKey := fmt.Sprintf(`
provider "collinear" {
  base_url = %q
}
`, e.emu.URL()) + datasetBlock("eval", file)
	missingKey := regexp.MustCompile(`(?s)Missing Collinear API key.*COLLINEAR_API_KEY.*api_key`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: noKey, PlanOnly: true, ExpectNonEmptyPlan: true},
			{Config: noKey, ExpectError: missingKey},
			{Config: e.fileResource("eval", file)},
			{Config: noKey, PlanOnly: true, ExpectError: missingKey},
			{Config: e.fileResource("eval", file), PlanOnly: true},
		},
	})
	if n := len(e.uploads()); n != 1 {
		t.Fatalf("%d uploads, want the one made with a key", n)
	}
}

// TestAccProvider_keyAndURLFromEnvironment: with an empty provider block the
// key and URL come from COLLINEAR_API_KEY and COLLINEAR_BASE_URL.
func TestAccProvider_keyAndURLFromEnvironment(t *testing.T) {
	e := newAccEnv(t)
	t.Setenv("COLLINEAR_API_KEY", testAPIKey)
	t.Setenv("COLLINEAR_BASE_URL", e.emu.URL())
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `provider "collinear" {}` + datasetBlock("eval", file),
			Check:  e.checkRowIDsMatchEmulator("eval"),
		}},
	})
}

// TestAccProvider_configurationOverridesEnvironment: api_key and base_url in
// the provider block take precedence over COLLINEAR_API_KEY and
// COLLINEAR_BASE_URL.
func TestAccProvider_configurationOverridesEnvironment(t *testing.T) {
	e := newAccEnv(t)
	t.Setenv("COLLINEAR_API_KEY", "a-key-the-api-rejects")
	t.Setenv("COLLINEAR_BASE_URL", "http://192.0.2.1:8080") // TEST-NET-1, and plain http: refused if used
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.fileResource("eval", file),
			Check:  e.checkRowIDsMatchEmulator("eval"),
		}},
	})
	for _, r := range e.emu.Requests() {
		if r.Status == 401 {
			t.Fatal("a request was made with the key from the environment")
		}
	}
}

// TestAccProvider_relativeBaseURLRefused: base_url must be absolute.
func TestAccProvider_relativeBaseURLRefused(t *testing.T) {
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "collinear" {
  base_url = "api.collinear.ai"
  api_key  = %q
}
`, testAPIKey) + datasetBlock("eval", file),
			ExpectError: regexp.MustCompile(`(?i)absolute`),
		}},
	})
}
