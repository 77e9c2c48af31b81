// Package judge creates a judge on the Collinear platform at most once.
//
// Creating a judge is not idempotent and the API has no delete, so a request
// whose answer was lost (a dropped connection, a 503 from a gateway, a
// timeout) must not simply be sent again. The rule: list the space's judges
// before creating; after an unknown outcome, list them again and claim the
// one judge with the requested name and behaviour type that was not there
// before. Names need not be unique, so a judge of the same name that existed
// before the creation is never claimed, and two new candidates are an error
// that names them rather than a guess. A creation that may still be running
// (no answer came back, or a gateway gave up waiting for it) is looked for
// again, a few times, and never sent again: it could land after the list.
// Only a creation that is over (the API answered 500, 502 or 503) and that
// the list shows did not land is sent again.
package judge

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
)

// API is what Create needs of the client.
type API interface {
	ListJudges(ctx context.Context, spaceID string) ([]client.Judge, error)
	CreateJudge(ctx context.Context, req client.JudgeCreateRequest) (string, error)
}

// Options tunes Create.
type Options struct {
	// Resends bounds how many times a creation is sent again after an
	// unknown outcome that the list showed stored nothing, and how many
	// times the list is read again for a creation that may still land.
	Resends int
	// Wait runs before each resend and each further list (numbered from 1)
	// and may end early with ctx's error; nil does not wait.
	Wait func(ctx context.Context, n int) error
}

// Result is a created (or recovered) judge.
type Result struct {
	ID string
	// Recovered says the creation's answer was lost and the judge was found
	// in the space's list instead.
	Recovered bool
	// SameName holds the ids of judges with the same name and behaviour
	// type that were in the space before the creation: not ours, but worth
	// telling the user about (an earlier run may have lost track of one).
	SameName []string
}

// recoveryTimeout bounds the list that looks for a judge after an unknown
// outcome when the caller's context has already ended (an interrupt): the
// judge may exist, and finding it is what keeps it from being orphaned.
const recoveryTimeout = 30 * time.Second

// Create creates the judge req describes, at most once (see the package
// comment). Its errors are the client's when nothing was created (the list
// before failed, or the API refused the request), *AmbiguousError, or
// *UnresolvedError.
func Create(ctx context.Context, api API, req client.JudgeCreateRequest, opts Options) (*Result, error) {
	before, err := api.ListJudges(ctx, req.SpaceID)
	if err != nil {
		return nil, fmt.Errorf("listing the judges of space %s before creating judge %q (needed to recover from a lost answer without creating it twice); nothing was created: %w", req.SpaceID, req.Name, err)
	}
	c := &creation{api: api, req: req, opts: opts, known: make(map[string]bool, len(before)), res: &Result{}}
	for _, j := range before {
		c.known[j.ID] = true
		if matches(j, req) {
			c.res.SameName = append(c.res.SameName, j.ID)
		}
	}
	return c.send(ctx)
}

// creation is one call of Create: what it knew of the space before sending.
type creation struct {
	api   API
	req   client.JudgeCreateRequest
	opts  Options
	known map[string]bool // the ids listed before the creation
	res   *Result
}

// send sends the creation, and again while the list shows that an attempt
// that is over did not land.
func (c *creation) send(ctx context.Context) (*Result, error) {
	for attempt := 1; ; attempt++ {
		if attempt > 1 && c.opts.Wait != nil {
			if err := c.opts.Wait(ctx, attempt-1); err != nil {
				return nil, fmt.Errorf("judge %q was not created: the answer to the last attempt was lost, the list of space %s showed that it did not land, and the wait before sending it again ended: %w", c.req.Name, c.req.SpaceID, err)
			}
		}
		id, err := c.api.CreateJudge(ctx, c.req)
		if err == nil {
			c.res.ID = id
			return c.res, nil
		}
		var unknown *client.OutcomeUnknownError
		if !errors.As(err, &unknown) {
			return nil, err
		}
		if unknown.MayStillRun() {
			return c.findLanding(ctx, unknown, attempt)
		}
		unresolved := &UnresolvedError{SpaceID: c.req.SpaceID, Name: c.req.Name, Attempts: attempt, Cause: err}
		if res, err := c.look(ctx, unresolved); res != nil || err != nil {
			return res, err
		}
		if attempt > c.opts.Resends {
			return nil, unresolved
		}
	}
}

// findLanding looks for the judge of a creation that may still be running:
// it lists the space, and again after each wait, up to opts.Resends more
// times, and claims the judge once it appears. It never sends the creation
// again, since the first could land after any list.
func (c *creation) findLanding(ctx context.Context, cause *client.OutcomeUnknownError, attempts int) (*Result, error) {
	unresolved := &UnresolvedError{SpaceID: c.req.SpaceID, Name: c.req.Name, Attempts: attempts, Cause: cause,
		MayStillLand: true, ProbablyStored: cause.ProbablyStored}
	for look := 0; ; look++ {
		if look > 0 && c.opts.Wait != nil && c.opts.Wait(ctx, look) != nil {
			return nil, unresolved
		}
		unresolved.Looks = look + 1
		if res, err := c.look(ctx, unresolved); res != nil || err != nil {
			return res, err
		}
		if look >= c.opts.Resends {
			return nil, unresolved
		}
	}
}

// look lists the space again and settles the creation by the judges that
// appeared since: the one new judge is claimed, several are an
// *AmbiguousError, and a failed list is unresolved (its LookupErr set). When
// no new judge appeared it returns nil, nil.
func (c *creation) look(ctx context.Context, unresolved *UnresolvedError) (*Result, error) {
	candidates, err := newJudges(ctx, c.api, c.req, c.known)
	switch {
	case err != nil:
		unresolved.LookupErr = err
		return nil, unresolved
	case len(candidates) == 1:
		c.res.ID, c.res.Recovered = candidates[0], true
		return c.res, nil
	case len(candidates) > 1:
		return nil, &AmbiguousError{SpaceID: c.req.SpaceID, Name: c.req.Name, Candidates: candidates, Cause: unresolved.Cause}
	}
	return nil, nil
}

// newJudges lists the space again and returns the ids of the judges that
// match req and were not known before.
func newJudges(ctx context.Context, api API, req client.JudgeCreateRequest, known map[string]bool) ([]string, error) {
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), recoveryTimeout)
		defer cancel()
	}
	after, err := api.ListJudges(ctx, req.SpaceID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, j := range after {
		if matches(j, req) && !known[j.ID] && !slices.Contains(ids, j.ID) {
			ids = append(ids, j.ID)
		}
	}
	return ids, nil
}

func matches(j client.Judge, req client.JudgeCreateRequest) bool {
	return j.Name == req.Name && j.BehaviorType == req.BehaviorType
}

// AmbiguousError: after an unknown outcome, several judges with the requested
// name and behaviour type appeared in the space, so which one this creation
// made cannot be told. None is claimed and nothing is sent again.
type AmbiguousError struct {
	SpaceID, Name string
	Candidates    []string
	Cause         error // the unknown outcome
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("the answer to the creation of judge %q was lost (%v), and space %s now holds %d new judges with that name and behaviour type (ids %s) that were not there before; which one this creation made cannot be told, so none was adopted and nothing was sent again",
		e.Name, e.Cause, e.SpaceID, len(e.Candidates), strings.Join(e.Candidates, ", "))
}

func (e *AmbiguousError) Unwrap() error { return e.Cause }

// UnresolvedError: the creation's outcome stayed unknown. Either the list
// after it failed (LookupErr), so the judge may or may not exist; or the list
// shows no new judge (NoneFound), while the creation may still land
// (MayStillLand; ProbablyStored when the API answered 200) or after every
// allowed attempt.
type UnresolvedError struct {
	SpaceID, Name  string
	Attempts       int
	Looks          int   // lists made for a creation that may still land
	Cause          error // the last unknown outcome
	LookupErr      error
	MayStillLand   bool
	ProbablyStored bool
}

// NoneFound reports whether the list after the creation worked and showed
// no new judge.
func (e *UnresolvedError) NoneFound() bool { return e.LookupErr == nil }

// NotCreated reports whether the judge was certainly not created: every
// creation is over and the list showed none of them.
func (e *UnresolvedError) NotCreated() bool { return e.NoneFound() && !e.MayStillLand }

func (e *UnresolvedError) Error() string {
	switch {
	case e.LookupErr != nil:
		return fmt.Sprintf("the creation of judge %q may or may not have reached the platform (%v), and listing space %s to find out failed (%v); it was not sent again, to avoid creating it twice",
			e.Name, e.Cause, e.SpaceID, e.LookupErr)
	case e.ProbablyStored:
		return fmt.Sprintf("the API accepted the creation of judge %q (HTTP 200) but its answer could not be read (%v), and the judge is not in the list of space %s yet; it was not sent again, to avoid creating it twice",
			e.Name, e.Cause, e.SpaceID)
	case e.MayStillLand:
		return fmt.Sprintf("the creation of judge %q got no usable answer (%v) and may still land on the platform; the list of space %s showed no new judge in %d look(s), so it was not sent again, to avoid creating it twice",
			e.Name, e.Cause, e.SpaceID, e.Looks)
	}
	return fmt.Sprintf("the creation of judge %q failed without an answer %d time(s) (last: %v); the list of space %s shows no new judge with that name, so none was created as far as the API shows, and it was not sent again",
		e.Name, e.Attempts, e.Cause, e.SpaceID)
}

func (e *UnresolvedError) Unwrap() error { return e.Cause }
