package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
)

type (
	attrValue              = attr.Value
	resourceSchemaRequest  = resource.SchemaRequest
	resourceSchemaResponse = resource.SchemaResponse
)

var (
	_ resource.Resource                   = (*datasetResource)(nil)
	_ resource.ResourceWithConfigure      = (*datasetResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*datasetResource)(nil)
	_ resource.ResourceWithImportState    = (*datasetResource)(nil)
	_ resource.ResourceWithValidateConfig = (*datasetResource)(nil)
)

// NewDatasetResource returns the collinear_dataset resource.
func NewDatasetResource() resource.Resource { return &datasetResource{} }

type datasetResource struct {
	data *providerData
}

func (r *datasetResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dataset"
}

func (r *datasetResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks inline rows as soon as they are known, so that
// `terraform validate` reports bad rows too.
func (r *datasetResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m datasetModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.Rows.IsNull() {
		return
	}
	src, known, diags := sourceOf(ctx, &m)
	resp.Diagnostics.Append(diags...)
	if !known || src == nil {
		return
	}
	_, diags = src.check(false, nil)
	// Warnings are reported by the plan; validation repeats only errors.
	resp.Diagnostics.Append(diags.Errors()...)
}

// client returns the configured API client, or an error diagnostic when the
// provider has none (see providerData.apiClient).
func (r *datasetResource) client(diags *diag.Diagnostics) *client.Client {
	return r.data.apiClient(diags)
}

func (r *datasetResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var m datasetModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	resp.Diagnostics.AddWarning("Dataset left on the Collinear platform",
		fmt.Sprintf("The Collinear API has no delete endpoint, so dataset %q in space %s and its rows stay on the platform; Terraform only stops managing them. Delete the dataset in the Collinear UI if it is no longer wanted.",
			m.DatasetName.ValueString(), m.SpaceID.ValueString()))
}

func (r *datasetResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	spaceID, name, ok := strings.Cut(req.ID, "/")
	if _, isUUID := canonicalUUID(spaceID); !ok || !isUUID || name == "" {
		resp.Diagnostics.AddError("Invalid import id",
			fmt.Sprintf("Expected <space_id>/<dataset_name>, e.g. 3c90c3cc-0d44-4b50-8888-8dd25736052a/my-dataset; got %q.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("space_id"), spaceID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("dataset_name"), name)...)
}
