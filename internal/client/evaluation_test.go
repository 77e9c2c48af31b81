package client

import (
	"errors"
	"strings"
	"testing"
)

func testEvaluation() EvaluationRequest {
	return EvaluationRequest{
		DatasetID: "0e5a0c1e-9a43-4b9e-8f0e-7f3f9d1d2c33", SpaceID: testSpace,
		JudgeIDs: []string{testJudgeID}, Name: "nightly", RollData: true,
	}
}

func TestStartEvaluationSendsTheDTO(t *testing.T) {
	seq := (&answerSequence{t: t}).add(200, `{"message":"Evaluation started","data":{ "run": 1 }}`)
	c, _, _ := newTestClient(t, seq)
	res, err := c.StartEvaluation(testCtx(t), testEvaluation())
	if err != nil {
		t.Fatal(err)
	}
	if res.Message != "Evaluation started" || string(res.Data) != `{"run":1}` {
		t.Fatalf("answer %q %s", res.Message, res.Data)
	}
	want := `{"dataset_id":"0e5a0c1e-9a43-4b9e-8f0e-7f3f9d1d2c33","space_id":"` + testSpace + `","judge_ids":["` + testJudgeID + `"],"name":"nightly","roll_data":true}`
	if seq.methods[0] != "POST" || seq.paths[0] != AssessRunPath || seq.received[0] != want {
		t.Fatalf("request %s %s\n%s\nwant\n%s", seq.methods[0], seq.paths[0], seq.received[0], want)
	}
}

func TestStartEvaluationData(t *testing.T) {
	cases := map[string]string{
		`{"message":"ok"}`:                                      `{}`, // the documented default
		`{"message":"ok","data":null}`:                          ``,
		`{"message":"ok","data":{"a":[1]}}`:                     `{"a":[1]}`,
		`{"data":{},"message":"ok","x":true}`:                   `{}`,
		"{\"message\":\"ok\",\"data\" :\n { \"a\" : [ 1 ] }\n}": `{"a":[1]}`,
		`{"message":"ok","data": null }`:                        ``,
	}
	for answer, want := range cases {
		seq := (&answerSequence{t: t}).add(200, answer)
		c, _, _ := newTestClient(t, seq)
		res, err := c.StartEvaluation(testCtx(t), testEvaluation())
		if err != nil || string(res.Data) != want || res.Message != "ok" {
			t.Errorf("answer %s: %+v, %v; want data %q", answer, res, err, want)
		}
	}
}

func TestStartEvaluationUnreadableAnswerIsProbablyStarted(t *testing.T) {
	for _, answer := range []string{`{"data":{}}`, `{"message":"ok","data":[1]}`, `[]`, `{"message":"ok"`} {
		seq := (&answerSequence{t: t}).add(200, answer)
		c, _, _ := newTestClient(t, seq)
		_, err := c.StartEvaluation(testCtx(t), testEvaluation())
		var unknown *OutcomeUnknownError
		if !errors.As(err, &unknown) || !unknown.ProbablyStored {
			t.Errorf("answer %s: err = %v, want a probably stored outcome", answer, err)
		}
	}
}

func TestStartEvaluationIsNotResent(t *testing.T) {
	seq := (&answerSequence{t: t}).add(503, `{"detail":"Service temporarily unavailable"}`)
	c, _, _ := newTestClient(t, seq)
	_, err := c.StartEvaluation(testCtx(t), testEvaluation())
	var unknown *OutcomeUnknownError
	if !errors.As(err, &unknown) || unknown.ProbablyStored || seq.calls.Load() != 1 {
		t.Fatalf("err = %v after %d attempt(s), want an unknown outcome after 1", err, seq.calls.Load())
	}
	if !strings.Contains(unknown.Cause.Error(), "503") {
		t.Errorf("cause %v does not name the status", unknown.Cause)
	}
}

func TestStartEvaluationNeedsJudges(t *testing.T) {
	seq := &answerSequence{t: t}
	c, _, _ := newTestClient(t, seq)
	req := testEvaluation()
	req.JudgeIDs = nil
	if _, err := c.StartEvaluation(testCtx(t), req); err == nil || seq.calls.Load() != 0 {
		t.Fatalf("err = %v after %d request(s)", err, seq.calls.Load())
	}
}
