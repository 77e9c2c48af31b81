package emulator

import (
	"bufio"
	"encoding/json"
	"net/http"
)

// lookup serves POST /api/v1/dataset/name: a dataset's id and rows by space
// and name (DatasetByNameRequestDTO).
func (ex *exchange) lookup() {
	var space, name string
	ok := ex.jsonRequest(func(f *bodyFields) string {
		name = f.str("dataset_name")
		space = f.uuid("space_id")
		return space
	})
	ex.entry.DatasetName = name
	if !ok {
		return
	}
	datasetID, rows, found := ex.s.snapshot(space, name)
	if !found {
		writeDetail(ex.w, http.StatusNotFound, "Dataset not found")
		return
	}
	ex.writeLookup(datasetID, rows)
}

// annotationDTO is DatasetAnnotationsDTO of the OpenAPI document. It has no
// context: the platform does not return it.
type annotationDTO struct {
	ID                  string         `json:"id"`
	DBID                string         `json:"db_id"`
	ConvPrefix          []message      `json:"conv_prefix"`
	Response            string         `json:"response"`
	JudgeFeedback       map[string]any `json:"judge_feedback"`
	HumanFeedback       map[string]any `json:"human_feedback"`
	JudgeFeedbackRating map[string]any `json:"judge_feedback_rating"`
	CreatedAt           string         `json:"created_at"`
	ConversationID      *string        `json:"conversation_id"`
	GroundTruth         *int64         `json:"ground_truth"`
	ConvPrefixID        *string        `json:"conv_prefix_id"`
}

// writeLookup streams GetDatasetByNameResponseDTO, rows in insertion order.
func (ex *exchange) writeLookup(datasetID string, rows []storedRow) {
	ex.w.Header().Set("Content-Type", "application/json")
	ex.w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(ex.w, 32<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	_, _ = bw.WriteString(`{"dataset_id":"` + datasetID + `","dataset_annotations":[`)
	empty := map[string]any{}
	for i, r := range rows {
		if i > 0 {
			_ = bw.WriteByte(',')
		}
		prefix := r.convPrefix
		if prefix == nil {
			prefix = []message{}
		}
		err := enc.Encode(annotationDTO{
			ID: r.ID, DBID: r.DBID, ConvPrefix: prefix, Response: r.response,
			JudgeFeedback: empty, HumanFeedback: empty, JudgeFeedbackRating: empty,
			CreatedAt:   r.CreatedAt.Format(createdAtLayout),
			GroundTruth: r.groundTruth,
		})
		if err != nil {
			return // the client went away
		}
	}
	_, _ = bw.WriteString("]}")
	_ = bw.Flush()
}

// createdAtLayout is RFC 3339 with microseconds, as Python's isoformat()
// writes a timestamp.
const createdAtLayout = "2006-01-02T15:04:05.000000Z07:00"
