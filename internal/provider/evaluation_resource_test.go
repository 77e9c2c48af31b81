package provider

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/collinear-ai/terraform-provider-collinear/internal/emulator"
)

const evaluationAddress = "collinear_evaluation.test"

// evaluationHCL is a judge and collinear_evaluation "test" of it over the
// dataset with that id, with extra lines in the evaluation's block.
func evaluationHCL(datasetID string, extra string) string {
	return judgeHCL("tone") + fmt.Sprintf(`
resource "collinear_evaluation" "test" {
  space_id   = %q
  dataset_id = %q
  judge_ids  = [collinear_judge.test.id]
  name       = "nightly"
%s
}
`, testSpaceID, datasetID, extra)
}

// datasetInEmulator puts a one-row dataset in the emulator and returns its
// id.
func (e *accEnv) datasetInEmulator(name string) string {
	e.t.Helper()
	if _, err := e.emu.AddRows(testSpaceID, name, json.RawMessage(sampleRows[0])); err != nil {
		e.t.Fatal(err)
	}
	return e.emu.DatasetID(testSpaceID, name)
}

// runsAre checks the emulator's evaluation runs: how many, and that each
// scored the dataset with the judge in state.
func (e *accEnv) runsAre(n int, datasetID string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		judgeID, err := stateID(s, judgeAddress)
		if err != nil {
			return err
		}
		runs := e.emu.Evaluations()
		if len(runs) != n {
			return fmt.Errorf("the emulator started %d run(s), want %d", len(runs), n)
		}
		for _, r := range runs {
			if r.DatasetID != datasetID || fmt.Sprint(r.JudgeIDs) != "["+judgeID+"]" || r.Name != "nightly" || !r.RollData {
				return fmt.Errorf("run %+v does not score dataset %s with judge %s", r, datasetID, judgeID)
			}
		}
		return nil
	}
}

// dataJSONOfLastRun checks that data_json is what the emulator answered for
// its last run.
func (e *accEnv) dataJSONOfLastRun() knownvalue.Check {
	return knownvalue.StringFunc(func(v string) error {
		runs := e.emu.Evaluations()
		if want := `{"evaluation_id":"` + runs[len(runs)-1].ID + `"}`; v != want {
			return fmt.Errorf("data_json %s, want %s", v, want)
		}
		return nil
	})
}

func TestAccEvaluation_runsOnceThenOnTriggers(t *testing.T) {
	e := newAccEnv(t)
	datasetID := e.datasetInEmulator("eval")
	v1 := e.provider() + evaluationHCL(datasetID, `  triggers = { content = "v1" }`)
	v2 := e.provider() + evaluationHCL(datasetID, `  triggers = { content = "v2" }`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: v1,
				Check:  e.runsAre(1, datasetID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(evaluationAddress, tfpath("message"), knownvalue.StringExact("Evaluation started")),
					statecheck.ExpectKnownValue(evaluationAddress, tfpath("data_json"), e.dataJSONOfLastRun()),
					statecheck.ExpectKnownValue(evaluationAddress, tfpath("roll_data"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(evaluationAddress, tfpath("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`))),
				},
			},
			{
				Config:           v1,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            e.runsAre(1, datasetID),
			},
			{
				Config: v2,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(evaluationAddress, plancheck.ResourceActionReplace),
					plancheck.ExpectResourceAction(judgeAddress, plancheck.ResourceActionNoop),
				}},
				Check: e.runsAre(2, datasetID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(evaluationAddress, tfpath("data_json"), e.dataJSONOfLastRun()),
				},
			},
		},
	})
	if n := e.requestsTo("POST", "/api/v1/dataset/assess/run"); n != 2 {
		t.Fatalf("%d run requests, want 2", n)
	}
}

// The demo's wiring: a dataset uploaded by collinear_dataset, read back for
// its id, a judge, and a run that a new version of the file starts again.
func TestAccEvaluation_wiredToDataset(t *testing.T) {
	e := newAccEnv(t)
	file := e.write("rows.jsonl", jsonl(sampleRows[:2]...))
	config := e.provider() + datasetBlock("eval", file) + `
data "collinear_dataset" "eval" {
  space_id     = collinear_dataset.test.space_id
  dataset_name = collinear_dataset.test.dataset_name
  depends_on   = [collinear_dataset.test]
}
` + judgeHCL("tone") + fmt.Sprintf(`
resource "collinear_evaluation" "test" {
  space_id   = %q
  dataset_id = data.collinear_dataset.eval.dataset_id
  judge_ids  = [collinear_judge.test.id]
  name       = "nightly"
  triggers   = { content = collinear_dataset.test.content_sha256 }
}
`, testSpaceID)
	datasetID := func() string { return e.emu.DatasetID(testSpaceID, "eval") }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check:  func(s *terraform.State) error { return e.runsAre(1, datasetID())(s) },
			},
			emptyPlanStep(config),
			{
				PreConfig: func() { e.write("rows.jsonl", jsonl(sampleRows...)) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("collinear_dataset.test", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(evaluationAddress, plancheck.ResourceActionReplace),
				}},
				Check: func(s *terraform.State) error { return e.runsAre(2, datasetID())(s) },
			},
			emptyPlanStep(config),
		},
	})
}

// A run whose answer is lost is not started again: the apply stops with an
// error that says how to check, and the resource is recorded as tainted.
func TestAccEvaluation_lostAnswerIsNotResent(t *testing.T) {
	e := newAccEnv(t)
	datasetID := e.datasetInEmulator("eval")
	e.emu.InjectFaults(emulator.Fault{Kind: emulator.Fault503, Path: "/api/v1/dataset/assess/run"})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      e.provider() + evaluationHCL(datasetID, ""),
			ExpectError: wrapped(`(?s)Evaluation run outcome unknown.*may or may not have started.*It was not started again.*terraform untaint`),
		}},
	})
	if n := e.requestsTo("POST", "/api/v1/dataset/assess/run"); n != 1 {
		t.Fatalf("%d run requests, want 1", n)
	}
}

func TestAccEvaluation_unknownDatasetFails(t *testing.T) {
	e := newAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      e.provider() + evaluationHCL(otherSpaceID, ""),
			ExpectError: wrapped(`(?s)Dataset not found.*Check that dataset_id and every judge id belong to space_id`),
		}},
	})
	if n := len(e.emu.Evaluations()); n != 0 {
		t.Fatalf("%d runs started", n)
	}
}

// A space_id or dataset_id written another way (upper case) names the same
// run: an in-place change that starts nothing.
func TestAccEvaluation_uuidSpellingsStartNothing(t *testing.T) {
	e := newAccEnv(t)
	datasetID := e.datasetInEmulator("eval")
	config := e.provider() + evaluationHCL(datasetID, "")
	respelt := e.provider() + strings.ReplaceAll(evaluationHCL(strings.ToUpper(datasetID), ""), testSpaceID, strings.ToUpper(testSpaceID))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, Check: e.runsAre(1, datasetID)},
			{
				Config: respelt,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(evaluationAddress, plancheck.ResourceActionUpdate),
				}},
				Check: e.runsAre(1, datasetID),
			},
			emptyPlanStep(respelt),
		},
	})
}

// A start that does not answer within the create timeout is not sent again:
// the error names the route and the timeout, and says how to check.
func TestAccEvaluation_startThatNeverAnswers(t *testing.T) {
	e := newAccEnv(t)
	datasetID := e.datasetInEmulator("eval")
	e.emu.InjectFaults(emulator.Fault{Kind: emulator.FaultHang, Path: "/api/v1/dataset/assess/run"})
	var start time.Time // set once the test runs: ParallelTest waits for its turn
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig:   func() { start = time.Now() },
			Config:      e.provider() + evaluationHCL(datasetID, "  timeouts {\n    create = \"2s\"\n  }"),
			ExpectError: wrapped(`(?s)Evaluation run outcome unknown.*The evaluation start \(POST /api/v1/dataset/assess/run\) did not answer within the create timeout of 2s.*timeouts block \(create\).*It was not started again.*terraform untaint`),
		}},
	})
	if took := time.Since(start); took > 30*time.Second {
		t.Fatalf("the test took %s with a 2s timeout", took)
	}
	if n := e.requestsTo("POST", "/api/v1/dataset/assess/run"); n != 1 {
		t.Fatalf("%d run requests, want 1", n)
	}
}

// Adding a timeouts block to an existing judge and run, or changing it,
// replaces neither: an in-place update that sends nothing to the API; then
// the plan is empty.
func TestAccEvaluation_timeoutsChangeNothing(t *testing.T) {
	e := newAccEnv(t)
	datasetID := e.datasetInEmulator("eval")
	timeouts := func(judge, run string) string {
		hcl := e.provider() + evaluationHCL(datasetID, "  timeouts {\n    create = \""+run+"\"\n  }")
		return strings.Replace(hcl, "judge_values        = [1, 2, 3, 4, 5]", "judge_values        = [1, 2, 3, 4, 5]\n  timeouts {\n    create = \""+judge+"\"\n    read   = \"1m\"\n  }", 1)
	}
	var sent int
	inPlace := func(config string) resource.TestStep {
		return resource.TestStep{
			PreConfig: func() { sent = len(e.emu.Requests()) },
			Config:    config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(judgeAddress, plancheck.ResourceActionUpdate),
				plancheck.ExpectResourceAction(evaluationAddress, plancheck.ResourceActionUpdate),
			}},
			Check: e.onlyReadsSince(&sent),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(judgeAddress, tfpath("id"), e.isJudge("tone", 0, 1)),
				statecheck.ExpectKnownValue(judgeAddress, tfpath("timeouts"), knownvalue.NotNull()),
				statecheck.ExpectKnownValue(evaluationAddress, tfpath("timeouts"), knownvalue.NotNull()),
			},
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: e.provider() + evaluationHCL(datasetID, ""), Check: e.runsAre(1, datasetID)},
			inPlace(timeouts("5m", "10m")),
			emptyPlanStep(timeouts("5m", "10m")),
			inPlace(timeouts("7m", "15m")),
		},
	})
	if n := e.judgeCreations(); n != 1 {
		t.Fatalf("%d judge creations, want 1", n)
	}
	if n := len(e.emu.Evaluations()); n != 1 {
		t.Fatalf("%d runs, want 1", n)
	}
}

// onlyReadsSince checks that the emulator received nothing but GETs (the
// refresh's list of judges) since request number *since.
func (e *accEnv) onlyReadsSince(since *int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, r := range e.emu.Requests()[*since:] {
			if r.Method != "GET" {
				return fmt.Errorf("the API received %s %s; only the refresh's list is expected", r.Method, r.Path)
			}
		}
		return nil
	}
}
