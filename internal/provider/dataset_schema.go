package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/collinear-ai/terraform-provider-collinear/internal/upload"
)

// listModeWarnRows is the row count past which a plan in list mode warns:
// Terraform compares lists element by element, at a cost that grows with the
// square of the count (README's Performance section has figures).
const listModeWarnRows = 5000

// if_exists values.
const (
	ifExistsAdopt = "adopt"
	ifExistsError = "error"
)

// datasetModel is the resource's state and plan.
type datasetModel struct {
	ID            types.String   `tfsdk:"id"`
	SpaceID       types.String   `tfsdk:"space_id"`
	DatasetName   types.String   `tfsdk:"dataset_name"`
	File          types.String   `tfsdk:"file"`
	Rows          types.List     `tfsdk:"rows"`
	BatchSize     types.Int64    `tfsdk:"batch_size"`
	DatasetID     types.String   `tfsdk:"dataset_id"`
	RowCount      types.Int64    `tfsdk:"row_count"`
	ContentSHA256 types.String   `tfsdk:"content_sha256"`
	RowIDs        types.List     `tfsdk:"row_ids"`
	CompactRowIDs types.Bool     `tfsdk:"compact_row_ids"`
	RowIDsJSON    types.Map      `tfsdk:"row_ids_json"`
	IfExists      types.String   `tfsdk:"if_exists"`
	MaxUploadRows types.Int64    `tfsdk:"max_upload_rows"`
	PreviewRows   types.Int64    `tfsdk:"preview_rows"`
	UploadPreview types.List     `tfsdk:"upload_preview"`
	Timeouts      timeouts.Value `tfsdk:"timeouts"`
}

// rowModel and messageModel mirror the nested `rows` attribute.
type rowModel struct {
	ConvPrefix  []messageModel `tfsdk:"conv_prefix"`
	Response    messageModel   `tfsdk:"response"`
	GroundTruth types.Int64    `tfsdk:"ground_truth"`
	Context     types.String   `tfsdk:"context"`
}

type messageModel struct {
	Role    types.String `tfsdk:"role"`
	Content types.String `tfsdk:"content"`
}

func messageAttributes(what string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"role": schema.StringAttribute{
			MarkdownDescription: "Role of the " + what + ": `user`, `assistant`, `system`, `tool`, ... An unusual role is a plan warning.",
			Required:            true,
		},
		"content": schema.StringAttribute{
			MarkdownDescription: "Text of the " + what + ".",
			Required:            true,
		},
	}
}

func (r *datasetResource) Schema(ctx context.Context, _ resourceSchemaRequest, resp *resourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An evaluation dataset on the Collinear platform, uploaded from a file or from inline rows. " +
			"The API appends and cannot delete: an update uploads only the rows that are new since the last apply, " +
			"rows removed from the source stay on the platform, and destroying the resource leaves the dataset in place.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<space_id>/<dataset_name>`, also the import id.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"space_id": schema.StringAttribute{
				MarkdownDescription: "UUID of the Collinear space that holds the dataset. Changing it creates a new dataset; writing the same UUID another way (upper case, without hyphens, in braces) changes nothing.",
				Required:            true,
				Validators: []validator.String{
					uuidValidator{},
				},
				PlanModifiers: replacedUnlessSameUUID("Changing the space (not its spelling) creates a new dataset."),
			},
			"dataset_name": schema.StringAttribute{
				MarkdownDescription: "Name of the dataset in the space. Changing it creates a new dataset; the old one stays on the platform.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"file": schema.StringAttribute{
				MarkdownDescription: "Path of the rows file: `.json` (a JSON array of rows), `.jsonl` or `.ndjson` (one row per line; blank lines are ignored) " +
					"or `.csv` (a header row with the columns `conv_prefix`, `response`, `ground_truth`, `context`; `conv_prefix` is the user's message and `response` the assistant's reply, as plain text). " +
					"Relative paths are relative to the directory Terraform runs in; build them on `path.module`. The provider reads the file at every plan, so an edit shows up without `filesha256()`. Exactly one of `file` and `rows` is required.",
				Optional: true,
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.ExactlyOneOf(path.MatchRoot("file"), path.MatchRoot("rows")),
				},
			},
			"rows": schema.ListNestedAttribute{
				MarkdownDescription: "Rows given inline. Exactly one of `file` and `rows` is required. For more than a few hundred rows prefer `file`: Terraform compares large lists slowly.",
				Optional:            true,
				Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"conv_prefix": schema.ListNestedAttribute{
							MarkdownDescription: "The conversation before the response, in OpenAI chat format; its last turn should be the user's.",
							Required:            true,
							NestedObject:        schema.NestedAttributeObject{Attributes: messageAttributes("turn")},
						},
						"response": schema.SingleNestedAttribute{
							MarkdownDescription: "The assistant turn being evaluated.",
							Required:            true,
							Attributes:          messageAttributes("response"),
						},
						"ground_truth": schema.Int64Attribute{
							MarkdownDescription: "Integer label, for example `1` for correct and `0` for incorrect, or a 1-5 rating.",
							Optional:            true,
						},
						"context": schema.StringAttribute{
							MarkdownDescription: "Optional metadata string stored with the row.",
							Optional:            true,
						},
					},
				},
			},
			"batch_size": schema.Int64Attribute{
				MarkdownDescription: "Rows sent per request. Each request is also capped at 8 MiB. A failure after some batches landed keeps their ids, and the next apply sends only the rest. Defaults to `5000`: large enough that the cost of each request is small beside its rows, small enough that a failed batch costs little to resume.",
				Optional:            true,
				Computed:            true,
				Default:             int64default.StaticInt64(upload.DefaultBatchRows),
				Validators:          []validator.Int64{int64validator.Between(1, 100000)},
			},
			"dataset_id": schema.StringAttribute{
				MarkdownDescription: "Id of the dataset on the platform, for example to start an evaluation run on it. Known after every create: from the upload's answer, from the lookup a create makes before sending, or from one it makes after the first batch of a new dataset; known in the plan when the dataset already exists. Null only when the platform offers no lookup and the upload's answer does not give it.",
				Computed:            true,
			},
			"row_count": schema.Int64Attribute{
				MarkdownDescription: "Number of rows in the source. Known at plan time.",
				Computed:            true,
			},
			"content_sha256": schema.StringAttribute{
				MarkdownDescription: "SHA-256 (hex) of the canonical JSON array of the normalized rows, whatever the source format. Known at plan time; it changes exactly when the rows do.",
				Computed:            true,
			},
			"row_ids": schema.ListAttribute{
				MarkdownDescription: "Ids the API returned, one per source row: `row_ids[i]` is the id of the i-th row. On an update the plan keeps the ids of kept rows and shows only the new rows' ids as `(known after apply)`. An element is null when the API did not return ids. Null when `compact_row_ids` is set.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"if_exists": schema.StringAttribute{
				MarkdownDescription: "What to do when rows to upload are already on the platform and this state does not manage them: when the dataset already exists at create (a fresh state or another workspace, after `terraform destroy`, a replacement), or when a refresh finds rows that appeared since the last apply (a state restored from an older backup). " +
					"`adopt` (the default) takes matching rows as this resource's rows instead of uploading them again; the plan says how many, and their ids are known in the plan. `error` fails the plan and sends nothing. " +
					"Rows are matched by what the platform's lookup returns: the conversation, the response's text and `ground_truth`, not `context` nor the response's role. " +
					"Rows a refresh reported as not managed by Terraform before the last apply are never adopted. Unset means `adopt`.",
				// Optional without a default: unset means adopt, so states
				// written before the attribute existed plan no change.
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(ifExistsAdopt, ifExistsError)},
			},
			"max_upload_rows": schema.Int64Attribute{
				MarkdownDescription: "The most rows one apply may upload. A plan that would upload more (the whole training set instead of the eval split, say) fails with the counts, and nothing is sent; the apply checks it again before sending. Rows kept or adopted do not count; rows of an upload whose outcome is unknown do, since they may be sent again. Unset means no limit.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.AtLeast(0)},
			},
			"preview_rows": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How many of the rows an apply uploads `upload_preview` shows. Defaults to `%d`; `0` turns the preview off.", defaultPreviewRows),
				Optional:            true,
				Validators:          []validator.Int64{int64validator.AtLeast(0)},
			},
			"upload_preview": schema.ListAttribute{
				MarkdownDescription: "What the apply will publish, one line per row it uploads (the first `preview_rows` of them, then how many more): the row's position in the source (row, and file line), and its last user turn and its response, each cut to a readable width, quoted and escaped so that a line cannot span lines. An edited row shows as what it is, a new row whose old version stays on the platform; rows of an upload whose outcome was unknown show as in doubt. " +
					"Known in the plan, so it reaches `terraform show -json` of a saved plan. It describes one apply: the next refresh clears it (a `-refresh-only` plan reports that once), and a plan that uploads nothing leaves it as it is.",
				ElementType: types.StringType,
				Computed:    true,
			},
			"compact_row_ids": schema.BoolAttribute{
				MarkdownDescription: "Keep the ids in `row_ids_json`, a map of JSON strings of up to 1,000 ids each, instead of the `row_ids` list. Terraform compares lists element by element, with time and memory that grow with the square of the length, while a map of a few strings costs little. Set it for datasets above about 5,000 rows; the plan warns past that size. Switching it moves the ids and uploads nothing. Defaults to `false`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
			},
			"row_ids_json": schema.MapAttribute{
				MarkdownDescription: "With `compact_row_ids`, the ids in chunks of up to 1,000: a map from the zero-padded index of a chunk's first row (`\"000000000\"`, `\"000001000\"`, ...) to a JSON array of its ids (null where the API returned no id). `flatten([for c in collinear_dataset.x.row_ids_json : jsondecode(c)])` is the list of ids in source order, its i-th element the id of the i-th row. Null otherwise. An update keeps the chunks whose ids did not change, so a plan that adds rows shows only the new chunks, as `(known after apply)`.",
				ElementType:         types.StringType,
				Computed:            true,
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Read: true}),
		},
	}
}
