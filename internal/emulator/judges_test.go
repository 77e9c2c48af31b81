package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// judgeBody is a valid JudgeCreateRequestDTO with the fields in extra
// replacing or adding to the defaults; a nil value in extra leaves the field
// out.
func judgeBody(t testing.TB, space, name string, extra map[string]any) string {
	t.Helper()
	body := map[string]any{
		"space_id": space, "name": name, "judge_behavior_type": "custom", "model_name": "prompted_model",
		"judge_values": []int{1, 2, 3}, "optimize_prompt": false,
	}
	for k, v := range extra {
		if v == nil {
			delete(body, k)
		} else {
			body[k] = v
		}
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func postJSON(t testing.TB, s *Server, path, body string) response {
	t.Helper()
	return do(t, newRequest(t, http.MethodPost, s.URL()+path, strings.NewReader(body), "application/json", testKey))
}

func listJudges(t testing.TB, s *Server, space string) response {
	t.Helper()
	return do(t, newRequest(t, http.MethodGet, s.URL()+"/api/v1/space/"+space+"/judges", nil, "", testKey))
}

// createdJudgeID decodes a judge creation's answer: the id as a JSON string.
func createdJudgeID(t testing.TB, r response) string {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	var id string
	if err := json.Unmarshal(r.body, &id); err != nil || id == "" {
		t.Fatalf("answer %s is not the id as a JSON string", r.body)
	}
	return id
}

func TestJudgeCreateAndList(t *testing.T) {
	s := startServer(t, Options{})
	first := createdJudgeID(t, postJSON(t, s, judgeCreatePath, judgeBody(t, testSpace, "tone", map[string]any{
		"prompt_template": "Rate {response}", "model_id": "{0E5A0C1E-9A43-4B9E-8F0E-7F3F9D1D2C33}",
	})))
	// Names need not be unique.
	second := createdJudgeID(t, postJSON(t, s, judgeCreatePath, judgeBody(t, testSpace, "tone", map[string]any{"judge_behavior_type": "safety", "model_name": "llama_guard"})))
	if first == second {
		t.Fatal("two judges got the same id")
	}

	r := listJudges(t, s, testSpace)
	wantStatus(t, r, http.StatusOK)
	want := fmt.Sprintf(`[{"id":%q,"name":"tone","behavior_type":"custom"},{"id":%q,"name":"tone","behavior_type":"safety"}]`, first, second)
	if string(r.body) != want {
		t.Fatalf("list %s\nwant %s", r.body, want)
	}
	stored := s.Judges(testSpace)
	if len(stored) != 2 || stored[0].PromptTemplate == nil || *stored[0].PromptTemplate != "Rate {response}" ||
		stored[0].ModelID == nil || *stored[0].ModelID != "0e5a0c1e-9a43-4b9e-8f0e-7f3f9d1d2c33" ||
		fmt.Sprint(stored[0].JudgeValues) != "[1 2 3]" || stored[0].DatasetAnnotationIDs == nil || stored[1].PromptTemplate != nil {
		t.Fatalf("stored %+v", stored)
	}

	// Another space has its own (empty) list.
	r = listJudges(t, s, "00000000-0000-4000-8000-000000000000")
	wantStatus(t, r, http.StatusOK)
	if string(r.body) != "[]" {
		t.Fatalf("other space: %s", r.body)
	}
	log := s.Requests()
	if log[0].SpaceID != testSpace || log[0].Stored != 1 || !strings.Contains(string(log[0].Body), `"tone"`) || log[2].Stored != 0 {
		t.Fatalf("log %+v", log[:3])
	}
}

func TestJudgeCreateValidation422(t *testing.T) {
	s := startServer(t, Options{})
	cases := []struct {
		name  string
		body  string
		loc   string
		typ   string
		msg   string
		count int
	}{
		{"missing fields", `{}`, "body.optimize_prompt", "missing", "Field required", 6},
		{"behaviour type", judgeBody(t, testSpace, "n", map[string]any{"judge_behavior_type": "strict"}), "body.judge_behavior_type", "enum",
			"Input should be 'safety', 'reliability' or 'custom'", 1},
		{"model name", judgeBody(t, testSpace, "n", map[string]any{"model_name": "gpt-4"}), "body.model_name", "enum",
			"Input should be 'llama_guard', 'wild_guard'", 1},
		{"space id", judgeBody(t, testSpace[:8], "n", nil), "body.space_id", "uuid_parsing", "Input should be a valid UUID", 1},
		{"model id", judgeBody(t, testSpace, "n", map[string]any{"model_id": "m1"}), "body.model_id", "uuid_parsing", "Input should be a valid UUID", 1},
		{"annotation id", judgeBody(t, testSpace, "n", map[string]any{"dataset_annotation_ids": []any{testSpace, 5}}), "body.dataset_annotation_ids.1", "uuid_type", "UUID input", 1},
		{"judge value", judgeBody(t, testSpace, "n", map[string]any{"judge_values": []any{1, 1.5}}), "body.judge_values.1", "int_from_float", "fractional part", 1},
		{"judge values not a list", judgeBody(t, testSpace, "n", map[string]any{"judge_values": 3}), "body.judge_values", "list_type", "valid list", 1},
		{"optimize prompt", judgeBody(t, testSpace, "n", map[string]any{"optimize_prompt": "maybe"}), "body.optimize_prompt", "bool_parsing", "valid boolean", 1},
		{"name null", `{"space_id":"` + testSpace + `","name":null,"judge_behavior_type":"custom","model_name":"regex","judge_values":[],"optimize_prompt":true}`, "body.name", "string_type", "valid string", 1},
		{"not JSON", `{"name":}`, "body.8", "json_invalid", "JSON decode error", 1},
		{"not an object", `[1]`, "body", "model_attributes_type", "valid dictionary", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := postJSON(t, s, judgeCreatePath, tc.body)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			issues := r.issues(t)
			if len(issues) != tc.count {
				t.Fatalf("%d issues, want %d: %s", len(issues), tc.count, r.body)
			}
			got := issues[0]
			loc := make([]string, len(got.Loc))
			for i, l := range got.Loc {
				loc[i] = fmt.Sprint(l)
			}
			if strings.Join(loc, ".") != tc.loc || got.Type != tc.typ || !strings.HasPrefix(got.Msg, tc.msg) && !strings.Contains(got.Msg, tc.msg) {
				t.Fatalf("issue %+v, want %s %s %q", got, tc.loc, tc.typ, tc.msg)
			}
		})
	}
	if n := len(s.Judges(testSpace)); n != 0 {
		t.Fatalf("invalid requests stored %d judge(s)", n)
	}
}

func TestJudgeCreateLaxValuesAndNulls(t *testing.T) {
	s := startServer(t, Options{})
	createdJudgeID(t, postJSON(t, s, judgeCreatePath, judgeBody(t, testSpace, "n", map[string]any{
		"judge_values": []any{"4", 5.0}, "optimize_prompt": "yes", "model_id": nil, "prompt_template": nil,
	})))
	j := s.Judges(testSpace)[0]
	if fmt.Sprint(j.JudgeValues) != "[4 5]" || !j.OptimizePrompt || j.ModelID != nil {
		t.Fatalf("stored %+v", j)
	}
	body := strings.Replace(judgeBody(t, testSpace, "m", nil), `"optimize_prompt":false`, `"optimize_prompt":false,"model_id":null,"prompt_template":null`, 1)
	createdJudgeID(t, postJSON(t, s, judgeCreatePath, body))
}

func TestJudgeRoutes(t *testing.T) {
	s := startServer(t, Options{})
	// The route is /api/v1/judge/; the other spelling redirects.
	redirected := func(method, path, body, location string) {
		t.Helper()
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noRedirect.Do(newRequest(t, method, s.URL()+path, strings.NewReader(body), "application/json", testKey))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusTemporaryRedirect || resp.Header.Get("Location") != location {
			t.Fatalf("%s %s: %d %q, want a redirect to %s", method, path, resp.StatusCode, resp.Header.Get("Location"), location)
		}
	}
	redirected(http.MethodPost, "/api/v1/judge", judgeBody(t, testSpace, "n", nil), "/api/v1/judge/")
	redirected(http.MethodGet, "/api/v1/space/"+testSpace+"/judges/", "", "/api/v1/space/"+testSpace+"/judges")
	if len(s.Judges(testSpace)) != 0 {
		t.Fatal("a redirected request stored a judge")
	}
	r := do(t, newRequest(t, http.MethodPost, s.URL()+"/api/v1/space/"+testSpace+"/judges", nil, "", testKey))
	wantStatus(t, r, http.StatusMethodNotAllowed)
	wantStatus(t, do(t, newRequest(t, http.MethodGet, s.URL()+"/api/v1/space/"+testSpace+"/judgez", nil, "", testKey)), http.StatusNotFound)
	wantStatus(t, do(t, newRequest(t, http.MethodGet, s.URL()+"/api/v1/space//judges", nil, "", testKey)), http.StatusNotFound)

	r = listJudges(t, s, "not-a-uuid")
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if is := r.issues(t); len(is) != 1 || fmt.Sprint(is[0].Loc) != "[path space_id]" || is[0].Type != "uuid_parsing" {
		t.Fatalf("issues %s", r.body)
	}
}

func TestJudgeEndpointsAuthentication(t *testing.T) {
	s := startServer(t, Options{})
	for _, key := range []string{"", "wrong"} {
		want := http.StatusForbidden
		if key != "" {
			want = http.StatusUnauthorized
		}
		requests := []*http.Request{
			newRequest(t, http.MethodPost, s.URL()+judgeCreatePath, strings.NewReader(judgeBody(t, testSpace, "n", nil)), "application/json", key),
			newRequest(t, http.MethodGet, s.URL()+"/api/v1/space/"+testSpace+"/judges", nil, "", key),
			newRequest(t, http.MethodPost, s.URL()+assessRunPath, strings.NewReader(`{}`), "application/json", key),
		}
		for _, req := range requests {
			wantStatus(t, do(t, req), want)
		}
	}
	if len(s.Judges(testSpace)) != 0 {
		t.Fatal("an unauthenticated request stored a judge")
	}
}

func TestJudgeEndpointsSpaceAccess(t *testing.T) {
	s := startServer(t, Options{})
	createdJudgeID(t, postJSON(t, s, judgeCreatePath, judgeBody(t, testSpace, "n", nil)))
	other := "00000000-0000-4000-8000-000000000000"
	s.ForbidSpace(other)
	wantStatus(t, postJSON(t, s, judgeCreatePath, judgeBody(t, other, "n", nil)), http.StatusForbidden)
	wantStatus(t, listJudges(t, s, other), http.StatusForbidden)

	s.RemoveSpace(testSpace)
	for _, r := range []response{postJSON(t, s, judgeCreatePath, judgeBody(t, testSpace, "n", nil)), listJudges(t, s, testSpace)} {
		wantStatus(t, r, http.StatusNotFound)
		if r.detail(t) != "Space not found" {
			t.Fatalf("detail %s", r.body)
		}
	}
	if len(s.Judges(testSpace)) != 0 {
		t.Fatal("a removed space keeps its judges")
	}
}

func TestJudgeAddRenameDelete(t *testing.T) {
	s := startServer(t, Options{})
	id := s.AddJudge(testSpace, "from the UI", "safety")
	if len(s.Requests()) != 0 {
		t.Fatal("AddJudge was logged")
	}
	r := listJudges(t, s, testSpace)
	if !strings.Contains(string(r.body), `"id":"`+id+`","name":"from the UI","behavior_type":"safety"`) {
		t.Fatalf("list %s", r.body)
	}
	if err := s.RenameJudge(testSpace, id, "renamed"); err != nil {
		t.Fatal(err)
	}
	if r := listJudges(t, s, testSpace); !strings.Contains(string(r.body), `"name":"renamed"`) {
		t.Fatalf("list after rename %s", r.body)
	}
	if err := s.DeleteJudge(testSpace, id); err != nil {
		t.Fatal(err)
	}
	if err := s.RenameJudge(testSpace, id, "x"); err == nil {
		t.Fatal("renaming a deleted judge succeeded")
	}
	if err := s.DeleteJudge(testSpace, id); err == nil {
		t.Fatal("deleting a judge twice succeeded")
	}
	if r := listJudges(t, s, testSpace); string(r.body) != "[]" {
		t.Fatalf("list after delete %s", r.body)
	}
}

func TestJudgeFaults(t *testing.T) {
	s := startServer(t, Options{})
	body := judgeBody(t, testSpace, "n", nil)

	// A 503 in front of the service stores nothing.
	s.InjectFaults(Fault{Kind: Fault503, Path: judgeCreatePath})
	wantStatus(t, postJSON(t, s, judgeCreatePath, body), http.StatusServiceUnavailable)
	if len(s.Judges(testSpace)) != 0 {
		t.Fatal("a 503 stored the judge")
	}

	// Commit then drop: stored, no answer.
	s.InjectFaults(Fault{Kind: FaultCommitThenDrop, Path: judgeCreatePath})
	req := newRequest(t, http.MethodPost, s.URL()+judgeCreatePath, strings.NewReader(body), "application/json", testKey)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("commit_then_drop answered %d", resp.StatusCode)
	}
	if n := len(s.Judges(testSpace)); n != 1 {
		t.Fatalf("%d judges after commit_then_drop, want 1", n)
	}
	last := s.Requests()[len(s.Requests())-1]
	if !last.Dropped || last.Stored != 1 || last.Status != 0 {
		t.Fatalf("log entry %+v", last)
	}

	// A truncated answer: stored, half the id.
	s.InjectFaults(Fault{Kind: FaultTruncatedStream, Path: judgeCreatePath})
	req = newRequest(t, http.MethodPost, s.URL()+judgeCreatePath, strings.NewReader(body), "application/json", testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || resp.StatusCode != http.StatusOK || len(got) == 0 || json.Valid(got) {
		t.Fatalf("truncated answer: %d %q, %v", resp.StatusCode, got, err)
	}
	if n := len(s.Judges(testSpace)); n != 2 {
		t.Fatalf("%d judges after a truncated answer, want 2", n)
	}

	// Faults match the list's exact path.
	listPath := "/api/v1/space/" + testSpace + "/judges"
	s.InjectFaults(Fault{Kind: Fault502, Path: listPath})
	wantStatus(t, listJudges(t, s, "00000000-0000-4000-8000-000000000000"), http.StatusOK)
	wantStatus(t, listJudges(t, s, testSpace), http.StatusBadGateway)
	wantStatus(t, listJudges(t, s, testSpace), http.StatusOK)
}
