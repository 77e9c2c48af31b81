package provider

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
	"github.com/collinear-ai/terraform-provider-collinear/internal/rowsync"
	"github.com/collinear-ai/terraform-provider-collinear/internal/upload"
)

// source is the configured rows: a file read as a stream, or inline rows.
type source struct {
	file string        // as the user wrote it; "" for inline rows
	rows []dataset.Row // inline rows
	// rowsHint is how many rows the source is expected to hold (the planned
	// or prior row count), to size the fingerprints in one allocation
	// instead of growing them by copying; 0 when not known.
	rowsHint int
}

// expectRows sets rowsHint from a row count attribute when it is known.
func (s *source) expectRows(count types.Int64) {
	if !count.IsNull() && !count.IsUnknown() && count.ValueInt64() > 0 {
		s.rowsHint = int(min(count.ValueInt64(), rowsync.MaxRowsHint))
	}
}

// checked is what one pass over a valid source yields: enough to plan and to
// check at apply that the source still is what was planned, without keeping
// the rows themselves.
type checked struct {
	summary      *dataset.Summary
	fingerprints []rowsync.Fingerprint
	// fromPlan is true when the fingerprints are the plan's (plannedCheck),
	// not a read of the source made now.
	fromPlan bool
}

func (c *checked) contentSHA256() string { return c.summary.ContentSHA256() }

// sourceOf reads the source from a plan. known is false when the file path or
// some inline value is not known yet (it comes from another resource).
func sourceOf(ctx context.Context, m *datasetModel) (src *source, known bool, diags diag.Diagnostics) {
	switch {
	case m.File.IsUnknown() || m.Rows.IsUnknown():
		return nil, false, nil
	case !m.File.IsNull():
		return &source{file: m.File.ValueString()}, true, nil
	case !m.Rows.IsNull():
		v, err := m.Rows.ToTerraformValue(ctx)
		if err != nil {
			diags.AddAttributeError(path.Root("rows"), "Unable to read rows", err.Error())
			return nil, false, diags
		}
		if !v.IsFullyKnown() {
			return nil, false, nil
		}
		var rows []rowModel
		diags.Append(m.Rows.ElementsAs(ctx, &rows, false)...)
		if diags.HasError() {
			return nil, false, diags
		}
		return &source{rows: inlineRows(rows)}, true, diags
	default:
		// ExactlyOneOf reports this case with its own error.
		return nil, false, nil
	}
}

func inlineRows(rows []rowModel) []dataset.Row {
	out := make([]dataset.Row, len(rows))
	for i, r := range rows {
		conv := make([]dataset.Message, len(r.ConvPrefix))
		for j, m := range r.ConvPrefix {
			conv[j] = dataset.Message{Role: m.Role.ValueString(), Content: m.Content.ValueString()}
		}
		out[i] = dataset.Row{
			ConvPrefix: conv,
			Response:   dataset.Message{Role: r.Response.Role.ValueString(), Content: r.Response.Content.ValueString()},
		}
		if !r.GroundTruth.IsNull() {
			v := r.GroundTruth.ValueInt64()
			out[i].GroundTruth = &v
		}
		if !r.Context.IsNull() {
			v := r.Context.ValueString()
			out[i].Context = &v
		}
	}
	return out
}

// check reads the whole source once, validates it and fingerprints each row:
// its digest always, and for a file its match key only when withKeys is set,
// since the key serves only to pair rows with rows known by key (imported or
// found on the platform) or whose id is not known (see
// rowsync.Record.NeedsKeys); inline rows, in memory, always get theirs. capture,
// when not nil, keeps the preview of rows the plan may upload.
func (s *source) check(withKeys bool, capture *previewCapture) (*checked, diag.Diagnostics) {
	c := &checked{fingerprints: make([]rowsync.Fingerprint, 0, s.rowsHint)}
	var fp dataset.Fingerprinter
	if s.file != "" {
		summary, err := dataset.ScanFileCanonical(s.file, s.file, func(r dataset.ScannedRow) error {
			f := rowsync.Fingerprint{Digest: dataset.DigestOfCanonical(r.Canonical)}
			if withKeys {
				f.Key = fp.MatchKey(r.Row())
			}
			c.fingerprints = append(c.fingerprints, f)
			capture.offer(r, f.Digest)
			return nil
		})
		if err != nil {
			var diags diag.Diagnostics
			diags.AddAttributeError(path.Root("file"), "Unable to read rows file", err.Error())
			return nil, diags
		}
		c.summary = summary
	} else {
		c.summary = dataset.CheckRows(s.rows)
		c.fingerprints = make([]rowsync.Fingerprint, len(s.rows))
		for i := range s.rows {
			c.fingerprints[i] = rowsync.Fingerprint{Digest: fp.Digest(&s.rows[i]), Key: fp.MatchKey(&s.rows[i])}
		}
	}
	diags := s.problemDiagnostics(c.summary.Problems)
	if diags.HasError() {
		return nil, diags
	}
	return c, diags
}

// addKeys computes the match keys of rows checked without them, reading the
// source again: only a create over a dataset that already holds rows needs
// them (to adopt those rows), so a create does not pay for them up front. The
// source must still be the one checked.
func (s *source) addKeys(c *checked) error {
	if s.file == "" {
		return nil // inline rows are checked with their keys
	}
	var fp dataset.Fingerprinter
	_, err := dataset.ScanFileCanonical(s.file, s.file, func(r dataset.ScannedRow) error {
		if r.Index >= len(c.fingerprints) || dataset.DigestOfCanonical(r.Canonical) != c.fingerprints[r.Index].Digest {
			return fmt.Errorf("%w: row %d differs from the row checked before", upload.ErrSourceChanged, r.Index+1)
		}
		c.fingerprints[r.Index].Key = fp.MatchKey(r.Row())
		return nil
	})
	return err
}

// problemDiagnostics turns source problems into diagnostics, one each: on
// `file` for a file; for inline rows, on the exact nested attribute when the
// problem is about one row, so that Terraform points at the offending line of
// configuration, else (a warning listing several rows) on `rows`. The scan
// gives one warning per kind, so no two warnings share a summary, which
// Terraform would fold into one.
func (s *source) problemDiagnostics(problems []dataset.Problem) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, p := range problems {
		at := path.Root("file")
		if s.file == "" {
			at = path.Root("rows")
			if p.Row > 0 {
				at = fieldPath(at.AtListIndex(p.Row-1), p.Field)
			}
		}
		detail := p.Error()
		if p.Summary == dataset.FileNotFound {
			detail += "\n\n" + fileWrittenByApplyHint
		}
		if p.Severity == dataset.SeverityWarning {
			diags.AddAttributeWarning(at, p.Summary, detail)
		} else {
			diags.AddAttributeError(at, p.Summary, detail)
		}
	}
	return diags
}

// fileWrittenByApplyHint says what to do when the file is written by
// another resource during the apply: at plan it does not exist yet.
const fileWrittenByApplyHint = "The provider reads the file at every plan. If another resource of this configuration writes it during the apply, take the path from an attribute of that resource that is known only after apply (for example file = terraform_data.eval_file.output): the file is then read and checked during the apply, once written, and before anything is sent. If that resource must write it again at every run (a fresh checkout), give it triggers_replace = timestamp(). See \"Files written during the apply\" in the collinear_dataset documentation."

// fieldPath appends a field such as "conv_prefix[2].content" to p.
func fieldPath(p path.Path, field string) path.Path {
	for _, part := range strings.Split(field, ".") {
		if part == "" {
			continue
		}
		name, rest, _ := strings.Cut(part, "[")
		if name != "" {
			p = p.AtName(name)
		}
		for rest != "" {
			idx, after, ok := strings.Cut(rest, "]")
			if !ok {
				break
			}
			if n, err := strconv.Atoi(idx); err == nil {
				p = p.AtListIndex(n)
			}
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return p
}

// errStopScan ends a scan of the source that has read what it needs.
var errStopScan = errors.New("stop")

// rowsToSend yields the rows whose indexes are marked in send, in source
// order, reading the file again as a stream. Each carries the digest taken by
// check, so the upload stops if the file changed in between. finished tells,
// after the sequence ended, whether the read was whole and still the checked
// source: an error wrapping upload.ErrSourceChanged that says why not (the
// file became unreadable, invalid or longer, or, when the digests came from
// the plan, its whole content is no longer the planned one).
func (s *source) rowsToSend(c *checked, send []bool) (rows iter.Seq[upload.Row], finished func() error) {
	var why error
	seq := func(yield func(upload.Row) bool) {
		if s.file == "" {
			for i := range s.rows {
				if send[i] && !yield(upload.Row{Index: i, Digest: c.fingerprints[i].Digest, Row: &s.rows[i]}) {
					return
				}
			}
			return
		}
		summary, err := dataset.ScanFileCanonical(s.file, s.file, func(r dataset.ScannedRow) error {
			i := r.Index
			if i >= len(send) {
				return fmt.Errorf("it now has more than the %d rows planned", len(send))
			}
			if send[i] && !yield(upload.Row{Index: i, Digest: c.fingerprints[i].Digest, Row: r.Row(), Canonical: r.Canonical}) {
				return errStopScan
			}
			return nil
		})
		why = readProblem(summary, err, c)
	}
	return seq, func() error {
		if why != nil {
			return fmt.Errorf("%w: %v", upload.ErrSourceChanged, why)
		}
		return nil
	}
}

// readProblem says why a read of the file for sending does not stand for
// the checked source, or nil when it does.
func readProblem(summary *dataset.Summary, err error, c *checked) error {
	switch {
	case errors.Is(err, errStopScan):
		return nil
	case err != nil:
		return err
	case summary.HasErrors():
		for _, p := range summary.Problems {
			if p.Severity == dataset.SeverityError {
				return p
			}
		}
	case c.fromPlan && summary.SHA256 != c.summary.SHA256:
		// The rows sent matched the plan one by one; the rows kept must
		// still be the planned ones too.
		return fmt.Errorf("the file no longer has the planned content (SHA-256 %s); the planned rows that were new are on the platform, and the next plan shows what changed", c.contentSHA256())
	}
	return nil
}
