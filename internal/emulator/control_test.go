package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func control(t *testing.T, s *Server, method, path, body string) response {
	t.Helper()
	return do(t, newRequest(t, method, s.URL()+path, strings.NewReader(body), "application/json", ""))
}

func TestControlAPI(t *testing.T) {
	s := startServer(t, Options{})

	// Faults: a path-less fault is not consumed by control requests.
	r := control(t, s, http.MethodPost, "/_emulator/faults", `[{"kind":"503","retry_after":"2"},{"kind":"500","path":"/api/v1/dataset/upload","skip":1}]`)
	wantStatus(t, r, http.StatusOK)
	wantStatus(t, control(t, s, http.MethodGet, "/_emulator/datasets", ""), http.StatusOK)
	if s.PendingFaults() != 2 {
		t.Fatalf("PendingFaults %d, want 2", s.PendingFaults())
	}
	r = upload(t, s, jsonArray(testRow("a", 1)), "d", testSpace)
	wantStatus(t, r, http.StatusServiceUnavailable)
	if r.Header.Get("Retry-After") != "2" {
		t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	wantStatus(t, upload(t, s, jsonArray(testRow("a", 1)), "d", testSpace), http.StatusOK)
	wantStatus(t, upload(t, s, jsonArray(testRow("b", 1)), "d", testSpace), http.StatusInternalServerError)
	for _, bad := range []string{`{}`, `[{"kind":"teapot"}]`, `[{"kind":"delay","delay":"soon"}]`, `[{"kind":"500","skip":-1}]`} {
		wantStatus(t, control(t, s, http.MethodPost, "/_emulator/faults", bad), http.StatusBadRequest)
	}

	// The log hides the key and is not polluted by control requests.
	r = control(t, s, http.MethodGet, "/_emulator/requests", "")
	wantStatus(t, r, http.StatusOK)
	if strings.Contains(string(r.body), testKey) {
		t.Errorf("the control log shows the API key: %s", r.body)
	}
	var log []requestJSON
	if err := json.Unmarshal(r.body, &log); err != nil {
		t.Fatal(err)
	}
	if len(log) != 3 || log[0].Fault != "503" || log[1].Status != 200 || log[1].RowCount != 1 || len(log[1].Rows) != 1 ||
		log[0].Header["Authorization"][0] != "Bearer REDACTED" {
		t.Errorf("control log %s", r.body)
	}
	r = control(t, s, http.MethodGet, "/_emulator/requests?rows=false", "")
	if strings.Contains(string(r.body), `"rows"`) {
		t.Errorf("rows=false still lists rows: %s", r.body)
	}

	// Datasets.
	r = control(t, s, http.MethodGet, "/_emulator/datasets", "")
	var infos []DatasetInfo
	if err := json.Unmarshal(r.body, &infos); err != nil {
		t.Fatalf("datasets %s: %v", r.body, err)
	}
	if len(infos) != 1 || infos[0].RowCount != 1 || infos[0].DatasetName != "d" || infos[0].SpaceID != testSpace {
		t.Errorf("datasets %s", r.body)
	}
	r = control(t, s, http.MethodGet, "/_emulator/datasets?space_id="+testSpace+"&dataset_name=d", "")
	var one struct {
		DatasetID string `json:"dataset_id"`
		Rows      []struct {
			ID  string          `json:"id"`
			Row json.RawMessage `json:"row"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(r.body, &one); err != nil {
		t.Fatalf("dataset rows %s: %v", r.body, err)
	}
	if one.DatasetID != s.DatasetID(testSpace, "d") || len(one.Rows) != 1 || one.Rows[0].ID != s.Rows(testSpace, "d")[0].ID {
		t.Errorf("dataset rows %s", r.body)
	}
	wantStatus(t, control(t, s, http.MethodGet, "/_emulator/datasets?space_id="+testSpace+"&dataset_name=none", ""), http.StatusNotFound)

	// Shape.
	wantStatus(t, control(t, s, http.MethodPost, "/_emulator/shape?value=object", ""), http.StatusOK)
	r = upload(t, s, jsonArray(testRow("c", 1)), "d", testSpace)
	if !strings.Contains(string(r.body), `"message":"Dataset uploaded successfully"`) {
		t.Errorf("shape not switched: %s", r.body)
	}
	wantStatus(t, control(t, s, http.MethodPost, "/_emulator/shape?value=table", ""), http.StatusBadRequest)

	// Forbid and rate limit.
	wantStatus(t, control(t, s, http.MethodPost, "/_emulator/forbid?space_id="+testSpace, ""), http.StatusOK)
	wantStatus(t, lookup(t, s, testSpace, "d"), http.StatusForbidden)
	wantStatus(t, control(t, s, http.MethodPost, "/_emulator/forbid?space_id="+testSpace+"&allow=true", ""), http.StatusOK)
	wantStatus(t, control(t, s, http.MethodPost, "/_emulator/ratelimit?max=1&per=1h", ""), http.StatusOK)
	wantStatus(t, lookup(t, s, testSpace, "d"), http.StatusOK)
	wantStatus(t, lookup(t, s, testSpace, "d"), http.StatusTooManyRequests)
	wantStatus(t, control(t, s, http.MethodPost, "/_emulator/ratelimit?max=x", ""), http.StatusBadRequest)

	// Reset.
	wantStatus(t, control(t, s, http.MethodPost, "/_emulator/reset", ""), http.StatusOK)
	if s.DatasetID(testSpace, "d") != "" || len(s.Requests()) != 0 {
		t.Error("reset kept state")
	}
	wantStatus(t, lookup(t, s, testSpace, "d"), http.StatusNotFound) // the rate limit is gone too

	wantStatus(t, control(t, s, http.MethodGet, "/_emulator/nope", ""), http.StatusNotFound)
	r = control(t, s, http.MethodGet, "/_emulator/reset", "")
	wantStatus(t, r, http.StatusMethodNotAllowed)
	if r.Header.Get("Allow") != http.MethodPost {
		t.Errorf("Allow %q", r.Header.Get("Allow"))
	}
}
