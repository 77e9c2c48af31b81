package emulator

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startUpload sends an upload in the background; the error (nil when an
// answer came) arrives on the channel.
func startUpload(ctx context.Context, t *testing.T, s *Server, file []byte, name string) <-chan error {
	t.Helper()
	body, ct := multipartBody(t, file, name, testSpace)
	req := newRequest(t, http.MethodPost, s.URL()+uploadPath, body, ct, testKey).WithContext(ctx)
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	return done
}

func waitLateCommits(t *testing.T, s *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := s.WaitLateCommits(ctx); err != nil {
		t.Fatalf("WaitLateCommits: %v", err)
	}
}

func TestFaultLateCommitAfterTheClientGaveUp(t *testing.T) {
	s := startServer(t, Options{})
	waitLateCommits(t, s) // none pending: returns at once
	// The delay only has to outlast the client's cancel below.
	s.InjectFaults(Fault{Kind: FaultLateCommit, Delay: 500 * time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	done := startUpload(ctx, t, s, jsonArray(testRow("a", 1), testRow("b", 1)), "d")
	waitFor(t, func() bool { return s.PendingFaults() == 0 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("client error %v, want context.Canceled: nothing is answered before the delay", err)
	}
	if s.DatasetID(testSpace, "d") != "" {
		t.Error("rows stored before the delay")
	}

	waitLateCommits(t, s)
	if n := len(s.Rows(testSpace, "d")); n != 2 {
		t.Errorf("%d rows stored, want 2: the commit happens although the client gave up", n)
	}
	log := s.Requests()
	if len(log) != 1 {
		t.Fatalf("%d requests logged, want 1", len(log))
	}
	if e := log[0]; e.Status != 0 || e.Dropped || e.Stored != 2 || !e.LateCommit || e.Fault == nil || e.Fault.Kind != FaultLateCommit {
		t.Errorf("log entry: status %d, dropped %v, stored %d, late commit %v, fault %v", e.Status, e.Dropped, e.Stored, e.LateCommit, e.Fault)
	}
	if s.StoredUploadCount() != 1 {
		t.Errorf("StoredUploadCount %d, want 1", s.StoredUploadCount())
	}
	r := control(t, s, http.MethodGet, "/_emulator/requests?rows=false", "")
	if !strings.Contains(string(r.body), `"late_commit":true`) {
		t.Errorf("the control log does not show the late commit: %s", r.body)
	}
}

func TestFaultLateCommitAnswersAClientStillThere(t *testing.T) {
	s := startServer(t, Options{})
	s.InjectFaults(Fault{Kind: FaultLateCommit, Delay: 10 * time.Millisecond})
	r := upload(t, s, jsonArray(testRow("a", 1)), "d", testSpace)
	wantStatus(t, r, http.StatusOK)
	ids, stored := uploadedIDs(t, r), s.Rows(testSpace, "d")
	if len(ids) != 1 || len(stored) != 1 || ids[0] != stored[0].ID {
		t.Errorf("answer ids %q, stored %d rows: want the normal answer", ids, len(stored))
	}
	if e := s.Requests()[0]; e.Status != 200 || e.Stored != 1 || !e.LateCommit {
		t.Errorf("log entry: status %d, stored %d, late commit %v", e.Status, e.Stored, e.LateCommit)
	}
	waitLateCommits(t, s)

	// A late upload that fails validation stores nothing, late or not.
	s.InjectFaults(Fault{Kind: FaultLateCommit})
	wantStatus(t, upload(t, s, []byte(`[{"conv_prefix":"x"}]`), "d", testSpace), http.StatusBadRequest)
	if e := s.Requests()[1]; e.Stored != 0 || e.LateCommit {
		t.Errorf("refused upload logged: stored %d, late commit %v", e.Stored, e.LateCommit)
	}

	// Taken by a lookup, it only delays the answer.
	s.InjectFaults(Fault{Kind: FaultLateCommit, Path: lookupPath})
	wantStatus(t, lookup(t, s, testSpace, "d"), http.StatusOK)
	if e := s.Requests()[2]; e.Path != lookupPath || e.Status != 200 || e.LateCommit || e.Fault == nil {
		t.Errorf("lookup logged: path %s, status %d, late commit %v, fault %v", e.Path, e.Status, e.LateCommit, e.Fault)
	}
	waitLateCommits(t, s)
}

func TestFaultLateCommitDroppedAtClose(t *testing.T) {
	s := startServer(t, Options{})
	s.InjectFaults(Fault{Kind: FaultLateCommit, Delay: time.Hour})
	done := startUpload(t.Context(), t, s, jsonArray(testRow("a", 1)), "d")
	waitFor(t, func() bool { return s.PendingFaults() == 0 })

	ended, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.WaitLateCommits(ended); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitLateCommits with a commit pending: %v, want context.Canceled", err)
	}

	s.Close()
	if err := <-done; err == nil {
		t.Error("the pending upload got an answer, want the connection dropped")
	}
	waitLateCommits(t, s) // the dropped commit no longer counts
	if s.DatasetID(testSpace, "d") != "" {
		t.Error("a late commit dropped at Close stored rows")
	}
	log := s.Requests()
	if len(log) != 1 {
		t.Fatalf("%d requests logged, want 1", len(log))
	}
	if e := log[0]; !e.Dropped || e.Status != 0 || e.Stored != 0 || e.LateCommit {
		t.Errorf("log entry: dropped %v, status %d, stored %d, late commit %v", e.Dropped, e.Status, e.Stored, e.LateCommit)
	}
}

// A gateway that gives up at once: the client has its 504 while nothing is
// stored yet, and the application stores the request after the delay.
func TestFault504BeforeCommit(t *testing.T) {
	s := startServer(t, Options{})
	s.InjectFaults(Fault{Kind: Fault504BeforeCommit, Path: "/api/v1/judge/", Delay: 300 * time.Millisecond})
	resp := postJSON(t, s, "/api/v1/judge/", judgeBody(t, testSpace, "late", nil))
	if resp.StatusCode != http.StatusGatewayTimeout || !strings.Contains(string(resp.body), "504") {
		t.Fatalf("answer %d %s, want the gateway's 504", resp.StatusCode, resp.body)
	}
	if n := len(s.Judges(testSpace)); n != 0 {
		t.Fatalf("%d judge(s) right after the 504, want none yet", n)
	}
	waitLateCommits(t, s)
	if judges := s.Judges(testSpace); len(judges) != 1 || judges[0].Name != "late" {
		t.Fatalf("judges after the delay: %+v, want the one created late; log %+v", judges, s.Requests())
	}
	if log := s.Requests(); len(log) != 1 || log[0].Status != http.StatusGatewayTimeout || log[0].Stored != 1 {
		t.Fatalf("request log %+v, want one 504 that stored", log)
	}
}
