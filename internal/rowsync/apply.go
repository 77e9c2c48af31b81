package rowsync

import (
	"context"
	"errors"
	"iter"
	"slices"
	"time"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
	"github.com/collinear-ai/terraform-provider-collinear/internal/upload"
)

// Platform is the part of the API client an apply needs.
type Platform interface {
	Lookup
	upload.API
}

// IfExists says what happens when rows a plan would upload are already on
// the platform and not Terraform's: at a create, the dataset itself.
type IfExists uint8

const (
	// AdoptExisting adopts matching rows instead of sending them.
	AdoptExisting IfExists = iota
	// RefuseExisting refuses a create over an existing dataset.
	RefuseExisting
)

const (
	// DefaultSettleTime is how long a request that may still be running on
	// the platform is given before a lookup that misses its rows proves
	// they were never stored.
	DefaultSettleTime = 2 * time.Minute
	// DefaultFreshFor is how old the last lookup may be when an apply starts
	// sending: an older one is repeated first, so that rows added meanwhile
	// are known before anything is sent and never taken for rows of this
	// apply.
	DefaultFreshFor = time.Minute
	// recoveryTimeout bounds a lookup made after the apply's own context
	// ended (an interrupt or a timeout while a request was in flight).
	recoveryTimeout = 30 * time.Second
	// settlePolls is about how many lookups an apply makes while it waits
	// for a request that may still be running.
	settlePolls = 6
)

// Clock is time as the apply sees it; tests replace it.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Options tune an apply.
type Options struct {
	BatchRows  int
	SettleTime time.Duration // <= 0: DefaultSettleTime
	FreshFor   time.Duration // <= 0: DefaultFreshFor
	Clock      Clock         // nil: real time
	// Log receives a line for each step of a recovery (warnings).
	Log func(msg string, kv ...any)
	// Progress is called after every batch that landed.
	Progress func(sent, total int, elapsed time.Duration)
}

// Change is one apply.
type Change struct {
	SpaceID, Name string
	Creating      bool
	IfExists      IfExists
	// Source fingerprints every source row, as checked for this apply; keys
	// are needed where Prior.NeedsKeys says so.
	Source []Fingerprint
	// Keys fills in the keys of Source, for a create that meets a dataset
	// holding rows to adopt; nil when Source has them.
	Keys func() error
	// Read reads the source rows marked in send, in order. After the
	// sequence ended, finished tells whether the read was whole and still
	// the planned source: an error wrapping upload.ErrSourceChanged if not.
	Read func(send []bool) (rows iter.Seq[upload.Row], finished func() error)
	// Prior is what state recorded; nil for a create.
	Prior *Record
	// Planned holds the ids the plan showed; nil when it showed none.
	Planned *PlannedIDs
	// DatasetID is the dataset's id when state knows it.
	DatasetID string
	// MaxSend, when set, is the most rows the apply may upload.
	MaxSend *int
}

// PlannedIDs are the ids a plan showed for each source row: Known[i] is
// false where the plan left the id to the apply.
type PlannedIDs struct {
	IDs   []string
	Known []bool
}

// Result is what an apply did. Record holds every row known to be on the
// platform even when Err is set, so that state keeps every id that landed.
type Result struct {
	Record    *Record
	DatasetID string
	// Complete is set when every source row is on the platform and recorded.
	Complete bool
	Sent     int // rows uploaded by this apply that landed
	Adopted  int // rows found on the platform and adopted
	NoIDs    int // rows stored whose ids could not be told yet
	Err      error
}

// applier carries one Apply.
type applier struct {
	api    Platform
	opt    Options
	ch     *Change
	clock  Clock
	plan   *Plan
	landed []Row   // by source index: the row on the platform, for sent rows (ID "" and zero digest: none)
	doubts []Doubt // requests of this apply whose outcome is still unknown
	// datasetID is the dataset's id once known; lookedAt when a lookup last
	// ran.
	datasetID string
	lookedAt  time.Time
	// triedDatasetID is set once a lookup after the first rows landed was
	// made to learn the id of a new dataset (see learnDatasetID).
	triedDatasetID bool
	sentAt         time.Time // when the request in flight was sent
	current        *answer
	sent           int
	start          time.Time
}

// Apply makes the platform hold the source: it adopts what a lookup finds
// and the plan allows, settles earlier requests in doubt, sends the rest in
// batches and pairs every answer with the rows sent. See DESIGN.md.
func Apply(ctx context.Context, api Platform, opt Options, ch *Change) *Result {
	if opt.SettleTime <= 0 {
		opt.SettleTime = DefaultSettleTime
	}
	if opt.FreshFor <= 0 {
		opt.FreshFor = DefaultFreshFor
	}
	a := &applier{api: api, opt: opt, ch: ch, clock: opt.Clock, landed: make([]Row, len(ch.Source)), datasetID: ch.DatasetID}
	if a.clock == nil {
		a.clock = realClock{}
	}
	a.start = a.clock.Now()
	err := a.prepare(ctx)
	if err == nil {
		err = a.send(ctx)
	}
	if missing := a.missingIDs(); len(missing) > 0 && !errors.Is(err, context.Canceled) {
		a.attributeIDs(ctx, missing)
	}
	return a.result(err)
}

// prepare plans the apply against the freshest record it needs: a create
// always looks the dataset up first; an update looks again when rows are in
// doubt or the last lookup is stale. It then settles the rows in doubt.
func (a *applier) prepare(ctx context.Context) error {
	rec := a.ch.Prior
	if rec == nil {
		rec = &Record{}
	}
	a.lookedAt = rec.LookedAt
	a.plan = PlanRows(a.ch.Source, rec)
	stale := a.clock.Now().Sub(rec.LookedAt) > a.opt.FreshFor
	switch {
	case a.ch.Creating:
		if err := a.planCreate(ctx); err != nil {
			return err
		}
	case a.plan.InDoubt > 0 || (a.plan.ToSend > 0 && stale):
		if err := a.refresh(ctx, rec); err != nil && a.plan.InDoubt > 0 {
			return a.doubtOfPlan(err)
		}
	}
	if err := a.settlePlanned(ctx); err != nil {
		return err
	}
	if limit := a.ch.MaxSend; limit != nil && a.plan.ToSend > *limit {
		return &TooManyRowsError{Rows: a.plan.ToSend, Max: *limit}
	}
	return a.checkPlanned()
}

// planCreate plans a create against what a lookup finds: the rows already
// on the dataset are adopted where the source has them, unless IfExists
// refuses an existing dataset.
func (a *applier) planCreate(ctx context.Context) error {
	snap, err := a.look(ctx)
	if errors.Is(err, client.ErrLookupUnavailable) {
		a.log("the dataset lookup is not available: creating without checking for rows already there", "error", err.Error())
		return nil
	}
	if err != nil {
		return err
	}
	if snap.Exists && a.ch.IfExists == RefuseExisting {
		return ErrDatasetExists
	}
	rec := SnapshotRecord(snap)
	if rec.NeedsKeys() && a.ch.Keys != nil {
		if err := a.ch.Keys(); err != nil {
			return err
		}
	}
	a.plan = PlanRows(a.ch.Source, rec)
	return nil
}

// SnapshotRecord is the record of a dataset Terraform does not manage yet:
// every row on it is unclaimed, so a plan may adopt it.
func SnapshotRecord(snap *Snapshot) *Record {
	rec := &Record{LookedAt: snap.TakenAt, Unclaimed: make([]Remote, snap.Len())}
	for i := range rec.Unclaimed {
		rec.Unclaimed[i] = snap.remote(i)
	}
	return rec
}

// refresh looks the dataset up and plans again against the reconciled
// record. A failed lookup leaves the plan as it was.
func (a *applier) refresh(ctx context.Context, rec *Record) error {
	snap, err := a.look(ctx)
	if err != nil {
		a.log("looking the dataset up before sending failed", "error", err.Error())
		return err
	}
	fresh, _ := Reconcile(rec, snap, a.opt.SettleTime)
	// The plan showed which unclaimed rows it adopts; rows first seen now
	// are known from here on, but not adopted behind the plan's back.
	known := make(map[string]bool, len(rec.Unclaimed))
	for _, u := range rec.Unclaimed {
		known[u.ID] = true
	}
	var unclaimed []Remote
	for _, u := range fresh.Unclaimed {
		if known[u.ID] {
			unclaimed = append(unclaimed, u)
		} else {
			fresh.Foreign = append(fresh.Foreign, u)
		}
	}
	fresh.Unclaimed = unclaimed
	a.plan = PlanRows(a.ch.Source, fresh)
	return nil
}

// settlePlanned waits for the rows in doubt that the last lookup could not
// settle yet: it looks again until each is found, proven missing (then it is
// sent), or found ambiguous (then the apply stops).
func (a *applier) settlePlanned(ctx context.Context) error {
	for a.plan.InDoubt > 0 {
		until, ambiguousRows := a.pendingUntil()
		if ambiguousRows > 0 {
			return &AmbiguousError{Rows: ambiguousRows, Cause: errors.New("an earlier upload's outcome was unknown")}
		}
		if err := a.clock.Sleep(ctx, a.pollWait(until)); err != nil {
			return a.doubtOfPlan(err)
		}
		if err := a.refresh(ctx, a.plan.prior); err != nil {
			return a.doubtOfPlan(err)
		}
	}
	return nil
}

// pendingUntil returns when the last of the planned doubts can be settled by
// a lookup that misses its rows, and how many rows of doubts a lookup found
// ambiguous (those a lookup found unambiguously are no longer in doubt).
func (a *applier) pendingUntil() (until time.Time, ambiguousRows int) {
	prior := a.plan.prior
	for k := range a.plan.doubtsInUse() {
		d := prior.Doubts[k]
		if d.settledBy(prior.LookedAt, a.opt.SettleTime) {
			// A lookup after the window that did not drop the doubt found
			// its rows ambiguous.
			ambiguousRows += len(d.Rows)
			continue
		}
		if end := d.SentAt.Add(a.opt.SettleTime); end.After(until) {
			until = end
		}
	}
	return until, ambiguousRows
}

// pollWait is how long to wait before looking again for a request that may
// still be running until until.
func (a *applier) pollWait(until time.Time) time.Duration {
	left := until.Sub(a.clock.Now())
	step := max(a.opt.SettleTime/settlePolls, time.Second)
	return max(min(step, left), 0)
}

// doubtOfPlan is the error of an apply that cannot settle the rows in doubt
// it started with.
func (a *applier) doubtOfPlan(err error) error {
	until, _ := a.pendingUntil()
	return &DoubtError{Rows: a.plan.InDoubt, Cause: errors.New("an earlier upload's outcome was unknown"), LookupErr: err, Until: until}
}

// checkPlanned refuses an apply that would keep or adopt other rows than the
// plan showed: the plan's known ids would then not be the applied ones.
func (a *applier) checkPlanned() error {
	pl := a.ch.Planned
	if pl == nil {
		return nil
	}
	for i, known := range pl.Known {
		if !known {
			continue
		}
		d := a.plan.Decisions[i]
		if (d != Keep && d != Adopt) || a.plan.IDs[i] != pl.IDs[i] {
			return ErrPlanChanged
		}
	}
	return nil
}

// look looks the dataset up, with a short context of its own when the
// apply's has ended, so that what landed can still be recorded.
func (a *applier) look(ctx context.Context) (*Snapshot, error) {
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), recoveryTimeout)
		defer cancel()
	}
	rows, idWidth := a.ch.Prior.LookHints()
	snap, err := Look(ctx, a.api, a.ch.SpaceID, a.ch.Name, max(len(a.ch.Source), rows), idWidth)
	if err != nil {
		return nil, err
	}
	snap.TakenAt = a.clock.Now()
	a.lookedAt = snap.TakenAt
	if snap.DatasetID != "" {
		a.datasetID = snap.DatasetID
	}
	return snap, nil
}

func (a *applier) log(msg string, kv ...any) {
	if a.opt.Log != nil {
		a.opt.Log(msg, kv...)
	}
}

// result assembles what the apply leaves.
func (a *applier) result(err error) *Result {
	// The prior doubts are those no lookup of this apply settled.
	rec := a.plan.Record(a.landed, append(slices.Clone(a.plan.prior.Doubts), a.doubts...))
	rec.LookedAt = a.lookedAt
	res := &Result{Record: rec, DatasetID: a.datasetID, Sent: a.sent, Adopted: a.plan.Adopted, Err: err}
	res.NoIDs = len(a.missingIDs())
	res.Complete = err == nil && len(rec.Rows) == len(a.ch.Source)
	return res
}
