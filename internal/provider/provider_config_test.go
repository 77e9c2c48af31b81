package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccProvider_missingKeyNamesBothWays: without a key the error says how
// to give one, both ways.
func TestAccProvider_missingKeyNamesBothWays(t *testing.T) {
	t.Setenv("COLLINEAR_API_KEY", "")
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(sampleRows...))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "collinear" {
  base_url = %q
}
`, e.emu.URL()) + datasetBlock("eval", file),
			ExpectError: regexp.MustCompile(`(?s)COLLINEAR_API_KEY.*api_key`),
		}},
	})
	if n := len(e.emu.Requests()); n != 0 {
		t.Fatalf("%d requests without a key", n)
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
