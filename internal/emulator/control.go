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

// controlRoute is a route of the control API: the one method it accepts
// and its handler.
type controlRoute struct {
	method string
	serve  func(s *Server, w http.ResponseWriter, r *http.Request)
}

// controlRoutes are the control API's routes, by path under controlDir.
var controlRoutes = map[string]controlRoute{
	"requests":    {http.MethodGet, (*Server).controlRequests},
	"datasets":    {http.MethodGet, (*Server).controlDatasets},
	"judges":      {http.MethodGet, (*Server).controlJudges},
	"evaluations": {http.MethodGet, (*Server).controlEvaluations},
	"faults":      {http.MethodPost, (*Server).controlFaults},
	"reset":       {http.MethodPost, (*Server).controlReset},
	"shape":       {http.MethodPost, (*Server).controlShape},
	"ratelimit":   {http.MethodPost, (*Server).controlRateLimit},
	"forbid":      {http.MethodPost, (*Server).controlForbid},
}

func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	route, ok := controlRoutes[strings.TrimPrefix(r.URL.Path, controlDir)]
	switch {
	case !ok:
		writeDetail(w, http.StatusNotFound, "Not Found")
	case r.Method != route.method:
		w.Header().Set("Allow", route.method)
		writeDetail(w, http.StatusMethodNotAllowed, "Method Not Allowed")
	default:
		route.serve(s, w, r)
	}
}

// controlRequests serves GET requests: the request log.
func (s *Server) controlRequests(w http.ResponseWriter, r *http.Request) {
	withRows := r.URL.Query().Get("rows") != "false"
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
}

// controlFaults serves POST faults: it queues the faults listed.
func (s *Server) controlFaults(w http.ResponseWriter, r *http.Request) {
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
}

// controlDatasets serves GET datasets: every dataset, or one dataset's rows.
func (s *Server) controlDatasets(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
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
	for i, row := range rows {
		out[i] = rowJSON{ID: row.ID, DBID: row.DBID, CreatedAt: row.CreatedAt, Row: row.Row}
	}
	writeJSON(w, http.StatusOK, map[string]any{"dataset_id": id, "rows": out})
}

// controlJudges serves GET judges: every judge, or one space's.
func (s *Server) controlJudges(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.allJudges(r.URL.Query().Get("space_id")))
}

// controlEvaluations serves GET evaluations: every run started.
func (s *Server) controlEvaluations(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Evaluations())
}

// controlReset serves POST reset.
func (s *Server) controlReset(w http.ResponseWriter, _ *http.Request) {
	s.Reset()
	writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
}

// controlShape serves POST shape: it switches the upload answer's shape.
func (s *Server) controlShape(w http.ResponseWriter, r *http.Request) {
	shape, err := ParseShape(r.URL.Query().Get("value"))
	if err != nil {
		writeDetail(w, http.StatusBadRequest, err.Error())
		return
	}
	s.SetShape(shape)
	writeJSON(w, http.StatusOK, map[string]string{"shape": shape.String()})
}

// controlRateLimit serves POST ratelimit: it sets or removes the limit.
func (s *Server) controlRateLimit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
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
}

// controlForbid serves POST forbid: it forbids a space, or allows it again.
func (s *Server) controlForbid(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
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
