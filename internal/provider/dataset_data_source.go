package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
)

var (
	_ datasource.DataSource              = (*datasetDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*datasetDataSource)(nil)
)

// NewDatasetDataSource returns the collinear_dataset data source.
func NewDatasetDataSource() datasource.DataSource { return &datasetDataSource{} }

type datasetDataSource struct {
	data *providerData
}

type datasetDataModel struct {
	ID          types.String   `tfsdk:"id"`
	SpaceID     types.String   `tfsdk:"space_id"`
	DatasetName types.String   `tfsdk:"dataset_name"`
	DatasetID   types.String   `tfsdk:"dataset_id"`
	RowCount    types.Int64    `tfsdk:"row_count"`
	RowIDs      types.List     `tfsdk:"row_ids"`
	RowsJSON    types.String   `tfsdk:"rows_json"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

func (d *datasetDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dataset"
}

func (d *datasetDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads a dataset on the Collinear platform by space and name, for configurations that consume a dataset they do not manage.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<space_id>/<dataset_name>`.",
				Computed:            true,
			},
			"space_id": schema.StringAttribute{
				MarkdownDescription: "UUID of the space that holds the dataset.",
				Required:            true,
				Validators:          []validator.String{uuidValidator{}},
			},
			"dataset_name": schema.StringAttribute{
				MarkdownDescription: "Name of the dataset.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"dataset_id": schema.StringAttribute{
				MarkdownDescription: "Id of the dataset on the platform.",
				Computed:            true,
			},
			"row_count": schema.Int64Attribute{
				MarkdownDescription: "Number of rows in the dataset.",
				Computed:            true,
			},
			"row_ids": schema.ListAttribute{
				MarkdownDescription: "Ids of the rows, in the platform's order.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"rows_json": schema.StringAttribute{
				MarkdownDescription: "The rows as one JSON array, each `{id, db_id, conv_prefix, response, ground_truth, created_at}` as the platform returns them (`response` is the assistant's text). " +
					"One string stays cheap in state and plans even for large datasets; read it with `jsondecode()`.",
				Computed: true,
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx),
		},
	}
}

func (d *datasetDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// dataSourceRow is one row of rows_json.
type dataSourceRow struct {
	ID          string           `json:"id"`
	DBID        string           `json:"db_id,omitempty"`
	ConvPrefix  []client.Message `json:"conv_prefix"`
	Response    string           `json:"response"`
	GroundTruth *int64           `json:"ground_truth"`
	CreatedAt   string           `json:"created_at,omitempty"`
}

func (d *datasetDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m datasetDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := d.data.apiClient(&resp.Diagnostics)
	if c == nil {
		return
	}
	timeout, diags := m.Timeouts.Read(ctx, defaultReadTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(d.data.withMaskedKey(ctx), timeout)
	defer cancel()
	datasetID, ids, rowsJSON, err := lookUpRows(ctx, c, m.SpaceID.ValueString(), m.DatasetName.ValueString())
	if err != nil {
		summary := "Unable to read the dataset"
		var apiErr *client.APIError
		switch {
		case errors.Is(err, client.ErrDatasetNotFound):
			summary = "Dataset not found"
		case errors.Is(err, context.DeadlineExceeded):
			summary = "Dataset lookup timed out"
			err = lookupTimedOut(err, timeout)
		case errors.As(err, &apiErr):
			summary = apiErr.Summary()
		}
		resp.Diagnostics.AddError(summary, fmt.Sprintf("Looking up dataset %q in space %s: %s", m.DatasetName.ValueString(), m.SpaceID.ValueString(), err))
		return
	}

	m.ID = resourceID(m.SpaceID, m.DatasetName)
	m.DatasetID = types.StringValue(datasetID)
	m.RowCount = types.Int64Value(int64(len(ids)))
	m.RowIDs = stringList(ids)
	m.RowsJSON = types.StringValue(string(rowsJSON))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// lookUpRows looks the dataset up and returns its id, its row ids and its
// rows as rows_json, encoding each row as it arrives.
func lookUpRows(ctx context.Context, c *client.Client, spaceID, name string) (string, []types.String, []byte, error) {
	ids := []types.String{}
	rowsJSON := []byte{'['}
	datasetID, err := c.LookupDataset(ctx, spaceID, name, func(a *client.Annotation) error {
		if len(ids) > 0 {
			rowsJSON = append(rowsJSON, ',')
		}
		ids = append(ids, types.StringValue(a.ID))
		row := dataSourceRow{ID: a.ID, DBID: a.DBID, ConvPrefix: a.ConvPrefix, Response: a.Response, GroundTruth: a.GroundTruth, CreatedAt: a.CreatedAt}
		if row.ConvPrefix == nil {
			row.ConvPrefix = []client.Message{}
		}
		b, err := json.Marshal(row)
		rowsJSON = append(rowsJSON, b...)
		return err
	})
	return datasetID, ids, append(rowsJSON, ']'), err
}
