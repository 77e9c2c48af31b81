package provider

import (
	"path/filepath"
	"testing"

	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
)

// TestExampleDataFilesAreValid: the data files the docs show are valid
// sources without a warning, and the JSON and CSV samples hold the same rows
// (the same content hash, as the docs say of equal rows in any format).
func TestExampleDataFilesAreValid(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", "*", "*", "data", "*"))
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*", "data", "*"))
	parts, _ := filepath.Glob(filepath.Join("..", "..", "examples", "generated-file", "parts", "*"))
	files = append(append(files, more...), parts...)
	if len(files) < 5 {
		t.Fatalf("found only %v", files)
	}
	sums := map[string][32]byte{}
	for _, f := range files {
		sum, err := dataset.ScanFile(f, f, nil)
		if err != nil || len(sum.Problems) != 0 {
			t.Errorf("%s: %v %v", f, err, sum.Problems)
		}
		sums[filepath.Base(f)] = sum.SHA256
	}
	if sums["support-eval.json"] != sums["support-eval.csv"] {
		t.Error("support-eval.json and support-eval.csv hold different rows")
	}
}
