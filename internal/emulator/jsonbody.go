package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
)

// readJSONBody reads the body of a JSON request, with the size limit, and
// records it in the log. It answers and returns false when the body cannot be
// read.
func (ex *exchange) readJSONBody() ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(ex.rec, ex.r.Body, ex.s.maxBody))
	if err != nil {
		if errors.Is(bodyError(err), errBodyTooLarge) {
			writeDetail(ex.w, http.StatusRequestEntityTooLarge, "Request entity too large")
			return nil, false
		}
		writeDetail(ex.w, http.StatusBadRequest, malformedBodyDetail)
		return nil, false
	}
	ex.entry.Body = body
	return body, true
}

// jsonRequest opens the handler of a JSON body in FastAPI's order: the body
// is read, the key checked, the body validated as a pydantic model (fields
// reads the model's fields and returns the space they name), then the space
// checked. It answers and returns false when a step refuses the request.
func (ex *exchange) jsonRequest(fields func(f *bodyFields) (space string)) bool {
	body, ok := ex.readJSONBody()
	if !ok || !ex.authenticate() {
		return false
	}
	obj, issues := decodeJSONObject(ex.r.Header.Get("Content-Type"), body)
	if obj != nil {
		f := &bodyFields{obj: obj}
		ex.entry.SpaceID = fields(f)
		issues = f.issues
	}
	if len(issues) > 0 {
		writeValidation(ex.w, issues)
		return false
	}
	return ex.authorizeSpace(ex.entry.SpaceID)
}

// decodeJSONObject decodes a request body the way FastAPI does for a pydantic
// model: JSON only when the Content-Type is absent or JSON, and an object.
func decodeJSONObject(contentType string, body []byte) (map[string]any, []validationIssue) {
	isJSON := contentType == ""
	if !isJSON {
		if mt, _, err := mime.ParseMediaType(contentType); err == nil {
			isJSON = mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
		}
	}
	if len(body) == 0 {
		return nil, []validationIssue{missingField("body")}
	}
	if !isJSON {
		return nil, []validationIssue{notAnObject(string(body))}
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
		return nil, []validationIssue{{
			Type: "json_invalid", Loc: []any{"body", pos}, Msg: "JSON decode error",
			Input: map[string]any{}, Ctx: map[string]any{"error": msg},
		}}
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, []validationIssue{notAnObject(doc)}
	}
	return obj, nil
}

func notAnObject(input any) validationIssue {
	return validationIssue{Type: "model_attributes_type", Loc: []any{"body"},
		Msg: "Input should be a valid dictionary or object to extract fields from", Input: input}
}
