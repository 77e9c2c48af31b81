package provider

import (
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
	"github.com/collinear-ai/terraform-provider-collinear/internal/rowsync"
)

const (
	// defaultPreviewRows is how many rows upload_preview shows when
	// preview_rows is not set.
	defaultPreviewRows = 20
	// previewWidth is how many characters of a turn a preview line shows.
	previewWidth = 60
)

// previewLimit is how many rows a plan previews; 0 turns the preview off.
func (m *datasetModel) previewLimit() int {
	if m.PreviewRows.IsNull() || m.PreviewRows.IsUnknown() {
		return defaultPreviewRows
	}
	return int(m.PreviewRows.ValueInt64())
}

// previewCapture keeps, while check reads the source, the preview of the rows
// an apply may upload: those not at their recorded place (all of them at a
// create). It keeps at most limit of them, so that a plan of a large source
// holds a few short strings; a plan that needs others reads them again.
type previewCapture struct {
	limit    int
	recorded []rowsync.Row // the prior record's rows, by position
	rows     map[int]previewRow
}

type previewRow struct {
	line int // 0 for inline rows
	text string
}

func newPreviewCapture(limit int, rec *rowsync.Record) *previewCapture {
	if limit <= 0 {
		return nil
	}
	return &previewCapture{limit: limit, recorded: rec.Rows, rows: make(map[int]previewRow, limit)}
}

// offer looks at one row as the scan reads it.
func (p *previewCapture) offer(r dataset.ScannedRow, digest dataset.Digest) {
	if p == nil || len(p.rows) >= p.limit {
		return
	}
	if r.Index < len(p.recorded) && p.recorded[r.Index].Digest == digest {
		return
	}
	p.rows[r.Index] = previewRow{line: r.Line, text: dataset.Preview(r.Row(), previewWidth)}
}

// uploadPreview is upload_preview for a plan: one line for each row the
// apply may upload (the first limit of them), then how many more. It is
// null when the apply uploads nothing or the preview is off.
func (s *source) uploadPreview(p *rowsync.Plan, capture *previewCapture) (types.List, error) {
	if capture == nil {
		return types.ListNull(types.StringType), nil
	}
	total := p.ToSend + p.InDoubt
	if total == 0 {
		return types.ListNull(types.StringType), nil
	}
	var shown []int
	for i, d := range p.Decisions {
		if len(shown) == capture.limit {
			break
		}
		if d == rowsync.Send || d == rowsync.Settle {
			shown = append(shown, i)
		}
	}
	if err := s.readPreviews(shown, capture); err != nil {
		return types.ListNull(types.StringType), err
	}
	lines := make([]types.String, 0, len(shown)+1)
	for _, i := range shown {
		lines = append(lines, types.StringValue(previewLine(i, capture.rows[i], p)))
	}
	if more := total - len(shown); more > 0 {
		lines = append(lines, types.StringValue(fmt.Sprintf("... and %d more row(s)", more)))
	}
	return stringList(lines), nil
}

// readPreviews fills in the previews of the rows in want that the scan did
// not keep.
func (s *source) readPreviews(want []int, capture *previewCapture) error {
	missing := make(map[int]bool)
	for _, i := range want {
		if _, ok := capture.rows[i]; !ok {
			missing[i] = true
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if s.file == "" {
		for i := range missing {
			capture.rows[i] = previewRow{text: dataset.Preview(&s.rows[i], previewWidth)}
		}
		return nil
	}
	_, err := dataset.ScanFileCanonical(s.file, s.file, func(r dataset.ScannedRow) error {
		if missing[r.Index] {
			capture.rows[r.Index] = previewRow{line: r.Line, text: dataset.Preview(r.Row(), previewWidth)}
			delete(missing, r.Index)
		}
		if len(missing) == 0 {
			return errStopScan
		}
		return nil
	})
	if errors.Is(err, errStopScan) {
		return nil
	}
	return err
}

// previewLine is the line of source row i: where it is, what happens to it,
// and what it says.
func previewLine(i int, r previewRow, p *rowsync.Plan) string {
	where := fmt.Sprintf("row %d", i+1)
	if r.line > 0 {
		where += fmt.Sprintf(" (line %d)", r.line)
	}
	switch {
	case p.Decisions[i] == rowsync.Settle:
		where += ", in doubt: sent only if not found on the platform"
	case p.Replaces(i):
		where += ", edited: a new row; the old version stays on the platform"
	}
	return where + ": " + r.text
}
