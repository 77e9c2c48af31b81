package client

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
)

// lookupAnswer builds a lookup answer of n annotations the way the
// emulator's writeLookup streams it: one json.Encoder line per annotation,
// with the feedback fields the platform returns.
func lookupAnswer(tb testing.TB, n int) []byte {
	type message struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	type annotationDTO struct {
		ID                  string         `json:"id"`
		DBID                string         `json:"db_id"`
		ConvPrefix          []message      `json:"conv_prefix"`
		Response            string         `json:"response"`
		JudgeFeedback       map[string]any `json:"judge_feedback"`
		HumanFeedback       map[string]any `json:"human_feedback"`
		JudgeFeedbackRating map[string]any `json:"judge_feedback_rating"`
		CreatedAt           string         `json:"created_at"`
		ConversationID      *string        `json:"conversation_id"`
		GroundTruth         *int64         `json:"ground_truth"`
		ConvPrefixID        *string        `json:"conv_prefix_id"`
	}
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	_, _ = bw.WriteString(`{"dataset_id":"5f0c6a9e-2b1d-4c3e-9f8a-7b6c5d4e3f2a","dataset_annotations":[`)
	filler := strings.Repeat("lorem ipsum ", 12)
	empty := map[string]any{}
	for i := range n {
		if i > 0 {
			_ = bw.WriteByte(',')
		}
		gt := int64(i % 5)
		err := enc.Encode(annotationDTO{
			ID:   fmt.Sprintf("%08x-0d44-4b50-8888-8dd25736052a", i),
			DBID: fmt.Sprintf("%08x-1e55-4c61-9999-9ee36847163b", i),
			ConvPrefix: []message{
				{Role: "system", Content: "you are terse"},
				{Role: "user", Content: fmt.Sprintf("question %d: %s", i, filler)},
			},
			Response:      fmt.Sprintf("answer %d", i),
			JudgeFeedback: empty, HumanFeedback: empty, JudgeFeedbackRating: empty,
			CreatedAt:   "2025-06-01T12:34:56.789012+00:00",
			GroundTruth: &gt,
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	_, _ = bw.WriteString("]}")
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkDecodeDataset measures decoding a lookup answer of 100,000
// annotations, handing each to a callback that keeps only the ids, as a
// refresh does.
func BenchmarkDecodeDataset(b *testing.B) { benchmarkDatasetDecoder(b, decodeDataset) }

// BenchmarkReferenceDecodeDataset is the same with the encoding/json decoder
// that decodeDataset replaced, for comparison.
func BenchmarkReferenceDecodeDataset(b *testing.B) {
	benchmarkDatasetDecoder(b, referenceDecodeDataset)
}

func benchmarkDatasetDecoder(b *testing.B, decode func(io.Reader, func(string) string, func(*Annotation) error) (string, error)) {
	const n = 100_000
	data := lookupAnswer(b, n)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		ids := make([]string, 0, n)
		_, err := decode(bytes.NewReader(data), noRedact, func(a *Annotation) error {
			ids = append(ids, a.ID)
			return nil
		})
		if err != nil || len(ids) != n {
			b.Fatalf("%v, %d annotations", err, len(ids))
		}
	}
}
