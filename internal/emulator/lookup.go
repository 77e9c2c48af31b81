package emulator

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
)

// lookup serves POST /api/v1/dataset/name: a dataset's id and rows by space
// and name.
func (ex *exchange) lookup() {
	body, err := io.ReadAll(http.MaxBytesReader(ex.rec, ex.r.Body, ex.s.maxBody))
	if err != nil {
		if errors.Is(bodyError(err), errBodyTooLarge) {
			writeDetail(ex.w, http.StatusRequestEntityTooLarge, "Request entity too large")
			return
		}
		writeDetail(ex.w, http.StatusBadRequest, malformedBodyDetail)
		return
	}
	ex.entry.Body = body
	if !ex.authenticate() {
		return
	}
	space, name, issues := validateLookupBody(ex.r.Header.Get("Content-Type"), body)
	ex.entry.SpaceID, ex.entry.DatasetName = space, name
	if len(issues) > 0 {
		writeValidation(ex.w, issues)
		return
	}
	if !ex.authorizeSpace(space) {
		return
	}
	datasetID, rows, ok := ex.s.snapshot(space, name)
	if !ok {
		writeDetail(ex.w, http.StatusNotFound, "Dataset not found")
		return
	}
	ex.writeLookup(datasetID, rows)
}

// validateLookupBody decodes the DatasetByNameRequestDTO the way FastAPI
// does: JSON only when the Content-Type is absent or JSON, every problem
// listed.
func validateLookupBody(contentType string, body []byte) (space, name string, issues []validationIssue) {
	isJSON := contentType == ""
	if !isJSON {
		if mt, _, err := mime.ParseMediaType(contentType); err == nil {
			isJSON = mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
		}
	}
	if len(body) == 0 {
		return "", "", []validationIssue{missingField("body")}
	}
	if !isJSON {
		return "", "", []validationIssue{notAnObject(string(body))}
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil || dec.More() {
		pos := 0
		var se *json.SyntaxError
		if errors.As(err, &se) {
			pos = int(se.Offset) - 1
		}
		msg := "Extra data"
		if err != nil {
			msg = err.Error()
		}
		return "", "", []validationIssue{{
			Type: "json_invalid", Loc: []any{"body", pos}, Msg: "JSON decode error",
			Input: map[string]any{}, Ctx: map[string]any{"error": msg},
		}}
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return "", "", []validationIssue{notAnObject(doc)}
	}
	// A field sent as null is a type error for pydantic, not a missing one.
	if v, present := obj["dataset_name"]; !present {
		issues = append(issues, missingField("body", "dataset_name"))
	} else if str, ok := v.(string); ok {
		name = str
	} else {
		issues = append(issues, validationIssue{Type: "string_type", Loc: []any{"body", "dataset_name"},
			Msg: "Input should be a valid string", Input: v})
	}
	if v, present := obj["space_id"]; !present {
		issues = append(issues, missingField("body", "space_id"))
	} else if str, ok := v.(string); !ok {
		issues = append(issues, validationIssue{Type: "uuid_type", Loc: []any{"body", "space_id"},
			Msg: "UUID input should be a string, bytes or UUID object", Input: v})
	} else if c, errText := parseUUID(str); errText != "" {
		issues = append(issues, uuidParsingIssue([]any{"body", "space_id"}, str, errText))
	} else {
		space = c
	}
	return space, name, issues
}

func notAnObject(input any) validationIssue {
	return validationIssue{Type: "model_attributes_type", Loc: []any{"body"},
		Msg: "Input should be a valid dictionary or object to extract fields from", Input: input}
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
