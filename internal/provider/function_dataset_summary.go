package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
)

var _ function.Function = (*datasetSummaryFunction)(nil)

// NewDatasetSummaryFunction returns provider::collinear::dataset_summary,
// which reads and checks a dataset file as collinear_dataset does, offline:
// it needs no API key and sends nothing, so `terraform validate`, check
// blocks and `terraform test` can gate a change to a dataset.
func NewDatasetSummaryFunction() function.Function { return &datasetSummaryFunction{} }

type datasetSummaryFunction struct{}

// datasetSummaryType is the object dataset_summary returns.
var datasetSummaryType = map[string]attr.Type{
	"row_count":      types.Int64Type,
	"content_sha256": types.StringType,
	"format":         types.StringType,
	"warnings":       types.ListType{ElemType: types.StringType},
}

func (f *datasetSummaryFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "dataset_summary"
}

func (f *datasetSummaryFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Reads and checks a dataset file offline",
		MarkdownDescription: "Reads a dataset file (`.json`, `.jsonl`, `.ndjson` or `.csv`) and checks every row exactly as " +
			"`collinear_dataset` does at plan time, without an API key and without sending anything. It returns an object with " +
			"`row_count`, the number of rows; `content_sha256`, the same value `collinear_dataset.content_sha256` has for the same file; " +
			"`format`, one of `json`, `jsonl` and `csv`; and `warnings`, the warnings the resource would give (a function cannot emit " +
			"warnings), each naming the rows and lines it is about, empty when there are none. A file with an error (a malformed row, " +
			"a misspelt field, text that is not UTF-8, ...) fails the call with the same messages, naming the file, row, line and " +
			"field. The path is relative to the directory Terraform runs in, as `file` is: build it on `path.module`.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                "path",
				MarkdownDescription: "Path of the dataset file, e.g. `\"${path.module}/data/eval.jsonl\"`.",
			},
		},
		Return: function.ObjectReturn{AttributeTypes: datasetSummaryType},
	}
}

func (f *datasetSummaryFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var file string
	resp.Error = req.Arguments.Get(ctx, &file)
	if resp.Error != nil {
		return
	}
	if file == "" {
		resp.Error = function.NewArgumentFuncError(0, "path is empty: give the path of a .json, .jsonl, .ndjson or .csv file")
		return
	}
	format, err := dataset.FormatOf(file)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, err.Error())
		return
	}
	sum, err := dataset.ScanFile(file, file, nil)
	if err != nil { // only what a RowFunc returns, and there is none
		resp.Error = function.NewFuncError(err.Error())
		return
	}
	var errs []string
	warnings := []attr.Value{}
	for _, p := range sum.Problems {
		if p.Severity == dataset.SeverityError {
			errs = append(errs, p.Error())
		} else {
			warnings = append(warnings, types.StringValue(p.Error()))
		}
	}
	if len(errs) > 0 {
		resp.Error = function.NewArgumentFuncError(0, strings.Join(errs, "\n"))
		return
	}
	result, diags := types.ObjectValue(datasetSummaryType, map[string]attr.Value{
		"row_count":      types.Int64Value(int64(sum.Rows)),
		"content_sha256": types.StringValue(sum.ContentSHA256()),
		"format":         types.StringValue(strings.ToLower(format.String())),
		"warnings":       types.ListValueMust(types.StringType, warnings),
	})
	if diags.HasError() {
		resp.Error = function.FuncErrorFromDiags(ctx, diags)
		return
	}
	resp.Error = resp.Result.Set(ctx, result)
}
