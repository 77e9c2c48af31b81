package dataset

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Summary is what one pass over a source yields.
type Summary struct {
	Rows     int      // number of rows; when the scan stopped at MaxErrors, the rows read until then
	SHA256   [32]byte // SHA-256 of the canonical JSON array of all rows: "[" row1 "," row2 ... "]"; zero when there are errors
	Problems []Problem
}

// ContentSHA256 is SHA256 in hexadecimal, as content_sha256 shows it.
func (s *Summary) ContentSHA256() string { return hex.EncodeToString(s.SHA256[:]) }

// HasErrors reports whether any problem is an error.
func (s *Summary) HasErrors() bool {
	for i := range s.Problems {
		if s.Problems[i].Severity == SeverityError {
			return true
		}
	}
	return false
}

// RowFunc is called for each valid row in source order with its 0-based index.
// row is only valid during the call: the Row it points to is reused. Its
// strings, slices and pointers are not, so a copy of the value (*row) may be
// kept. Returning an error stops the scan and Scan returns that error.
type RowFunc func(index int, row *Row) error

// ScannedRow is one valid row as a scan hands it on. It is only valid during
// the call it is handed to.
type ScannedRow struct {
	Index int // 0-based position in the source
	Line  int // 1-based line of the file where the row starts; 0 for inline rows
	// Canonical is the row's canonical JSON (see Row.AppendCanonical), which
	// the scan encodes anyway to hash the source: a caller that needs it,
	// for a digest or a request body, need not encode the row again.
	Canonical []byte

	row *lazyRow
}

// Row returns the row. It is made at the first call for a row, so that a
// caller that needs only Canonical does not pay for it; later calls during
// the same call of the function return the same Row. The Row it points to
// is reused. Its strings, slices and pointers are not, so a copy of the
// value (*Row) may be kept.
func (r ScannedRow) Row() *Row { return r.row.get() }

// lazyRow is the row being handed on, made from its source when asked for.
type lazyRow struct {
	src rowSource
	row *Row
}

func (l *lazyRow) get() *Row {
	if l.row == nil {
		l.row = l.src.build()
	}
	return l.row
}

// CanonicalRowFunc is called for each valid row in source order, with its
// position, line and canonical JSON. Returning an error stops the scan and
// the scan returns that error.
type CanonicalRowFunc func(ScannedRow) error

// withCanonical adapts a RowFunc.
func (fn RowFunc) withCanonical() CanonicalRowFunc {
	if fn == nil {
		return nil
	}
	return func(r ScannedRow) error { return fn(r.Index, r.Row()) }
}

// ScanFile reads the file at path once, as a stream, validates every row, and
// calls fn (which may be nil) for each row. name is how problems name the file
// (the path as the user wrote it). I/O errors (missing, unreadable) are
// returned as a Problem in Summary with Row 0, not as error; error is only
// what fn returned. Once a row has an error, fn is no longer called but the
// scan goes on to report up to MaxErrors errors.
func ScanFile(path, name string, fn RowFunc) (*Summary, error) {
	return ScanFileCanonical(path, name, fn.withCanonical())
}

// ScanFileCanonical is ScanFile for a function that also takes each row's
// line and canonical JSON.
func ScanFileCanonical(path, name string, fn CanonicalRowFunc) (*Summary, error) {
	format, err := FormatOf(name)
	if err != nil {
		return fileProblem(name, "Unsupported file format", err.Error()), nil
	}
	f, err := os.Open(path)
	if err != nil {
		summary := "Cannot read file"
		if errors.Is(err, fs.ErrNotExist) {
			summary = FileNotFound
		}
		return fileProblem(name, summary, describeOpenError(path, err)), nil
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return fileProblem(name, "Cannot read file", fmt.Sprintf("cannot read %q: it is a directory, not a file", path)), nil
	}
	return scan(f, format, name, fn)
}

// FileNotFound is the Summary of the Problem about a file that does not
// exist, for callers that know more about why it may be missing.
const FileNotFound = "File not found"

func describeOpenError(path string, err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("cannot read %q: no such file; paths are relative to the directory Terraform runs in, use path.module for files next to the configuration", path)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("cannot read %q: permission denied", path)
	}
	return fmt.Sprintf("cannot read %q: %v", path, err)
}

func fileProblem(name, summary, detail string) *Summary {
	return &Summary{Problems: []Problem{{Severity: SeverityError, File: name, Summary: summary, Detail: detail}}}
}

// Scan is ScanFile over a reader of a known format.
func Scan(r io.Reader, format Format, name string, fn RowFunc) (*Summary, error) {
	return scan(r, format, name, fn.withCanonical())
}

func scan(r io.Reader, format Format, name string, fn CanonicalRowFunc) (*Summary, error) {
	s := newScanner(name, fn)
	switch format {
	case FormatJSON:
		scanJSON(newLexer(r, false), s)
	case FormatJSONL:
		scanJSONL(newLexer(r, true), s)
	case FormatCSV:
		scanCSV(r, s)
	default:
		// A caller's mistake, but reported like every other problem: the
		// error result is reserved for what fn returns.
		return fileProblem(name, "Unsupported file format", fmt.Sprintf("cannot read %v: the supported formats are JSON, JSONL and CSV", format)), nil
	}
	return s.finish("the file has no rows: add at least one row"), s.fnErr
}

// scanner is what every format shares: the problems found, the count of
// rows, and the canonical array being hashed.
type scanner struct {
	c     collector
	fn    CanonicalRowFunc
	cur   lazyRow      // the row handed to fn
	out   *ArrayWriter // hashes the canonical array; its destination is nil
	rows  int          // rows seen, valid or not
	fnErr error        // what fn returned (or the hashing writer's error, not expected)
}

func newScanner(name string, fn CanonicalRowFunc) *scanner {
	return &scanner{c: collector{file: name}, fn: fn, out: NewArrayWriter(nil)}
}

// stopped reports whether the scan must end: too many errors, or fn failed.
func (s *scanner) stopped() bool { return s.c.full() || s.fnErr != nil }

// failed reports whether any error was found; from then on rows are only
// checked, not hashed nor handed to fn.
func (s *scanner) failed() bool { return s.c.errors > 0 }

// canonicalEncoder appends a row's canonical JSON.
type canonicalEncoder interface {
	appendCanonical(dst []byte) []byte
}

// rowSource is a checked row as a format holds it: it encodes the row's
// canonical JSON, and makes the Row handed to fn only when fn asks for it
// (ScannedRow.Row).
type rowSource interface {
	canonicalEncoder
	build() *Row
}

// ownedRow holds, in one allocation, what a Row handed to fn points to.
type ownedRow struct {
	gt   int64
	ctx  string
	msgs [3]Message // conv_prefix when it has at most 3 turns
}

func (r *Row) appendCanonical(dst []byte) []byte { return r.AppendCanonical(dst) }
func (r *Row) build() *Row                       { return r }

// accept hashes a row whose checks are done (its canonical form written by
// src) and hands it to fn, unless the source already has an error.
func (s *scanner) accept(src rowSource, row, line int) {
	if s.failed() {
		return
	}
	canonical, err := s.out.write(src)
	if err != nil {
		// Not expected: the writer has no destination and is closed only by
		// finish. Stop rather than plan a hash of an incomplete array.
		s.fnErr = err
		return
	}
	if s.fn != nil {
		s.cur = lazyRow{src: src}
		if err := s.fn(ScannedRow{Index: row - 1, Line: line, Canonical: canonical, row: &s.cur}); err != nil {
			s.fnErr = err
		}
		s.cur = lazyRow{}
	}
}

// readError reports an I/O error met while reading the source.
func (s *scanner) readError(err error) {
	s.c.addError(0, 0, "", "Cannot read file", fmt.Sprintf("reading the file failed: %v", err))
}

func (s *scanner) finish(noRows string) *Summary {
	if s.rows == 0 && s.c.errors == 0 {
		s.c.addError(0, 0, "", "No rows", noRows)
	}
	sum := &Summary{Rows: s.rows, Problems: s.c.finish()}
	if !sum.HasErrors() {
		s.out.Close()
		sum.SHA256 = s.out.SHA256()
	}
	return sum
}
