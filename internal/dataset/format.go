package dataset

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Format is a source file's format, chosen by its extension.
type Format int

const (
	FormatJSON  Format = iota // .json: one JSON array of row objects
	FormatJSONL               // .jsonl, .ndjson: one row object per line, blank lines ignored
	FormatCSV                 // .csv: header row; columns conv_prefix, response, ground_truth, context
)

func (f Format) String() string {
	switch f {
	case FormatJSON:
		return "JSON"
	case FormatJSONL:
		return "JSONL"
	case FormatCSV:
		return "CSV"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// FormatOf picks the format from the file extension (case-insensitive) or
// explains which extensions are supported.
func FormatOf(path string) (Format, error) {
	ext := filepath.Ext(path)
	switch strings.ToLower(ext) {
	case ".json":
		return FormatJSON, nil
	case ".jsonl", ".ndjson":
		return FormatJSONL, nil
	case ".csv":
		return FormatCSV, nil
	}
	const supported = "use .json (a JSON array of row objects), .jsonl or .ndjson (one row object per line) or .csv (a header row, then one row per line)"
	if ext == "" {
		return 0, fmt.Errorf("%q has no file extension to tell its format: %s", path, supported)
	}
	return 0, fmt.Errorf("%q has the unsupported extension %q: %s", path, ext, supported)
}
