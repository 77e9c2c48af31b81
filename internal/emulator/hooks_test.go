package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAddRowsBehindTheProvidersBack(t *testing.T) {
	s := startServer(t, Options{})
	ids, err := s.AddRows(testSpace, "d", json.RawMessage(testRow("a", 1)), json.RawMessage(testRow("b", 0)))
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 || !uuidV4.MatchString(ids[0]) {
		t.Fatalf("ids %v", ids)
	}
	if len(s.Requests()) != 0 {
		t.Error("AddRows must not appear in the request log")
	}
	r := lookup(t, s, testSpace, "d")
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.body), ids[1]) {
		t.Errorf("the lookup does not show the added row: %s", r.body)
	}
	if _, err := s.AddRows(testSpace, "d", json.RawMessage(`{"conv_prefix":[],"response":{"role":"assistant","content":"a"},"ground_truth":"1"}`)); err == nil ||
		!strings.Contains(err.Error(), "invalid input for query argument") {
		t.Errorf("AddRows with a string ground_truth: %v", err)
	}
	if n := len(s.Rows(testSpace, "d")); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
}

func TestDeleteRows(t *testing.T) {
	s := startServer(t, Options{})
	ids := uploadedIDs(t, upload(t, s, jsonArray(testRow("a", 1), testRow("b", 1), testRow("c", 1)), "d", testSpace))
	if err := s.DeleteRows(testSpace, "d", ids[1], "unknown"); err == nil {
		t.Error("deleting an unknown id must fail")
	}
	if n := len(s.Rows(testSpace, "d")); n != 3 {
		t.Fatalf("a failed DeleteRows removed rows: %d left", n)
	}
	if err := s.DeleteRows(testSpace, "d", ids[1]); err != nil {
		t.Fatal(err)
	}
	rows := s.Rows(testSpace, "d")
	if len(rows) != 2 || rows[0].ID != ids[0] || rows[1].ID != ids[2] {
		t.Errorf("rows after delete: %+v", rows)
	}
	if err := s.DeleteRows(testSpace, "nope", ids[0]); err == nil {
		t.Error("deleting from an unknown dataset must fail")
	}
}

func TestDeleteDataset(t *testing.T) {
	s := startServer(t, Options{})
	wantStatus(t, upload(t, s, jsonArray(testRow("a", 1)), "d", testSpace), http.StatusOK)
	first := s.DatasetID(testSpace, "d")
	if err := s.DeleteDataset(testSpace, "d"); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, lookup(t, s, testSpace, "d"), http.StatusNotFound)
	if err := s.DeleteDataset(testSpace, "d"); err == nil {
		t.Error("deleting a missing dataset must fail")
	}
	// A CSV cannot recreate it; a JSON array can, under a new id.
	wantStatus(t, upload(t, s, []byte("conv_prefix,response\nq,a\n"), "d", testSpace), http.StatusBadRequest)
	wantStatus(t, upload(t, s, jsonArray(testRow("a", 1)), "d", testSpace), http.StatusOK)
	if id := s.DatasetID(testSpace, "d"); id == "" || id == first {
		t.Errorf("recreated dataset id %q (was %q)", id, first)
	}
}

func TestReset(t *testing.T) {
	s := startServer(t, Options{})
	wantStatus(t, upload(t, s, jsonArray(testRow("a", 1)), "d", testSpace), http.StatusOK)
	s.SetShape(ShapeObject)
	s.ForbidSpace(testSpace)
	s.InjectFaults(Fault{Kind: Fault500})
	s.Reset()
	if s.DatasetID(testSpace, "d") != "" || len(s.Requests()) != 0 || s.PendingFaults() != 0 {
		t.Fatal("Reset kept state")
	}
	r := upload(t, s, jsonArray(testRow("a", 1)), "d", testSpace)
	if ids := uploadedIDs(t, r); len(ids) != 1 {
		t.Errorf("after Reset: %s", r.body)
	}
}

func TestConcurrentUploads(t *testing.T) {
	s := startServer(t, Options{})
	const clients, perClient, rowsPerUpload = 20, 5, 10
	var wg sync.WaitGroup
	idsByClient := make([][]string, clients)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := 0; u < perClient; u++ {
				rows := make([]string, rowsPerUpload)
				for i := range rows {
					rows[i] = testRow("c", c*1000+u*100+i)
				}
				// t.Fatal may not be called from these goroutines: errors only.
				body, ct := multipartBody(t, jsonArray(rows...), "shared", testSpace)
				resp, err := http.DefaultClient.Do(newRequest(t, http.MethodPost, s.URL()+uploadPath, body, ct, testKey))
				if err != nil {
					t.Errorf("client %d upload %d: %v", c, u, err)
					return
				}
				var answer []struct{ ID string }
				err = json.NewDecoder(resp.Body).Decode(&answer)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || err != nil {
					t.Errorf("client %d upload %d: status %d, %v", c, u, resp.StatusCode, err)
					return
				}
				for _, a := range answer {
					idsByClient[c] = append(idsByClient[c], a.ID)
				}
				resp, err = http.DefaultClient.Do(newRequest(t, http.MethodPost, s.URL()+lookupPath,
					strings.NewReader(`{"dataset_name":"shared","space_id":"`+testSpace+`"}`), "application/json", testKey))
				if err != nil {
					t.Errorf("client %d lookup: %v", c, err)
					return
				}
				if _, err := io.Copy(io.Discard, resp.Body); err != nil {
					t.Errorf("client %d lookup: reading the answer: %v", c, err)
				}
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	rows := s.Rows(testSpace, "shared")
	if len(rows) != clients*perClient*rowsPerUpload {
		t.Fatalf("%d rows stored, want %d", len(rows), clients*perClient*rowsPerUpload)
	}
	stored := map[string]bool{}
	for _, r := range rows {
		stored[r.ID] = true
	}
	n := 0
	for _, ids := range idsByClient {
		for _, id := range ids {
			if !stored[id] {
				t.Errorf("returned id %s not stored", id)
			}
			n++
		}
	}
	if n != len(stored) {
		t.Errorf("%d ids returned, %d distinct stored", n, len(stored))
	}
	// Each upload's rows stay together: appends are atomic.
	for i := 0; i < len(rows); i += rowsPerUpload {
		var first struct {
			GroundTruth int `json:"ground_truth"`
		}
		if err := json.Unmarshal(rows[i].Row, &first); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		for j := 1; j < rowsPerUpload; j++ {
			var r struct {
				GroundTruth int `json:"ground_truth"`
			}
			if err := json.Unmarshal(rows[i+j].Row, &r); err != nil {
				t.Fatalf("row %d: %v", i+j, err)
			}
			if r.GroundTruth != first.GroundTruth+j {
				t.Fatalf("upload interleaved at row %d", i+j)
			}
		}
	}
	if s.UploadCount() != clients*perClient {
		t.Errorf("UploadCount %d", s.UploadCount())
	}
}

func TestRestoreDataset(t *testing.T) {
	s := startServer(t, Options{})
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	rows := []StoredRow{
		{ID: "row-1", DBID: "db-1", CreatedAt: at, Row: json.RawMessage(`{"conv_prefix":[{"role":"user","content":"q1"}],"response":{"role":"assistant","content":"a1"},"ground_truth":1}`)},
		{ID: "row-2", DBID: "db-2", CreatedAt: at, Row: json.RawMessage(`{"conv_prefix":[{"role":"user","content":"q2"}],"response":{"role":"assistant","content":"a2"}}`)},
	}
	if err := s.RestoreDataset(testSpace, "restored", "ds-restored", rows); err != nil {
		t.Fatal(err)
	}
	if got := s.Rows(testSpace, "restored"); len(got) != 2 || got[0].ID != "row-1" || got[1].DBID != "db-2" || s.DatasetID(testSpace, "restored") != "ds-restored" {
		t.Fatalf("restored rows %+v", got)
	}
	r := lookup(t, s, testSpace, "restored")
	wantStatus(t, r, http.StatusOK)
	var got struct {
		DatasetID   string `json:"dataset_id"`
		Annotations []struct {
			ID       string `json:"id"`
			Response string `json:"response"`
		} `json:"dataset_annotations"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil || got.DatasetID != "ds-restored" || len(got.Annotations) != 2 || got.Annotations[1].ID != "row-2" || got.Annotations[0].Response != "a1" {
		t.Fatalf("lookup of a restored dataset: %v %s", err, r.body)
	}
	if err := s.RestoreDataset(testSpace, "bad", "x", []StoredRow{{ID: "r", Row: json.RawMessage(`{"conv_prefix":1}`)}}); err == nil {
		t.Error("a row the API would refuse was restored")
	}
}
