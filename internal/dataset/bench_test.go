package dataset

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"fmt"
	"syscall"
	"testing"
	"time"
)

// benchRow returns the i-th generated row: about 300 bytes of JSON, with a
// system and a user turn, an escape or two and some non-ASCII text, as real
// evaluation rows have.
func benchRow(i int) Row {
	return Row{
		ConvPrefix: []Message{
			{Role: "system", Content: "You are a helpful assistant. Answer briefly."},
			{Role: "user", Content: fmt.Sprintf("Question %d: what is the capital of country #%d?\nAnswer in one \"word\".", i, i%197)},
		},
		Response:    Message{Role: "assistant", Content: fmt.Sprintf("The capital is City-%d — café.", i%197)},
		GroundTruth: ptr(int64(i % 2)),
		Context:     ptr(fmt.Sprintf("geography/capitals/batch-%d", i/1000)),
	}
}

var benchData = map[string][]byte{}

func benchSource(b *testing.B, format Format, n int) []byte {
	key := fmt.Sprint(format, n)
	if data, ok := benchData[key]; ok {
		return data
	}
	var buf bytes.Buffer
	switch format {
	case FormatJSON:
		buf.WriteString("[\n")
		for i := range n {
			if i > 0 {
				buf.WriteString(",\n")
			}
			r := benchRow(i)
			buf.Write(r.AppendCanonical(nil))
		}
		buf.WriteString("\n]\n")
	case FormatJSONL:
		for i := range n {
			r := benchRow(i)
			buf.Write(r.AppendCanonical(nil))
			buf.WriteByte('\n')
		}
	case FormatCSV:
		w := csv.NewWriter(&buf)
		if err := w.Write(rowFields); err != nil {
			b.Fatal(err)
		}
		for i := range n {
			r := benchRow(i)
			// CSV has one user turn: fold the system prompt into it to
			// keep the row size comparable.
			if err := w.Write([]string{r.ConvPrefix[0].Content + " " + r.ConvPrefix[1].Content, r.Response.Content,
				fmt.Sprint(*r.GroundTruth), *r.Context}); err != nil {
				b.Fatal(err)
			}
		}
		w.Flush()
		if err := w.Error(); err != nil {
			b.Fatal(err)
		}
	}
	benchData[key] = buf.Bytes()
	return buf.Bytes()
}

func benchmarkScan(b *testing.B, format Format, n int, fn RowFunc) {
	data := benchSource(b, format, n)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu := cpuTime(b)
	for b.Loop() {
		sum, err := Scan(bytes.NewReader(data), format, "bench", fn)
		if err != nil || len(sum.Problems) != 0 || sum.Rows != n {
			b.Fatalf("scan: %v, %d rows, problems %v", err, sum.Rows, sum.Problems)
		}
	}
	reportCPUThroughput(b, cpu, len(data))
	b.ReportMetric(float64(len(data))/float64(n), "bytes/row")
}

// cpuTime returns the CPU time (user and system) the process has used. On a
// shared machine wall-clock throughput swings with the load; CPU throughput
// does much less, and it compares with the user+sys time of sha256sum.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPUThroughput reports MB per CPU second since start, GC included.
func reportCPUThroughput(b *testing.B, start time.Duration, size int) {
	if d := cpuTime(b) - start; d > 0 {
		b.ReportMetric(float64(size)*float64(b.N)/1e6/d.Seconds(), "cpu-MB/s")
	}
}

func BenchmarkScanJSONL10k(b *testing.B)  { benchmarkScan(b, FormatJSONL, 10_000, nil) }
func BenchmarkScanJSONL100k(b *testing.B) { benchmarkScan(b, FormatJSONL, 100_000, nil) }
func BenchmarkScanJSON100k(b *testing.B)  { benchmarkScan(b, FormatJSON, 100_000, nil) }
func BenchmarkScanCSV100k(b *testing.B)   { benchmarkScan(b, FormatCSV, 100_000, nil) }

// With a RowFunc the rows are handed out with their own strings, as the
// uploader needs them.
func BenchmarkScanJSONL100kWithFunc(b *testing.B) {
	benchmarkScan(b, FormatJSONL, 100_000, func(int, *Row) error { return nil })
}

// With a CanonicalRowFunc that reads only each row's canonical JSON, as a
// check without match keys does: no Row need be made.
func BenchmarkScanJSONL100kCanonical(b *testing.B) {
	var n int
	benchmarkScanCanonical(b, benchSource(b, FormatJSONL, 100_000), 100_000, func(r ScannedRow) error {
		n += len(r.Canonical)
		return nil
	})
}

// Every row has a key that is not part of a row, as files exported with
// their metadata have: each occurrence is a warning's place.
func BenchmarkScanJSONL100kUnknownKey(b *testing.B) {
	const n = 100_000
	var buf bytes.Buffer
	for i := range n {
		r := benchRow(i)
		line := r.AppendCanonical(nil)
		buf.Write(line[:len(line)-1])
		fmt.Fprintf(&buf, `,"metadata":{"source":"export","id":%d}}`+"\n", i)
	}
	benchmarkScanCanonical(b, buf.Bytes(), n, nil)
}

// benchmarkScanCanonical is benchmarkScan over given data, with a
// CanonicalRowFunc and warnings allowed.
func benchmarkScanCanonical(b *testing.B, data []byte, n int, fn CanonicalRowFunc) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu := cpuTime(b)
	for b.Loop() {
		sum, err := scan(bytes.NewReader(data), FormatJSONL, "bench", fn)
		if err != nil || sum.HasErrors() || sum.Rows != n {
			b.Fatalf("scan: %v, %d rows, problems %v", err, sum.Rows, sum.Problems)
		}
	}
	reportCPUThroughput(b, cpu, len(data))
	b.ReportMetric(float64(len(data))/float64(n), "bytes/row")
}

// BenchmarkSHA256 is the floor: hashing the same bytes with Go's SHA-256.
func BenchmarkSHA256JSONL100k(b *testing.B) {
	data := benchSource(b, FormatJSONL, 100_000)
	b.SetBytes(int64(len(data)))
	cpu := cpuTime(b)
	for b.Loop() {
		sha256.Sum256(data)
	}
	reportCPUThroughput(b, cpu, len(data))
}
