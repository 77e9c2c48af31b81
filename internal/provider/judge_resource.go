package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
	"github.com/collinear-ai/terraform-provider-collinear/internal/judge"
)

var (
	_ resource.Resource                = (*judgeResource)(nil)
	_ resource.ResourceWithConfigure   = (*judgeResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*judgeResource)(nil)
	_ resource.ResourceWithImportState = (*judgeResource)(nil)
)

// NewJudgeResource returns the collinear_judge resource.
func NewJudgeResource() resource.Resource { return &judgeResource{} }

type judgeResource struct {
	data *providerData
}

// judgeModel is the resource's state and plan: JudgeCreateRequestDTO, the
// judge's id and the timeouts block.
type judgeModel struct {
	ID                   types.String   `tfsdk:"id"`
	SpaceID              types.String   `tfsdk:"space_id"`
	Name                 types.String   `tfsdk:"name"`
	JudgeBehaviorType    types.String   `tfsdk:"judge_behavior_type"`
	ModelName            types.String   `tfsdk:"model_name"`
	ModelID              types.String   `tfsdk:"model_id"`
	PromptTemplate       types.String   `tfsdk:"prompt_template"`
	JudgeValues          types.List     `tfsdk:"judge_values"`
	OptimizePrompt       types.Bool     `tfsdk:"optimize_prompt"`
	DatasetAnnotationIDs types.List     `tfsdk:"dataset_annotation_ids"`
	Timeouts             timeouts.Value `tfsdk:"timeouts"`
}

// judgeArgument is one argument of the resource as ModifyPlan compares it.
// The timeouts block is none: it says how long to wait, not what the judge
// is, so changing it never replaces the judge.
type judgeArgument struct {
	name        string
	state, plan attr.Value
	// listed: the per-space list returns it, so refresh and import know it.
	listed bool
}

func judgeArguments(st, plan *judgeModel) []judgeArgument {
	return []judgeArgument{
		{"space_id", st.SpaceID, plan.SpaceID, true},
		{"name", st.Name, plan.Name, true},
		{"judge_behavior_type", st.JudgeBehaviorType, plan.JudgeBehaviorType, true},
		{"model_name", st.ModelName, plan.ModelName, false},
		{"model_id", st.ModelID, plan.ModelID, false},
		{"prompt_template", st.PromptTemplate, plan.PromptTemplate, false},
		{"judge_values", st.JudgeValues, plan.JudgeValues, false},
		{"optimize_prompt", st.OptimizePrompt, plan.OptimizePrompt, false},
		{"dataset_annotation_ids", st.DatasetAnnotationIDs, plan.DatasetAnnotationIDs, false},
	}
}

// importedKey marks, in private state, a judge adopted by import whose
// unlisted arguments (model, prompt, values...) are not known: the first plan
// takes them from the configuration without replacing the judge.
const importedKey = "judge_imported"

func (r *judgeResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_judge"
}

func (r *judgeResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaces := " Changing it creates a new judge; the old one stays on the platform."
	resp.Schema = schema.Schema{
		MarkdownDescription: "A judge on the Collinear platform: a model, and for custom judges a prompt template, that scores the rows of a dataset. " +
			"The API has no update and no delete for judges, so every change creates a new judge and `terraform destroy` leaves the judge in place.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The judge's id on the platform.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"space_id": schema.StringAttribute{
				MarkdownDescription: "UUID of the space the judge belongs to." + replaces + " Writing the same UUID another way (upper case, without hyphens) changes nothing.",
				Required:            true,
				Validators:          []validator.String{uuidValidator{}},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the judge. Names need not be unique in a space." + replaces,
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"judge_behavior_type": schema.StringAttribute{
				MarkdownDescription: "What the judge assesses: one of " + quotedList(client.JudgeBehaviorTypes) + "." + replaces,
				Required:            true,
				Validators:          []validator.String{stringvalidator.OneOf(client.JudgeBehaviorTypes...)},
			},
			"model_name": schema.StringAttribute{
				MarkdownDescription: "The judge's model: one of " + quotedList(client.JudgeModelNames) + "." + replaces,
				Required:            true,
				Validators:          []validator.String{stringvalidator.OneOf(client.JudgeModelNames...)},
			},
			"model_id": schema.StringAttribute{
				MarkdownDescription: "UUID of a specific model to use, if any." + replaces,
				Optional:            true,
				Validators:          []validator.String{uuidValidator{}},
			},
			"prompt_template": schema.StringAttribute{
				MarkdownDescription: "The prompt the judge's model is given. The OpenAPI document makes it optional for every behaviour type." + replaces,
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"judge_values": schema.ListAttribute{
				MarkdownDescription: "The integer values the judge scores with, for example `[0, 1]` or `[1, 2, 3, 4, 5]`." + replaces,
				ElementType:         types.Int64Type,
				Required:            true,
			},
			"optimize_prompt": schema.BoolAttribute{
				MarkdownDescription: "Whether the platform optimizes the prompt. Defaults to `false`." + replaces,
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
			},
			"dataset_annotation_ids": schema.ListAttribute{
				MarkdownDescription: "Ids of dataset rows (the `row_ids` of a `collinear_dataset`) the judge learns from. Sent as `[]` when not set." + replaces,
				ElementType:         types.StringType,
				Optional:            true,
				Validators:          []validator.List{listvalidator.ValueStringsAre(uuidValidator{})},
			},
		},
		Blocks: map[string]schema.Block{
			// No update: an update sends nothing, so there is nothing to bound.
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true}),
		},
	}
}

func quotedList(values []string) string {
	return "`" + strings.Join(values, "`, `") + "`"
}

func (r *judgeResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan decides replacement itself: every argument change replaces the
// judge (there is no update), except that a judge adopted by import takes the
// arguments the list cannot show from the configuration, in place. A
// replacement warns that the old judge stays.
func (r *judgeResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var st, plan judgeModel
	resp.Diagnostics.Append(req.State.Get(ctx, &st)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	imported, diags := isImported(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	replace, adopted := judgeChanges(&st, &plan, imported)
	resp.RequiresReplace = append(resp.RequiresReplace, replace...)
	if len(replace) > 0 {
		names := make([]string, len(replace))
		for i, p := range replace {
			names[i] = p.String()
		}
		resp.Diagnostics.AddWarning("The replaced judge stays on the platform",
			fmt.Sprintf("Changing %s replaces judge %s (%q) in space %s: the Collinear API has no update and no delete for judges, so the apply creates a new judge and the old one stays on the platform, no longer managed by Terraform. Delete it in the Collinear UI if it is no longer wanted.",
				strings.Join(names, ", "), st.ID.ValueString(), st.Name.ValueString(), st.SpaceID.ValueString()))
	}
	if len(adopted) > 0 && len(replace) == 0 {
		resp.Diagnostics.AddWarning("Imported judge: configuration recorded as is",
			fmt.Sprintf("The API's list of judges does not show %s, so the apply records the configuration's values for judge %s without checking them against the platform and without sending anything.", strings.Join(adopted, ", "), st.ID.ValueString()))
	}
}

// judgeChanges compares state and plan: the arguments whose change replaces
// the judge, and those an imported judge adopts from the configuration (its
// state holds null for what the list does not show). Another spelling of the
// same space is no change.
func judgeChanges(st, plan *judgeModel, imported bool) (replace path.Paths, adopted []string) {
	for _, a := range judgeArguments(st, plan) {
		if a.plan.Equal(a.state) || a.name == "space_id" && sameUUID(st.SpaceID.ValueString(), plan.SpaceID.ValueString()) {
			continue
		}
		if imported && !a.listed && a.state.IsNull() && !a.plan.IsUnknown() {
			adopted = append(adopted, a.name)
			continue
		}
		replace = append(replace, path.Root(a.name))
	}
	return replace, adopted
}

func isImported(ctx context.Context, private privateGetter) (bool, diag.Diagnostics) {
	raw, diags := private.GetKey(ctx, importedKey)
	return len(raw) > 0, diags
}

func (r *judgeResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx = r.data.withMaskedKey(ctx)
	var plan judgeModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	c := r.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	body, diags := judgeRequest(ctx, &plan)
	resp.Diagnostics.Append(diags...)
	timeout, diags := plan.Timeouts.Create(ctx, defaultApplyTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	calls := &judgeCalls{Client: c, timeout: timeout}
	res, err := calls.create(ctx, body)
	if err != nil {
		resp.Diagnostics.Append(judgeCreateFailure(err, body, calls)...)
		return
	}
	plan.ID = types.StringValue(res.ID)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)

	if res.Recovered {
		tflog.Warn(ctx, "judge creation answer lost; the judge was found in the space's list", map[string]any{"judge_id": res.ID})
	}
	if len(res.SameName) > 0 {
		resp.Diagnostics.Append(sameNameWarning(res, body)...)
	}
}

// sameNameWarning names the judges that had the new judge's name and
// behaviour type before it was created.
func sameNameWarning(res *judge.Result, body client.JudgeCreateRequest) diag.Diagnostics {
	var diags diag.Diagnostics
	diags.AddWarning("Another judge with this name already exists",
		fmt.Sprintf("Space %s already held %d judge(s) named %q with behaviour type %q (%s) before judge %s was created; names need not be unique, so the apply created another. A judge that this resource replaced is among them. If one of them is a judge an earlier apply created but did not record, it stays on the platform: delete it in the Collinear UI, or import it instead (`terraform import <address> %s/<judge_id>`).",
			body.SpaceID, len(res.SameName), body.Name, body.BehaviorType, strings.Join(res.SameName, ", "), res.ID, body.SpaceID))
	return diags
}

// judgeRequest builds the API's JudgeCreateRequestDTO from a plan.
func judgeRequest(ctx context.Context, m *judgeModel) (client.JudgeCreateRequest, diag.Diagnostics) {
	var diags diag.Diagnostics
	req := client.JudgeCreateRequest{
		SpaceID:        m.SpaceID.ValueString(),
		Name:           m.Name.ValueString(),
		BehaviorType:   m.JudgeBehaviorType.ValueString(),
		ModelName:      m.ModelName.ValueString(),
		ModelID:        m.ModelID.ValueStringPointer(),
		PromptTemplate: m.PromptTemplate.ValueStringPointer(),
		OptimizePrompt: m.OptimizePrompt.ValueBool(),
	}
	diags.Append(m.JudgeValues.ElementsAs(ctx, &req.JudgeValues, false)...)
	if !m.DatasetAnnotationIDs.IsNull() {
		diags.Append(m.DatasetAnnotationIDs.ElementsAs(ctx, &req.DatasetAnnotationIDs, false)...)
	}
	return req, diags
}

// Read finds the judge in its space's list. State changes only on positive
// evidence: a judge missing from a successful list, or a space the API says
// is gone, leaves state (the next plan creates it again); name and behaviour
// type follow the platform, so a rename there shows as a replacement.
func (r *judgeResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var st judgeModel
	resp.Diagnostics.Append(req.State.Get(ctx, &st)...)
	if resp.Diagnostics.HasError() {
		return
	}
	importing := st.Name.IsNull()
	if r.data == nil || r.data.client == nil {
		// With no API key, say so; while the provider's configuration is
		// not known yet (it comes from another resource), keep state as it
		// is. The dataset does the same.
		if importing || r.data.hasNoKey() {
			r.data.apiClient(&resp.Diagnostics)
		}
		return
	}
	ctx = r.data.withMaskedKey(ctx)
	spaceID, id := st.SpaceID.ValueString(), st.ID.ValueString()
	judges, err := r.list(ctx, &st)
	switch {
	case errors.Is(err, client.ErrSpaceNotFound):
		tflog.Warn(ctx, "the judge's space no longer exists; removing the judge from state", map[string]any{"space_id": spaceID, "judge_id": id})
		resp.State.RemoveResource(ctx)
		return
	case err != nil:
		resp.Diagnostics.Append(judgeListFailure(err, importing, spaceID)...)
		return
	}
	for _, j := range judges {
		if j.ID == id {
			st.Name = types.StringValue(j.Name)
			st.JudgeBehaviorType = types.StringValue(j.BehaviorType)
			resp.Diagnostics.Append(resp.State.Set(ctx, &st)...)
			return
		}
	}
	tflog.Warn(ctx, "judge no longer in its space's list; removing it from state", map[string]any{"space_id": spaceID, "judge_id": id})
	resp.State.RemoveResource(ctx)
}

// list lists the judges of st's space within the read timeout.
func (r *judgeResource) list(ctx context.Context, st *judgeModel) ([]client.Judge, error) {
	timeout, diags := st.Timeouts.Read(ctx, defaultReadTimeout)
	if diags.HasError() {
		timeout = defaultReadTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	judges, err := r.data.client.ListJudges(ctx, st.SpaceID.ValueString())
	if errors.Is(err, context.DeadlineExceeded) {
		err = judgeListTimedOut(err, st.SpaceID.ValueString(), "read", timeout)
	}
	return judges, err
}

// judgeListFailure: an authentication failure, a list that did not answer
// within the read timeout (waiting longer is the user's call, not a plan's
// to skip) or an import stops; anything else is a warning and state stays
// as it is.
func judgeListFailure(err error, importing bool, spaceID string) diag.Diagnostics {
	var diags diag.Diagnostics
	var apiErr *client.APIError
	switch {
	case errors.As(err, &apiErr) && (apiErr.StatusCode == 401 || apiErr.StatusCode == 403):
		diags.AddError(apiErr.Summary(), err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		diags.AddError("Judge list timed out", err.Error())
	case importing:
		diags.AddError("Unable to list the judges of the space", err.Error())
	default:
		diags.AddWarning("Unable to compare the judge with the platform",
			fmt.Sprintf("Listing the judges of space %s failed, so a judge deleted or renamed on the platform cannot be detected; state is kept as it is.\n\n%s", spaceID, err))
	}
	return diags
}

// Update only happens to an imported judge, to a space_id spelt another way
// or to a changed timeouts block: it records the configuration's values, and
// sends nothing.
func (r *judgeResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var st, plan judgeModel
	resp.Diagnostics.Append(req.State.Get(ctx, &st)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	imported, diags := isImported(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if replace, _ := judgeChanges(&st, &plan, imported); len(replace) > 0 {
		resp.Diagnostics.AddError("Judge cannot be updated",
			fmt.Sprintf("The plan changes %v in place, but the API has no update for judges. This is a bug in the provider; please report it.", replace))
		return
	}
	plan.ID = st.ID
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, importedKey, nil)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *judgeResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var st judgeModel
	resp.Diagnostics.Append(req.State.Get(ctx, &st)...)
	resp.Diagnostics.AddWarning("Judge left on the Collinear platform",
		fmt.Sprintf("The Collinear API has no delete for judges, so judge %s (%q) stays in space %s; Terraform only stops managing it. Delete it in the Collinear UI if it is no longer wanted.",
			st.ID.ValueString(), st.Name.ValueString(), st.SpaceID.ValueString()))
}

// ImportState takes `<space_id>/<judge_id>`: the list is per space. Read then
// fills in the name and behaviour type; the other arguments come from the
// configuration at the next apply.
func (r *judgeResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	spaceID, judgeID, ok := strings.Cut(req.ID, "/")
	_, spaceOK := canonicalUUID(spaceID)
	judgeID, judgeOK := canonicalUUID(judgeID)
	if !ok || !spaceOK || !judgeOK {
		resp.Diagnostics.AddError("Invalid import id",
			fmt.Sprintf("Expected <space_id>/<judge_id>, two UUIDs, e.g. 3c90c3cc-0d44-4b50-8888-8dd25736052a/0e5a0c1e-9a43-4b9e-8f0e-7f3f9d1d2c33; got %q.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), judgeID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("space_id"), spaceID)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, importedKey, []byte(`{"unlisted_arguments_unknown":true}`))...)
}
