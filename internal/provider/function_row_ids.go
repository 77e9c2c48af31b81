package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ function.Function = (*rowIDsFunction)(nil)

// NewRowIDsFunction returns provider::collinear::row_ids, which turns the
// compact row_ids_json back into the list of ids in row order.
func NewRowIDsFunction() function.Function { return &rowIDsFunction{} }

type rowIDsFunction struct{}

func (f *rowIDsFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "row_ids"
}

func (f *rowIDsFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Turns row_ids_json into the list of row ids",
		MarkdownDescription: "Turns `row_ids_json`, the compact form of the ids that `collinear_dataset` keeps with " +
			"`compact_row_ids = true`, back into the list of ids in row order: element `i` is the id of row `i` of the source, " +
			"null where the API returned no id. It checks that the chunks follow each other (the key of each chunk is the index " +
			"of its first row) and fails naming the chunk that does not. It needs no API key and sends nothing.",
		Parameters: []function.Parameter{
			function.MapParameter{
				Name:                "row_ids_json",
				ElementType:         types.StringType,
				MarkdownDescription: "The `row_ids_json` attribute of a `collinear_dataset`: a map from the zero-padded index of a chunk's first row to a JSON array of its ids.",
			},
		},
		Return: function.ListReturn{ElementType: types.StringType},
	}
}

func (f *rowIDsFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var chunks types.Map
	resp.Error = req.Arguments.Get(ctx, &chunks)
	if resp.Error != nil {
		return
	}
	var ids []attr.Value
	for _, elem := range sortedChunks(chunks) {
		if want := chunkKey(len(ids)); elem.key != want {
			resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf(
				"row_ids_json has the key %q where the chunk of the ids from row %d, %q, was expected: keys are the index of each chunk's first row, and no chunk may be missing", elem.key, len(ids), want))
			return
		}
		chunk, ok := elem.value.(types.String)
		if !ok || chunk.IsNull() {
			resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("row_ids_json element %q is null, not a JSON array of ids", elem.key))
			return
		}
		decoded, err := decodeRowIDsJSON(chunk.ValueString())
		if err != nil {
			resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("row_ids_json element %q is not a JSON array of ids: %v", elem.key, err))
			return
		}
		if len(decoded) == 0 {
			resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("row_ids_json element %q holds no id: each chunk holds at least one", elem.key))
			return
		}
		for _, id := range decoded {
			ids = append(ids, id)
		}
	}
	list, diags := types.ListValue(types.StringType, ids)
	if diags.HasError() {
		resp.Error = function.FuncErrorFromDiags(ctx, diags)
		return
	}
	resp.Error = resp.Result.Set(ctx, list)
}
