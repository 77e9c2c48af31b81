package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// datasetStateCheck is a state check that compares collinear_dataset.test's
// attributes in state with what the emulator holds.
type datasetStateCheck func(attrs map[string]any) error

func (c datasetStateCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		resp.Error = fmt.Errorf("no state")
		return
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address == "collinear_dataset.test" {
			resp.Error = c(r.AttributeValues)
			return
		}
	}
	resp.Error = fmt.Errorf("collinear_dataset.test not in state")
}

// rowIDsMatchEmulator checks that row_ids are exactly the ids the emulator
// stored for the dataset, in order.
func (e *accEnv) rowIDsMatchEmulator(name string) statecheck.StateCheck {
	return datasetStateCheck(func(attrs map[string]any) error {
		ids, _ := attrs["row_ids"].([]any)
		stored := e.emu.Rows(testSpaceID, name)
		if len(ids) != len(stored) {
			return fmt.Errorf("row_ids has %d elements, emulator stored %d rows", len(ids), len(stored))
		}
		for i, row := range stored {
			if ids[i] != row.ID {
				return fmt.Errorf("row_ids[%d] = %v, emulator stored id %q", i, ids[i], row.ID)
			}
		}
		return nil
	})
}

// eachRowOnce checks that the emulator holds exactly rows, each once.
func (e *accEnv) eachRowOnce(name string, rows []string) statecheck.StateCheck {
	return datasetStateCheck(func(map[string]any) error { return e.checkEachRowOnce(name, rows) })
}

// emulatorHolds checks a condition on the emulator alone.
func emulatorHolds(check func() error) statecheck.StateCheck {
	return datasetStateCheck(func(map[string]any) error { return check() })
}
