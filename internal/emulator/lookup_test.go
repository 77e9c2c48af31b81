package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestLookupFound(t *testing.T) {
	s := startServer(t, Options{})
	row := `{"conv_prefix":[{"role":"system","content":"be nice"},{"role":"user","content":"q"}],"response":{"role":"assistant","content":"the answer"},"ground_truth":3,"context":"ctx"}`
	noGT := `{"conv_prefix":[{"role":"user","content":"q2"}],"response":{"role":"assistant","content":"a2"}}`
	ids := uploadedIDs(t, upload(t, s, jsonArray(row, noGT), "d", testSpace))

	r := lookup(t, s, testSpace, "d")
	wantStatus(t, r, http.StatusOK)
	var got struct {
		DatasetID   string                       `json:"dataset_id"`
		Annotations []map[string]json.RawMessage `json:"dataset_annotations"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	if got.DatasetID != s.DatasetID(testSpace, "d") || len(got.Annotations) != 2 {
		t.Fatalf("answer %s", r.body)
	}
	stored := s.Rows(testSpace, "d")
	a := got.Annotations[0]
	want := map[string]string{
		"id":                    `"` + ids[0] + `"`,
		"db_id":                 `"` + stored[0].DBID + `"`,
		"conv_prefix":           `[{"role":"system","content":"be nice"},{"role":"user","content":"q"}]`,
		"response":              `"the answer"`,
		"judge_feedback":        `{}`,
		"human_feedback":        `{}`,
		"judge_feedback_rating": `{}`,
		"conversation_id":       `null`,
		"ground_truth":          `3`,
		"conv_prefix_id":        `null`,
	}
	for k, v := range want {
		if string(a[k]) != v {
			t.Errorf("%s = %s, want %s", k, a[k], v)
		}
	}
	if _, ok := a["context"]; ok {
		t.Error("the lookup must not return context: the DTO has none")
	}
	if len(a) != len(want)+1 {
		t.Errorf("annotation keys %d, want %d", len(a), len(want)+1)
	}
	var created string
	if err := json.Unmarshal(a["created_at"], &created); err != nil {
		t.Errorf("created_at %s is not a string: %v", a["created_at"], err)
	}
	if _, err := time.Parse(time.RFC3339, created); err != nil {
		t.Errorf("created_at %q is not RFC 3339: %v", created, err)
	}
	if string(got.Annotations[1]["ground_truth"]) != "null" || string(got.Annotations[1]["id"]) != `"`+ids[1]+`"` {
		t.Errorf("second annotation %v", got.Annotations[1])
	}
}

func TestLookupNotFound(t *testing.T) {
	s := startServer(t, Options{})
	wantStatus(t, upload(t, s, jsonArray(testRow("a", 1)), "d", testSpace), http.StatusOK)
	r := lookup(t, s, testSpace, "other")
	wantStatus(t, r, http.StatusNotFound)
	if r.detail(t) != "Dataset not found" {
		t.Errorf("detail %s", r.body)
	}
	r = lookup(t, s, "00000000-0000-4000-8000-000000000000", "d")
	wantStatus(t, r, http.StatusNotFound)
}

func TestLookupValidation422(t *testing.T) {
	s := startServer(t, Options{})
	cases := []struct {
		name, contentType, body string
		want                    []string
	}{
		{"empty body", "application/json", "", []string{"body/missing"}},
		{"not JSON", "application/json", "{", []string{"body.0/json_invalid"}},
		{"a list", "application/json", "[]", []string{"body/model_attributes_type"}},
		{"form content type", "application/x-www-form-urlencoded", `{"dataset_name":"d","space_id":"` + testSpace + `"}`, []string{"body/model_attributes_type"}},
		{"fields missing", "application/json", `{}`, []string{"body.dataset_name/missing", "body.space_id/missing"}},
		{"wrong types", "application/json", `{"dataset_name":1,"space_id":2}`, []string{"body.dataset_name/string_type", "body.space_id/uuid_type"}},
		{"null fields", "application/json", `{"dataset_name":null,"space_id":null}`, []string{"body.dataset_name/string_type", "body.space_id/uuid_type"}},
		{"bad UUID", "application/json", `{"dataset_name":"d","space_id":"nope"}`, []string{"body.space_id/uuid_parsing"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, newRequest(t, http.MethodPost, s.URL()+lookupPath, strings.NewReader(tc.body), tc.contentType, testKey))
			wantStatus(t, r, http.StatusUnprocessableEntity)
			if got := locs(r.issues(t)); strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("issues %v, want %v: %s", got, tc.want, r.body)
			}
		})
	}
	// No Content-Type at all is read as JSON, as FastAPI does.
	r := do(t, newRequest(t, http.MethodPost, s.URL()+lookupPath, strings.NewReader(`{"dataset_name":"d","space_id":"`+testSpace+`"}`), "", testKey))
	wantStatus(t, r, http.StatusNotFound)
}
