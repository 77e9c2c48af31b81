package emulator

import (
	"context"
	"time"
)

// awaitLateCommit holds a FaultLateCommit request: the body is read in full,
// then nothing happens until delay after the request arrived, whether or not
// the client is still there. It reports whether the request has been
// answered (dropped at Close).
func (ex *exchange) awaitLateCommit(delay time.Duration) (answered bool) {
	due := time.NewTimer(delay)
	defer due.Stop()
	if ex.bufferBody() != nil {
		return false // never arrived in full: the handler meets the error
	}
	select {
	case <-due.C:
	case <-ex.s.closing:
		ex.drop()
		return true
	}
	if ex.r.Context().Err() != nil {
		// The client gave up: the application stores the rows all the
		// same, and its answer goes nowhere.
		ex.w = &discardWriter{}
	}
	return false
}

// endLateCommit marks a FaultLateCommit request as ended.
func (s *Server) endLateCommit(done chan struct{}) {
	s.mu.Lock()
	delete(s.lateCommits, done)
	s.mu.Unlock()
	close(done)
}

// WaitLateCommits returns once every FaultLateCommit request whose fault was
// taken before the call has ended: its rows stored (Request.Stored and
// Request.LateCommit in the log), its answer written if the client was still
// connected, and its log entry recorded; or dropped by Close. It returns
// ctx.Err() if ctx ends first.
func (s *Server) WaitLateCommits(ctx context.Context) error {
	s.mu.Lock()
	pending := make([]chan struct{}, 0, len(s.lateCommits))
	for done := range s.lateCommits {
		pending = append(pending, done)
	}
	s.mu.Unlock()
	for _, done := range pending {
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
