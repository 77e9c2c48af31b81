package rowsync

import (
	"context"
	"errors"
	"time"

	"github.com/collinear-ai/terraform-provider-collinear/internal/client"
	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
	"github.com/collinear-ai/terraform-provider-collinear/internal/upload"
)

// The apply's sending side: it sends the rows through internal/upload and,
// as upload.Settler, decides what each request's outcome means.

// send uploads the rows the plan sends.
func (a *applier) send(ctx context.Context) error {
	if a.plan.ToSend == 0 {
		return nil
	}
	send := make([]bool, len(a.plan.Decisions))
	for i, d := range a.plan.Decisions {
		send[i] = d == Send
	}
	rows, finished := a.ch.Read(send)
	err := upload.Send(ctx, a.api, a.ch.SpaceID, a.ch.Name, rows, upload.Options{BatchRows: a.opt.BatchRows}, a)
	if err != nil {
		return err
	}
	if err := finished(); err != nil {
		return err
	}
	if a.sent+a.doubtRows() < a.plan.ToSend {
		return upload.ErrSourceChanged
	}
	return nil
}

func (a *applier) doubtRows() int {
	n := 0
	for _, d := range a.doubts {
		n += len(d.Rows)
	}
	return n
}

// Answer implements upload.Settler.
func (a *applier) Answer(b *upload.Batch) func(*client.AnswerRow) {
	a.sentAt = a.clock.Now()
	a.current = newAnswer(b)
	return a.current.add
}

// Settle implements upload.Settler.
func (a *applier) Settle(ctx context.Context, b *upload.Batch, res *client.UploadResult, err error) (*upload.Batch, error) {
	if err != nil {
		return a.recover(ctx, b, a.doubtOf(b, mayStillRun(err)), err, false)
	}
	if res.DatasetID != "" {
		a.datasetID = res.DatasetID
	}
	if res.IDs == nil {
		// The {dataset_id, message} answer: stored, ids unknown; a lookup
		// after the upload attributes them.
		a.record(b, nil)
		return nil, nil
	}
	ids, ok := a.current.pair(func(index int) dataset.Digest { return a.ch.Source[index].Digest })
	if !ok {
		a.log("the upload's answer does not pair with the rows sent; looking the dataset up", "rows", b.Len(), "ids", len(res.IDs))
		return a.recover(ctx, b, a.doubtOf(b, false), errUnpairedAnswer, true)
	}
	a.record(b, ids)
	a.learnDatasetID(ctx)
	return nil, nil
}

var errUnpairedAnswer = errors.New("the API stored the rows but its answer does not pair with them (another count, a repeated id, or rows that were not sent)")

// mayStillRun reports whether a request whose outcome is unknown may still
// be running on the platform (see client.OutcomeUnknownError.MayStillRun).
func mayStillRun(err error) bool {
	var unknown *client.OutcomeUnknownError
	return !errors.As(err, &unknown) || unknown.MayStillRun()
}

func (a *applier) doubtOf(b *upload.Batch, mayRun bool) Doubt {
	d := Doubt{SentAt: a.sentAt, MayStillRun: mayRun, Rows: make([]Fingerprint, b.Len())}
	for k, i := range b.Indexes {
		d.Rows[k] = Fingerprint{Digest: a.ch.Source[i].Digest, Key: b.Keys[k]}
	}
	return d
}

// record notes a batch on the platform; ids nil when they are not known.
func (a *applier) record(b *upload.Batch, ids []string) {
	for k, i := range b.Indexes {
		id := ""
		if ids != nil {
			id = ids[k]
		}
		a.landed[i] = rowFor(id, Fingerprint{Digest: a.ch.Source[i].Digest, Key: b.Keys[k]})
	}
	a.sent += b.Len()
	if a.opt.Progress != nil {
		a.opt.Progress(a.sent, a.plan.ToSend, a.clock.Now().Sub(a.start))
	}
}

// recover settles a request whose outcome is unknown by looking the dataset
// up: its rows are found (recorded), proven missing (sent again), or neither
// yet. A request that may still be running is waited for, looking again,
// until SettleTime has passed since it was sent; if the apply's context ends
// first, the request stays in doubt. stored says the API answered 200, so
// the rows cannot be missing.
func (a *applier) recover(ctx context.Context, b *upload.Batch, d Doubt, cause error, stored bool) (*upload.Batch, error) {
	a.log("upload outcome unknown; checking the dataset for the batch's rows", "rows", b.Len(), "error", cause.Error())
	for {
		snap, err := a.look(ctx)
		if err != nil {
			a.doubts = append(a.doubts, d)
			return nil, &DoubtError{Rows: b.Len(), Cause: cause, LookupErr: err, Until: a.until(d)}
		}
		found, v := a.claimsFor(snap).settleDoubt(d.Rows)
		switch {
		case v == landed:
			ids := make([]string, len(found))
			for k := range found {
				ids[k] = found[k].ID
			}
			a.log("found the batch's rows on the platform", "rows", b.Len())
			a.record(b, ids)
			return nil, nil
		case v == ambiguous || stored:
			a.doubts = append(a.doubts, d)
			return nil, &AmbiguousError{Rows: b.Len(), Cause: cause}
		case d.settledBy(snap.TakenAt, a.opt.SettleTime):
			a.log("the batch's rows are not on the platform; sending them again", "rows", b.Len())
			return b, nil
		}
		wait := a.pollWait(d.SentAt.Add(a.opt.SettleTime))
		a.log("the batch's rows are not on the platform yet; the request may still be running, looking again", "rows", b.Len(), "wait", wait.String())
		if ctx.Err() != nil || a.clock.Sleep(ctx, wait) != nil {
			a.doubts = append(a.doubts, d)
			return nil, &DoubtError{Rows: b.Len(), Cause: cause, Until: a.until(d)}
		}
	}
}

func (a *applier) until(d Doubt) time.Time {
	if !d.MayStillRun {
		return time.Time{}
	}
	return d.SentAt.Add(a.opt.SettleTime)
}

// claimsFor marks as accounted for every row of snap that the record or
// this apply accounts for, so that only rows nobody knows are candidates.
func (a *applier) claimsFor(snap *Snapshot) *claims {
	c := newClaims(snap)
	p := a.plan.prior
	for _, r := range p.Rows {
		if r.ID != "" {
			c.claim(r.ID)
		}
	}
	for _, id := range p.Released {
		c.claim(id)
	}
	for _, rs := range [][]Remote{p.Foreign, p.Unclaimed} {
		for _, r := range rs {
			c.claim(r.ID)
		}
	}
	for _, r := range a.landed {
		if r.ID != "" {
			c.claim(r.ID)
		}
	}
	return c
}

// learnDatasetID looks a new dataset up once, after the first batch whose
// answer paired, when no answer revealed its id; the dataset is then as
// small as it will ever be.
func (a *applier) learnDatasetID(ctx context.Context) {
	if a.triedDatasetID || a.datasetID != "" || !a.ch.Creating {
		return
	}
	a.triedDatasetID = true
	if _, err := a.look(ctx); err != nil {
		a.log("looking the new dataset up for its id failed; dataset_id stays unknown until the next refresh", "error", err.Error())
	}
}

// missingIDs lists, by source index, the rows this apply stored whose ids
// are not known.
func (a *applier) missingIDs() []int {
	var missing []int
	for i, r := range a.landed {
		if r.ID == "" && r.Digest != (dataset.Digest{}) {
			missing = append(missing, i)
		}
	}
	return missing
}

// attributeIDs looks the dataset up to find the ids of the rows at missing,
// stored without them: among the rows nobody accounts for, by key.
func (a *applier) attributeIDs(ctx context.Context, missing []int) {
	snap, err := a.look(ctx)
	if err != nil {
		a.log("looking the dataset up for the ids of the rows just stored failed; the next refresh fills them in", "error", err.Error())
		return
	}
	a.claimsFor(snap).fillIDsAt(a.landed, missing)
}
