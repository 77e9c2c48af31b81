package provider

import (
	"context"
	"strings"
	"testing"
)

// TestAccCLI_clientLogsCarryTheRPC: the client logs each request with the
// context of the RPC that made it, so that an apply's upload is logged under
// ApplyResourceChange and a refresh's lookup under ReadResource, not under
// the ConfigureProvider call that built the client.
func TestAccCLI_clientLogsCarryTheRPC(t *testing.T) {
	c := newCLIEnv(t)
	c.writeWork("rows.jsonl", jsonl(sampleRows...))
	c.configure(datasetHCL(`"rows.jsonl"`))

	apply := c.terraform(context.Background(), []string{"TF_LOG=DEBUG"}, "apply", "-auto-approve", "-input=false")
	if apply.exitCode != 0 {
		t.Fatalf("apply: %s", apply.stderr)
	}
	checkClientLines(t, apply.stderr, []string{"Collinear API request finished", "Collinear upload stored rows"}, "path=/api/v1/dataset/upload", "ApplyResourceChange")

	refresh := c.terraform(context.Background(), []string{"TF_LOG=DEBUG"}, "plan", "-refresh-only", "-input=false")
	if refresh.exitCode != 0 {
		t.Fatalf("plan -refresh-only: %s", refresh.stderr)
	}
	checkClientLines(t, refresh.stderr, []string{"Collinear API request finished"}, "path=/api/v1/dataset/name", "ReadResource")
}

// checkClientLines checks that each of the messages is logged for path, and
// that every such line names rpc as the calling RPC.
func checkClientLines(t *testing.T, logs string, messages []string, path, rpc string) {
	t.Helper()
	for _, msg := range messages {
		var found int
		for _, line := range strings.Split(logs, "\n") {
			if !strings.Contains(line, msg) || !strings.Contains(line, path) {
				continue
			}
			found++
			if !strings.Contains(line, "tf_rpc="+rpc) {
				t.Errorf("%q is not logged under %s:\n%s", msg, rpc, line)
			}
		}
		if found == 0 {
			t.Errorf("no %q line for %s in the log:\n%s", msg, path, logs)
		}
	}
}

// TestAccCLI_logsWithoutKeyAreReadable: with no API key there is nothing to
// mask, and the provider's log lines stay as written.
func TestAccCLI_logsWithoutKeyAreReadable(t *testing.T) {
	t.Parallel()
	c := newCLIEnv(t)
	c.writeWork("rows.jsonl", jsonl(sampleRows...))
	c.configure(datasetHCL(`"rows.jsonl"`))
	c.withoutKey(func() {
		plan := c.terraform(context.Background(), []string{"TF_LOG=DEBUG"}, "plan", "-input=false", "-no-color")
		if plan.exitCode != 0 {
			t.Fatalf("plan without a key: %s", plan.stderr)
		}
		if !strings.Contains(plan.stderr, "no Collinear API key; the client is not set up") {
			t.Fatalf("the provider's log lines are not as written:\n%s", plan.stderr)
		}
	})
}
