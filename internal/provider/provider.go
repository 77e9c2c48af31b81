// Package provider implements the Terraform provider for the Collinear AI
// platform. It knows nothing of HTTP: it turns configuration into calls on the
// client package and answers into state and diagnostics.
package provider

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
	"github.com/collinear-ai/terraform-provider-collinear/internal/rowsync"
)

const (
	// DefaultBaseURL is the Collinear API.
	DefaultBaseURL = "https://api.collinear.ai"
	// DefaultMaxRetries bounds retries of requests that certainly stored nothing.
	DefaultMaxRetries = 4

	envAPIKey  = "COLLINEAR_API_KEY"
	envBaseURL = "COLLINEAR_BASE_URL"
)

var (
	_ provider.Provider              = (*collinearProvider)(nil)
	_ provider.ProviderWithFunctions = (*collinearProvider)(nil)
)

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
	SettleTime   types.String `tfsdk:"upload_settle_time"`
}

func (p *collinearProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "collinear"
	resp.Version = p.version
}

func (p *collinearProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manage evaluation datasets, the judges that score them and evaluation runs on the [Collinear AI](https://collinear.ai) platform as code.",
		Attributes: map[string]schema.Attribute{
			"api_key": schema.StringAttribute{
				MarkdownDescription: "Collinear API key, sent only as a bearer token. Defaults to the `" + envAPIKey + "` environment variable, which is the better way to give it: a value set here from a variable, even a sensitive one, is written into saved plan files. Needed only by what calls the API (creating, updating or refreshing a dataset, a judge or an evaluation run, and the data sources).",
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
			"upload_settle_time": schema.StringAttribute{
				MarkdownDescription: "How long an upload whose outcome is unknown (no answer came back: a timeout, a dropped connection, an interrupt; or a gateway's `504`) may still be running on the platform. " +
					"Until then its rows, if a lookup does not find them, are in doubt: neither recorded as uploaded nor sent again; an apply that needs them waits, looking again. " +
					"Rows a lookup still misses after that are sent again. A duration such as `90s` or `5m`; defaults to `" + rowsync.DefaultSettleTime.String() + "`.",
				Optional:   true,
				Validators: []validator.String{durationValidator{}},
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
	client     *client.Client // nil when no API key was given
	apiKey     string         // kept only to mask it in logs
	settleTime time.Duration  // see upload_settle_time
}

// missingKeyDetail says how to give the provider an API key.
const missingKeyDetail = "The Collinear provider has no API key, and this operation calls the Collinear API. Set the " + envAPIKey + " environment variable (recommended, for CI too), or set api_key in the provider block (from a sensitive variable, not a literal)."

// apiClient returns the API client, or adds an error saying why there is
// none: no API key, or a provider configuration not known yet (it comes from
// another resource) or invalid. Provider functions, validation and plans
// that call no API need no key, so a missing key is an error only here.
func (d *providerData) apiClient(diags *diag.Diagnostics) *client.Client {
	switch {
	case d == nil:
		diags.AddError("Provider not configured",
			"The Collinear provider has no API client: its configuration was not known or was invalid. Check the provider block and the "+envAPIKey+" and "+envBaseURL+" environment variables.")
	case d.client == nil:
		diags.AddError("Missing Collinear API key", missingKeyDetail)
	default:
		return d.client
	}
	return nil
}

// hasNoKey reports whether the provider was configured without an API key
// (and so without a client).
func (d *providerData) hasNoKey() bool { return d != nil && d.client == nil }

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
	if cfg.APIKey.IsUnknown() || cfg.BaseURL.IsUnknown() || cfg.MaxRetries.IsUnknown() || cfg.InsecureHTTP.IsUnknown() || cfg.SettleTime.IsUnknown() {
		tflog.Debug(ctx, "provider configuration not yet known; deferring client set-up")
		return
	}
	s := settingsOf(cfg)
	ctx = (&providerData{apiKey: s.apiKey}).withMaskedKey(ctx)
	if err := client.ValidateBaseURL(s.baseURL, s.insecure); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("base_url"), "Invalid Collinear base URL",
			err.Error()+"\n\nSet base_url in the provider block or the "+envBaseURL+" environment variable.")
		return
	}
	data := &providerData{}
	if s.apiKey == "" {
		// Resources and data sources say so when they need the API.
		tflog.Debug(ctx, "no Collinear API key; the client is not set up")
	} else {
		c, err := client.New(client.Config{
			BaseURL:           s.baseURL,
			APIKey:            s.apiKey,
			UserAgent:         userAgent(p.version, req.TerraformVersion),
			MaxRetries:        s.maxRetries,
			AllowInsecureHTTP: s.insecure,
			Logger:            func(ctx context.Context) client.Logger { return tflogAdapter{ctx: ctx} },
		})
		if err != nil {
			resp.Diagnostics.AddError("Unable to create the Collinear API client", err.Error())
			return
		}
		tflog.Debug(ctx, "configured Collinear client", map[string]any{"base_url": s.baseURL, "max_retries": s.maxRetries})
		data = &providerData{client: c, apiKey: s.apiKey, settleTime: s.settleTime}
	}
	resp.ResourceData = data
	resp.DataSourceData = data
}

// settings are the provider's configuration with the environment and the
// defaults applied.
type settings struct {
	apiKey, baseURL string
	insecure        bool
	maxRetries      int
	settleTime      time.Duration
}

func settingsOf(cfg providerModel) settings {
	s := settings{
		apiKey:     os.Getenv(envAPIKey),
		baseURL:    DefaultBaseURL,
		insecure:   cfg.InsecureHTTP.ValueBool(),
		maxRetries: DefaultMaxRetries,
		settleTime: rowsync.DefaultSettleTime,
	}
	if !cfg.APIKey.IsNull() {
		s.apiKey = cfg.APIKey.ValueString()
	}
	if v := os.Getenv(envBaseURL); v != "" {
		s.baseURL = v
	}
	if !cfg.BaseURL.IsNull() {
		s.baseURL = cfg.BaseURL.ValueString()
	}
	if !cfg.MaxRetries.IsNull() {
		s.maxRetries = int(cfg.MaxRetries.ValueInt64())
	}
	if !cfg.SettleTime.IsNull() {
		s.settleTime, _ = time.ParseDuration(cfg.SettleTime.ValueString()) // checked by durationValidator
	}
	return s
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
	return []func() resource.Resource{
		NewDatasetResource,
		NewJudgeResource, NewEvaluationResource,
	}
}

func (p *collinearProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewDatasetDataSource,
		NewJudgesDataSource,
	}
}

func (p *collinearProvider) Functions(context.Context) []func() function.Function {
	return []func() function.Function{NewDatasetSummaryFunction, NewRowIDsFunction}
}

// durationValidator checks a duration such as "90s" or "5m".
type durationValidator struct{}

func (durationValidator) Description(context.Context) string {
	return "must be a positive duration such as 90s or 5m"
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if d, err := time.ParseDuration(req.ConfigValue.ValueString()); err != nil || d <= 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%q is not a positive duration: write it as 90s, 5m or 1h30m.", req.ConfigValue.ValueString()))
	}
}
