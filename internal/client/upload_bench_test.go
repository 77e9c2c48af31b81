package client

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// BenchmarkUpload sends a 16 MiB body to a local server that discards it.
// B/op shows the body is streamed, not copied: it stays far below 16 MiB.
func BenchmarkUpload(b *testing.B) {
	body := append([]byte{'['}, bytes.Repeat([]byte(`{"conv_prefix":[{"role":"user","content":"hello"}],"response":{"role":"assistant","content":"hi"}},`), 16<<20/90)...)
	body[len(body)-1] = ']'
	c, _, _ := newTestClient(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, `[{"id":"a"}]`)
	}))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Upload(b.Context(), testSpace, "ds", body, nil); err != nil {
			b.Fatal(err)
		}
	}
}
