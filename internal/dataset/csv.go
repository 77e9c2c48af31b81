package dataset

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// The columns of a CSV file are the fields of a row (rowFields); these are
// their indexes. conv_prefix and response are plain text: the user's message
// and the assistant's reply.
const (
	colConvPrefix = iota
	colResponse
	colGroundTruth
	colContext
)

// scanCSV reads a header row and then one row per record. A CSV row is one
// user turn and the assistant's response; empty ground_truth and context
// cells mean absent. An empty context therefore cannot be written in CSV.
// The roles are fixed, so none of the checks of roles (checkRoles) applies.
func scanCSV(r io.Reader, s *scanner) {
	br := bufio.NewReaderSize(r, lexBufSize)
	if b, _ := br.Peek(3); string(b) == "\xEF\xBB\xBF" {
		if _, err := br.Discard(3); err != nil {
			s.readError(err)
			return
		}
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // counted here, to say which columns are missing
	cr.ReuseRecord = true

	col, ncol, ok := readCSVHeader(cr, s)
	if !ok {
		return
	}
	row := &csvRow{col: col}
	for !s.stopped() {
		rec, err := cr.Read()
		if err == io.EOF {
			return
		}
		s.rows++
		if err != nil {
			csvError(s, s.rows, err)
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return // a read error: nothing more can be read
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != ncol {
			s.c.addError(s.rows, line, "", "Wrong number of CSV fields",
				fmt.Sprintf("row %d has %d %s but the header has %d columns: quote fields that hold commas, quotes or line breaks", s.rows, len(rec), plural(len(rec), "field", "fields"), ncol))
			continue
		}
		if row.read(s, cr, rec, line) {
			s.accept(row, s.rows, line)
		}
	}
}

// readCSVHeader reads the header row. It returns the column of each field
// (col[colResponse] is response's; -1 when it has none) and how many columns
// there are. ok is false when there is no header or it has errors, which
// are reported.
func readCSVHeader(cr *csv.Reader, s *scanner) (col [4]int, ncol int, ok bool) {
	header, err := cr.Read()
	switch {
	case err == io.EOF:
		s.c.addError(0, 0, "", "No rows",
			"the file is empty: a CSV file needs a header row naming its columns (conv_prefix, response and optionally ground_truth, context), then one row per line")
		return col, 0, false
	case err != nil:
		csvError(s, 0, err)
		return col, 0, false
	}
	hline, _ := cr.FieldPos(0) // 1 unless blank lines come first
	col = [4]int{-1, -1, -1, -1}
	for i, name := range header {
		name = strings.TrimSpace(name)
		k := -1
		for j, known := range rowFields {
			if name == known {
				k = j
			}
		}
		near := ""
		if k < 0 {
			near = nearField(name, rowFields)
		}
		switch {
		case !utf8.ValidString(name):
			summary, detail := notUTF8(fmt.Sprintf("the header's column %d", i+1), name, csvUTF8Fix)
			s.c.addError(0, hline, "", summary, detail)
		case near != "":
			s.c.addError(0, hline, fieldName(name), "Misspelt CSV column",
				fmt.Sprintf("the header has the column %s (column %d); did you mean %s? The columns are %s", quoteShort(name), i+1, near, rowFieldList))
		case k < 0:
			s.c.addError(0, hline, fieldName(name), "Unknown CSV column",
				fmt.Sprintf("the header has the unknown column %s (column %d): the columns are %s", quoteShort(name), i+1, rowFieldList))
		case col[k] >= 0:
			s.c.addError(0, hline, fieldName(name), "Repeated CSV column",
				fmt.Sprintf("the header has the column %s twice (columns %d and %d)", name, col[k]+1, i+1))
		default:
			col[k] = i
		}
	}
	for _, k := range []int{colConvPrefix, colResponse} {
		if col[k] < 0 {
			s.c.addError(0, hline, rowFields[k], "Missing CSV column",
				fmt.Sprintf("the header has no %s column: a CSV file needs the columns conv_prefix and response, and may have ground_truth and context", rowFields[k]))
		}
	}
	return col, len(header), !s.failed()
}

// csvRow is the CSV row being read. row points into it: its ConvPrefix,
// GroundTruth and Context are turn, gt and ctx, reused from row to row. Its
// strings are the record's, which the csv.Reader does not reuse.
type csvRow struct {
	col  [4]int // the column of each field, as readCSVHeader gives it
	row  Row
	turn [1]Message
	gt   int64
	ctx  string
	out  Row // the row handed on
}

// read reads the record rec, which starts on line line and has a field for
// each column, into the row. It reports what is wrong with it and returns
// whether it is valid.
func (r *csvRow) read(s *scanner, cr *csv.Reader, rec []string, line int) bool {
	bad := false
	cell := func(k int) string {
		if r.col[k] < 0 {
			return ""
		}
		v := rec[r.col[k]]
		if !utf8.ValidString(v) {
			bad = true
			l, _ := cr.FieldPos(r.col[k])
			summary, detail := notUTF8(rowFields[k], v, csvUTF8Fix)
			s.c.addError(s.rows, l, rowFields[k], summary, detail)
			return ""
		}
		return v
	}
	prompt := cell(colConvPrefix)
	if prompt == "" && !bad {
		bad = true
		s.c.addError(s.rows, line, "conv_prefix", "Empty conv_prefix",
			"conv_prefix is empty: in CSV it holds the user's message")
	}
	r.row.GroundTruth, r.row.Context = nil, nil
	if v := strings.TrimSpace(cell(colGroundTruth)); v != "" {
		n, ok := parseInt64(v)
		switch {
		case ok:
			r.gt = n
			r.row.GroundTruth = &r.gt
		case isDecimal(v):
			bad = true
			s.c.addError(s.rows, line, "ground_truth", "Invalid ground_truth",
				fmt.Sprintf("%s, got %s, which is out of range (a 64-bit integer)", groundTruthRule, quoteShort(v)))
		default:
			bad = true
			s.c.addError(s.rows, line, "ground_truth", "Invalid ground_truth",
				fmt.Sprintf("%s, got %s", groundTruthRule, quoteShort(v)))
		}
	}
	if v := cell(colContext); v != "" {
		r.ctx = v
		r.row.Context = &r.ctx
	}
	response := cell(colResponse)
	if bad {
		return false
	}
	r.turn[0] = Message{Role: "user", Content: prompt}
	r.row.ConvPrefix = r.turn[:]
	r.row.Response = Message{Role: "assistant", Content: response}
	return true
}

func (r *csvRow) appendCanonical(dst []byte) []byte { return r.row.AppendCanonical(dst) }

// build makes the Row handed to fn. fn may keep it: its slice and pointers
// are its own.
func (r *csvRow) build() *Row {
	o := new(ownedRow)
	o.msgs[0] = r.turn[0]
	r.out = Row{ConvPrefix: o.msgs[:1:1], Response: r.row.Response}
	if r.row.GroundTruth != nil {
		o.gt = r.gt
		r.out.GroundTruth = &o.gt
	}
	if r.row.Context != nil {
		o.ctx = r.ctx
		r.out.Context = &o.ctx
	}
	return &r.out
}

// csvUTF8Fix says how to re-save a CSV file that is not UTF-8.
const csvUTF8Fix = `re-save the file as UTF-8 (in Excel: Save As, "CSV UTF-8")`

// csvError reports an error from the CSV reader.
func csvError(s *scanner, row int, err error) {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		s.readError(err)
		return
	}
	detail := fmt.Sprintf("malformed CSV at line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	if errors.Is(pe.Err, csv.ErrBareQuote) || errors.Is(pe.Err, csv.ErrQuote) {
		detail += `; a field that holds a quote must be quoted, with each quote inside doubled ("")`
	}
	s.c.addError(row, pe.StartLine, "", "Malformed CSV", detail)
}

// isDecimal reports whether v is an optional minus sign and digits.
func isDecimal(v string) bool {
	v = strings.TrimPrefix(v, "-")
	if v == "" {
		return false
	}
	for i := range len(v) {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}
