package dataset

import (
	"io"
)

// Severity says whether a Problem stops the plan.
type Severity int

const (
	SeverityError Severity = iota
	SeverityWarning
)

// Problem is one finding about a source: an error that stops the plan or a
// warning. It names the file, the 1-based row and line, and the field, so the
// user can go straight to it.
type Problem struct {
	Severity Severity
	File     string // the path as the user wrote it; "" for inline rows
	Row      int    // 1-based row number; 0 when the problem is not about one row
	Line     int    // 1-based line in the file (JSONL, CSV, and JSON where known); 0 when unknown
	Field    string // e.g. "conv_prefix", "conv_prefix[2].content", "ground_truth"; "" for the whole row
	Summary  string // short, e.g. "Invalid ground_truth"
	Detail   string // what is wrong and what to do, e.g. `ground_truth must be an integer such as 0 or 1, got the string "1"; remove the quotes`
}

// Error formats the problem as one line: `file.jsonl: row 3 (line 4): ground_truth: must be ...`.
func (p Problem) Error() string { panic("not implemented") }

// Format is a source file's format, chosen by its extension.
type Format int

const (
	FormatJSON  Format = iota // .json: one JSON array of row objects
	FormatJSONL               // .jsonl, .ndjson: one row object per line, blank lines ignored
	FormatCSV                 // .csv: header row; columns conv_prefix, response, ground_truth, context
)

// FormatOf picks the format from the file extension (case-insensitive) or
// explains which extensions are supported.
func FormatOf(path string) (Format, error) { panic("not implemented") }

// MaxErrors is how many errors a scan reports before it stops looking.
const MaxErrors = 10

// Summary is what one pass over a source yields.
type Summary struct {
	Rows     int      // number of rows
	SHA256   [32]byte // SHA-256 of the canonical JSON array of all rows: "[" row1 "," row2 ... "]"
	Problems []Problem
}

// HasErrors reports whether any problem is an error.
func (s *Summary) HasErrors() bool { panic("not implemented") }

// RowFunc is called for each valid row in source order with its 0-based index.
// row is only valid during the call. Returning an error stops the scan and
// Scan returns that error.
type RowFunc func(index int, row *Row) error

// ScanFile reads the file at path once, as a stream, validates every row, and
// calls fn (which may be nil) for each row. name is how problems name the file
// (the path as the user wrote it). I/O errors (missing, unreadable) are
// returned as a Problem in Summary with Row 0, not as error; error is only
// what fn returned. Once a row has an error, fn is no longer called but the
// scan goes on to report up to MaxErrors errors.
func ScanFile(path, name string, fn RowFunc) (*Summary, error) { panic("not implemented") }

// Scan is ScanFile over a reader of a known format.
func Scan(r io.Reader, format Format, name string, fn RowFunc) (*Summary, error) {
	panic("not implemented")
}

// CheckRows validates rows given inline (already typed by Terraform's schema)
// with the same semantic checks as a file: conv_prefix empty, empty role,
// unusual role and last turn not the user's (warnings), no rows at all. It
// also fills Rows and SHA256.
func CheckRows(rows []Row) *Summary { panic("not implemented") }

// ArrayWriter writes rows as one canonical JSON array, the body the API takes.
type ArrayWriter struct{}

func NewArrayWriter(w io.Writer) *ArrayWriter { panic("not implemented") }
func (a *ArrayWriter) Write(r *Row) error     { panic("not implemented") }
func (a *ArrayWriter) Close() error           { panic("not implemented") }
