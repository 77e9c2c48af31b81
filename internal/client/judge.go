package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// JudgeCreatePath is the route that creates a judge, below the base URL. The
// trailing slash is part of the route: FastAPI redirects the other spelling,
// and the client does not follow redirects.
const JudgeCreatePath = "/api/v1/judge/"

// SpaceJudgesPath is the route that lists a space's judges.
func SpaceJudgesPath(spaceID string) string {
	return "/api/v1/space/" + url.PathEscape(spaceID) + "/judges"
}

// ErrSpaceNotFound: the API answered 404 about the space itself (not a
// missing route).
var ErrSpaceNotFound = errors.New("space not found")

// ErrJudgeListUnavailable: the judge list route is missing on this
// deployment (FastAPI's bare 404, or 405).
var ErrJudgeListUnavailable = errors.New("the judge list is not available on this API")

// JudgeBehaviorTypes is JudgeBehaviorTypeEnum of the OpenAPI document.
var JudgeBehaviorTypes = []string{"safety", "reliability", "custom"}

// JudgeModelNames is JudgeModelTypeEnum of the OpenAPI document.
var JudgeModelNames = []string{
	"llama_guard", "wild_guard", "persona", "collinear_guard", "collinear_guard_beta",
	"collinear_guard_classifier", "collinear_guard_classifier_beta", "prompted_model", "veritas",
	"veritas_large", "lynx", "custom", "collinear_guard_category", "regex", "collinear_flex",
	"diversity", "coherence", "instruction_following", "quality_of_reasoning",
}

// JudgeCreateRequest is JudgeCreateRequestDTO of the OpenAPI document.
// JudgeValues and DatasetAnnotationIDs are sent as [] when nil: the first is
// required, the second defaults to [].
type JudgeCreateRequest struct {
	SpaceID              string   `json:"space_id"`
	Name                 string   `json:"name"`
	BehaviorType         string   `json:"judge_behavior_type"` // JudgeBehaviorTypeEnum
	ModelName            string   `json:"model_name"`          // JudgeModelTypeEnum
	ModelID              *string  `json:"model_id,omitempty"`
	PromptTemplate       *string  `json:"prompt_template,omitempty"`
	JudgeValues          []int64  `json:"judge_values"`
	OptimizePrompt       bool     `json:"optimize_prompt"`
	DatasetAnnotationIDs []string `json:"dataset_annotation_ids"`
}

// Judge is JudgeDashboardDTO: what the per-space list says of a judge.
type Judge struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	BehaviorType string `json:"behavior_type"`
}

// MaxRetries is the configured retry budget, for callers that resend a
// request themselves once they have proved the first attempt stored nothing.
func (c *Client) MaxRetries() int { return c.maxRetries }

// CreateJudge calls POST /api/v1/judge/ and returns the new judge's id. The
// request is not idempotent: a failure after the body may have reached the
// server is an *OutcomeUnknownError (ProbablyStored when the API answered 200
// but the id could not be read), and the caller must look for the judge
// before sending it again.
func (c *Client) CreateJudge(ctx context.Context, req JudgeCreateRequest) (string, error) {
	if req.SpaceID == "" || req.Name == "" || req.BehaviorType == "" || req.ModelName == "" {
		return "", errors.New("judge creation needs a space_id, a name, a judge_behavior_type and a model_name")
	}
	if req.JudgeValues == nil {
		req.JudgeValues = []int64{}
	}
	if req.DatasetAnnotationIDs == nil {
		req.DatasetAnnotationIDs = []string{}
	}
	var id string
	err := c.postJSON(ctx, opJudgeCreate, JudgeCreatePath, req, func(body []byte) error {
		if err := json.Unmarshal(body, &id); err != nil || id == "" {
			return c.unexpectedAnswer(JudgeCreatePath, "the new judge's id should be a non-empty JSON string", body)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// ListJudges calls GET /api/v1/space/{space_id}/judges. It is read-only and
// retried like the dataset lookup. A 404 about the space returns
// ErrSpaceNotFound; a missing route returns ErrJudgeListUnavailable (both
// wrapped: errors.As also finds the *APIError).
func (c *Client) ListJudges(ctx context.Context, spaceID string) ([]Judge, error) {
	if spaceID == "" {
		return nil, errors.New("the judge list needs a space_id")
	}
	path := SpaceJudgesPath(spaceID)
	resp, err := c.do(ctx, opJudgeList, http.MethodGet, path, "", nil)
	if err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			return nil, routeStatusError(apiErr, http.MethodGet, path, ErrJudgeListUnavailable, ErrSpaceNotFound,
				fmt.Sprintf("the API does not know space %s (HTTP 404: %s); check space_id", spaceID, apiErr.Detail))
		}
		return nil, err
	}
	defer resp.Body.Close()
	body, err := readAnswer(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the judge list of space %s: %w", spaceID, err)
	}
	return c.decodeJudges(path, body)
}

// decodeJudges reads a list of JudgeDashboardDTO; every field is required.
func (c *Client) decodeJudges(path string, body []byte) ([]Judge, error) {
	var items []struct {
		ID           *string `json:"id"`
		Name         *string `json:"name"`
		BehaviorType *string `json:"behavior_type"`
	}
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, c.unexpectedAnswer(path, "want a JSON array of judges: "+err.Error(), body)
	}
	judges := make([]Judge, len(items))
	for i, it := range items {
		if it.ID == nil || *it.ID == "" || it.Name == nil || it.BehaviorType == nil {
			return nil, c.unexpectedAnswer(path, fmt.Sprintf("judge %d lacks a string id, name or behavior_type", i), body)
		}
		judges[i] = Judge{ID: *it.ID, Name: *it.Name, BehaviorType: *it.BehaviorType}
	}
	return judges, nil
}
