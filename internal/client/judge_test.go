package client

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// answerSequence answers each request with the next status and body, and
// records the bodies received.
type answerSequence struct {
	t       *testing.T
	answers []struct {
		status int
		body   string
	}
	calls    atomic.Int32
	received []string
	methods  []string
	paths    []string
}

func (a *answerSequence) add(status int, body string) *answerSequence {
	a.answers = append(a.answers, struct {
		status int
		body   string
	}{status, body})
	return a
}

func (a *answerSequence) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(a.calls.Add(1)) - 1
	b, _ := io.ReadAll(r.Body)
	a.received = append(a.received, string(b))
	a.methods = append(a.methods, r.Method)
	a.paths = append(a.paths, r.URL.EscapedPath())
	if r.Header.Get("Authorization") != "Bearer "+testKey {
		a.t.Errorf("Authorization header %q", r.Header.Get("Authorization"))
	}
	if n >= len(a.answers) {
		a.t.Errorf("unexpected request %d to %s", n+1, r.URL.Path)
		w.WriteHeader(http.StatusTeapot)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.answers[n].status)
	_, _ = io.WriteString(w, a.answers[n].body)
}

const testJudgeID = "a2b7e4a6-3f0e-4e8e-9d61-1d1e0b5f7c11"

func TestCreateJudgeSendsTheDTOAndReturnsTheID(t *testing.T) {
	seq := (&answerSequence{t: t}).add(200, `"`+testJudgeID+`"`)
	c, _, _ := newTestClient(t, seq)
	prompt := "Rate {response}"
	id, err := c.CreateJudge(testCtx(t), JudgeCreateRequest{
		SpaceID: testSpace, Name: "tone", BehaviorType: "custom", ModelName: "prompted_model",
		PromptTemplate: &prompt,
	})
	if err != nil || id != testJudgeID {
		t.Fatalf("CreateJudge = %q, %v", id, err)
	}
	if seq.methods[0] != "POST" || seq.paths[0] != JudgeCreatePath {
		t.Fatalf("request %s %s", seq.methods[0], seq.paths[0])
	}
	want := `{"space_id":"` + testSpace + `","name":"tone","judge_behavior_type":"custom","model_name":"prompted_model","prompt_template":"Rate {response}","judge_values":[],"optimize_prompt":false,"dataset_annotation_ids":[]}`
	if seq.received[0] != want {
		t.Fatalf("body\n%s\nwant\n%s", seq.received[0], want)
	}
}

func TestCreateJudgeRetriesOnlyWhatStoredNothing(t *testing.T) {
	req := JudgeCreateRequest{SpaceID: testSpace, Name: "n", BehaviorType: "safety", ModelName: "llama_guard"}

	seq := (&answerSequence{t: t}).add(429, `{"detail":"Too Many Requests"}`).add(200, `"`+testJudgeID+`"`)
	c, _, _ := newTestClient(t, seq)
	if id, err := c.CreateJudge(testCtx(t), req); err != nil || id != testJudgeID {
		t.Fatalf("after a 429: %q, %v", id, err)
	}

	for _, status := range []int{500, 502, 503, 504} {
		seq := (&answerSequence{t: t}).add(status, `{"detail":"down"}`)
		c, _, _ := newTestClient(t, seq)
		_, err := c.CreateJudge(testCtx(t), req)
		var unknown *OutcomeUnknownError
		if !errors.As(err, &unknown) || unknown.ProbablyStored {
			t.Fatalf("HTTP %d: err = %v, want an unknown outcome", status, err)
		}
		if n := seq.calls.Load(); n != 1 {
			t.Fatalf("HTTP %d: %d attempts, want 1: a judge creation is not resent", status, n)
		}
	}
}

func TestCreateJudgeUnreadableAnswerIsProbablyStored(t *testing.T) {
	for _, body := range []string{`{"id":"x"}`, `""`, `not json`, `12`} {
		seq := (&answerSequence{t: t}).add(200, body)
		c, _, _ := newTestClient(t, seq)
		_, err := c.CreateJudge(testCtx(t), JudgeCreateRequest{SpaceID: testSpace, Name: "n", BehaviorType: "safety", ModelName: "llama_guard"})
		var unknown *OutcomeUnknownError
		if !errors.As(err, &unknown) || !unknown.ProbablyStored {
			t.Fatalf("answer %s: err = %v, want a probably stored outcome", body, err)
		}
		if !strings.Contains(err.Error(), "non-empty JSON string") {
			t.Errorf("answer %s: error does not say what was expected: %v", body, err)
		}
		var ue *UnexpectedResponseError
		if !errors.As(err, &ue) || ue.Path != JudgeCreatePath {
			t.Errorf("answer %s: err = %v, want an *UnexpectedResponseError about %s", body, err, JudgeCreatePath)
		}
	}
}

// TestCreateJudgeUnknownOutcomeNamesTheJudge: a judge creation's unknown
// outcome, after a 200 with an unreadable answer or after a 503, speaks of the
// judge creation, not of an upload or its rows.
func TestCreateJudgeUnknownOutcomeNamesTheJudge(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
	}{{200, `not json`}, {503, `{"detail":"busy"}`}} {
		seq := (&answerSequence{t: t}).add(tc.status, tc.body)
		c, _, _ := newTestClient(t, seq)
		_, err := c.CreateJudge(testCtx(t), JudgeCreateRequest{SpaceID: testSpace, Name: "n", BehaviorType: "safety", ModelName: "llama_guard"})
		var unknown *OutcomeUnknownError
		if !errors.As(err, &unknown) || unknown.ProbablyStored != (tc.status == 200) {
			t.Fatalf("HTTP %d: err = %v, want an unknown outcome", tc.status, err)
		}
		for _, text := range []string{unknown.Summary(), unknown.Error()} {
			if !strings.Contains(text, "judge creation") {
				t.Errorf("HTTP %d: %q does not name the judge creation", tc.status, text)
			}
			for _, wrong := range []string{"upload", "row"} {
				if strings.Contains(text, wrong) {
					t.Errorf("HTTP %d: %q speaks of %q", tc.status, text, wrong)
				}
			}
		}
	}
}

func TestCreateJudgeValidationError(t *testing.T) {
	seq := (&answerSequence{t: t}).add(422, `{"detail":[{"loc":["body","model_name"],"msg":"Input should be 'llama_guard'","type":"enum"}]}`)
	c, _, _ := newTestClient(t, seq)
	_, err := c.CreateJudge(testCtx(t), JudgeCreateRequest{SpaceID: testSpace, Name: "n", BehaviorType: "safety", ModelName: "gpt"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 422 || !strings.Contains(err.Error(), "body.model_name") {
		t.Fatalf("err = %v", err)
	}
}

func TestListJudges(t *testing.T) {
	list := `[{"id":"` + testJudgeID + `","name":"tone","behavior_type":"custom"},{"id":"b","name":"","behavior_type":"safety"}]`
	seq := (&answerSequence{t: t}).add(503, `{"detail":"busy"}`).add(200, list)
	c, _, _ := newTestClient(t, seq)
	judges, err := c.ListJudges(testCtx(t), testSpace)
	if err != nil {
		t.Fatal(err)
	}
	want := []Judge{{testJudgeID, "tone", "custom"}, {"b", "", "safety"}}
	got, _ := json.Marshal(judges)
	wantJSON, _ := json.Marshal(want)
	if string(got) != string(wantJSON) {
		t.Fatalf("judges %s, want %s", got, wantJSON)
	}
	if seq.methods[1] != "GET" || seq.paths[1] != "/api/v1/space/"+testSpace+"/judges" || seq.received[1] != "" {
		t.Fatalf("request %s %s with body %q", seq.methods[1], seq.paths[1], seq.received[1])
	}
}

func TestListJudgesErrors(t *testing.T) {
	cases := []struct {
		name, body string
		status     int
		sentinel   error
		text       string
	}{
		{"space gone", `{"detail":"Space not found"}`, 404, ErrSpaceNotFound, "check space_id"},
		{"route missing", `{"detail":"Not Found"}`, 404, ErrJudgeListUnavailable, "check base_url"},
		{"method not allowed", `{"detail":"Method Not Allowed"}`, 405, ErrJudgeListUnavailable, "check base_url"},
		{"not a list", `{"judges":[]}`, 200, nil, "want a JSON array"},
		{"missing name", `[{"id":"a","behavior_type":"safety"}]`, 200, nil, "judge 0 lacks"},
		{"null id", `[{"id":null,"name":"a","behavior_type":"safety"}]`, 200, nil, "judge 0 lacks"},
	}
	for _, tc := range cases {
		seq := (&answerSequence{t: t}).add(tc.status, tc.body)
		c, _, _ := newTestClient(t, seq)
		_, err := c.ListJudges(testCtx(t), testSpace)
		if err == nil || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.name, err, tc.text)
			continue
		}
		if tc.sentinel != nil {
			var apiErr *APIError
			if !errors.Is(err, tc.sentinel) || !errors.As(err, &apiErr) {
				t.Errorf("%s: err = %v, want %v wrapping the API error", tc.name, err, tc.sentinel)
			}
		}
	}
}

func TestCreateJudgeDroppedConnectionIsUnknown(t *testing.T) {
	var calls atomic.Int32
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.ReadAll(r.Body)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_ = conn.Close()
	}))
	_, err := c.CreateJudge(testCtx(t), JudgeCreateRequest{SpaceID: testSpace, Name: "n", BehaviorType: "safety", ModelName: "llama_guard"})
	var unknown *OutcomeUnknownError
	if !errors.As(err, &unknown) || unknown.ProbablyStored || calls.Load() != 1 {
		t.Fatalf("err = %v after %d attempt(s), want an unknown outcome after 1", err, calls.Load())
	}
}
