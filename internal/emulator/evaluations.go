package emulator

import (
	"net/http"
	"time"
)

// assessRunPath is the route that starts an evaluation run of judges over a
// dataset.
const assessRunPath = "/api/v1/dataset/assess/run"

// Evaluation is a run started through the emulator:
// TriggerConersationsEvaluationRequestDTO with the id the emulator gave it.
type Evaluation struct {
	ID        string    `json:"id"`
	SpaceID   string    `json:"space_id"`
	DatasetID string    `json:"dataset_id"`
	JudgeIDs  []string  `json:"judge_ids"`
	Name      string    `json:"name"`
	RollData  bool      `json:"roll_data"`
	CreatedAt time.Time `json:"created_at"`
}

// startEvaluation serves POST /api/v1/dataset/assess/run. The dataset and
// every judge must be in the space (404 otherwise). It answers ApiResponse;
// the OpenAPI document leaves "data" free-form, and the emulator puts the
// run's id there under a name of its own, "evaluation_id".
func (ex *exchange) startEvaluation() {
	var e Evaluation
	ok := ex.jsonRequest(func(f *bodyFields) string {
		// TriggerConersationsEvaluationRequestDTO, field by field.
		e = Evaluation{
			DatasetID: f.uuid("dataset_id"),
			SpaceID:   f.uuid("space_id"),
			JudgeIDs:  f.uuidList("judge_ids", true),
			Name:      f.str("name"),
			RollData:  f.boolean("roll_data", false, true),
		}
		return e.SpaceID
	})
	if !ok {
		return
	}
	id, missing := ex.s.storeEvaluation(e)
	if missing != "" {
		writeDetail(ex.w, http.StatusNotFound, missing)
		return
	}
	ex.entry.Stored = 1
	ex.writeSmallAnswer(map[string]any{
		"message": "Evaluation started",
		"data":    map[string]string{"evaluation_id": id},
	})
}

// storeEvaluation records the run when its dataset and judges are in its
// space; otherwise it returns the detail of the 404 and stores nothing.
func (s *Server) storeEvaluation(e Evaluation) (id, missing string) {
	e.ID = newUUID()
	e.CreatedAt = time.Now().UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.hasDataset(e.SpaceID, e.DatasetID) {
		return "", "Dataset not found"
	}
	for _, j := range e.JudgeIDs {
		if !s.hasJudge(e.SpaceID, j) {
			return "", "Judge not found"
		}
	}
	s.evaluations = append(s.evaluations, e)
	return e.ID, ""
}

// hasDataset reports whether the space holds a dataset with that id; s.mu
// must be held.
func (s *Server) hasDataset(space, datasetID string) bool {
	for k, ds := range s.datasets {
		if k.space == space && ds.id == datasetID {
			return true
		}
	}
	return false
}

// Evaluations returns every run started, oldest first.
func (s *Server) Evaluations() []Evaluation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Evaluation{}, s.evaluations...)
}
