package emulator

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Routes of the judge endpoints.
const (
	judgeCreatePath   = "/api/v1/judge/"
	spaceRoutePrefix  = "/api/v1/space/"
	spaceJudgesSuffix = "judges"
	// spaceJudgesRoute is the key in apiRoutes of
	// /api/v1/space/{space_id}/judges.
	spaceJudgesRoute = spaceRoutePrefix + "{space_id}/" + spaceJudgesSuffix
)

// Enums of the OpenAPI document.
var (
	judgeBehaviorTypes = []string{"safety", "reliability", "custom"}
	judgeModelTypes    = []string{
		"llama_guard", "wild_guard", "persona", "collinear_guard", "collinear_guard_beta",
		"collinear_guard_classifier", "collinear_guard_classifier_beta", "prompted_model", "veritas",
		"veritas_large", "lynx", "custom", "collinear_guard_category", "regex", "collinear_flex",
		"diversity", "coherence", "instruction_following", "quality_of_reasoning",
	}
)

// Judge is a judge held by the emulator: JudgeCreateRequestDTO with its id.
// The control API shows it with these JSON names.
type Judge struct {
	ID                   string    `json:"id"`
	SpaceID              string    `json:"space_id"`
	Name                 string    `json:"name"`
	BehaviorType         string    `json:"judge_behavior_type"`
	ModelName            string    `json:"model_name"`
	ModelID              *string   `json:"model_id"`
	PromptTemplate       *string   `json:"prompt_template"`
	JudgeValues          []int64   `json:"judge_values"`
	OptimizePrompt       bool      `json:"optimize_prompt"`
	DatasetAnnotationIDs []string  `json:"dataset_annotation_ids"`
	CreatedAt            time.Time `json:"created_at"`
}

// judgeDashboardDTO is what the per-space list says of a judge.
type judgeDashboardDTO struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	BehaviorType string `json:"behavior_type"`
}

// createJudge serves POST /api/v1/judge/: it stores the judge and answers its
// id as a JSON string. Names need not be unique.
func (ex *exchange) createJudge() {
	var j Judge
	ok := ex.jsonRequest(func(f *bodyFields) string {
		// JudgeCreateRequestDTO, field by field.
		j = Judge{
			OptimizePrompt:       f.boolean("optimize_prompt", true, false),
			JudgeValues:          f.intList("judge_values"),
			Name:                 f.str("name"),
			BehaviorType:         f.enum("judge_behavior_type", judgeBehaviorTypes),
			ModelName:            f.enum("model_name", judgeModelTypes),
			ModelID:              f.nullableUUID("model_id"),
			PromptTemplate:       f.nullableStr("prompt_template"),
			SpaceID:              f.uuid("space_id"),
			DatasetAnnotationIDs: f.uuidList("dataset_annotation_ids", false),
		}
		return j.SpaceID
	})
	if !ok {
		return
	}
	id := ex.s.storeJudge(j)
	ex.entry.Stored = 1
	ex.writeSmallAnswer(id)
}

// listSpaceJudges serves GET /api/v1/space/{space_id}/judges.
func (ex *exchange) listSpaceJudges() {
	if !ex.authenticate() {
		return
	}
	rawSpace, _, _ := strings.Cut(strings.TrimPrefix(ex.r.URL.Path, spaceRoutePrefix), "/")
	space, errText := parseUUID(rawSpace)
	if errText != "" {
		writeValidation(ex.w, []validationIssue{uuidParsingIssue([]any{"path", "space_id"}, rawSpace, errText)})
		return
	}
	ex.entry.SpaceID = space
	if !ex.authorizeSpace(space) {
		return
	}
	judges := ex.s.Judges(space)
	out := make([]judgeDashboardDTO, len(judges))
	for i, j := range judges {
		out[i] = judgeDashboardDTO{ID: j.ID, Name: j.Name, BehaviorType: j.BehaviorType}
	}
	ex.writeSmallAnswer(out)
}

// writeSmallAnswer answers 200 with v as JSON. Under FaultTruncatedStream it
// sends the first half of the answer and drops the connection.
func (ex *exchange) writeSmallAnswer(v any) {
	b := mustJSON(v) // only the emulator's own values are marshalled
	truncate := ex.faulted(FaultTruncatedStream)
	ex.w.Header().Set("Content-Type", "application/json")
	if truncate {
		ex.w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		b = b[:len(b)/2]
	}
	ex.w.WriteHeader(http.StatusOK)
	_, _ = ex.w.Write(b)
	if !truncate {
		return
	}
	if fl, ok := ex.w.(http.Flusher); ok {
		fl.Flush()
	}
	ex.drop()
}

// storeJudge adds a judge to its space and returns its new id.
func (s *Server) storeJudge(j Judge) string {
	j.ID = newUUID()
	j.CreatedAt = time.Now().UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.judges[j.SpaceID] = append(s.judges[j.SpaceID], j)
	return j.ID
}

// Judges returns the judges of a space in creation order.
func (s *Server) Judges(spaceID string) []Judge {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Judge{}, s.judges[normalizeSpaceID(spaceID)]...)
}

// allJudges returns the judges of one space, or of every space when spaceID
// is empty, sorted by space and then in creation order.
func (s *Server) allJudges(spaceID string) []Judge {
	if spaceID != "" {
		return s.Judges(spaceID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Judge{}
	for _, space := range slices.Sorted(maps.Keys(s.judges)) {
		out = append(out, s.judges[space]...)
	}
	return out
}

// AddJudge creates a judge behind Terraform's back, as someone working in the
// platform's UI would, and returns its id. Nothing is logged.
func (s *Server) AddJudge(spaceID, name, behaviorType string) string {
	return s.storeJudge(Judge{SpaceID: normalizeSpaceID(spaceID), Name: name, BehaviorType: behaviorType,
		ModelName: "prompted_model", JudgeValues: []int64{}, DatasetAnnotationIDs: []string{}})
}

// DeleteJudge removes a judge, as someone working in the UI would.
func (s *Server) DeleteJudge(spaceID, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	space := normalizeSpaceID(spaceID)
	i := slices.IndexFunc(s.judges[space], func(j Judge) bool { return j.ID == id })
	if i < 0 {
		return fmt.Errorf("emulator: no judge %s in space %s", id, spaceID)
	}
	s.judges[space] = slices.Delete(s.judges[space], i, i+1)
	return nil
}

// RenameJudge changes a judge's name, as someone working in the UI would.
func (s *Server) RenameJudge(spaceID, id, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	judges := s.judges[normalizeSpaceID(spaceID)]
	i := slices.IndexFunc(judges, func(j Judge) bool { return j.ID == id })
	if i < 0 {
		return fmt.Errorf("emulator: no judge %s in space %s", id, spaceID)
	}
	judges[i].Name = name
	return nil
}

// hasJudge reports whether the space holds the judge; s.mu must be held.
func (s *Server) hasJudge(space, id string) bool {
	return slices.ContainsFunc(s.judges[space], func(j Judge) bool { return j.ID == id })
}
