package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/collinear-ai/terraform-provider-collinear/internal/emulator"
)

// lookupAnswer is the emulator's answer to a lookup of a dataset of n rows:
// the shape the platform streams, feedback fields included.
func lookupAnswer(tb testing.TB, n int) []byte {
	const key, space, name = "bench-key", "5f0c6a9e-2b1d-4c3e-9f8a-7b6c5d4e3f2a", "bench"
	emu, err := emulator.Start(emulator.Options{APIKey: key})
	if err != nil {
		tb.Fatal(err)
	}
	defer emu.Close()
	filler := strings.Repeat("lorem ipsum ", 12)
	rows := make([]json.RawMessage, n)
	for i := range rows {
		rows[i] = json.RawMessage(fmt.Sprintf(`{"conv_prefix":[{"role":"system","content":"you are terse"},{"role":"user","content":"question %d: %s"}],"response":{"role":"assistant","content":"answer %d"},"ground_truth":%d}`, i, filler, i, i%5))
	}
	if _, err := emu.AddRows(space, name, rows...); err != nil {
		tb.Fatal(err)
	}
	req, err := http.NewRequest("POST", emu.URL()+LookupPath, strings.NewReader(fmt.Sprintf(`{"dataset_name":%q,"space_id":%q}`, name, space)))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("lookup: %d, %v", resp.StatusCode, err)
	}
	return body
}

// BenchmarkDecodeDataset measures decoding a lookup answer of 100,000
// annotations, handing each to a callback that keeps only the ids, as a
// refresh does.
func BenchmarkDecodeDataset(b *testing.B) {
	const n = 100_000
	data := lookupAnswer(b, n)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		ids := make([]string, 0, n)
		_, err := decodeDataset(bytes.NewReader(data), noRedact, func(a *Annotation) error {
			ids = append(ids, a.ID)
			return nil
		})
		if err != nil || len(ids) != n {
			b.Fatalf("%v, %d annotations", err, len(ids))
		}
	}
}
