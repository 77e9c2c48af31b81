package dataset

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// maxFuzzInput bounds what a fuzz input may be, so memory stays bounded.
const maxFuzzInput = 64 << 10

func FuzzScanJSON(f *testing.F) {
	f.Add([]byte(sampleJSON))
	f.Fuzz(func(t *testing.T, data []byte) { checkScan(t, FormatJSON, data) })
}

func FuzzScanJSONL(f *testing.F) {
	f.Add([]byte(sampleJSONL))
	f.Fuzz(func(t *testing.T, data []byte) { checkScan(t, FormatJSONL, data) })
}

func FuzzScanCSV(f *testing.F) {
	f.Add([]byte(sampleCSV))
	f.Fuzz(func(t *testing.T, data []byte) { checkScan(t, FormatCSV, data) })
}

// checkScan scans data and checks what must hold of any input: no panic,
// bounded problems on one line each, and, for a valid source, one fn call per
// row and a canonical array that scans as JSON to the same rows and SHA-256.
func checkScan(t *testing.T, format Format, data []byte) {
	if len(data) > maxFuzzInput {
		data = data[:maxFuzzInput] // keep memory bounded; the prefix is an input too
	}
	var rows []Row
	lastLine := 0
	sum, err := scan(bytes.NewReader(data), format, "f", func(r ScannedRow) error {
		if r.Index != len(rows) {
			t.Fatalf("fn index %d, want %d", r.Index, len(rows))
		}
		// Rows start on lines of the file, in order.
		if r.Line < 1 || r.Line < lastLine || (format == FormatJSONL && r.Line == lastLine) {
			t.Fatalf("row %d: line %d after line %d", r.Index, r.Line, lastLine)
		}
		lastLine = r.Line
		// The canonical JSON handed over is what encoding the row gives.
		if want := r.Row().AppendCanonical(nil); !bytes.Equal(r.Canonical, want) {
			t.Fatalf("row %d: canonical %s, want %s", r.Index, r.Canonical, want)
		}
		rows = append(rows, *r.Row())
		return nil
	})
	if err != nil {
		t.Fatalf("Scan returned %v without a failing fn", err)
	}
	checkProblemsBounded(t, sum.Problems)
	// Reads of 1 to 11 bytes put every token across a buffer refill
	// somewhere; the result must not depend on how the input arrives.
	chunked, err := Scan(&chunkReader{data: data}, format, "f", nil)
	if err != nil || chunked.Rows != sum.Rows || chunked.SHA256 != sum.SHA256 || !reflect.DeepEqual(chunked.Problems, sum.Problems) {
		t.Fatalf("reading in small chunks changes the result:\n whole: %d rows%s\n chunks: %d rows%s",
			sum.Rows, describe(sum.Problems), chunked.Rows, describe(chunked.Problems))
	}
	checkAgainstEncodingJSON(t, format, data, sum, rows)
	if sum.HasErrors() {
		if sum.SHA256 != [32]byte{} {
			t.Fatalf("SHA256 set despite errors")
		}
		return
	}
	// No byte is changed on the way: an accepted source is UTF-8 throughout.
	if !utf8.Valid(data) {
		t.Fatalf("the scan accepted a source that is not UTF-8")
	}
	if sum.Rows != len(rows) || sum.Rows == 0 {
		t.Fatalf("Rows = %d but fn was called %d times", sum.Rows, len(rows))
	}
	var canon bytes.Buffer
	w := NewArrayWriter(&canon)
	for i := range rows {
		if err := w.Write(&rows[i]); err != nil {
			t.Fatalf("writing the canonical array: %v", err)
		}
	}
	w.Close()
	if w.SHA256() != sum.SHA256 {
		t.Fatalf("SHA256 is not that of the canonical array of the rows fn got")
	}
	again, err := Scan(bytes.NewReader(canon.Bytes()), FormatJSON, "canonical", nil)
	if err != nil || again.HasErrors() || again.Rows != sum.Rows || again.SHA256 != sum.SHA256 {
		t.Fatalf("re-scanning the canonical array: rows %d, problems %s\n%s", again.Rows, describe(again.Problems), canon.Bytes())
	}
	if rows2 := CheckRows(rows); rows2.SHA256 != sum.SHA256 {
		t.Fatalf("CheckRows of the same rows gives another SHA256")
	}
}

// checkAgainstEncodingJSON holds the JSON and JSONL scanners to encoding/json:
// input encoding/json rejects must be reported as an error, and rows the
// scanner accepts must be the rows encoding/json decodes, schema applied.
func checkAgainstEncodingJSON(t *testing.T, format Format, data []byte, sum *Summary, rows []Row) {
	t.Helper()
	var array []byte
	switch format {
	case FormatJSON:
		array = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
		if !json.Valid(array) && !sum.HasErrors() {
			t.Fatalf("encoding/json rejects the input but the scan found no error")
		}
	case FormatJSONL:
		var valid bool
		if array, valid = jsonlAsArray(data); !valid && !sum.HasErrors() {
			t.Fatalf("encoding/json rejects a line but the scan found no error")
		}
	default:
		return
	}
	if sum.HasErrors() {
		return
	}
	want, err := referenceRows(array)
	if err != nil {
		t.Fatalf("the scan accepted the input but encoding/json with the schema does not: %v", err)
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("rows differ from encoding/json's:\n got %s\nwant %s", dump(rows), dump(want))
	}
}

// checkProblemsBounded checks what must hold of the problems of any scan:
// at most MaxErrors errors and one more saying the scan stopped, each on one
// line; at most one warning per kind (no two share a summary, which
// Terraform would fold), each listing a bounded number of places, one per
// line.
func checkProblemsBounded(t *testing.T, problems []Problem) {
	t.Helper()
	errs := 0
	summaries := map[string]bool{}
	for _, p := range problems {
		text := p.Error()
		if strings.Contains(text, "\r") {
			t.Fatalf("problem holds a carriage return: %q", text)
		}
		if p.Severity == SeverityError {
			errs++
			if strings.Contains(text, "\n") {
				t.Fatalf("error is not one line: %q", text)
			}
			continue
		}
		if summaries[p.Summary] {
			t.Fatalf("two warnings with the summary %q", p.Summary)
		}
		summaries[p.Summary] = true
		if lines := strings.Count(text, "\n") + 1; lines > MaxListedKeys+2 {
			t.Fatalf("warning of %d lines: %q", lines, text)
		}
	}
	if errs > MaxErrors+1 || len(summaries) > int(numWarningKinds) {
		t.Fatalf("%d errors, %d warnings: not bounded", errs, len(summaries))
	}
}

// chunkReader returns its data in reads of 1, 2, ... 11 bytes in turn.
type chunkReader struct {
	data []byte
	n    int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	c.n = c.n%11 + 1
	k := copy(p, c.data[:min(c.n, len(c.data))])
	c.data = c.data[k:]
	return k, nil
}
