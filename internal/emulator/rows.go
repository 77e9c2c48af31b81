package emulator

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// message is one conversation turn.
type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// parsedRow is a validated row: its stored JSON and what the lookup shows.
type parsedRow struct {
	raw         json.RawMessage
	convPrefix  []message
	response    string // the assistant's text
	groundTruth *int64
	hasID       bool // the row carries its own "id" key, which the answer overrides

	badGroundTruth json.RawMessage // a ground_truth that is not an int64, refused at insert
}

// fileError is a rejection of the uploaded file: 400 {"detail": detail}.
type fileError struct{ detail string }

func (e *fileError) Error() string { return e.detail }

func rejectf(format string, args ...any) *fileError {
	return &fileError{detail: fmt.Sprintf(format, args...)}
}

const errNewDatasetNotArray = "A new dataset must be uploaded as a JSON array of rows; CSV files are accepted only when appending to an existing dataset"

// fileFormat says how an upload's file is read.
type fileFormat int

const (
	formatJSON fileFormat = iota
	formatCSV
)

func (f fileFormat) String() string {
	if f == formatCSV {
		return "csv"
	}
	return "json"
}

// sniffFormat decides between a JSON array and CSV from the content, the way
// a permissive server does: a file that starts with '[' or '{' is JSON.
func sniffFormat(data []byte) fileFormat {
	t := bytes.TrimLeft(trimBOM(data), " \t\r\n")
	if len(t) > 0 && (t[0] == '[' || t[0] == '{') {
		return formatJSON
	}
	return formatCSV
}

func trimBOM(b []byte) []byte { return bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) }

// parseJSONRows reads a JSON array of rows. It returns the raw rows (for the
// request log) even when a row is invalid, as long as the array parses.
func parseJSONRows(data []byte) ([]json.RawMessage, []parsedRow, *fileError) {
	data = trimBOM(data)
	t := bytes.TrimLeft(data, " \t\r\n")
	if len(t) == 0 || t[0] != '[' {
		return nil, nil, rejectf("The file must be a JSON array of rows")
	}
	raws, rows, ferr := scanRows(data)
	if ferr != nil {
		return raws, nil, ferr
	}
	// The platform inserts the rows only after reading them all, so a bad
	// ground_truth surfaces as the database driver's error, without a row.
	for i := range rows {
		if err := checkGroundTruth(&rows[i]); err != nil {
			return raws, nil, err
		}
	}
	return raws, rows, nil
}

// checkGroundTruth rejects a ground_truth that is not an integer, with the
// message asyncpg raises when the platform inserts it.
func checkGroundTruth(p *parsedRow) *fileError {
	gt := p.badGroundTruth
	if gt == nil {
		return nil
	}
	if isIntegerLiteral(bytes.TrimSpace(gt)) {
		return rejectf("invalid input for query argument $4: %s (value out of int64 range)", bytes.TrimSpace(gt))
	}
	return rejectf("invalid input for query argument $4: %s (an integer is required)", pythonRepr(gt))
}

// jsonInteger parses a JSON number written as an integer that fits int64.
// Python reads 1.0 or 1e2 as a float, which the database refuses.
func jsonInteger(b []byte) (int64, bool) {
	b = bytes.TrimSpace(b)
	if !isIntegerLiteral(b) {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}

func isIntegerLiteral(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// pythonRepr renders a JSON value the way Python's repr shows it once
// decoded, as it appears in the platform's error messages.
func pythonRepr(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "None"
	}
	switch b[0] {
	case '"':
		var s string
		if json.Unmarshal(b, &s) == nil {
			if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
				return `"` + s + `"`
			}
			return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
		}
	case 't':
		return "True"
	case 'f':
		return "False"
	case 'n':
		return "None"
	}
	if b[0] == '-' || ('0' <= b[0] && b[0] <= '9') {
		if f, err := strconv.ParseFloat(string(b), 64); err == nil {
			s := strconv.FormatFloat(f, 'f', -1, 64)
			if !strings.Contains(s, ".") {
				s += ".0"
			}
			return s
		}
	}
	var buf bytes.Buffer
	if json.Compact(&buf, b) == nil {
		return buf.String()
	}
	return string(b)
}

func jsonKind(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// parseCSVRows reads CSV with the columns conv_prefix, response,
// ground_truth and context; conv_prefix and response are plain text, which
// become a user turn and the assistant's reply.
func parseCSVRows(data []byte) ([]parsedRow, *fileError) {
	r := csv.NewReader(bytes.NewReader(trimBOM(data)))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err == io.EOF {
		return nil, rejectf("The CSV file is empty: it needs a header row with conv_prefix and response")
	}
	if err != nil {
		return nil, rejectf("Invalid CSV file: %v", err)
	}
	col := map[string]int{}
	for i, name := range header {
		col[strings.TrimSpace(name)] = i
	}
	for _, need := range []string{"conv_prefix", "response"} {
		if _, ok := col[need]; !ok {
			return nil, rejectf("The CSV file is missing the required column %q (columns: conv_prefix, response, ground_truth, context)", need)
		}
	}
	field := func(rec []string, name string) (string, bool) {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return "", false
		}
		return rec[i], true
	}
	var rows []parsedRow
	var gtErr *fileError
	for line := 0; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, rejectf("Invalid CSV file: %v", err)
		}
		prefix, _ := field(rec, "conv_prefix")
		reply, _ := field(rec, "response")
		doc := csvRowDoc{
			ConvPrefix: []message{{Role: "user", Content: prefix}},
			Response:   message{Role: "assistant", Content: reply},
		}
		if gt, ok := field(rec, "ground_truth"); ok && strings.TrimSpace(gt) != "" {
			n, err := strconv.ParseInt(strings.TrimSpace(gt), 10, 64)
			if err != nil && gtErr == nil {
				gtErr = rejectf("invalid input for query argument $4: %s (an integer is required)", pythonRepr(mustJSON(gt)))
			}
			doc.GroundTruth = &n
		}
		if c, ok := field(rec, "context"); ok && c != "" {
			doc.Context = &c
		}
		rows = append(rows, parsedRow{
			raw:         mustJSON(doc),
			convPrefix:  doc.ConvPrefix,
			response:    reply,
			groundTruth: doc.GroundTruth,
		})
	}
	if gtErr != nil {
		return nil, gtErr
	}
	return rows, nil
}

// csvRowDoc is the JSON form a CSV row is stored in.
type csvRowDoc struct {
	ConvPrefix  []message `json:"conv_prefix"`
	Response    message   `json:"response"`
	GroundTruth *int64    `json:"ground_truth,omitempty"`
	Context     *string   `json:"context,omitempty"`
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
