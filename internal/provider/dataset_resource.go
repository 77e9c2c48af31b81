package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
	"github.com/collinear-ai/terraform-provider-collinear/internal/ledger"
	"github.com/collinear-ai/terraform-provider-collinear/internal/upload"
)

type (
	attrValue              = attr.Value
	resourceSchemaRequest  = resource.SchemaRequest
	resourceSchemaResponse = resource.SchemaResponse
)

const defaultApplyTimeout = 20 * time.Minute

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
	if req.ProviderData == nil {
		return
	}
	data, ok := req.ProviderData.(*providerData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected provider data", fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", req.ProviderData))
		return
	}
	r.data = data
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
	_, diags = src.check(false)
	// Warnings are reported by the plan; validation repeats only errors.
	resp.Diagnostics.Append(diags.Errors()...)
}

// client returns the configured API client, or an error diagnostic when the
// provider has none (see providerData.apiClient).
func (r *datasetResource) client(diags *diag.Diagnostics) *client.Client {
	return r.data.apiClient(diags)
}

func (r *datasetResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx = r.data.withMaskedKey(ctx)
	var plan datasetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultApplyTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	r.apply(ctx, &plan, nil, nil, nil, &resp.State, resp.Private, &resp.Diagnostics, true)
}

func (r *datasetResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	ctx = r.data.withMaskedKey(ctx)
	var plan, prior datasetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	led, diags := readLedger(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultApplyTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	r.apply(ctx, &plan, &prior, led, req.Private, &resp.State, resp.Private, &resp.Diagnostics, false)
}

// stateSetter and privateSetter are the parts of Create's and Update's
// responses that apply writes.
type stateSetter interface {
	Set(ctx context.Context, val any) diag.Diagnostics
}

type privateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

type privateGetter interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

// needsMatchKeys reports whether source rows need their match keys: to pair
// with ledger entries known only by key (imported rows), or because some
// rows' ids are unknown and their keys must be recorded (ledger.EntryFor).
func needsMatchKeys(led *ledger.Ledger, priorIDs []types.String) bool {
	return led.HasUnknownDigests() || slices.ContainsFunc(priorIDs, types.String.IsNull)
}

// readLedger reads the record of uploaded rows from private state; nil when
// there is none yet (before the first apply, or right after an import).
func readLedger(ctx context.Context, private privateGetter) (*ledger.Ledger, diag.Diagnostics) {
	raw, diags := private.GetKey(ctx, ledger.PrivateKey)
	if diags.HasError() {
		return nil, diags
	}
	led, err := ledger.Decode(raw)
	if err != nil {
		diags.AddError("Unreadable row ledger", err.Error()+"\n\nNothing was sent. To rebuild the record from the platform, run `terraform state rm <address>` and import the dataset again.")
	}
	return led, diags
}

// apply uploads the rows the plan says are new and records every row that
// landed, even when a later batch fails, so that nothing is ever sent twice.
func (r *datasetResource) apply(ctx context.Context, plan, prior *datasetModel, led *ledger.Ledger, planned privateGetter, state stateSetter, private privateSetter, diags *diag.Diagnostics, creating bool) {
	c := r.client(diags)
	if c == nil {
		return
	}
	src, known, d := sourceOf(ctx, plan)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	if !known {
		diags.AddError("Rows not known at apply", "The file path or the inline rows are still unknown at apply time. This is a bug in the provider; please report it.")
		return
	}
	// What the prior state holds decides whether rows need their match keys:
	// to pair with imported entries, or to be found later by content when
	// their ids are not known.
	var priorIDs []types.String
	withKeys := false
	if prior != nil {
		if led == nil {
			led = &ledger.Ledger{}
		}
		priorIDs, d = prior.rowIDs(ctx)
		diags.Append(d...)
		if diags.HasError() {
			return
		}
		withKeys = needsMatchKeys(led, priorIDs)
	}
	// An update that adds rows has the plan's fingerprints: the source is
	// then read once, to send, and checked against the plan as it is.
	var chk *checked
	if planned != nil {
		chk = plannedCheck(ctx, planned, plan, withKeys)
	}
	if chk == nil {
		src.expectRows(plan.RowCount)
		chk, d = src.check(withKeys)
		diags.Append(d.Errors()...)
		if diags.HasError() {
			return
		}
	}
	if !plan.ContentSHA256.IsUnknown() && plan.ContentSHA256.ValueString() != chk.contentSHA256() {
		diags.AddAttributeError(path.Root("file"), "Rows changed since the plan",
			fmt.Sprintf("The rows read now (SHA-256 %s) are not the rows that were planned (SHA-256 %s). Nothing was sent. Run terraform plan again to review the new content.", chk.contentSHA256(), plan.ContentSHA256.ValueString()))
		return
	}

	n := len(chk.fingerprints)
	rec := newRecord(n)
	var removed []int
	if prior != nil {
		if len(priorIDs) != len(led.Rows) {
			diags.AddError("Row ledger does not match state",
				fmt.Sprintf("State holds %d row ids but the provider's private record of uploaded rows holds %d. Nothing was sent, to avoid uploading rows twice. Run `terraform apply -refresh-only` to rebuild the record from the platform.", len(priorIDs), len(led.Rows)))
			return
		}
		var assigned []int
		assigned, removed = ledger.Match(led.Rows, chk.fingerprints)
		for i, e := range assigned {
			if e >= 0 {
				// A row adopted by an import was matched by its key alone;
				// from now on it is known by its full digest.
				rec.keep(i, priorIDs[e], ledger.EntryFor(chk.fingerprints[i], !priorIDs[e].IsNull()))
			}
		}
		rec.released = append(rec.released, led.Released...)
		for _, e := range removed {
			if id := priorIDs[e]; !id.IsNull() && !id.IsUnknown() {
				rec.released = append(rec.released, id.ValueString())
			}
		}
	}
	if prior != nil && !prior.DatasetID.IsNull() && !prior.DatasetID.IsUnknown() {
		rec.datasetID = prior.DatasetID.ValueString()
	}

	send := make([]bool, n)
	toSend := 0
	for i := range send {
		if !rec.have[i] {
			send[i] = true
			toSend++
		}
	}
	tflog.Info(ctx, "uploading dataset rows", map[string]any{
		"space_id": plan.SpaceID.ValueString(), "dataset_name": plan.DatasetName.ValueString(),
		"rows_total": n, "rows_to_send": toSend, "rows_kept": n - toSend, "rows_removed": len(removed),
	})
	// Ids already accounted for: recovery after an unknown outcome must not
	// claim these rows for a batch. Recovery is rare, so the set is built
	// only when it is first needed.
	var knownIDs map[string]bool
	isKnownID := func(id string) bool {
		if knownIDs == nil {
			knownIDs = make(map[string]bool, len(rec.released)+n)
			for _, id := range rec.released {
				knownIDs[id] = true
			}
			for i, id := range rec.ids {
				if rec.have[i] && !id.IsNull() && !id.IsUnknown() {
					knownIDs[id.ValueString()] = true
				}
			}
		}
		return knownIDs[id]
	}
	unidentified := make(map[dataset.Digest]int)
	for i, id := range rec.ids {
		if rec.have[i] && id.IsNull() {
			unidentified[rec.entries[i].Key]++
		}
	}
	opts := upload.Options{
		BatchRows:    int(plan.BatchSize.ValueInt64()),
		Known:        isKnownID,
		Unidentified: unidentified,
		Log:          func(msg string, kv ...any) { tflog.Warn(ctx, msg, fields(kv)) },
		Progress: func(sent, total int, elapsed time.Duration) {
			tflog.Info(ctx, fmt.Sprintf("uploaded %d / %d rows", sent, total), map[string]any{"rows_sent": sent, "rows_total": total, "elapsed": elapsed.Round(time.Millisecond).String()})
		},
	}
	noIDs := 0
	var sendErr error
	if toSend > 0 {
		rows, reread := src.rowsToSend(chk, send)
		sendErr = upload.Send(ctx, c, plan.SpaceID.ValueString(), plan.DatasetName.ValueString(), toSend, rows, opts, func(b upload.Batch) {
			for k, i := range b.Indexes {
				id := types.StringNull()
				if b.IDs != nil {
					id = types.StringValue(b.IDs[k])
				} else {
					noIDs++
				}
				f := ledger.Fingerprint{Digest: chk.fingerprints[i].Digest, Key: b.Keys[k]}
				rec.keep(i, id, ledger.EntryFor(f, !id.IsNull()))
			}
			if b.DatasetID != "" {
				rec.datasetID = b.DatasetID
			}
		})
		if sendErr == nil && rec.count() != n {
			sendErr = fmt.Errorf("%w: %d of the %d planned rows were read back for upload", upload.ErrSourceChanged, rec.count()-(n-toSend), toSend)
			if _, why := reread(); why != nil {
				sendErr = fmt.Errorf("%w: %v", sendErr, why)
			}
		}
		if sendErr == nil && chk.fromPlan && src.file != "" {
			// The rows sent matched the plan one by one; the rows kept must
			// still be the planned ones too.
			if read, _ := reread(); read == nil || read.SHA256 != chk.summary.SHA256 {
				sendErr = fmt.Errorf("%w: the file no longer has the planned content (SHA-256 %s); the planned rows that were new are on the platform, and the next plan shows what changed", upload.ErrSourceChanged, chk.contentSHA256())
			}
		}
	}

	complete := sendErr == nil
	if !complete && rec.count() == 0 && creating {
		// Nothing landed: there is nothing to record and the resource does
		// not exist yet.
		diags.Append(uploadErrorDiagnostics(sendErr, creating, 0)...)
		return
	}

	out := *plan
	out.ID = types.StringValue(plan.SpaceID.ValueString() + "/" + plan.DatasetName.ValueString())
	out.DatasetID = types.StringNull()
	if rec.datasetID != "" {
		out.DatasetID = types.StringValue(rec.datasetID)
	}
	ids, entries := rec.landed()
	out.setRowIDs(ids, prior)
	if complete {
		out.RowCount = types.Int64Value(int64(n))
		out.ContentSHA256 = types.StringValue(chk.contentSHA256())
	} else {
		// A partial state: the next plan compares it with the source and
		// shows the rows still to send.
		out.RowCount = types.Int64Value(int64(len(ids)))
		out.ContentSHA256 = types.StringNull()
	}
	encoded, err := (&ledger.Ledger{Rows: entries, Released: rec.released}).Encode()
	if err != nil {
		diags.AddError("Unable to record uploaded rows", err.Error())
	}
	diags.Append(private.SetKey(ctx, ledger.PrivateKey, encoded)...)
	diags.Append(private.SetKey(ctx, plannedRowsKey, nil)...)
	diags.Append(state.Set(ctx, &out)...)

	if noIDs > 0 {
		diags.AddAttributeWarning(path.Root("row_ids"), "The API returned no row ids",
			fmt.Sprintf("The API stored %d rows but answered with a summary instead of the rows and their ids, so their elements in row_ids are null. The rows are recorded as uploaded and will not be sent again.", noIDs))
	}
	if !complete {
		diags.Append(uploadErrorDiagnostics(sendErr, creating, len(ids))...)
	}
}

// record gathers, per source row, the id and ledger entry of every row known
// to be on the platform.
type record struct {
	have      []bool
	ids       []types.String
	entries   []ledger.Entry
	released  []string
	datasetID string
}

func newRecord(n int) *record {
	return &record{have: make([]bool, n), ids: make([]types.String, n), entries: make([]ledger.Entry, n)}
}

func (r *record) keep(i int, id types.String, e ledger.Entry) {
	r.have[i], r.ids[i], r.entries[i] = true, id, e
}

func (r *record) count() int {
	n := 0
	for _, h := range r.have {
		if h {
			n++
		}
	}
	return n
}

// landed returns the ids and entries of the rows on the platform, in source
// order.
func (r *record) landed() ([]types.String, []ledger.Entry) {
	ids := make([]types.String, 0, len(r.have))
	entries := make([]ledger.Entry, 0, len(r.have))
	for i, h := range r.have {
		if h {
			ids = append(ids, r.ids[i])
			entries = append(entries, r.entries[i])
		}
	}
	return ids, entries
}

func idsOf(ctx context.Context, l types.List) ([]types.String, diag.Diagnostics) {
	if l.IsNull() || l.IsUnknown() {
		return nil, nil
	}
	var ids []types.String
	d := l.ElementsAs(ctx, &ids, false)
	return ids, d
}

// uploadErrorDiagnostics explains a failed upload and, when some rows landed,
// how to go on without sending them twice.
func uploadErrorDiagnostics(err error, creating bool, landed int) diag.Diagnostics {
	var diags diag.Diagnostics
	summary := "Upload failed"
	var detail strings.Builder
	var apiErr *client.APIError
	var unknown *client.OutcomeUnknownError
	var mismatch *upload.CountMismatchError
	switch {
	case errors.As(err, &unknown):
		// Checked first: an unknown outcome wraps the API error (500, 502,
		// 504) that caused it.
		summary = unknown.Summary()
		detail.WriteString(unknown.Error())
	case errors.As(err, &apiErr):
		summary = apiErr.Summary()
		detail.WriteString(apiErr.Error())
	case errors.As(err, &mismatch):
		summary = "Unexpected number of row ids"
		detail.WriteString(mismatch.Error())
	case errors.Is(err, upload.ErrSourceChanged):
		summary = "Rows changed during the apply"
		detail.WriteString(err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		summary = "Upload timed out"
		detail.WriteString("The upload did not finish within the timeout. Raise it in the resource's timeouts block, or lower batch_size.")
	case errors.Is(err, context.Canceled):
		summary = "Upload interrupted"
		detail.WriteString("The upload was cancelled.")
	default:
		detail.WriteString(err.Error())
	}
	if landed > 0 {
		fmt.Fprintf(&detail, "\n\n%d rows are on the platform and recorded in state with their ids; they will not be sent again.", landed)
		if creating {
			detail.WriteString(" Terraform marks the resource as tainted, which would re-create it and upload every row again. " +
				"To continue instead, run `terraform untaint <address>` and then `terraform apply`: it sends only the rows still missing.")
		} else {
			detail.WriteString(" Run `terraform apply` again to send only the rows still missing.")
		}
	}
	diags.AddError(summary, detail.String())
	return diags
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
	if !ok || !uuidPattern.MatchString(spaceID) || name == "" {
		resp.Diagnostics.AddError("Invalid import id",
			fmt.Sprintf("Expected <space_id>/<dataset_name>, e.g. 3c90c3cc-0d44-4b50-8888-8dd25736052a/my-dataset; got %q.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("space_id"), spaceID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("dataset_name"), name)...)
}
