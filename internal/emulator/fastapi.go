package emulator

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
)

// validationIssue is one entry of FastAPI's 422 body, as pydantic v2 writes
// it: loc, msg, type, input and sometimes ctx.
type validationIssue struct {
	Type  string         `json:"type"`
	Loc   []any          `json:"loc"`
	Msg   string         `json:"msg"`
	Input any            `json:"input"`
	Ctx   map[string]any `json:"ctx,omitempty"`
}

func missingField(loc ...any) validationIssue {
	return validationIssue{Type: "missing", Loc: loc, Msg: "Field required", Input: nil}
}

// writeDetail answers {"detail": detail}, the body of FastAPI's HTTPException.
func writeDetail(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, status, map[string]string{"detail": detail})
}

// writeValidation answers 422 with every issue found, as FastAPI does.
func writeValidation(w http.ResponseWriter, issues []validationIssue) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": issues})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only the emulator's own values are marshalled here.
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// recorder remembers the status written and whether the connection was
// dropped on purpose, for the request log.
type recorder struct {
	http.ResponseWriter
	status  int
	dropped bool
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection (Hijack).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// drop closes the connection without completing the answer. Whatever was
// already flushed stays sent; anything buffered is lost.
func (r *recorder) drop() {
	r.dropped = true
	conn, _, err := http.NewResponseController(r.ResponseWriter).Hijack()
	if err == nil {
		_ = conn.Close()
		return
	}
	// Not hijackable (HTTP/2): abort the handler, which resets the stream.
	panic(http.ErrAbortHandler)
}

// discardWriter is the writer of a request whose answer will never be sent
// (FaultCommitThenDrop): the handler runs normally into it.
type discardWriter struct {
	header http.Header
	status int
}

func (d *discardWriter) Header() http.Header {
	if d.header == nil {
		d.header = make(http.Header)
	}
	return d.header
}

func (d *discardWriter) WriteHeader(status int) {
	if d.status == 0 {
		d.status = status
	}
}

func (d *discardWriter) Write(b []byte) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	return len(b), nil
}

func (d *discardWriter) Flush() {}

func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }
