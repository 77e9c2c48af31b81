package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
)

// providerDataFrom is the Configure of the judge and evaluation resources and
// data sources: nil until the provider is configured.
func providerDataFrom(raw any, diags *diag.Diagnostics) *providerData {
	if raw == nil {
		return nil
	}
	data, ok := raw.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", raw))
		return nil
	}
	return data
}

// apiClient returns the configured API client, or adds an error when the
// provider could not be configured.
func (d *providerData) apiClient(diags *diag.Diagnostics) *client.Client {
	if d == nil || d.client == nil {
		diags.AddError("Provider not configured",
			"The Collinear provider has no API client: its configuration was not known or was invalid. Check the provider block and the COLLINEAR_API_KEY and COLLINEAR_BASE_URL environment variables.")
		return nil
	}
	return d.client
}

// isUUID is the plan-time check of every id the API types as a UUID.
func isUUID() validator.String {
	return stringvalidator.RegexMatches(uuidPattern, "must be a UUID such as 3c90c3cc-0d44-4b50-8888-8dd25736052a")
}
