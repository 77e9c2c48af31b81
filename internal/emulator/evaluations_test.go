package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// evaluationWorld is a space with a dataset and a judge.
func evaluationWorld(t *testing.T) (s *Server, datasetID, judgeID string) {
	t.Helper()
	s = startServer(t, Options{})
	if _, err := s.AddRows(testSpace, "d", json.RawMessage(testRow("a", 1))); err != nil {
		t.Fatal(err)
	}
	return s, s.DatasetID(testSpace, "d"), s.AddJudge(testSpace, "tone", "custom")
}

func evaluationBody(space, datasetID, name string, judgeIDs ...string) string {
	ids, _ := json.Marshal(judgeIDs)
	return fmt.Sprintf(`{"dataset_id":%q,"space_id":%q,"judge_ids":%s,"name":%q}`, datasetID, space, ids, name)
}

func TestEvaluationStarts(t *testing.T) {
	s, datasetID, judgeID := evaluationWorld(t)
	r := postJSON(t, s, assessRunPath, evaluationBody(testSpace, datasetID, "nightly", judgeID))
	wantStatus(t, r, http.StatusOK)
	var answer struct {
		Message string            `json:"message"`
		Data    map[string]string `json:"data"`
	}
	if err := json.Unmarshal(r.body, &answer); err != nil || answer.Message == "" {
		t.Fatalf("answer %s is not an ApiResponse", r.body)
	}
	runs := s.Evaluations()
	if len(runs) != 1 || runs[0].ID != answer.Data["evaluation_id"] || runs[0].DatasetID != datasetID ||
		fmt.Sprint(runs[0].JudgeIDs) != "["+judgeID+"]" || runs[0].Name != "nightly" || !runs[0].RollData {
		t.Fatalf("runs %+v, answer %s", runs, r.body)
	}
	wantStatus(t, postJSON(t, s, assessRunPath, strings.Replace(evaluationBody(testSpace, datasetID, "again", judgeID), `}`, `,"roll_data":false}`, 1)), http.StatusOK)
	if runs := s.Evaluations(); len(runs) != 2 || runs[1].RollData {
		t.Fatalf("runs %+v", runs)
	}
	if last := s.Requests()[1]; last.Stored != 1 || last.SpaceID != testSpace {
		t.Fatalf("log entry %+v", last)
	}
}

func TestEvaluationUnknownDatasetOrJudge(t *testing.T) {
	s, datasetID, judgeID := evaluationWorld(t)
	other := "00000000-0000-4000-8000-000000000000"
	otherJudge := s.AddJudge(other, "tone", "custom")
	cases := []struct {
		name, body, detail string
	}{
		{"unknown dataset", evaluationBody(testSpace, other, "n", judgeID), "Dataset not found"},
		{"dataset of another space", evaluationBody(other, datasetID, "n", otherJudge), "Dataset not found"},
		{"unknown judge", evaluationBody(testSpace, datasetID, "n", judgeID, other), "Judge not found"},
		{"judge of another space", evaluationBody(testSpace, datasetID, "n", otherJudge), "Judge not found"},
	}
	for _, tc := range cases {
		r := postJSON(t, s, assessRunPath, tc.body)
		wantStatus(t, r, http.StatusNotFound)
		if r.detail(t) != tc.detail {
			t.Errorf("%s: detail %s, want %q", tc.name, r.body, tc.detail)
		}
	}
	s.RemoveSpace(testSpace)
	r := postJSON(t, s, assessRunPath, evaluationBody(testSpace, datasetID, "n", judgeID))
	wantStatus(t, r, http.StatusNotFound)
	if r.detail(t) != "Space not found" {
		t.Errorf("removed space: %s", r.body)
	}
	if n := len(s.Evaluations()); n != 0 {
		t.Fatalf("%d runs stored", n)
	}
}

func TestEvaluationValidation422(t *testing.T) {
	s, datasetID, judgeID := evaluationWorld(t)
	cases := []struct {
		name, body, loc, typ string
		count                int
	}{
		{"empty object", `{}`, "body.dataset_id", "missing", 4},
		{"bad judge id", evaluationBody(testSpace, datasetID, "n", judgeID, "j2"), "body.judge_ids.1", "uuid_parsing", 1},
		{"judge ids not a list", strings.Replace(evaluationBody(testSpace, datasetID, "n"), `null`, `"`+judgeID+`"`, 1), "body.judge_ids", "list_type", 1},
		{"roll_data", strings.Replace(evaluationBody(testSpace, datasetID, "n", judgeID), `}`, `,"roll_data":[]}`, 1), "body.roll_data", "bool_type", 1},
		{"dataset id", evaluationBody(testSpace, "d", "n", judgeID), "body.dataset_id", "uuid_parsing", 1},
	}
	for _, tc := range cases {
		r := postJSON(t, s, assessRunPath, tc.body)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		issues := r.issues(t)
		loc := make([]string, 0, 3)
		for _, l := range issues[0].Loc {
			loc = append(loc, fmt.Sprint(l))
		}
		if len(issues) != tc.count || strings.Join(loc, ".") != tc.loc || issues[0].Type != tc.typ {
			t.Errorf("%s: %s, want %d issue(s), the first %s %s", tc.name, r.body, tc.count, tc.loc, tc.typ)
		}
	}
	if n := len(s.Evaluations()); n != 0 {
		t.Fatalf("%d runs stored", n)
	}
}

func TestEvaluationFaults(t *testing.T) {
	s, datasetID, judgeID := evaluationWorld(t)
	body := evaluationBody(testSpace, datasetID, "n", judgeID)
	s.InjectFaults(Fault{Kind: Fault503, Path: assessRunPath}, Fault{Kind: Fault504AfterCommit, Path: assessRunPath})
	wantStatus(t, postJSON(t, s, assessRunPath, body), http.StatusServiceUnavailable)
	if n := len(s.Evaluations()); n != 0 {
		t.Fatalf("a 503 started %d run(s)", n)
	}
	wantStatus(t, postJSON(t, s, assessRunPath, body), http.StatusGatewayTimeout)
	if n := len(s.Evaluations()); n != 1 {
		t.Fatalf("504 after commit: %d run(s), want 1", n)
	}
}

func TestControlJudgesAndEvaluations(t *testing.T) {
	s, datasetID, judgeID := evaluationWorld(t)
	other := "00000000-0000-4000-8000-000000000000"
	s.AddJudge(other, "other", "safety")
	wantStatus(t, postJSON(t, s, assessRunPath, evaluationBody(testSpace, datasetID, "n", judgeID)), http.StatusOK)

	var judges []Judge
	r := control(t, s, http.MethodGet, "/_emulator/judges", "")
	if err := json.Unmarshal(r.body, &judges); err != nil || len(judges) != 2 || judges[0].SpaceID != other {
		t.Fatalf("judges %s", r.body)
	}
	r = control(t, s, http.MethodGet, "/_emulator/judges?space_id="+testSpace, "")
	if err := json.Unmarshal(r.body, &judges); err != nil || len(judges) != 1 || judges[0].ID != judgeID {
		t.Fatalf("judges of one space %s", r.body)
	}
	var runs []Evaluation
	r = control(t, s, http.MethodGet, "/_emulator/evaluations", "")
	if err := json.Unmarshal(r.body, &runs); err != nil || len(runs) != 1 || runs[0].DatasetID != datasetID {
		t.Fatalf("evaluations %s", r.body)
	}

	s.RemoveSpace(other)
	wantStatus(t, control(t, s, http.MethodPost, "/_emulator/reset", ""), http.StatusOK)
	for _, path := range []string{"/_emulator/judges", "/_emulator/evaluations"} {
		if r := control(t, s, http.MethodGet, path, ""); string(r.body) != "[]" {
			t.Fatalf("%s after reset: %s", path, r.body)
		}
	}
	// Reset forgets removed spaces too.
	wantStatus(t, listJudges(t, s, other), http.StatusOK)
}
