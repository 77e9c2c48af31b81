package provider

import (
	"fmt"
	"sort"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/collinear-ai/terraform-provider-collinear/internal/emulator"
)

// numberedRows returns n distinct rows, from first on.
func numberedRows(first, n int) []string {
	rows := make([]string, n)
	for i := range rows {
		rows[i] = rowJSON(fmt.Sprintf("Question %d?", first+i), fmt.Sprintf("Answer %d.", first+i), (first+i)%2)
	}
	return rows
}

// checkEachRowOnce checks that the emulator holds exactly the given rows, each
// once.
func (e *accEnv) checkEachRowOnce(name string, rows []string) error {
	var want, got []string
	for _, r := range rows {
		want = append(want, compact(e.t, []byte(r)))
	}
	for _, r := range e.emu.Rows(testSpaceID, name) {
		got = append(got, compact(e.t, r.Row))
	}
	sort.Strings(want)
	sort.Strings(got)
	if fmt.Sprint(want) != fmt.Sprint(got) {
		return fmt.Errorf("dataset %q holds %d rows, want each of the %d source rows exactly once", name, len(got), len(want))
	}
	return nil
}

func uploadAttempts(e *accEnv) int {
	n := 0
	for _, r := range e.emu.Requests() {
		if r.Path == "/api/v1/dataset/upload" {
			n++
		}
	}
	return n
}

// TestAccReliability_retries: 429 with Retry-After twice is retried, and a
// 503 is sent again once a lookup shows nothing was stored; the rows are
// stored once.
func TestAccReliability_retries(t *testing.T) {
	cases := map[string][]emulator.Fault{
		"429 twice": {{Kind: emulator.Fault429, Path: "/api/v1/dataset/upload", RetryAfter: "1"}, {Kind: emulator.Fault429, Path: "/api/v1/dataset/upload", RetryAfter: "1"}},
		// A 503 may come from a gateway after the service stored the rows:
		// the provider looks the dataset up, finds nothing, and sends again.
		"503 once": {{Kind: emulator.Fault503, Path: "/api/v1/dataset/upload"}},
	}
	for name, faults := range cases {
		t.Run(name, func(t *testing.T) {
			e := newAccEnv(t)
			e.emu.InjectFaults(faults...)
			file := e.write("rows.jsonl", jsonl(sampleRows...))
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: e.fileResource("eval", file),
					ConfigStateChecks: []statecheck.StateCheck{
						e.rowIDsMatchEmulator("eval"),
						e.eachRowOnce("eval", sampleRows),
						emulatorHolds(func() error {
							if n := uploadAttempts(e); n != len(faults)+1 {
								return fmt.Errorf("%d upload attempts, want %d", n, len(faults)+1)
							}
							return nil
						}),
					},
				}},
			})
		})
	}
}

// TestAccReliability_commitThenDrop: the first upload is stored but its
// answer is lost; the provider finds the rows by content and does not send
// them again.
func TestAccReliability_commitThenDrop(t *testing.T) {
	for _, kind := range []emulator.FaultKind{emulator.FaultCommitThenDrop, emulator.FaultTruncatedStream, emulator.Fault504AfterCommit, emulator.Fault500} {
		t.Run(kind.String(), func(t *testing.T) {
			e := newAccEnv(t)
			e.emu.InjectFaults(emulator.Fault{Kind: kind, Path: "/api/v1/dataset/upload"})
			file := e.write("rows.jsonl", jsonl(sampleRows...))
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config: e.fileResource("eval", file),
						ConfigStateChecks: []statecheck.StateCheck{
							e.rowIDsMatchEmulator("eval"),
							e.eachRowOnce("eval", sampleRows),
						},
					},
					emptyPlanStep(e.fileResource("eval", file)),
				},
			})
		})
	}
}

// failThirdBatch makes the third upload from now fail for good, storing
// nothing: a 429 on it and on each of the provider's retries (max_retries = 2
// in tests).
func failThirdBatch(e *accEnv) {
	e.emu.InjectFaults(
		emulator.Fault{Kind: emulator.Fault429, Path: "/api/v1/dataset/upload", Skip: 2, RetryAfter: "0"},
		emulator.Fault{Kind: emulator.Fault429, Path: "/api/v1/dataset/upload", RetryAfter: "0"},
		emulator.Fault{Kind: emulator.Fault429, Path: "/api/v1/dataset/upload", RetryAfter: "0"},
	)
}

// TestAccReliability_updateResumesAfterFailedBatch: ten new rows in five
// batches, the third fails: the two batches that landed stay in state with
// their ids, and the next apply sends only the six rows still missing.
func TestAccReliability_updateResumesAfterFailedBatch(t *testing.T) {
	e := newAccEnv(t)
	base := numberedRows(1, 2)
	added := numberedRows(100, 10)
	all := append(append([]string{}, base...), added...)
	file := e.write("rows.jsonl", jsonl(base...))
	config := e.fileResource("eval", file, "  batch_size = 2")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					e.write("rows.jsonl", jsonl(all...))
					e.emu.ResetLog()
					failThirdBatch(e)
				},
				Config:      config,
				ExpectError: wrapped(`6 row\(s\) are on the platform`),
			},
			{
				PreConfig: func() {
					if n := len(e.emu.Rows(testSpaceID, "eval")); n != 6 {
						t.Fatalf("after the failed apply the dataset holds %d rows, want 6", n)
					}
					e.emu.ResetLog()
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{expectNewRowIDs{total: 12, unknown: 6}},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					e.rowIDsMatchEmulator("eval"),
					e.eachRowOnce("eval", all),
					emulatorHolds(func() error {
						sent := 0
						for _, u := range e.uploads() {
							sent += len(u)
						}
						if sent != 6 {
							return fmt.Errorf("the resumed apply sent %d rows, want the 6 missing", sent)
						}
						return nil
					}),
				},
			},
			emptyPlanStep(config),
		},
	})
}
