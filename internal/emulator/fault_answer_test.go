package emulator

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestFaultAnswerIsTheWholeAnswer: a fault that answers at once ends the
// request: the body is the fault's alone and nothing is stored after it.
func TestFaultAnswerIsTheWholeAnswer(t *testing.T) {
	s, err := Start(Options{APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, kind := range []FaultKind{Fault429, Fault500, Fault502, Fault503, FaultRouteNotFound, FaultMethodNotAllowed} {
		s.InjectFaults(Fault{Kind: kind, RetryAfter: "0"})
		body := `{"dataset_name":"d","space_id":"3c90c3cc-0d44-4b50-8888-8dd25736052a"}`
		req, _ := http.NewRequest(http.MethodPost, s.URL()+"/api/v1/dataset/name", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer k")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Count(string(b), `"detail"`) > 1 || strings.Contains(string(b), "Dataset not found") {
			t.Errorf("%v: answer %q holds more than the fault's answer", kind, b)
		}
	}
}
