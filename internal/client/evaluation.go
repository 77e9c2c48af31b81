package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
)

// AssessRunPath is the route that starts an evaluation run of several judges
// over a dataset, below the base URL.
const AssessRunPath = "/api/v1/dataset/assess/run"

// EvaluationRequest is TriggerConersationsEvaluationRequestDTO of the OpenAPI
// document.
type EvaluationRequest struct {
	DatasetID string   `json:"dataset_id"`
	SpaceID   string   `json:"space_id"`
	JudgeIDs  []string `json:"judge_ids"`
	Name      string   `json:"name"`
	RollData  bool     `json:"roll_data"`
}

// APIResponse is ApiResponse of the OpenAPI document: a message and
// free-form data.
type APIResponse struct {
	Message string
	// Data is the "data" object as the API sent it, compacted; nil when the
	// API sent null. An answer without "data" gets the documented default,
	// {}.
	Data json.RawMessage
}

// StartEvaluation calls POST /api/v1/dataset/assess/run. Starting a run is
// not idempotent: a failure after the body may have reached the server is an
// *OutcomeUnknownError (ProbablyStored when the API answered 200 but the
// answer could not be read), and the run must not be started again blindly.
func (c *Client) StartEvaluation(ctx context.Context, req EvaluationRequest) (*APIResponse, error) {
	if req.SpaceID == "" || req.DatasetID == "" || req.Name == "" || len(req.JudgeIDs) == 0 {
		return nil, errors.New("an evaluation run needs a space_id, a dataset_id, a name and at least one judge id")
	}
	var res *APIResponse
	err := c.postJSON(ctx, opEvaluation, AssessRunPath, req, func(body []byte) (err error) {
		res, err = c.decodeAPIResponse(AssessRunPath, body)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// decodeAPIResponse reads an ApiResponse: "message" a string (required),
// "data" an object or null (default {}).
func (c *Client) decodeAPIResponse(path string, body []byte) (*APIResponse, error) {
	var doc struct {
		Message *string         `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, c.unexpectedAnswer(path, "want a JSON object {message, data}: "+err.Error(), body)
	}
	if doc.Message == nil {
		return nil, c.unexpectedAnswer(path, `"message" is missing or not a string`, body)
	}
	res := &APIResponse{Message: *doc.Message}
	// Unmarshal fills doc.Data with the value as written, valid and without
	// the white space around it.
	switch data := doc.Data; {
	case len(data) == 0:
		res.Data = json.RawMessage(`{}`)
	case string(data) == "null":
	case data[0] == '{':
		var buf bytes.Buffer
		_ = json.Compact(&buf, data) // cannot fail on valid JSON
		res.Data = buf.Bytes()
	default:
		return nil, c.unexpectedAnswer(path, `"data" should be an object or null`, body)
	}
	return res, nil
}
