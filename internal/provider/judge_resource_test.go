package provider

import (
	"context"
	"fmt"
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

const (
	judgeAddress  = "collinear_judge.test"
	otherSpaceID  = "00000000-0000-4000-8000-000000000000"
	judgeListPath = "/api/v1/space/" + testSpaceID + "/judges"
)

// judgeHCL is collinear_judge "test", a custom judge named name, with extra
// lines added to its block.
func judgeHCL(name string, extra ...string) string {
	return fmt.Sprintf(`
resource "collinear_judge" "test" {
  space_id            = %q
  name                = %q
  judge_behavior_type = "custom"
  model_name          = "prompted_model"
  judge_values        = [1, 2, 3, 4, 5]
%s
}
`, testSpaceID, name, strings.Join(extra, "\n"))
}

// requestsTo counts the logged requests with that method and path.
func (e *accEnv) requestsTo(method, path string) int {
	n := 0
	for _, r := range e.emu.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// judgeCreations counts the judge creations the emulator received.
func (e *accEnv) judgeCreations() int { return e.requestsTo("POST", "/api/v1/judge/") }

// judgeIDs returns the ids of the space's judges named name, in creation
// order.
func (e *accEnv) judgeIDs(name string) []string {
	var ids []string
	for _, j := range e.emu.Judges(testSpaceID) {
		if j.Name == name {
			ids = append(ids, j.ID)
		}
	}
	return ids
}

// isJudge checks that a state value is the id of the emulator's n-th judge
// named name (counting from 0), and that there are want such judges.
func (e *accEnv) isJudge(name string, n, want int) knownvalue.Check {
	return knownvalue.StringFunc(func(v string) error {
		ids := e.judgeIDs(name)
		if len(ids) != want {
			return fmt.Errorf("the emulator holds %d judge(s) named %q, want %d", len(ids), name, want)
		}
		if v != ids[n] {
			return fmt.Errorf("id %q is not judge %d named %q (%v)", v, n, name, ids)
		}
		return nil
	})
}

// stateID reads the id of a resource from state in a TestStep's Check.
func stateID(s *terraform.State, address string) (string, error) {
	rs, ok := s.RootModule().Resources[address]
	if !ok {
		return "", fmt.Errorf("%s not in state", address)
	}
	return rs.Primary.ID, nil
}

func TestAccJudge_lifecycle(t *testing.T) {
	e := newAccEnv(t)
	first := e.provider() + judgeHCL("tone", `  prompt_template = "Is the reply polite? {response}"`, `  model_id = "0E5A0C1E-9A43-4B9E-8F0E-7F3F9D1D2C33"`)
	changed := e.provider() + judgeHCL("tone", `  prompt_template = "Is the reply kind? {response}"`, `  model_id = "0E5A0C1E-9A43-4B9E-8F0E-7F3F9D1D2C33"`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			// Destroy removes the judge from state only.
			if n := len(e.emu.Judges(testSpaceID)); n != 2 {
				return fmt.Errorf("after destroy the emulator holds %d judges, want 2", n)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: first,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(judgeAddress, tfpath("id"), e.isJudge("tone", 0, 1)),
					statecheck.ExpectKnownValue(judgeAddress, tfpath("optimize_prompt"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(judgeAddress, tfpath("dataset_annotation_ids"), knownvalue.Null()),
				},
				Check: func(*terraform.State) error {
					j := e.emu.Judges(testSpaceID)[0]
					if j.BehaviorType != "custom" || j.ModelName != "prompted_model" || *j.PromptTemplate != "Is the reply polite? {response}" ||
						fmt.Sprint(j.JudgeValues) != "[1 2 3 4 5]" || j.OptimizePrompt || len(j.DatasetAnnotationIDs) != 0 ||
						*j.ModelID != "0e5a0c1e-9a43-4b9e-8f0e-7f3f9d1d2c33" {
						return fmt.Errorf("the emulator stored %+v", j)
					}
					return nil
				},
			},
			emptyPlanStep(first),
			{
				Config: changed,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(judgeAddress, plancheck.ResourceActionReplace),
				}},
				// The old judge stays; state holds the new one.
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(judgeAddress, tfpath("id"), e.isJudge("tone", 1, 2)),
				},
			},
			{
				// Deleted in the UI: refresh drops it and the plan creates it again.
				PreConfig: func() {
					ids := e.judgeIDs("tone")
					if err := e.emu.DeleteJudge(testSpaceID, ids[1]); err != nil {
						t.Fatal(err)
					}
				},
				Config: changed,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(judgeAddress, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(judgeAddress, tfpath("id"), e.isJudge("tone", 1, 2)),
				},
			},
			{
				ResourceName: judgeAddress,
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					id, err := stateID(s, judgeAddress)
					return testSpaceID + "/" + id, err
				},
				ImportStateVerify: true,
				// The list shows only id, name and behaviour type.
				ImportStateVerifyIgnore: []string{"model_name", "model_id", "prompt_template", "judge_values", "optimize_prompt", "dataset_annotation_ids"},
			},
		},
	})
	if n := e.judgeCreations(); n != 3 {
		t.Fatalf("%d judge creations, want 3 (create, replace, re-create)", n)
	}
}

// An imported judge takes the arguments the list cannot show from the
// configuration, in place and without a request; then plans are empty.
func TestAccJudge_importAdoptsConfiguration(t *testing.T) {
	e := newAccEnv(t)
	id := e.emu.AddJudge(testSpaceID, "made in the UI", "custom")
	config := e.provider() + judgeHCL("made in the UI", `  prompt_template = "Score {response}"`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:             config,
				ResourceName:       judgeAddress,
				ImportState:        true,
				ImportStateId:      testSpaceID + "/" + strings.ToUpper(id),
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].ID != id || states[0].Attributes["name"] != "made in the UI" || states[0].Attributes["judge_behavior_type"] != "custom" {
						return fmt.Errorf("imported %+v", states)
					}
					return nil
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(judgeAddress, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(judgeAddress, tfpath("id"), knownvalue.StringExact(id)),
					statecheck.ExpectKnownValue(judgeAddress, tfpath("prompt_template"), knownvalue.StringExact("Score {response}")),
				},
			},
			emptyPlanStep(config),
			{
				// After adoption a change replaces the judge again.
				Config: e.provider() + judgeHCL("made in the UI", `  prompt_template = "Score it {response}"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(judgeAddress, plancheck.ResourceActionReplace),
				}},
			},
		},
	})
	if n := e.judgeCreations(); n != 1 {
		t.Fatalf("%d judge creations, want 1: the import and its apply send none, the last change one", n)
	}
}

// A rename in the UI shows as a replacement: name and behaviour type are
// compared with the platform at refresh.
func TestAccJudge_renamedOnPlatformIsReplaced(t *testing.T) {
	e := newAccEnv(t)
	config := e.provider() + judgeHCL("tone")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					if err := e.emu.RenameJudge(testSpaceID, e.judgeIDs("tone")[0], "tone (edited)"); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(judgeAddress, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(judgeAddress, tfpath("id"), e.isJudge("tone", 0, 1)),
				},
			},
		},
	})
	if n := len(e.emu.Judges(testSpaceID)); n != 2 {
		t.Fatalf("%d judges, want the renamed one and the new one", n)
	}
}

// A 503, a dropped connection or a gateway's 504 on creation never yields
// two judges, and a judge of the same name that was there before is never
// claimed.
func TestAccJudge_lostAnswersNeverCreateTwice(t *testing.T) {
	cases := []struct {
		name      string
		fault     emulator.Fault
		creations int
	}{
		{"503 before the service", emulator.Fault{Kind: emulator.Fault503, Path: "/api/v1/judge/"}, 2},
		{"connection dropped after storing", emulator.Fault{Kind: emulator.FaultCommitThenDrop, Path: "/api/v1/judge/"}, 1},
		{"504 after storing", emulator.Fault{Kind: emulator.Fault504AfterCommit, Path: "/api/v1/judge/"}, 1},
		{"answer cut off", emulator.Fault{Kind: emulator.FaultTruncatedStream, Path: "/api/v1/judge/"}, 1},
		// The gateway answers 504 before the service stores the judge: the
		// first list after it shows nothing, and a resend would make two.
		{"504 before the service stores", emulator.Fault{Kind: emulator.Fault504BeforeCommit, Path: "/api/v1/judge/", Delay: 1500 * time.Millisecond}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newAccEnv(t)
			older := e.emu.AddJudge(testSpaceID, "tone", "custom")
			e.emu.InjectFaults(tc.fault)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: e.provider() + judgeHCL("tone"),
					ConfigStateChecks: []statecheck.StateCheck{
						// Judge 0 is the older one; ours is judge 1.
						statecheck.ExpectKnownValue(judgeAddress, tfpath("id"), e.isJudge("tone", 1, 2)),
					},
				}},
			})
			// A creation stored late counts once it has landed.
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			if err := e.emu.WaitLateCommits(ctx); err != nil {
				t.Fatal(err)
			}
			if n := e.judgeCreations(); n != tc.creations {
				t.Fatalf("%d judge creations, want %d", n, tc.creations)
			}
			if ids := e.judgeIDs("tone"); len(ids) != 2 || ids[0] != older {
				t.Fatalf("judges %v, want the older one and ours", ids)
			}
		})
	}
}

// Ids written another way (upper case, without hyphens) name the same
// objects: a space_id respelt is an in-place change that creates nothing,
// and an import by an unhyphenated judge id finds the judge.
func TestAccJudge_uuidSpellingsAreTheSameJudge(t *testing.T) {
	e := newAccEnv(t)
	config := e.provider() + judgeHCL("tone")
	respelt := strings.Replace(config, testSpaceID, strings.ToUpper(testSpaceID), 1)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				Config: respelt,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(judgeAddress, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(judgeAddress, tfpath("id"), e.isJudge("tone", 0, 1)),
				},
			},
			emptyPlanStep(respelt),
			{
				ResourceName: judgeAddress,
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					id, err := stateID(s, judgeAddress)
					return testSpaceID + "/" + strings.ReplaceAll(id, "-", ""), err
				},
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if want := e.judgeIDs("tone")[0]; len(states) != 1 || states[0].ID != want || states[0].Attributes["name"] != "tone" {
						return fmt.Errorf("imported %+v, want judge %s", states, want)
					}
					return nil
				},
			},
		},
	})
	if n := e.judgeCreations(); n != 1 {
		t.Fatalf("%d judge creations, want 1", n)
	}
}
