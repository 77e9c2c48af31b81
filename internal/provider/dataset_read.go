package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
	"github.com/collinear-ai/terraform-provider-collinear/internal/ledger"
	"github.com/collinear-ai/terraform-provider-collinear/internal/upload"
)

// Read reconciles state with the platform through the dataset lookup. It
// changes state only on positive evidence: a dataset is gone when the lookup
// says so, and a row is gone when a successful lookup lacks its id. A lookup
// that is not possible leaves state as it is, with a warning, so that plans
// keep working.
func (r *datasetResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var st datasetModel
	resp.Diagnostics.Append(req.State.Get(ctx, &st)...)
	if resp.Diagnostics.HasError() {
		return
	}
	led, diags := readLedger(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	importing := led == nil && !st.hasRowIDs()
	if r.data == nil || r.data.client == nil {
		if importing || r.data.hasNoKey() {
			r.client(&resp.Diagnostics)
		}
		return
	}
	ctx = r.data.withMaskedKey(ctx)
	spaceID, name := st.SpaceID.ValueString(), st.DatasetName.ValueString()

	// The ids in state are read before the lookup, to size what it keeps.
	var ids []types.String
	if !importing {
		var d diag.Diagnostics
		ids, d = st.rowIDs(ctx)
		resp.Diagnostics.Append(d...)
		if resp.Diagnostics.HasError() {
			return
		}
		if led == nil {
			led = &ledger.Ledger{}
		}
	}
	remote := &remoteRows{}
	remote.expect(len(ids), ids)
	var err error
	remote.datasetID, err = r.data.client.LookupDatasetEach(ctx, spaceID, name, remote.add)
	switch {
	case errors.Is(err, client.ErrDatasetNotFound):
		if !importing {
			tflog.Warn(ctx, "dataset no longer exists on the platform; removing it from state", map[string]any{"space_id": spaceID, "dataset_name": name})
		}
		resp.State.RemoveResource(ctx)
		return
	case err != nil:
		resp.Diagnostics.Append(lookupFailure(err, importing)...)
		return
	}

	var rec *reconciled
	if importing {
		rec = adopt(remote)
	} else {
		rec = reconcile(remote, ids, led)
	}

	st.ID = types.StringValue(spaceID + "/" + name)
	if remote.datasetID != "" {
		st.DatasetID = types.StringValue(remote.datasetID)
	} else if st.DatasetID.IsUnknown() {
		st.DatasetID = types.StringNull()
	}
	if importing && st.CompactRowIDs.IsNull() {
		st.CompactRowIDs = types.BoolValue(len(rec.ids) > listModeWarnRows)
	}
	if importing {
		st.RowCount = types.Int64Value(int64(len(rec.ids)))
		st.ContentSHA256 = types.StringNull()
		st.BatchSize = types.Int64Value(upload.DefaultBatchRows)
	}
	if !rec.unchanged {
		// Unchanged, the ids and the private ledger stay as they came:
		// re-encoding them would only copy tens of megabytes at scale.
		prior := st
		st.setRowIDs(rec.ids, &prior)
		encoded, err := (&ledger.Ledger{Rows: rec.entries, Released: rec.released}).Encode()
		if err != nil {
			resp.Diagnostics.AddError("Unable to record rows", err.Error())
			return
		}
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, ledger.PrivateKey, encoded)...)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &st)...)

	if rec.gone > 0 {
		tflog.Warn(ctx, "rows deleted on the platform", map[string]any{"rows_gone": rec.gone})
		resp.Diagnostics.AddWarning("Rows deleted on the platform",
			fmt.Sprintf("%d row(s) recorded in state are no longer in dataset %q on the platform. They leave state, and the next apply uploads them again from the source.", rec.gone, name))
	}
	if rec.foreign > 0 {
		resp.Diagnostics.AddWarning("Rows on the platform not managed by Terraform",
			fmt.Sprintf("Dataset %q holds %d row(s) that were added outside Terraform. They are left alone: Terraform neither tracks nor re-uploads them. To manage them, add them to the source and re-import the dataset.", name, rec.foreign))
	}
}

// lookupFailure explains a lookup that could not tell what is on the
// platform. During a refresh it is a warning, never a change; an import
// cannot go on without it.
func lookupFailure(err error, importing bool) diag.Diagnostics {
	var diags diag.Diagnostics
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && (apiErr.StatusCode == 401 || apiErr.StatusCode == 403) {
		diags.AddError(apiErr.Summary(), apiErr.Error())
		return diags
	}
	if importing {
		diags.AddError("Unable to look up the dataset to import", err.Error())
		return diags
	}
	what := "The dataset lookup failed"
	if errors.Is(err, client.ErrLookupUnavailable) {
		what = "The API does not offer the dataset lookup (POST /api/v1/dataset/name)"
	}
	diags.AddWarning("Unable to compare state with the platform",
		what+", so rows deleted or added on the platform cannot be detected; state is kept as it is and nothing is uploaded again because of it.\n\n"+err.Error())
	return diags
}

// reconciled is state brought in line with the platform.
type reconciled struct {
	ids      []types.String
	entries  []ledger.Entry
	released []string
	gone     int // rows in state no longer on the platform
	foreign  int // rows on the platform that Terraform does not track
	// unchanged is true when state and ledger are to stay exactly as they
	// are; ids and entries are then not built.
	unchanged bool
}

// idColumn keeps many short strings in one growing text: at 700,000 rows the
// ids take 27 MB of text and 5.6 MB of offsets, instead of an allocation and
// a header per id. Strings returned by at share the text and stay valid.
type idColumn struct {
	text strings.Builder
	ends []int
}

func (c *idColumn) add(s string) {
	c.text.WriteString(s)
	c.ends = append(c.ends, c.text.Len())
}

func (c *idColumn) len() int { return len(c.ends) }

func (c *idColumn) at(i int) string {
	start := 0
	if i > 0 {
		start = c.ends[i-1]
	}
	return c.text.String()[start:c.ends[i]]
}

// remoteRows is what a refresh keeps of the platform's rows: their ids and
// match keys, not their text, so that memory stays small for large datasets.
type remoteRows struct {
	datasetID string
	ids       idColumn
	dbIDs     idColumn // "" where the lookup gave none
	keys      []dataset.Digest

	fp   dataset.Fingerprinter
	conv []dataset.Message
}

// expect sizes the columns for about n rows of ids like those in sample.
func (r *remoteRows) expect(n int, sample []types.String) {
	if n <= 0 || len(sample) == 0 {
		return
	}
	n = min(n, maxRowsHint)
	width := len(sample[0].ValueString()) + 1
	// The lookup returns a db_id beside each id; it is about as long.
	for _, c := range []*idColumn{&r.ids, &r.dbIDs} {
		c.text.Grow(n * width)
		c.ends = make([]int, 0, n)
	}
	r.keys = make([]dataset.Digest, 0, n)
}

func (r *remoteRows) add(a *client.Annotation) error {
	r.conv = r.conv[:0]
	for _, m := range a.ConvPrefix {
		r.conv = append(r.conv, dataset.Message{Role: m.Role, Content: m.Content})
	}
	r.ids.add(a.ID)
	r.dbIDs.add(a.DBID)
	r.keys = append(r.keys, r.fp.MatchKeyOf(r.conv, a.Response, a.GroundTruth))
	return nil
}

// adopt takes every row of the platform's dataset into state, as an import
// does. The lookup does not return context nor the response's role, so the
// entries carry only the match key; the first apply fills in full digests.
func adopt(remote *remoteRows) *reconciled {
	rec := &reconciled{}
	for i := range remote.ids.len() {
		rec.ids = append(rec.ids, types.StringValue(remote.ids.at(i)))
		rec.entries = append(rec.entries, ledger.Entry{Key: remote.keys[i]})
	}
	return rec
}

// remoteIndex finds a platform row by the id state holds for it. State lists
// rows in upload order and the lookup returns them in the same order, so it
// first tries the row after the last one found; only ids out of that order
// (rows deleted on the platform or removed from the source in between) build
// the maps, which cost about 50 bytes a row.
type remoteIndex struct {
	remote *remoteRows
	next   int
	byID   map[string]int
	byDBID map[string]int
}

// lookAhead is how many rows the index skips in order before it builds maps.
const lookAhead = 8

func (x *remoteIndex) find(id string) (int, bool) {
	ids := &x.remote.ids
	for i := x.next; i < min(x.next+lookAhead, ids.len()); i++ {
		if ids.at(i) == id {
			x.next = i + 1
			return i, true
		}
	}
	if x.byID == nil {
		x.byID = make(map[string]int, ids.len())
		for i := range ids.len() {
			x.byID[ids.at(i)] = i
		}
	}
	if i, ok := x.byID[id]; ok {
		x.next = i + 1
		return i, true
	}
	// The lookup's db_id is consulted only for ids it does not know by id.
	if x.byDBID == nil {
		x.byDBID = make(map[string]int)
		for i := range x.remote.dbIDs.len() {
			if dbID := x.remote.dbIDs.at(i); dbID != "" {
				x.byDBID[dbID] = i
			}
		}
	}
	i, ok := x.byDBID[id]
	return i, ok
}

// reconcile drops from state the rows whose ids the platform no longer has,
// fills in ids the upload did not return by matching content, and counts rows
// that are on the platform but not tracked.
func reconcile(remote *remoteRows, ids []types.String, led *ledger.Ledger) *reconciled {
	index := &remoteIndex{remote: remote}
	claimed := make([]bool, remote.ids.len())
	rec := &reconciled{}
	ledgerFits := len(led.Rows) == len(ids)
	keep := make([]bool, len(ids))
	nulls := 0
	for k, id := range ids {
		if id.IsNull() || id.IsUnknown() {
			keep[k] = true
			nulls++
			continue
		}
		i, ok := index.find(id.ValueString())
		if !ok {
			rec.gone++
			continue
		}
		keep[k] = true
		claimed[i] = true
	}
	for _, id := range led.Released {
		if i, ok := index.find(id); ok {
			claimed[i] = true
			rec.released = append(rec.released, id)
		}
	}
	for _, c := range claimed {
		if !c {
			rec.foreign++
		}
	}
	// Rows whose ids are null may be filled in below; everything else left
	// as it was means state and ledger stay exactly as they are.
	if rec.gone == 0 && nulls == 0 && ledgerFits && len(rec.released) == len(led.Released) {
		rec.unchanged = true
		return rec
	}

	entries := make([]ledger.Entry, len(ids))
	if ledgerFits {
		copy(entries, led.Rows)
	} else {
		// No usable ledger (state written by hand or damaged): rebuild it
		// from what the platform shows of each row.
		for k, id := range ids {
			if keep[k] && !id.IsNull() && !id.IsUnknown() {
				i, _ := index.find(id.ValueString())
				entries[k] = ledger.Entry{Key: remote.keys[i]}
			}
		}
	}
	// Rows recorded without an id (the API answered without ids): find them
	// on the platform by content among the rows nobody claims.
	var unclaimed map[dataset.Digest][]int
	for k, id := range ids {
		if !id.IsNull() || !keep[k] {
			continue
		}
		if unclaimed == nil {
			unclaimed = make(map[dataset.Digest][]int)
			for i, c := range claimed {
				if !c {
					unclaimed[remote.keys[i]] = append(unclaimed[remote.keys[i]], i)
				}
			}
		}
		key := entries[k].Key
		if q := unclaimed[key]; len(q) > 0 {
			ids[k] = types.StringValue(remote.ids.at(q[0]))
			claimed[q[0]] = true
			rec.foreign--
			unclaimed[key] = q[1:]
			if entries[k].Digest != (dataset.Digest{}) {
				// Known by id now, the row needs no key (ledger.EntryFor).
				entries[k].Key = dataset.Digest{}
			}
		}
	}
	for k := range ids {
		if keep[k] {
			rec.ids = append(rec.ids, ids[k])
			rec.entries = append(rec.entries, entries[k])
		}
	}
	return rec
}
