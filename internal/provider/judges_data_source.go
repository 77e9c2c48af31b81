package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
)

var (
	_ datasource.DataSource              = (*judgesDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*judgesDataSource)(nil)
)

// NewJudgesDataSource returns the collinear_judges data source.
func NewJudgesDataSource() datasource.DataSource { return &judgesDataSource{} }

type judgesDataSource struct {
	data *providerData
}

type judgesDataModel struct {
	SpaceID  types.String   `tfsdk:"space_id"`
	Name     types.String   `tfsdk:"name"`
	Judges   []judgeListed  `tfsdk:"judges"`
	IDs      []types.String `tfsdk:"ids"`
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

// judgeListed is one element of `judges`: JudgeDashboardDTO.
type judgeListed struct {
	ID           types.String `tfsdk:"id"`
	Name         types.String `tfsdk:"name"`
	BehaviorType types.String `tfsdk:"behavior_type"`
}

func (d *judgesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_judges"
}

func (d *judgesDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the judges of a space, optionally only those with a given name, so that a configuration can use judges made in the Collinear UI.",
		Attributes: map[string]schema.Attribute{
			"space_id": schema.StringAttribute{
				MarkdownDescription: "UUID of the space.",
				Required:            true,
				Validators:          []validator.String{uuidValidator{}},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Only judges with exactly this name. Names need not be unique, so several judges may match.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"judges": schema.ListNestedAttribute{
				MarkdownDescription: "The judges, in the platform's order, as the API lists them.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":            schema.StringAttribute{MarkdownDescription: "The judge's id.", Computed: true},
						"name":          schema.StringAttribute{MarkdownDescription: "The judge's name.", Computed: true},
						"behavior_type": schema.StringAttribute{MarkdownDescription: "One of " + quotedList(client.JudgeBehaviorTypes) + ".", Computed: true},
					},
				},
			},
			"ids": schema.ListAttribute{
				MarkdownDescription: "The ids of `judges`, in the same order: ready for `collinear_evaluation.judge_ids`.",
				ElementType:         types.StringType,
				Computed:            true,
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx),
		},
	}
}

func (d *judgesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *judgesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m judgesDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	c := d.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := m.Timeouts.Read(ctx, defaultReadTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(d.data.withMaskedKey(ctx), timeout)
	defer cancel()
	judges, err := c.ListJudges(ctx, m.SpaceID.ValueString())
	if err != nil {
		resp.Diagnostics.Append(judgesListFailure(err, m.SpaceID.ValueString(), timeout)...)
		return
	}
	// Empty, not nil: no judge is an empty list, not null.
	m.Judges, m.IDs = []judgeListed{}, []types.String{}
	for _, j := range judges {
		if !m.Name.IsNull() && j.Name != m.Name.ValueString() {
			continue
		}
		m.Judges = append(m.Judges, judgeListed{ID: types.StringValue(j.ID), Name: types.StringValue(j.Name), BehaviorType: types.StringValue(j.BehaviorType)})
		m.IDs = append(m.IDs, types.StringValue(j.ID))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// judgesListFailure explains a list of the judges of space spaceID that
// failed, or that did not answer within the read timeout.
func judgesListFailure(err error, spaceID string, timeout time.Duration) diag.Diagnostics {
	var diags diag.Diagnostics
	summary := "Unable to list the judges"
	var apiErr *client.APIError
	switch {
	case errors.Is(err, client.ErrSpaceNotFound):
		summary = "Space not found"
	case errors.Is(err, context.DeadlineExceeded):
		summary = "Judge list timed out"
		err = judgeListTimedOut(err, spaceID, "read", timeout)
	case errors.As(err, &apiErr):
		summary = apiErr.Summary()
	}
	diags.AddError(summary, fmt.Sprintf("Listing the judges of space %s: %s", spaceID, err))
	return diags
}

// judgeListTimedOut says that the judge list of space spaceID did not answer
// within the timeout named timeoutName, and what to do.
func judgeListTimedOut(err error, spaceID, timeoutName string, timeout time.Duration) error {
	return fmt.Errorf("%s: %w", notAnswered("judge list", "GET "+client.SpaceJudgesPath(spaceID), timeoutName, timeout), err)
}
