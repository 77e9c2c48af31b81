package client

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// maxErrorBody bounds what is read of a non-2xx body.
	maxErrorBody = 64 << 10
	// maxExcerpt bounds an excerpt of a body in an error message, in runes.
	maxExcerpt = 200
	// maxDetail bounds a server detail string in an error message, in runes.
	maxDetail = 1000
	// maxValidationIssues bounds the 422 entries kept.
	maxValidationIssues = 50
)

// readAPIError reads at most maxErrorBody bytes of a non-2xx answer and
// turns it into an *APIError, with the API key redacted from everything the
// server wrote.
func (c *Client) readAPIError(resp *http.Response, retries int) *APIError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := parseAPIError(resp.StatusCode, body, c.redact)
	e.Retries = retries
	return e
}

// parseAPIError understands FastAPI error bodies: {"detail": "text"},
// {"detail": [{"loc": [...], "msg": "...", "type": "..."}]}, and also
// {"message": "text"} or {"error": "text"}.
func parseAPIError(status int, body []byte, redact func(string) string) *APIError {
	e := &APIError{StatusCode: status, BodyExcerpt: excerpt(redact(string(body)), maxExcerpt)}
	var doc struct {
		Detail  json.RawMessage `json:"detail"`
		Message json.RawMessage `json:"message"`
		Error   json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return e
	}
	clean := func(s string) string { return excerpt(redact(s), maxDetail) }
	var s string
	switch {
	case json.Unmarshal(doc.Detail, &s) == nil && s != "":
		e.Detail = clean(s)
	case len(doc.Detail) > 0 && doc.Detail[0] == '[':
		var items []struct {
			Loc  []json.RawMessage `json:"loc"`
			Msg  json.RawMessage   `json:"msg"`
			Type json.RawMessage   `json:"type"`
		}
		if json.Unmarshal(doc.Detail, &items) != nil {
			e.Detail = clean(string(doc.Detail))
			break
		}
		for i, it := range items {
			if i == maxValidationIssues {
				e.Validation = append(e.Validation, ValidationIssue{Msg: strconv.Itoa(len(items)-i) + " more issue(s) not shown"})
				break
			}
			v := ValidationIssue{Msg: clean(rawText(it.Msg)), Type: clean(rawText(it.Type))}
			for _, l := range it.Loc {
				v.Loc = append(v.Loc, clean(rawText(l)))
			}
			e.Validation = append(e.Validation, v)
		}
	case len(doc.Detail) > 0 && string(doc.Detail) != "null":
		e.Detail = clean(rawText(doc.Detail))
	case json.Unmarshal(doc.Message, &s) == nil && s != "":
		e.Detail = clean(s)
	case json.Unmarshal(doc.Error, &s) == nil && s != "":
		e.Detail = clean(s)
	}
	return e
}

// excerpt returns at most maxRunes runes of s, printable: control characters
// become spaces (line breaks, tabs) or '?', invalid UTF-8 becomes '?', and a
// cut is marked with "…" (within maxRunes).
func excerpt(s string, maxRunes int) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); {
		if n == maxRunes-1 && utf8.RuneCountInString(s[i:]) > 1 {
			b.WriteString("…")
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			r = '?'
		case r == '\n' || r == '\r' || r == '\t':
			r = ' '
		case unicode.IsControl(r) || !unicode.IsPrint(r) && r != ' ':
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}

// redactSecret replaces every occurrence of secret in s, and a trailing
// beginning of it (s may have been cut in the middle of the secret).
func redactSecret(s, secret string) string {
	if secret == "" {
		return s
	}
	s = strings.ReplaceAll(s, secret, "[REDACTED]")
	// A cut-off copy at the end: check the longest suffix of s that is a
	// prefix of secret, down to a length that is not worth hiding.
	const minPartial = 6
	for n := min(len(secret)-1, len(s)); n >= minPartial; n-- {
		if strings.HasSuffix(s, secret[:n]) {
			return s[:len(s)-n] + "[REDACTED]"
		}
	}
	return s
}
