package provider

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
)

var (
	_ resource.Resource              = (*evaluationResource)(nil)
	_ resource.ResourceWithConfigure = (*evaluationResource)(nil)
)

// NewEvaluationResource returns the collinear_evaluation resource.
func NewEvaluationResource() resource.Resource { return &evaluationResource{} }

type evaluationResource struct {
	data *providerData
}

// evaluationModel is the resource's state and plan:
// TriggerConersationsEvaluationRequestDTO, triggers, the API's answer and the
// timeouts block.
type evaluationModel struct {
	ID        types.String   `tfsdk:"id"`
	SpaceID   types.String   `tfsdk:"space_id"`
	DatasetID types.String   `tfsdk:"dataset_id"`
	JudgeIDs  types.List     `tfsdk:"judge_ids"`
	Name      types.String   `tfsdk:"name"`
	RollData  types.Bool     `tfsdk:"roll_data"`
	Triggers  types.Map      `tfsdk:"triggers"`
	Message   types.String   `tfsdk:"message"`
	DataJSON  types.String   `tfsdk:"data_json"`
	Timeouts  timeouts.Value `tfsdk:"timeouts"`
}

func (r *evaluationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_evaluation"
}

func (r *evaluationResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	reruns := " Changing it starts a new run."
	rerunsUnlessSpelling := " Changing it starts a new run; writing the same UUID another way (upper case, without hyphens) changes nothing."
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	computed := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "One evaluation run: judges scoring the rows of a dataset, started through `POST /api/v1/dataset/assess/run`. " +
			"Creating the resource starts the run; a plan with no change starts nothing; changing any argument, or a value in `triggers`, starts a new run. " +
			"The API has no way to read a run back or delete it, so `terraform destroy` leaves every run on the platform.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "An id Terraform gives this run (a random UUID): the API's answer carries no typed id.",
				Computed:            true,
				PlanModifiers:       computed,
			},
			"space_id": schema.StringAttribute{
				MarkdownDescription: "UUID of the space that holds the dataset and the judges." + rerunsUnlessSpelling,
				Required:            true,
				Validators:          []validator.String{uuidValidator{}},
				PlanModifiers:       replacedUnlessSameUUID(rerunsUnlessSpelling),
			},
			"dataset_id": schema.StringAttribute{
				MarkdownDescription: "UUID of the dataset to score, e.g. `collinear_dataset.<name>.dataset_id`." + rerunsUnlessSpelling,
				Required:            true,
				Validators:          []validator.String{uuidValidator{}},
				PlanModifiers:       replacedUnlessSameUUID(rerunsUnlessSpelling),
			},
			"judge_ids": schema.ListAttribute{
				MarkdownDescription: "Ids of the judges that score the dataset, e.g. `[collinear_judge.<name>.id]`; at least one, no repeats." + reruns,
				ElementType:         types.StringType,
				Required:            true,
				Validators: []validator.List{
					listvalidator.SizeAtLeast(1),
					listvalidator.UniqueValues(),
					listvalidator.ValueStringsAre(uuidValidator{}),
				},
				PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the run." + reruns,
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       replace,
			},
			"roll_data": schema.BoolAttribute{
				MarkdownDescription: "The API's `roll_data` option. Defaults to `true`, the API's default." + reruns,
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
				PlanModifiers:       []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
			},
			"triggers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values that start a new run when they change, for example `{ content = collinear_dataset.<name>.content_sha256 }` to score every new version of a dataset. Not sent to the API.",
				ElementType:         types.StringType,
				Optional:            true,
				PlanModifiers:       []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"message": schema.StringAttribute{
				MarkdownDescription: "The API's `message` when it started the run.",
				Computed:            true,
				PlanModifiers:       computed,
			},
			"data_json": schema.StringAttribute{
				MarkdownDescription: "The API's `data` as a JSON string (the OpenAPI document leaves its fields untyped; read it with `jsondecode()`); null when the API sent none.",
				Computed:            true,
				PlanModifiers:       computed,
			},
		},
		Blocks: map[string]schema.Block{
			// Without RequiresReplace: how long to wait for the start is
			// not part of the run, so a change updates state in place and
			// starts nothing.
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true}),
		},
	}
}

func (r *evaluationResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// Create starts the run once. When the API may have started it without the
// answer arriving, the run is recorded with an error: Terraform then taints
// it, and the user decides whether to keep it (untaint) or start it again
// (apply), instead of the provider resending blindly.
func (r *evaluationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx = r.data.withMaskedKey(ctx)
	var plan evaluationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	c := r.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	body, diags := evaluationRequest(ctx, &plan)
	resp.Diagnostics.Append(diags...)
	timeout, diags := plan.Timeouts.Create(ctx, defaultApplyTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(randomUUID())
	plan.Message, plan.DataJSON = types.StringNull(), types.StringNull()

	res, late, err := startEvaluation(ctx, c, body, timeout)
	var unknown *client.OutcomeUnknownError
	switch {
	case errors.As(err, &unknown):
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		resp.Diagnostics.Append(evaluationOutcomeUnknown(unknown, body, late)...)
		return
	case err != nil:
		resp.Diagnostics.Append(evaluationFailure(err, body, late)...)
		return
	}
	plan.Message = types.StringValue(res.Message)
	if res.Data != nil {
		plan.DataJSON = types.StringValue(string(res.Data))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// evaluationRequest builds the API's request from a plan.
func evaluationRequest(ctx context.Context, m *evaluationModel) (client.EvaluationRequest, diag.Diagnostics) {
	body := client.EvaluationRequest{
		DatasetID: m.DatasetID.ValueString(),
		SpaceID:   m.SpaceID.ValueString(),
		Name:      m.Name.ValueString(),
		RollData:  m.RollData.ValueBool(),
	}
	diags := m.JudgeIDs.ElementsAs(ctx, &body.JudgeIDs, false)
	return body, diags
}

// startEvaluation starts the run within the create timeout. late, when the
// timeout cut the request off, says so and what to do, ready to begin a
// diagnostic's detail.
func startEvaluation(ctx context.Context, c *client.Client, body client.EvaluationRequest, timeout time.Duration) (res *client.APIResponse, late string, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err = c.StartEvaluation(ctx, body)
	if errors.Is(err, context.DeadlineExceeded) {
		late = capitalized(notAnswered("evaluation start", "POST "+client.AssessRunPath, "create", timeout)) + ".\n\n"
	}
	return res, late, err
}

// evaluationOutcomeUnknown explains a run that may or may not have started;
// late, if not empty, begins the detail.
func evaluationOutcomeUnknown(err *client.OutcomeUnknownError, req client.EvaluationRequest, late string) diag.Diagnostics {
	var diags diag.Diagnostics
	what := "The Collinear API may or may not have started evaluation run %q"
	if err.ProbablyStored {
		what = "The Collinear API accepted evaluation run %q (HTTP 200), so it has very probably started, but its answer could not be read"
	}
	diags.AddError("Evaluation run outcome unknown",
		late+fmt.Sprintf(what+" of dataset %s in space %s: %v.\n\nIt was not started again. Check the space's evaluations in the Collinear UI for a run named %q. "+
			"Terraform recorded the run as tainted: if it started, keep it with `terraform untaint <address>`; if it did not, the next `terraform apply` starts it.",
			req.Name, req.DatasetID, req.SpaceID, err.Cause, req.Name))
	return diags
}

func evaluationFailure(err error, req client.EvaluationRequest, late string) diag.Diagnostics {
	var diags diag.Diagnostics
	var apiErr *client.APIError
	detail := late + fmt.Sprintf("Starting evaluation run %q of dataset %s in space %s: %s", req.Name, req.DatasetID, req.SpaceID, err)
	if errors.As(err, &apiErr) {
		if apiErr.StatusCode == 404 {
			detail += "\n\nCheck that dataset_id and every judge id belong to space_id."
		}
		diags.AddError(apiErr.Summary(), detail)
		return diags
	}
	diags.AddError("Unable to start the evaluation run", detail)
	return diags
}

// Read keeps state as it is: the API offers no typed read of a run.
func (r *evaluationResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

// Update runs only for a changed timeouts block or an id spelt another way
// (every other argument replaces the run): it records the plan and starts
// nothing.
func (r *evaluationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan evaluationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *evaluationResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var st evaluationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &st)...)
	resp.Diagnostics.AddWarning("Evaluation run left on the Collinear platform",
		fmt.Sprintf("The Collinear API cannot delete an evaluation run, so run %q of dataset %s and its results stay in space %s; Terraform only stops managing it.",
			st.Name.ValueString(), st.DatasetID.ValueString(), st.SpaceID.ValueString()))
}

// randomUUID returns a version 4 UUID.
func randomUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // never fails (crypto/rand panics instead)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
