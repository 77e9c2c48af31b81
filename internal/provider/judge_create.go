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

// Creating a judge: judge.Create within the create timeout, the waits
// between its resends, and what a failure tells the user.

// judgeCalls runs judge.Create within the create timeout and hands its
// requests to the client, noting what its error alone does not tell: which
// request the timeout cut off. Whether a creation may still land, the error
// says (judge.UnresolvedError.MayStillLand).
type judgeCalls struct {
	*client.Client
	timeout time.Duration
	limit   time.Time // the create timeout's deadline
	expired bool      // the create timeout ended judge.Create
	late    string    // which request did not answer in time, and what to do
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
	var unresolved *judge.UnresolvedError
	if errors.As(err, &unresolved) && unresolved.MayStillLand {
		diags.AddError("Judge creation timed out, outcome unknown",
			fmt.Sprintf("%s A creation got no answer and may still land on the platform, even if the space's list does not show it yet; it was not sent again, to avoid creating the judge twice.\n\n%s\n\nDetails: %s", head, lookBeforeApplying(req), err))
		return diags
	}
	diags.AddError("Judge creation timed out", fmt.Sprintf("%s No judge was created as far as the API shows.\n\nDetails: %s", head, err))
	return diags
}

// waitBeforeResend spaces out the resends of a judge creation that the list
// showed did not land, and the lists that look for one that may still land:
// 1 s, 2 s, 4 s, then 8 s.
func waitBeforeResend(ctx context.Context, resend int) error {
	t := time.NewTimer(time.Second << min(resend-1, 3))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// judgeCreateFailure explains a failed creation and what to check; calls
// tells whether the create timeout ended it.
func judgeCreateFailure(err error, req client.JudgeCreateRequest, calls *judgeCalls) diag.Diagnostics {
	var diags diag.Diagnostics
	var ambiguous *judge.AmbiguousError
	var unresolved *judge.UnresolvedError
	var apiErr *client.APIError
	switch {
	case errors.As(err, &ambiguous):
		diags.AddError("Judge creation is ambiguous",
			err.Error()+fmt.Sprintf(".\n\nTerraform recorded none of them. Check these judges in the Collinear UI; to manage one, import it with `terraform import <address> %s/<judge_id>`. Applying again without importing creates yet another judge.", req.SpaceID))
	case calls.timedOut(err):
		diags.Append(calls.timeoutFailure(err, req)...)
	case errors.As(err, &unresolved) && unresolved.NotCreated():
		diags.AddError("Judge not created", err.Error()+". Try again later.")
	case errors.As(err, &unresolved):
		diags.AddError("Judge creation outcome unknown", err.Error()+".\n\n"+lookBeforeApplying(req))
	case errors.As(err, &apiErr):
		diags.AddError(apiErr.Summary(), fmt.Sprintf("Creating judge %q in space %s: %s", req.Name, req.SpaceID, err))
	default:
		diags.AddError("Unable to create the judge", err.Error())
	}
	return diags
}

// lookBeforeApplying tells the user to look for a judge whose creation may
// have landed before applying again, never to resend blindly.
func lookBeforeApplying(req client.JudgeCreateRequest) string {
	return fmt.Sprintf("Terraform recorded nothing. Look in space %s (the Collinear UI, or the collinear_judges data source) for a new judge named %q with behaviour type %q. If it is there, import it with `terraform import <address> %s/<judge_id>`; applying again would create a second one. If it is not there after a few minutes (a creation that got no answer may still land), apply again.",
		req.SpaceID, req.Name, req.BehaviorType, req.SpaceID)
}
