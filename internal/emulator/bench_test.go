package emulator

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// largeFile is a JSON array of n rows of about 300 bytes each.
func largeFile(n int) []byte {
	rows := make([]string, n)
	filler := strings.Repeat("lorem ipsum ", 12)
	for i := range rows {
		rows[i] = fmt.Sprintf(`{"conv_prefix":[{"role":"system","content":"you are terse"},{"role":"user","content":"question %d: %s"}],"response":{"role":"assistant","content":"answer %d"},"ground_truth":%d,"context":"bench"}`, i, filler, i, i%5)
	}
	return jsonArray(rows...)
}

// largeUpload builds an upload of largeFile(n).
func largeUpload(b *testing.B, n int) ([]byte, string) {
	body, ct := multipartBody(b, largeFile(n), "bench", testSpace)
	return body.Bytes(), ct
}

// BenchmarkScanRows100k measures parsing an uploaded file of 100,000 rows,
// apart from the HTTP exchange around it.
func BenchmarkScanRows100k(b *testing.B) {
	data := largeFile(100_000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, rows, err := scanRows(data); err != nil || len(rows) != 100_000 {
			b.Fatalf("%d rows, %v", len(rows), err)
		}
	}
}

func benchmarkUpload(b *testing.B, shape Shape) {
	s := startServer(b, Options{Shape: shape})
	body, ct := largeUpload(b, 100_000)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Reset()
		req := newRequest(b, http.MethodPost, s.URL()+uploadPath, bytes.NewReader(body), ct, testKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || n == 0 {
			b.Fatalf("status %d, %d bytes", resp.StatusCode, n)
		}
	}
	b.StopTimer()
	if got := len(s.Rows(testSpace, "bench")); got != 100_000 {
		b.Fatalf("%d rows stored", got)
	}
}

// BenchmarkUpload100kRows measures a ~30 MB upload answered with the
// streamed rows, end to end over loopback.
func BenchmarkUpload100kRows(b *testing.B) { benchmarkUpload(b, ShapeRows) }

// BenchmarkUpload100kRowsObjectShape is the same upload answered with the
// small object: the difference is the cost of streaming the rows back.
func BenchmarkUpload100kRowsObjectShape(b *testing.B) { benchmarkUpload(b, ShapeObject) }

// BenchmarkLookup100kRows measures the lookup of a 100,000-row dataset.
func BenchmarkLookup100kRows(b *testing.B) {
	s := startServer(b, Options{Shape: ShapeObject})
	body, ct := largeUpload(b, 100_000)
	resp, err := http.DefaultClient.Do(newRequest(b, http.MethodPost, s.URL()+uploadPath, bytes.NewReader(body), ct, testKey))
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("seeding upload: %v", err)
	}
	resp.Body.Close()
	q := `{"dataset_name":"bench","space_id":"` + testSpace + `"}`
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := http.DefaultClient.Do(newRequest(b, http.MethodPost, s.URL()+lookupPath, strings.NewReader(q), "application/json", testKey))
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
		b.SetBytes(n)
	}
}
