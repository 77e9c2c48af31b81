package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// faultJSON is a Fault as the control API reads it.
type faultJSON struct {
	Kind       string `json:"kind"`
	Path       string `json:"path"`
	RetryAfter string `json:"retry_after"`
	Delay      string `json:"delay"` // a Go duration, e.g. "1500ms"
	Skip       int    `json:"skip"`
	Body       string `json:"body"`
	Status     int    `json:"status"`
}

func (f faultJSON) toFault() (Fault, error) {
	kind, err := ParseFaultKind(f.Kind)
	if err != nil {
		return Fault{}, err
	}
	out := Fault{Kind: kind, Path: f.Path, RetryAfter: f.RetryAfter, Skip: f.Skip, Body: f.Body, Status: f.Status}
	if f.Delay != "" {
		if out.Delay, err = time.ParseDuration(f.Delay); err != nil {
			return Fault{}, fmt.Errorf("fault delay %q: %w", f.Delay, err)
		}
	}
	if f.Skip < 0 {
		return Fault{}, fmt.Errorf("fault skip must not be negative, got %d", f.Skip)
	}
	return out, nil
}

// requestJSON is a log entry as the control API shows it.
type requestJSON struct {
	Method          string              `json:"method"`
	Path            string              `json:"path"`
	Status          int                 `json:"status"`
	SpaceID         string              `json:"space_id,omitempty"`
	DatasetName     string              `json:"dataset_name,omitempty"`
	RowCount        int                 `json:"row_count"`
	Rows            []json.RawMessage   `json:"rows,omitempty"`
	Stored          int                 `json:"stored"`
	Header          map[string][]string `json:"header"`
	Time            time.Time           `json:"time"`
	ContentType     string              `json:"content_type,omitempty"`
	FileName        string              `json:"file_name,omitempty"`
	FileContentType string              `json:"file_content_type,omitempty"`
	FileFormat      string              `json:"file_format,omitempty"`
	Fault           string              `json:"fault,omitempty"`
	Dropped         bool                `json:"dropped,omitempty"`
	LateCommit      bool                `json:"late_commit,omitempty"`
}

func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	route := strings.TrimPrefix(r.URL.Path, controlDir)
	q := r.URL.Query()
	method := map[string]string{
		"requests": http.MethodGet, "datasets": http.MethodGet,
		"judges": http.MethodGet, "evaluations": http.MethodGet,
		"faults": http.MethodPost, "reset": http.MethodPost, "shape": http.MethodPost,
		"ratelimit": http.MethodPost, "forbid": http.MethodPost,
	}[route]
	switch {
	case method == "":
		writeDetail(w, http.StatusNotFound, "Not Found")
		return
	case r.Method != method:
		w.Header().Set("Allow", method)
		writeDetail(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}

	switch route {
	case "requests":
		withRows := q.Get("rows") != "false"
		log := s.Requests()
		out := make([]requestJSON, len(log))
		for i, e := range log {
			out[i] = requestJSON{
				Method: e.Method, Path: e.Path, Status: e.Status, SpaceID: e.SpaceID,
				DatasetName: e.DatasetName, RowCount: len(e.Rows), Stored: e.Stored,
				Header: redact(e.Header), Time: e.Time, ContentType: e.ContentType,
				FileName: e.FileName, FileContentType: e.FileContentType, FileFormat: e.FileFormat,
				Dropped: e.Dropped, LateCommit: e.LateCommit,
			}
			if withRows {
				out[i].Rows = e.Rows
			}
			if e.Fault != nil {
				out[i].Fault = e.Fault.Kind.String()
			}
		}
		writeJSON(w, http.StatusOK, out)
	case "faults":
		var in []faultJSON
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeDetail(w, http.StatusBadRequest, "faults: want a JSON list of {kind, path, retry_after, delay, skip, body}: "+err.Error())
			return
		}
		faults := make([]Fault, len(in))
		for i, f := range in {
			var err error
			if faults[i], err = f.toFault(); err != nil {
				writeDetail(w, http.StatusBadRequest, fmt.Sprintf("faults[%d]: %v", i, err))
				return
			}
		}
		s.InjectFaults(faults...)
		writeJSON(w, http.StatusOK, map[string]int{"pending": s.PendingFaults()})
	case "datasets":
		space, name := q.Get("space_id"), q.Get("dataset_name")
		if space == "" && name == "" {
			writeJSON(w, http.StatusOK, s.Datasets())
			return
		}
		id := s.DatasetID(space, name)
		if id == "" {
			writeDetail(w, http.StatusNotFound, "Dataset not found")
			return
		}
		type rowJSON struct {
			ID        string          `json:"id"`
			DBID      string          `json:"db_id"`
			CreatedAt time.Time       `json:"created_at"`
			Row       json.RawMessage `json:"row"`
		}
		rows := s.Rows(space, name)
		out := make([]rowJSON, len(rows))
		for i, r := range rows {
			out[i] = rowJSON{ID: r.ID, DBID: r.DBID, CreatedAt: r.CreatedAt, Row: r.Row}
		}
		writeJSON(w, http.StatusOK, map[string]any{"dataset_id": id, "rows": out})
	case "judges":
		writeJSON(w, http.StatusOK, s.allJudges(q.Get("space_id")))
	case "evaluations":
		writeJSON(w, http.StatusOK, s.Evaluations())
	case "reset":
		s.Reset()
		writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
	case "shape":
		shape, err := ParseShape(q.Get("value"))
		if err != nil {
			writeDetail(w, http.StatusBadRequest, err.Error())
			return
		}
		s.SetShape(shape)
		writeJSON(w, http.StatusOK, map[string]string{"shape": shape.String()})
	case "ratelimit":
		limit, err := strconv.Atoi(q.Get("max"))
		if err != nil {
			writeDetail(w, http.StatusBadRequest, "ratelimit: max must be an integer (0 removes the limit)")
			return
		}
		per := time.Second
		if p := q.Get("per"); p != "" {
			if per, err = time.ParseDuration(p); err != nil {
				writeDetail(w, http.StatusBadRequest, "ratelimit: per must be a duration such as 1s: "+err.Error())
				return
			}
		}
		s.SetRateLimit(limit, per)
		writeJSON(w, http.StatusOK, map[string]any{"max": limit, "per": per.String()})
	case "forbid":
		space := q.Get("space_id")
		if space == "" {
			writeDetail(w, http.StatusBadRequest, "forbid: space_id is required")
			return
		}
		if q.Get("allow") == "true" {
			s.AllowSpace(space)
		} else {
			s.ForbidSpace(space)
		}
		writeJSON(w, http.StatusOK, map[string]string{"space_id": space})
	}
}

// redact copies h with the Authorization value hidden: the control API may
// be read by anything on the machine.
func redact(h http.Header) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, v := range h {
		if strings.EqualFold(k, "Authorization") {
			scheme, _, _ := strings.Cut(strings.Join(v, ","), " ")
			out[k] = []string{scheme + " REDACTED"}
			continue
		}
		out[k] = v
	}
	return out
}
