// Package provider implements the Terraform provider for the Collinear AI
// platform. It knows nothing of HTTP: it turns configuration into calls on the
// client package and answers into state and diagnostics.
package provider

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
)

const (
	// DefaultBaseURL is the Collinear API.
	DefaultBaseURL = "https://api.collinear.ai"
	// DefaultMaxRetries bounds retries of requests that certainly stored nothing.
	DefaultMaxRetries = 4

	envAPIKey  = "COLLINEAR_API_KEY"
	envBaseURL = "COLLINEAR_BASE_URL"
)

var _ provider.Provider = (*collinearProvider)(nil)

type collinearProvider struct {
	version string
}

// New returns a constructor of the provider, as providerserver expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &collinearProvider{version: version}
	}
}

type providerModel struct {
	APIKey       types.String `tfsdk:"api_key"`
	BaseURL      types.String `tfsdk:"base_url"`
	MaxRetries   types.Int64  `tfsdk:"max_retries"`
	InsecureHTTP types.Bool   `tfsdk:"insecure_http"`
}

func (p *collinearProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "collinear"
	resp.Version = p.version
}

func (p *collinearProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manage evaluation datasets on the [Collinear AI](https://collinear.ai) platform as code.",
		Attributes: map[string]schema.Attribute{
			"api_key": schema.StringAttribute{
				MarkdownDescription: "Collinear API key, sent only as a bearer token. Defaults to the `" + envAPIKey + "` environment variable. Prefer the variable, or a sensitive input variable, over a literal.",
				Optional:            true,
				Sensitive:           true,
			},
			"base_url": schema.StringAttribute{
				MarkdownDescription: "Base URL of the Collinear API. Defaults to the `" + envBaseURL + "` environment variable, else `" + DefaultBaseURL + "`. Must be an absolute `https://` URL; plain `http://` is accepted only for loopback hosts or with `insecure_http = true`.",
				Optional:            true,
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How many times a request that certainly stored nothing (connection refused, `429 Too Many Requests`; for reads also `503 Service Unavailable` and other server errors) is retried, with exponential backoff and jitter. Defaults to `%d`. An upload whose outcome is unknown is never blindly resent.", DefaultMaxRetries),
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(0, 20)},
			},
			"insecure_http": schema.BoolAttribute{
				MarkdownDescription: "Allow a plain `http://` `base_url` for a host that is not loopback. The API key would cross the network in clear text: use this only on a trusted network. Defaults to `false`.",
				Optional:            true,
			},
		},
	}
}

// providerData is what resources and data sources receive from Configure.
type providerData struct {
	client *client.Client
	apiKey string // kept only to mask it in logs
}

// withMaskedKey returns a context whose logs replace the API key, wherever it
// would appear, with asterisks.
func (d *providerData) withMaskedKey(ctx context.Context) context.Context {
	if d == nil || d.apiKey == "" {
		return ctx
	}
	return tflog.MaskMessageStrings(tflog.MaskAllFieldValuesStrings(ctx, d.apiKey), d.apiKey)
}

func (p *collinearProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// A value that comes from another resource is not known while planning.
	// Planning needs no API call, so leave the provider unconfigured until
	// apply, when the value is known.
	if cfg.APIKey.IsUnknown() || cfg.BaseURL.IsUnknown() || cfg.MaxRetries.IsUnknown() || cfg.InsecureHTTP.IsUnknown() {
		tflog.Debug(ctx, "provider configuration not yet known; deferring client set-up")
		return
	}

	apiKey := os.Getenv(envAPIKey)
	if !cfg.APIKey.IsNull() {
		apiKey = cfg.APIKey.ValueString()
	}
	ctx = tflog.MaskMessageStrings(tflog.MaskAllFieldValuesStrings(ctx, apiKey), apiKey)
	if apiKey == "" {
		resp.Diagnostics.AddAttributeError(path.Root("api_key"), "Missing Collinear API key",
			"The provider needs an API key. Set the "+envAPIKey+" environment variable, or set api_key in the provider block (from a sensitive variable, not a literal).")
	}

	baseURL := DefaultBaseURL
	if v := os.Getenv(envBaseURL); v != "" {
		baseURL = v
	}
	if !cfg.BaseURL.IsNull() {
		baseURL = cfg.BaseURL.ValueString()
	}
	insecure := cfg.InsecureHTTP.ValueBool()
	if err := client.ValidateBaseURL(baseURL, insecure); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("base_url"), "Invalid Collinear base URL",
			err.Error()+"\n\nSet base_url in the provider block or the "+envBaseURL+" environment variable.")
	}
	maxRetries := DefaultMaxRetries
	if !cfg.MaxRetries.IsNull() {
		maxRetries = int(cfg.MaxRetries.ValueInt64())
	}
	if resp.Diagnostics.HasError() {
		return
	}

	c, err := client.New(client.Config{
		BaseURL:           baseURL,
		APIKey:            apiKey,
		UserAgent:         userAgent(p.version, req.TerraformVersion),
		MaxRetries:        maxRetries,
		AllowInsecureHTTP: insecure,
		Logger:            func(ctx context.Context) client.Logger { return tflogAdapter{ctx: ctx} },
	})
	if err != nil {
		resp.Diagnostics.AddError("Unable to create the Collinear API client", err.Error())
		return
	}
	tflog.Debug(ctx, "configured Collinear client", map[string]any{"base_url": baseURL, "max_retries": maxRetries})
	data := &providerData{client: c, apiKey: apiKey}
	resp.ResourceData = data
	resp.DataSourceData = data
}

// userAgent names the provider, its version and the Terraform version, as
// HashiCorp providers do, so the platform can tell callers apart.
func userAgent(providerVersion, terraformVersion string) string {
	if terraformVersion == "" {
		terraformVersion = "unknown"
	}
	return fmt.Sprintf("terraform-provider-collinear/%s (+https://registry.terraform.io/providers/collinear-ai/collinear) Terraform/%s", providerVersion, terraformVersion)
}

func (p *collinearProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewDatasetResource}
}

func (p *collinearProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{NewDatasetDataSource}
}
