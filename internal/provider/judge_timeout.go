package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
	"github.com/collinear-ai/terraform-provider-collinear/internal/judge"
)

// judgeCalls runs judge.Create within the create timeout and hands its
// requests to the client, noting what its error alone does not tell: which
// request the timeout cut off, and whether a creation went out that may
// still land (judge.Create keeps the cause of some failures and not others).
type judgeCalls struct {
	*client.Client
	timeout time.Duration
	limit   time.Time // the create timeout's deadline
	expired bool      // the create timeout ended judge.Create
	late    string    // which request did not answer in time, and what to do
	pending bool      // a creation got no answer and may still land
}

func (a *judgeCalls) create(ctx context.Context, body client.JudgeCreateRequest) (*judge.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	a.limit, _ = ctx.Deadline()
	res, err := judge.Create(ctx, a, body, judge.Options{Resends: a.MaxRetries(), Wait: waitBeforeResend})
	a.expired = errors.Is(ctx.Err(), context.DeadlineExceeded)
	return res, err
}

func (a *judgeCalls) ListJudges(ctx context.Context, spaceID string) ([]client.Judge, error) {
	judges, err := a.Client.ListJudges(ctx, spaceID)
	a.noteLate(ctx, err, "judge list", "GET "+client.SpaceJudgesPath(spaceID))
	return judges, err
}

func (a *judgeCalls) CreateJudge(ctx context.Context, req client.JudgeCreateRequest) (string, error) {
	id, err := a.Client.CreateJudge(ctx, req)
	var unknown *client.OutcomeUnknownError
	if errors.As(err, &unknown) && unknown.MayStillRun() {
		a.pending = true
	}
	a.noteLate(ctx, err, "judge creation", "POST "+client.JudgeCreatePath)
	return id, err
}

// noteLate keeps the first request that the create timeout cut off. The list
// that judge.Create makes once the timeout has passed runs under a deadline
// of its own, so its failure is not the create timeout's.
func (a *judgeCalls) noteLate(ctx context.Context, err error, what, request string) {
	deadline, _ := ctx.Deadline()
	if a.late == "" && errors.Is(err, context.DeadlineExceeded) && deadline.Equal(a.limit) {
		a.late = notAnswered(what, request, "create", a.timeout)
	}
}

// timedOut reports whether the create timeout ended the creation that
// failed with err.
func (a *judgeCalls) timedOut(err error) bool {
	return a.expired && (a.late != "" || errors.Is(err, context.DeadlineExceeded))
}

// timeoutFailure explains a creation the create timeout ended. When a
// creation may still land, the user must look for the judge before applying
// again: a blind apply could create it twice.
func (a *judgeCalls) timeoutFailure(err error, req client.JudgeCreateRequest) diag.Diagnostics {
	var diags diag.Diagnostics
	late := a.late
	if late == "" {
		late = fmt.Sprintf("the create timeout of %s ended before the creation could be sent again; raise the timeout in the timeouts block (create)", a.timeout)
	}
	head := fmt.Sprintf("Creating judge %q in space %s: %s.", req.Name, req.SpaceID, late)
	if a.pending {
		diags.AddError("Judge creation timed out, outcome unknown",
			fmt.Sprintf("%s A creation got no answer and may still land on the platform, even if the space's list does not show it yet; it was not sent again, to avoid creating the judge twice.\n\n%s\n\nDetails: %s", head, lookBeforeApplying(req), err))
		return diags
	}
	diags.AddError("Judge creation timed out", fmt.Sprintf("%s No judge was created as far as the API shows.\n\nDetails: %s", head, err))
	return diags
}
