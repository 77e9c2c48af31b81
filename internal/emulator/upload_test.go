package emulator

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestUploadAppendsAcrossRequests(t *testing.T) {
	s := startServer(t, Options{})
	first := upload(t, s, jsonArray(testRow("a", 1), testRow("b", 0)), "d", testSpace)
	wantStatus(t, first, http.StatusOK)
	second := upload(t, s, jsonArray(testRow("c", 1)), "d", testSpace)
	wantStatus(t, second, http.StatusOK)

	ids := append(uploadedIDs(t, first), uploadedIDs(t, second)...)
	if len(ids) != 3 {
		t.Fatalf("got %d ids, want 2 then 1", len(ids))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !uuidV4.MatchString(id) {
			t.Errorf("id %q is not a version 4 UUID", id)
		}
		if seen[id] {
			t.Errorf("id %q returned twice", id)
		}
		seen[id] = true
	}

	stored := s.Rows(testSpace, "d")
	if len(stored) != 3 {
		t.Fatalf("%d rows stored, want 3", len(stored))
	}
	for i, r := range stored {
		if r.ID != ids[i] {
			t.Errorf("stored row %d has id %s, want %s (insertion order)", i, r.ID, ids[i])
		}
		if r.DBID == r.ID || !uuidV4.MatchString(r.DBID) {
			t.Errorf("stored row %d db_id %q", i, r.DBID)
		}
	}
	if !strings.Contains(string(stored[2].Row), `"content":"c"`) {
		t.Errorf("third row %s, want the row with text c", stored[2].Row)
	}
	if s.DatasetID(testSpace, "d") == "" || s.DatasetID(testSpace, "other") != "" {
		t.Error("DatasetID does not tell existing from missing datasets")
	}
}

func TestUploadRowsShapeEchoesRowsWithIDs(t *testing.T) {
	s := startServer(t, Options{})
	row := `{"conv_prefix":[{"role":"user","content":"q <&>"}],"response":{"role":"assistant","content":"a"},"ground_truth":null,"context":"ctx","extra":{"k":1}}`
	r := upload(t, s, jsonArray(row), "d", testSpace)
	wantStatus(t, r, http.StatusOK)
	if got := r.TransferEncoding; len(got) != 1 || got[0] != "chunked" {
		t.Errorf("TransferEncoding %v, want [chunked]", got)
	}
	if r.ContentLength != -1 {
		t.Errorf("ContentLength %d, want -1 (streamed)", r.ContentLength)
	}
	var rows []map[string]any
	if err := json.Unmarshal(r.body, &rows); err != nil || len(rows) != 1 {
		t.Fatalf("answer %s: %v", r.body, err)
	}
	var want map[string]any
	if err := json.Unmarshal([]byte(row), &want); err != nil {
		t.Fatalf("the test row %s: %v", row, err)
	}
	for k, v := range want {
		if got, _ := json.Marshal(rows[0][k]); string(got) != string(mustJSON(v)) {
			t.Errorf("field %s = %s, want %s", k, got, mustJSON(v))
		}
	}
	if len(rows[0]) != len(want)+1 {
		t.Errorf("answer row has keys %v, want the row's plus id", rows[0])
	}
}

func TestUploadStreamsLargeAnswersInChunks(t *testing.T) {
	s := startServer(t, Options{})
	rows := make([]string, 200)
	for i := range rows {
		rows[i] = testRow(strings.Repeat("x", 10), i)
	}
	body, ct := multipartBody(t, jsonArray(rows...), "d", testSpace)
	resp, err := http.DefaultClient.Do(newRequest(t, http.MethodPost, s.URL()+uploadPath, body, ct, testKey))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("TransferEncoding %v", resp.TransferEncoding)
	}
	dec := json.NewDecoder(resp.Body)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		t.Fatalf("first token %v, %v", tok, err)
	}
	n := 0
	for dec.More() {
		var row struct {
			ID          string `json:"id"`
			GroundTruth int    `json:"ground_truth"`
		}
		if err := dec.Decode(&row); err != nil {
			t.Fatal(err)
		}
		if row.GroundTruth != n {
			t.Errorf("row %d came back as row %d", n, row.GroundTruth)
		}
		n++
	}
	if n != 200 {
		t.Errorf("streamed %d rows, want 200", n)
	}
}

func TestUploadObjectShape(t *testing.T) {
	s := startServer(t, Options{Shape: ShapeObject})
	r := upload(t, s, jsonArray(testRow("a", 1)), "d", testSpace)
	wantStatus(t, r, http.StatusOK)
	var got struct {
		DatasetID string `json:"dataset_id"`
		Message   string `json:"message"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatalf("%s: %v", r.body, err)
	}
	if got.DatasetID != s.DatasetID(testSpace, "d") || got.Message != "Dataset uploaded successfully" {
		t.Errorf("answer %s, dataset id %s", r.body, s.DatasetID(testSpace, "d"))
	}

	s.SetShape(ShapeRows)
	r = upload(t, s, jsonArray(testRow("b", 1)), "d", testSpace)
	if ids := uploadedIDs(t, r); len(ids) != 1 {
		t.Errorf("after SetShape(ShapeRows) got %d ids", len(ids))
	}
}

func TestUploadNumericIDs(t *testing.T) {
	s := startServer(t, Options{NumericIDs: true})
	r := upload(t, s, jsonArray(testRow("a", 1), testRow("b", 1)), "d", testSpace)
	wantStatus(t, r, http.StatusOK)
	var rows []struct {
		ID json.Number `json:"id"`
	}
	dec := json.NewDecoder(strings.NewReader(string(r.body)))
	dec.UseNumber()
	if err := dec.Decode(&rows); err != nil {
		t.Fatalf("ids are not JSON numbers: %v: %s", err, r.body)
	}
	stored := s.Rows(testSpace, "d")
	for i, row := range rows {
		if string(row.ID) != stored[i].ID {
			t.Errorf("row %d id %s, stored %s", i, row.ID, stored[i].ID)
		}
	}
	if rows[0].ID == rows[1].ID {
		t.Error("numeric ids repeat")
	}
}

func TestUploadReplacesARowsOwnID(t *testing.T) {
	s := startServer(t, Options{})
	row := `{"id":"mine","conv_prefix":[],"response":{"role":"assistant","content":"a"}}`
	r := upload(t, s, jsonArray(row), "d", testSpace)
	ids := uploadedIDs(t, r)
	if ids[0] == "mine" || ids[0] != s.Rows(testSpace, "d")[0].ID {
		t.Errorf("answer %s: the generated id must replace the row's own", r.body)
	}
}

func TestUploadCSVAppends(t *testing.T) {
	s := startServer(t, Options{})
	wantStatus(t, upload(t, s, jsonArray(testRow("a", 1)), "d", testSpace), http.StatusOK)
	csv := "conv_prefix,response,ground_truth,context\n\"hello, there\",hi,1,greeting\nq2,a2,,\n"
	r := upload(t, s, []byte(csv), "d", testSpace)
	wantStatus(t, r, http.StatusOK)
	if ids := uploadedIDs(t, r); len(ids) != 2 {
		t.Fatalf("CSV upload returned %d ids, want 2", len(ids))
	}
	stored := s.Rows(testSpace, "d")
	if len(stored) != 3 {
		t.Fatalf("%d rows stored, want 3", len(stored))
	}
	want := `{"conv_prefix":[{"role":"user","content":"hello, there"}],"response":{"role":"assistant","content":"hi"},"ground_truth":1,"context":"greeting"}`
	if string(stored[1].Row) != want {
		t.Errorf("CSV row stored as %s, want %s", stored[1].Row, want)
	}
	if strings.Contains(string(stored[2].Row), "ground_truth") || strings.Contains(string(stored[2].Row), "context") {
		t.Errorf("empty CSV cells must be absent: %s", stored[2].Row)
	}

	r = upload(t, s, []byte("conv_prefix,response,ground_truth\nq,a,yes\n"), "d", testSpace)
	wantStatus(t, r, http.StatusBadRequest)
	if d := r.detail(t); !strings.HasPrefix(d, "invalid input for query argument") || !strings.Contains(d, "'yes'") {
		t.Errorf("detail %q", d)
	}
	r = upload(t, s, []byte("prompt,answer\nq,a\n"), "d", testSpace)
	wantStatus(t, r, http.StatusBadRequest)
	if d := r.detail(t); !strings.Contains(d, "conv_prefix") {
		t.Errorf("detail %q does not name the missing column", d)
	}
	if n := len(s.Rows(testSpace, "d")); n != 3 {
		t.Errorf("rejected CSV uploads stored rows: %d", n)
	}
}

func TestUploadEmptyArrayCreatesDataset(t *testing.T) {
	s := startServer(t, Options{})
	r := upload(t, s, []byte("[]"), "d", testSpace)
	wantStatus(t, r, http.StatusOK)
	if string(r.body) != "[]" {
		t.Errorf("answer %q, want []", r.body)
	}
	if s.DatasetID(testSpace, "d") == "" {
		t.Error("dataset not created")
	}
}

func TestUploadLogsRequest(t *testing.T) {
	s := startServer(t, Options{})
	upload(t, s, jsonArray(testRow("a", 1)), "d", strings.ToUpper(testSpace))
	log := s.Requests()
	if len(log) != 1 {
		t.Fatalf("%d log entries", len(log))
	}
	e := log[0]
	if e.Method != "POST" || e.Path != uploadPath || e.Status != 200 || e.SpaceID != testSpace || e.DatasetName != "d" ||
		len(e.Rows) != 1 || e.Stored != 1 || e.FileName != "rows.json" || e.FileFormat != "json" ||
		e.Header.Get("Authorization") != "Bearer "+testKey || !strings.HasPrefix(e.ContentType, "multipart/form-data; boundary=") {
		t.Errorf("log entry %+v", e)
	}
	if s.UploadCount() != 1 || s.StoredUploadCount() != 1 {
		t.Errorf("UploadCount %d, StoredUploadCount %d", s.UploadCount(), s.StoredUploadCount())
	}
	s.ResetLog()
	if len(s.Requests()) != 0 || s.UploadCount() != 0 {
		t.Error("ResetLog kept entries")
	}
}

func TestRoutes(t *testing.T) {
	s := startServer(t, Options{})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	r := do(t, newRequest(t, http.MethodGet, s.URL()+"/api/v1/nope", nil, "", testKey))
	wantStatus(t, r, http.StatusNotFound)
	if r.detail(t) != "Not Found" {
		t.Errorf("detail %q", r.body)
	}
	r = do(t, newRequest(t, http.MethodGet, s.URL()+uploadPath, nil, "", ""))
	wantStatus(t, r, http.StatusMethodNotAllowed)
	if r.detail(t) != "Method Not Allowed" || r.Header.Get("Allow") != "POST" {
		t.Errorf("405 answer %s, Allow %q", r.body, r.Header.Get("Allow"))
	}
	resp, err := noRedirect.Do(newRequest(t, http.MethodPost, s.URL()+uploadPath+"/", nil, "", testKey))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect || resp.Header.Get("Location") != uploadPath {
		t.Errorf("trailing slash: %d to %q, want 307 to %s", resp.StatusCode, resp.Header.Get("Location"), uploadPath)
	}
}
