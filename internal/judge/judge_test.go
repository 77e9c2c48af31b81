package judge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
)

const space = "3c90c3cc-0d44-4b50-8888-8dd25736052a"

// outcome is what the fake API does with one creation.
type outcome int

const (
	stored       outcome = iota // stored and answered
	storedLost                  // stored, answer lost (a dropped connection, a 504)
	notStored                   // not stored, answer lost (a 503 before the service)
	storedBroken                // stored, 200 with an unreadable answer
	refused                     // a definite error (422)
	storedLate                  // answer lost, stored at list number fakeAPI.landsAt (never when 0)
)

// fakeAPI models the platform: a list of judges, and creations that follow
// a script of outcomes.
type fakeAPI struct {
	judges   []client.Judge
	script   []outcome
	creates  int
	lists    int
	listErrs map[int]error // by list call, from 1
	// onCreate runs during each creation, before it is stored: someone
	// else acting on the space at the same time.
	onCreate func(f *fakeAPI)
	// cancel, when set, is called during the first creation.
	cancel context.CancelFunc
	// landsAt is the list call (from 1) before which a storedLate creation
	// is stored; late holds that creation while it is pending.
	landsAt int
	late    *client.JudgeCreateRequest
}

func (f *fakeAPI) ListJudges(ctx context.Context, spaceID string) ([]client.Judge, error) {
	f.lists++
	if f.late != nil && f.lists == f.landsAt {
		f.store(*f.late)
		f.late = nil
	}
	if err := f.listErrs[f.lists]; err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return append([]client.Judge(nil), f.judges...), nil
}

func (f *fakeAPI) CreateJudge(_ context.Context, req client.JudgeCreateRequest) (string, error) {
	f.creates++
	if f.cancel != nil && f.creates == 1 {
		f.cancel()
	}
	if f.onCreate != nil {
		f.onCreate(f)
	}
	o := stored
	if len(f.script) > 0 {
		o, f.script = f.script[0], f.script[1:]
	}
	store := func() string { return f.store(req) }
	switch o {
	case stored:
		return store(), nil
	case storedLost:
		store()
		return "", &client.OutcomeUnknownError{Cause: errors.New("connection reset")}
	case notStored:
		return "", &client.OutcomeUnknownError{Cause: &client.APIError{StatusCode: 503}}
	case storedBroken:
		store()
		return "", &client.OutcomeUnknownError{Cause: errors.New("unreadable"), ProbablyStored: true}
	case storedLate:
		f.late = &req
		return "", &client.OutcomeUnknownError{Cause: &client.APIError{StatusCode: 504}}
	}
	return "", &client.APIError{StatusCode: 422, Detail: "bad model_name"}
}

func (f *fakeAPI) store(req client.JudgeCreateRequest) string {
	id := fmt.Sprintf("judge-%d", len(f.judges)+1)
	f.judges = append(f.judges, client.Judge{ID: id, Name: req.Name, BehaviorType: req.BehaviorType})
	return id
}

func (f *fakeAPI) named(name string) []string {
	var ids []string
	for _, j := range f.judges {
		if j.Name == name {
			ids = append(ids, j.ID)
		}
	}
	return ids
}

func request() client.JudgeCreateRequest {
	return client.JudgeCreateRequest{SpaceID: space, Name: "tone", BehaviorType: "custom", ModelName: "prompted_model"}
}

func create(t *testing.T, f *fakeAPI, resends int) (*Result, error) {
	t.Helper()
	waits := 0
	res, err := Create(context.Background(), f, request(), Options{Resends: resends, Wait: func(_ context.Context, n int) error {
		waits++
		if n != waits {
			t.Errorf("wait numbered %d, want %d", n, waits)
		}
		return nil
	}})
	if err == nil && res.ID == "" {
		t.Fatal("no error and no id")
	}
	return res, err
}

func TestCreateAnswered(t *testing.T) {
	f := &fakeAPI{judges: []client.Judge{{ID: "old", Name: "tone", BehaviorType: "custom"}, {ID: "other", Name: "tone", BehaviorType: "safety"}}}
	res, err := create(t, f, 2)
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != "judge-3" || res.Recovered || fmt.Sprint(res.SameName) != "[old]" {
		t.Fatalf("result %+v", res)
	}
	if f.creates != 1 || f.lists != 1 {
		t.Fatalf("%d creations and %d lists, want 1 and 1", f.creates, f.lists)
	}
}

func TestCreateLostAnswerClaimsTheNewJudge(t *testing.T) {
	f := &fakeAPI{script: []outcome{storedLost}}
	res, err := create(t, f, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Recovered || res.ID != "judge-1" || f.creates != 1 || len(f.named("tone")) != 1 {
		t.Fatalf("result %+v after %d creation(s), judges %v", res, f.creates, f.judges)
	}
}

// A judge of the same name that existed before the creation is never
// claimed: only the one that appeared since.
func TestCreateLostAnswerIgnoresJudgesThatWereThereBefore(t *testing.T) {
	f := &fakeAPI{
		judges: []client.Judge{{ID: "older", Name: "tone", BehaviorType: "custom"}},
		script: []outcome{storedLost},
	}
	res, err := create(t, f, 2)
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != "judge-2" || !res.Recovered || fmt.Sprint(res.SameName) != "[older]" || f.creates != 1 {
		t.Fatalf("result %+v after %d creation(s)", res, f.creates)
	}
}

func TestCreateResendsOnlyWhatDidNotLand(t *testing.T) {
	f := &fakeAPI{script: []outcome{notStored, notStored, stored}}
	res, err := create(t, f, 2)
	if err != nil {
		t.Fatal(err)
	}
	if res.Recovered || f.creates != 3 || len(f.named("tone")) != 1 || res.ID != f.named("tone")[0] {
		t.Fatalf("result %+v after %d creation(s), judges %v", res, f.creates, f.judges)
	}
}

func TestCreateResendThenLostAnswer(t *testing.T) {
	f := &fakeAPI{script: []outcome{notStored, storedLost}}
	res, err := create(t, f, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Recovered || f.creates != 2 || len(f.named("tone")) != 1 {
		t.Fatalf("result %+v after %d creation(s), judges %v", res, f.creates, f.judges)
	}
}

func TestCreateGivesUpAfterResends(t *testing.T) {
	f := &fakeAPI{script: []outcome{notStored, notStored, notStored, notStored}}
	_, err := create(t, f, 2)
	var unresolved *UnresolvedError
	if !errors.As(err, &unresolved) || !unresolved.NotCreated() || unresolved.Attempts != 3 {
		t.Fatalf("err = %#v", err)
	}
	if f.creates != 3 || len(f.judges) != 0 {
		t.Fatalf("%d creations, judges %v", f.creates, f.judges)
	}
	if !strings.Contains(err.Error(), "3 time(s)") || !strings.Contains(err.Error(), "no new judge") {
		t.Errorf("message: %v", err)
	}
}

func TestCreateWithoutResends(t *testing.T) {
	f := &fakeAPI{script: []outcome{notStored}}
	_, err := create(t, f, 0)
	var unresolved *UnresolvedError
	if !errors.As(err, &unresolved) || f.creates != 1 {
		t.Fatalf("err = %v after %d creation(s)", err, f.creates)
	}
}

func TestCreateTwoNewCandidatesIsAmbiguous(t *testing.T) {
	f := &fakeAPI{
		script: []outcome{storedLost},
		onCreate: func(f *fakeAPI) {
			// Someone else creates a judge of the same name meanwhile.
			f.judges = append(f.judges, client.Judge{ID: "theirs", Name: "tone", BehaviorType: "custom"})
			f.onCreate = nil
		},
	}
	_, err := create(t, f, 2)
	var ambiguous *AmbiguousError
	if !errors.As(err, &ambiguous) || fmt.Sprint(ambiguous.Candidates) != "[theirs judge-2]" {
		t.Fatalf("err = %v", err)
	}
	if f.creates != 1 {
		t.Fatalf("%d creations: an ambiguous outcome must not be resent", f.creates)
	}
	for _, want := range []string{"theirs", "judge-2", "none was adopted"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message does not say %q: %v", want, err)
		}
	}
}

func TestCreateIgnoresNewJudgesOfAnotherKind(t *testing.T) {
	f := &fakeAPI{
		script: []outcome{storedLost},
		onCreate: func(f *fakeAPI) {
			f.judges = append(f.judges,
				client.Judge{ID: "same-name-safety", Name: "tone", BehaviorType: "safety"},
				client.Judge{ID: "other-name", Name: "tone2", BehaviorType: "custom"})
			f.onCreate = nil
		},
	}
	res, err := create(t, f, 2)
	if err != nil || res.ID != "judge-3" {
		t.Fatalf("result %+v, %v", res, err)
	}
}

func TestCreateListFailsAfterLostAnswer(t *testing.T) {
	f := &fakeAPI{script: []outcome{storedLost}, listErrs: map[int]error{2: errors.New("HTTP 500")}}
	_, err := create(t, f, 2)
	var unresolved *UnresolvedError
	if !errors.As(err, &unresolved) || unresolved.LookupErr == nil || f.creates != 1 {
		t.Fatalf("err = %v after %d creation(s)", err, f.creates)
	}
	if !strings.Contains(err.Error(), "may or may not") || !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("message: %v", err)
	}
}

func TestCreateProbablyStoredButNotListedIsNotResent(t *testing.T) {
	f := &fakeAPI{script: []outcome{storedBroken}}
	hidden := &hidingAPI{fakeAPI: f}
	_, err := Create(context.Background(), hidden, request(), Options{Resends: 2})
	var unresolved *UnresolvedError
	if !errors.As(err, &unresolved) || !unresolved.ProbablyStored || f.creates != 1 {
		t.Fatalf("err = %v after %d creation(s)", err, f.creates)
	}
}

// hidingAPI lists no judge created after the first list: a platform whose
// list lags behind its writes.
type hidingAPI struct {
	*fakeAPI
	seen []client.Judge
}

func (h *hidingAPI) ListJudges(ctx context.Context, spaceID string) ([]client.Judge, error) {
	if h.seen == nil {
		j, err := h.fakeAPI.ListJudges(ctx, spaceID)
		h.seen = append([]client.Judge{}, j...)
		return j, err
	}
	return h.seen, nil
}

func TestCreateProbablyStoredAndListedIsClaimed(t *testing.T) {
	f := &fakeAPI{script: []outcome{storedBroken}}
	res, err := create(t, f, 2)
	if err != nil || !res.Recovered || f.creates != 1 {
		t.Fatalf("result %+v, %v after %d creation(s)", res, err, f.creates)
	}
}

func TestCreateRefusedIsReturnedAsIs(t *testing.T) {
	f := &fakeAPI{script: []outcome{refused}}
	_, err := create(t, f, 2)
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 422 || f.creates != 1 || f.lists != 1 {
		t.Fatalf("err = %v after %d creation(s) and %d list(s)", err, f.creates, f.lists)
	}
}

func TestCreateNeedsTheListFirst(t *testing.T) {
	f := &fakeAPI{listErrs: map[int]error{1: errors.New("HTTP 403")}}
	_, err := create(t, f, 2)
	if err == nil || f.creates != 0 || !strings.Contains(err.Error(), "nothing was created") {
		t.Fatalf("err = %v after %d creation(s)", err, f.creates)
	}
}

// An interrupt during the creation still lets the list find the judge, so it
// is recorded instead of orphaned.
func TestCreateInterruptedStillLooksTheJudgeUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &fakeAPI{script: []outcome{storedLost}, cancel: cancel}
	res, err := Create(ctx, f, request(), Options{Resends: 2})
	if err != nil || !res.Recovered {
		t.Fatalf("result %+v, %v", res, err)
	}
}

func TestCreateWaitEndedStopsResending(t *testing.T) {
	f := &fakeAPI{script: []outcome{notStored}}
	_, err := Create(context.Background(), f, request(), Options{Resends: 2, Wait: func(context.Context, int) error { return context.Canceled }})
	if !errors.Is(err, context.Canceled) || f.creates != 1 || !strings.Contains(err.Error(), "was not created") {
		t.Fatalf("err = %v after %d creation(s)", err, f.creates)
	}
}

// A gateway that gave up (504) before the creation landed: the judge appears
// in a later list and is claimed; it is never sent again meanwhile.
func TestCreateLateLandingIsClaimedNotResent(t *testing.T) {
	f := &fakeAPI{script: []outcome{storedLate}, landsAt: 3}
	res, err := create(t, f, 2)
	if err != nil || !res.Recovered || res.ID != "judge-1" {
		t.Fatalf("result %+v, %v", res, err)
	}
	if f.creates != 1 || f.lists != 3 || len(f.named("tone")) != 1 {
		t.Fatalf("%d creation(s), %d list(s), judges %v", f.creates, f.lists, f.judges)
	}
}

// A creation that may still land and does not show up is reported, never
// sent again: it could land after the last list.
func TestCreateThatMayStillLandIsNeverResent(t *testing.T) {
	f := &fakeAPI{script: []outcome{storedLate}}
	_, err := create(t, f, 2)
	var unresolved *UnresolvedError
	if !errors.As(err, &unresolved) || !unresolved.MayStillLand || unresolved.NotCreated() || unresolved.Looks != 3 {
		t.Fatalf("err = %#v", err)
	}
	if f.creates != 1 || f.lists != 4 {
		t.Fatalf("%d creation(s) and %d list(s), want 1 and 4", f.creates, f.lists)
	}
	for _, want := range []string{"may still land", "3 look(s)", "not sent again"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message does not say %q: %v", want, err)
		}
	}
}

// A wait that ends (an interrupt, the create timeout) while a creation may
// still land ends the looking, and still sends nothing again.
func TestCreateWaitEndedWhileItMayStillLand(t *testing.T) {
	f := &fakeAPI{script: []outcome{storedLate}}
	_, err := Create(context.Background(), f, request(), Options{Resends: 2, Wait: func(context.Context, int) error { return context.Canceled }})
	var unresolved *UnresolvedError
	if !errors.As(err, &unresolved) || !unresolved.MayStillLand || f.creates != 1 || f.lists != 2 {
		t.Fatalf("err = %v after %d creation(s) and %d list(s)", err, f.creates, f.lists)
	}
}
