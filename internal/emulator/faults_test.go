package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFaultsAnsweredBeforeStoring(t *testing.T) {
	cases := []struct {
		fault       Fault
		status      int
		contentType string
		body        string
		retryAfter  string
	}{
		{Fault{Kind: Fault429}, 429, "application/json", `{"detail":"Too Many Requests"}`, "1"},
		{Fault{Kind: Fault429, RetryAfter: "Wed, 21 Oct 2037 07:28:00 GMT"}, 429, "application/json", `{"detail":"Too Many Requests"}`, "Wed, 21 Oct 2037 07:28:00 GMT"},
		{Fault{Kind: Fault500}, 500, "text/plain; charset=utf-8", "Internal Server Error", ""},
		{Fault{Kind: Fault502}, 502, "text/html", "<h1>502 Bad Gateway</h1>", ""},
		{Fault{Kind: Fault503, RetryAfter: "7"}, 503, "application/json", `{"detail":"Service temporarily unavailable"}`, "7"},
		{Fault{Kind: Fault503, Body: `{"detail":"maintenance"}`}, 503, "application/json", `{"detail":"maintenance"}`, ""},
		{Fault{Kind: FaultRouteNotFound}, 404, "application/json", `{"detail":"Not Found"}`, ""},
		{Fault{Kind: FaultMethodNotAllowed}, 405, "application/json", `{"detail":"Method Not Allowed"}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.fault.Kind.String(), func(t *testing.T) {
			s := startServer(t, Options{})
			s.InjectFaults(tc.fault)
			r := upload(t, s, jsonArray(testRow("a", 1)), "d", testSpace)
			wantStatus(t, r, tc.status)
			if got := r.Header.Get("Content-Type"); got != tc.contentType {
				t.Errorf("Content-Type %q, want %q", got, tc.contentType)
			}
			if !strings.Contains(string(r.body), tc.body) {
				t.Errorf("body %q does not contain %q", r.body, tc.body)
			}
			if got := r.Header.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tc.retryAfter)
			}
			if s.DatasetID(testSpace, "d") != "" {
				t.Error("the faulted upload stored rows")
			}
			log := s.Requests()
			if log[0].Fault == nil || log[0].Fault.Kind != tc.fault.Kind || log[0].Status != tc.status {
				t.Errorf("log entry %+v", log[0])
			}
			if s.PendingFaults() != 0 {
				t.Error("the fault was not consumed")
			}
			// The fault applied once: the retry goes through.
			wantStatus(t, upload(t, s, jsonArray(testRow("a", 1)), "d", testSpace), http.StatusOK)
		})
	}
}

func TestFaultCommitThenDrop(t *testing.T) {
	s := startServer(t, Options{})
	s.InjectFaults(Fault{Kind: FaultCommitThenDrop, Path: uploadPath})
	body, ct := multipartBody(t, jsonArray(testRow("a", 1), testRow("b", 1)), "d", testSpace)
	resp, err := http.DefaultClient.Do(newRequest(t, http.MethodPost, s.URL()+uploadPath, body, ct, testKey))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got an answer (%d), want the connection dropped", resp.StatusCode)
	}
	if n := len(s.Rows(testSpace, "d")); n != 2 {
		t.Errorf("%d rows stored, want 2: the rows are committed before the drop", n)
	}
	e := s.Requests()[0]
	if !e.Dropped || e.Status != 0 || e.Stored != 2 {
		t.Errorf("log entry: dropped %v, status %d, stored %d", e.Dropped, e.Status, e.Stored)
	}
	if s.StoredUploadCount() != 1 {
		t.Errorf("StoredUploadCount %d, want 1", s.StoredUploadCount())
	}
}

func TestFaultTruncatedStream(t *testing.T) {
	s := startServer(t, Options{})
	s.InjectFaults(Fault{Kind: FaultTruncatedStream})
	rows := make([]string, 40)
	for i := range rows {
		rows[i] = testRow("r", i)
	}
	body, ct := multipartBody(t, jsonArray(rows...), "d", testSpace)
	resp, err := http.DefaultClient.Do(newRequest(t, http.MethodPost, s.URL()+uploadPath, body, ct, testKey))
	if err != nil {
		t.Fatalf("the answer must start: %v", err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("reading the body: %v, want unexpected EOF", err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(string(got), "[{") || strings.HasSuffix(string(got), "]") {
		t.Errorf("status %d, partial body %.80q", resp.StatusCode, got)
	}
	if n := len(s.Rows(testSpace, "d")); n != 40 {
		t.Errorf("%d rows stored, want 40", n)
	}
}

func TestFaultWrongCount(t *testing.T) {
	s := startServer(t, Options{})
	s.InjectFaults(Fault{Kind: FaultWrongCount})
	r := upload(t, s, jsonArray(testRow("a", 1), testRow("b", 1), testRow("c", 1)), "d", testSpace)
	wantStatus(t, r, http.StatusOK)
	if ids := uploadedIDs(t, r); len(ids) != 2 {
		t.Errorf("got %d ids, want 2", len(ids))
	}
	if n := len(s.Rows(testSpace, "d")); n != 3 {
		t.Errorf("%d rows stored, want 3", n)
	}
}

func TestFault504AfterCommit(t *testing.T) {
	s := startServer(t, Options{})
	s.InjectFaults(Fault{Kind: Fault504AfterCommit})
	r := upload(t, s, jsonArray(testRow("a", 1)), "d", testSpace)
	wantStatus(t, r, http.StatusGatewayTimeout)
	if !strings.Contains(string(r.body), "504 Gateway Time-out") {
		t.Errorf("body %q", r.body)
	}
	if n := len(s.Rows(testSpace, "d")); n != 1 {
		t.Errorf("%d rows stored, want 1", n)
	}
}

// answeredRows decodes a ShapeRows answer into each element's user text
// and id.
func answeredRows(t *testing.T, r response) (texts, ids []string) {
	t.Helper()
	var rows []struct {
		ConvPrefix []struct{ Content string } `json:"conv_prefix"`
		ID         string
	}
	if err := json.Unmarshal(r.body, &rows); err != nil {
		t.Fatalf("answer is not a JSON array of rows (%v): %.300s", err, r.body)
	}
	for _, row := range rows {
		texts = append(texts, row.ConvPrefix[0].Content)
		ids = append(ids, row.ID)
	}
	return texts, ids
}

func storedIDs(s *Server, name string) []string {
	var ids []string
	for _, r := range s.Rows(testSpace, name) {
		ids = append(ids, r.ID)
	}
	return ids
}

func TestFaultReorderedAnswer(t *testing.T) {
	s := startServer(t, Options{})
	s.InjectFaults(Fault{Kind: FaultReorderedAnswer})
	r := upload(t, s, jsonArray(testRow("a", 1), testRow("b", 1), testRow("c", 1)), "d", testSpace)
	wantStatus(t, r, http.StatusOK)
	texts, ids := answeredRows(t, r)
	stored := storedIDs(s, "d")
	if !slices.Equal(texts, []string{"c", "b", "a"}) {
		t.Errorf("answer rows %q, want c, b, a", texts)
	}
	if len(stored) != 3 || !slices.Equal(ids, []string{stored[2], stored[1], stored[0]}) {
		t.Errorf("answer ids %q, want the stored ids %q reversed", ids, stored)
	}
	if e := s.Requests()[0]; e.Stored != 3 || e.Status != 200 {
		t.Errorf("log entry: status %d, stored %d", e.Status, e.Stored)
	}
}

func TestFaultDuplicateIDs(t *testing.T) {
	s := startServer(t, Options{})
	s.InjectFaults(Fault{Kind: FaultDuplicateIDs}, Fault{Kind: FaultDuplicateIDs})

	r := upload(t, s, jsonArray(testRow("a", 1), testRow("b", 1), testRow("c", 1)), "d", testSpace)
	wantStatus(t, r, http.StatusOK)
	texts, ids := answeredRows(t, r)
	stored := storedIDs(s, "d")
	if !slices.Equal(texts, []string{"a", "b", "c"}) {
		t.Errorf("answer rows %q, want a, b, c", texts)
	}
	if len(stored) != 3 || !slices.Equal(ids, []string{stored[0], stored[0], stored[2]}) {
		t.Errorf("answer ids %q, want the stored ids %q with the first one twice", ids, stored)
	}
	if stored[0] == stored[1] {
		t.Error("the stored rows share an id: only the answer may")
	}

	r = upload(t, s, jsonArray(testRow("x", 1)), "one", testSpace)
	wantStatus(t, r, http.StatusOK)
	texts, ids = answeredRows(t, r)
	stored = storedIDs(s, "one")
	if !slices.Equal(texts, []string{"x", "x"}) || len(stored) != 1 || !slices.Equal(ids, []string{stored[0], stored[0]}) {
		t.Errorf("one-row answer %q with ids %q, want the row twice with the stored id %q", texts, ids, stored)
	}
}

func TestFault503AfterCommit(t *testing.T) {
	s := startServer(t, Options{})
	s.InjectFaults(Fault{Kind: Fault503AfterCommit}, Fault{Kind: Fault503AfterCommit, RetryAfter: "3"})
	r := upload(t, s, jsonArray(testRow("a", 1), testRow("b", 1)), "d", testSpace)
	wantStatus(t, r, http.StatusServiceUnavailable)
	if ct := r.Header.Get("Content-Type"); ct != "text/plain" {
		t.Errorf("Content-Type %q, want text/plain", ct)
	}
	if string(r.body) != "upstream connect error or disconnect/reset before headers. reset reason: connection termination" {
		t.Errorf("body %q, want the gateway's reset text", r.body)
	}
	if ra := r.Header.Get("Retry-After"); ra != "" {
		t.Errorf("Retry-After %q, want none", ra)
	}
	if n := len(s.Rows(testSpace, "d")); n != 2 {
		t.Errorf("%d rows stored, want 2", n)
	}
	if e := s.Requests()[0]; e.Status != 503 || e.Stored != 2 || e.Dropped {
		t.Errorf("log entry: status %d, stored %d, dropped %v", e.Status, e.Stored, e.Dropped)
	}

	r = upload(t, s, jsonArray(testRow("c", 1)), "d", testSpace)
	wantStatus(t, r, http.StatusServiceUnavailable)
	if ra := r.Header.Get("Retry-After"); ra != "3" {
		t.Errorf("Retry-After %q, want the fault's 3", ra)
	}
	if n := len(s.Rows(testSpace, "d")); n != 3 {
		t.Errorf("%d rows stored, want 3", n)
	}
}

func TestFaultDelay(t *testing.T) {
	s := startServer(t, Options{})
	s.InjectFaults(Fault{Kind: FaultDelay, Delay: time.Millisecond})
	wantStatus(t, upload(t, s, jsonArray(testRow("a", 1)), "d", testSpace), http.StatusOK)
	if e := s.Requests()[0]; e.Fault == nil || e.Fault.Kind != FaultDelay {
		t.Errorf("log entry fault %v", e.Fault)
	}

	// A client that gives up during the delay gets no answer and nothing is
	// stored.
	s.InjectFaults(Fault{Kind: FaultDelay, Delay: time.Hour})
	body, ct := multipartBody(t, jsonArray(testRow("b", 1)), "d", testSpace)
	giveUpDuringFault(t, s, newRequest(t, http.MethodPost, s.URL()+uploadPath, body, ct, testKey))
	waitFor(t, func() bool { return len(s.Requests()) == 2 })
	if n := len(s.Rows(testSpace, "d")); n != 1 {
		t.Errorf("%d rows stored, want 1", n)
	}
}

func TestFaultHangUntilTheClientGivesUp(t *testing.T) {
	s := startServer(t, Options{})
	s.InjectFaults(Fault{Kind: FaultHang, Path: lookupPath})
	body := `{"dataset_name":"d","space_id":"` + testSpace + `"}`
	giveUpDuringFault(t, s, newRequest(t, http.MethodPost, s.URL()+lookupPath, strings.NewReader(body), "application/json", testKey))
	waitFor(t, func() bool { return len(s.Requests()) == 1 })
	if e := s.Requests()[0]; e.Status != 0 || e.Dropped || e.Fault == nil || e.Fault.Kind != FaultHang {
		t.Errorf("log entry: status %d, dropped %v, fault %v", e.Status, e.Dropped, e.Fault)
	}
	// The fault applied once: the next lookup is answered.
	wantStatus(t, lookup(t, s, testSpace, "d"), http.StatusNotFound)
}

func TestFaultHangEndsAtClose(t *testing.T) {
	s := startServer(t, Options{})
	s.InjectFaults(Fault{Kind: FaultHang})
	done := startUpload(t.Context(), t, s, jsonArray(testRow("a", 1)), "d")
	waitFor(t, func() bool { return s.PendingFaults() == 0 })
	s.Close()
	if err := <-done; err == nil {
		t.Error("the hung request got an answer, want the connection dropped")
	}
	// Dropped on purpose by the server, not cut off after the grace period.
	log := s.Requests()
	if len(log) != 1 {
		t.Fatalf("%d requests logged, want 1", len(log))
	}
	if e := log[0]; !e.Dropped || e.Status != 0 {
		t.Errorf("log entry: dropped %v, status %d, want dropped without an answer", e.Dropped, e.Status)
	}
	if s.DatasetID(testSpace, "d") != "" {
		t.Error("the hung upload stored rows")
	}
}

func TestFaultSkipPathAndOrder(t *testing.T) {
	s := startServer(t, Options{})
	s.InjectFaults(
		Fault{Kind: Fault500, Path: uploadPath, Skip: 2},
		Fault{Kind: Fault503, Path: uploadPath},
		Fault{Kind: FaultRouteNotFound, Path: lookupPath},
	)
	// The lookup fault is not blocked by the upload faults queued before it.
	wantStatus(t, lookup(t, s, testSpace, "d"), http.StatusNotFound)
	if s.Requests()[0].Fault == nil {
		t.Error("the lookup did not consume its fault")
	}
	var statuses []int
	for i := 0; i < 5; i++ {
		statuses = append(statuses, upload(t, s, jsonArray(testRow("a", i)), "d", testSpace).StatusCode)
	}
	want := []int{200, 200, 500, 503, 200}
	for i := range want {
		if statuses[i] != want[i] {
			t.Fatalf("statuses %v, want %v", statuses, want)
		}
	}
	if n := len(s.Rows(testSpace, "d")); n != 3 {
		t.Errorf("%d rows stored, want 3", n)
	}
}

func TestClearFaults(t *testing.T) {
	s := startServer(t, Options{})
	s.InjectFaults(Fault{Kind: Fault500}, Fault{Kind: Fault500})
	if s.PendingFaults() != 2 {
		t.Fatalf("PendingFaults %d", s.PendingFaults())
	}
	s.ClearFaults()
	wantStatus(t, upload(t, s, jsonArray(testRow("a", 1)), "d", testSpace), http.StatusOK)
}

func TestParseFaultKindRoundTrips(t *testing.T) {
	for k := Fault429; k < faultKindEnd; k++ {
		if _, named := faultKindNames[k]; !named {
			t.Errorf("%v has no name for the control API", k)
		}
		got, err := ParseFaultKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseFaultKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := ParseFaultKind("teapot"); err == nil || !strings.Contains(err.Error(), "commit_then_drop") {
		t.Errorf("error %v should list the kinds", err)
	}
}

// waitFor polls cond until it holds, failing the test after a generous
// bound. It synchronises with the server; it measures nothing.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("condition not reached within 5s")
}

// giveUpDuringFault sends req, and cancels it once the server has taken the
// fault injected for it: the client must see its own cancellation.
func giveUpDuringFault(t *testing.T, s *Server, req *http.Request) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	waitFor(t, func() bool { return s.PendingFaults() == 0 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("client error %v, want context.Canceled", err)
	}
}
