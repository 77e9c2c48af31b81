package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
)

// LookupPath is the route of the dataset lookup, below the base URL.
const LookupPath = "/api/v1/dataset/name"

// Annotation is one stored row as POST /api/v1/dataset/name returns it.
// Response is the assistant's text (not an object).
type Annotation struct {
	ID          string    `json:"id"`
	DBID        string    `json:"db_id"`
	ConvPrefix  []Message `json:"conv_prefix"`
	Response    string    `json:"response"`
	GroundTruth *int64    `json:"ground_truth"`
	CreatedAt   string    `json:"created_at"`
}

// Dataset is a dataset as the lookup returns it.
type Dataset struct {
	DatasetID   string       `json:"dataset_id"`
	Annotations []Annotation `json:"dataset_annotations"`
}

// LookupDataset calls POST /api/v1/dataset/name. A 404 whose detail is about
// the dataset returns ErrDatasetNotFound; a 404 with FastAPI's bare
// {"detail":"Not Found"} or a 405 returns ErrLookupUnavailable (the route
// does not exist on this deployment). The lookup is read-only, so it is
// retried on 429, 5xx and network errors.
//
// Both sentinel errors are wrapped: use errors.Is. errors.As also finds the
// *APIError underneath.
func (c *Client) LookupDataset(ctx context.Context, spaceID, datasetName string) (*Dataset, error) {
	resp, err := c.lookup(ctx, spaceID, datasetName)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()

	ds, err := decodeAll(resp.Body, c.redact)
	if err != nil {
		return nil, fmt.Errorf("reading the Collinear dataset lookup answer for %q in space %s: %w", datasetName, spaceID, err)
	}
	return ds, nil
}

// lookup makes the request and maps its failures; the caller reads and
// closes the body.
func (c *Client) lookup(ctx context.Context, spaceID, datasetName string) (*http.Response, error) {
	if spaceID == "" || datasetName == "" {
		return nil, errors.New("dataset lookup needs a space_id and a dataset_name")
	}
	reqBody, err := json.Marshal(struct {
		DatasetName string `json:"dataset_name"`
		SpaceID     string `json:"space_id"`
	}{datasetName, spaceID})
	if err != nil {
		return nil, fmt.Errorf("encoding the dataset lookup request: %w", err)
	}
	body := func() (io.Reader, error) { return bytes.NewReader(reqBody), nil }

	resp, err := c.do(ctx, opLookup, "POST", LookupPath, "application/json", body)
	if err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			return nil, lookupStatusError(apiErr, spaceID, datasetName)
		}
		return nil, err
	}
	return resp, nil
}

// decodeAll decodes a whole lookup answer into a Dataset.
func decodeAll(r io.Reader, redact func(string) string) (*Dataset, error) {
	ds := &Dataset{}
	id, err := decodeDataset(r, redact, func(a *Annotation) error {
		ds.Annotations = append(ds.Annotations, *a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	ds.DatasetID = id
	return ds, nil
}

// LookupDatasetEach is LookupDataset for large datasets: it hands each
// annotation to fn as it is decoded, so that the caller keeps only what it
// needs (say, ids and fingerprints) instead of every row's text. The
// *Annotation is reused: copy what must outlive the call. It returns the
// dataset's id. An error from fn stops the read and is returned. An answer
// that breaks off midway is an error (fn may already have seen some rows);
// only a failure before the answer starts is retried.
func (c *Client) LookupDatasetEach(ctx context.Context, spaceID, datasetName string, fn func(*Annotation) error) (string, error) {
	resp, err := c.lookup(ctx, spaceID, datasetName)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	id, err := decodeDataset(resp.Body, c.redact, fn)
	if err != nil {
		return "", fmt.Errorf("reading the Collinear dataset lookup answer for %q in space %s: %w", datasetName, spaceID, err)
	}
	return id, nil
}

// lookupStatusError maps the lookup's 404 and 405 to the sentinel errors.
// FastAPI answers a missing route with exactly {"detail":"Not Found"}; the
// endpoint's own 404 names the dataset.
func lookupStatusError(apiErr *APIError, spaceID, datasetName string) error {
	switch {
	case apiErr.StatusCode == http.StatusMethodNotAllowed,
		apiErr.StatusCode == http.StatusNotFound && (apiErr.Detail == "Not Found" || apiErr.Detail == "" && len(apiErr.Validation) == 0):
		return &lookupError{
			sentinel: ErrLookupUnavailable,
			api:      apiErr,
			msg:      fmt.Sprintf("%s: POST %s answered HTTP %d (check base_url)", ErrLookupUnavailable, LookupPath, apiErr.StatusCode),
		}
	case apiErr.StatusCode == http.StatusNotFound:
		return &lookupError{
			sentinel: ErrDatasetNotFound,
			api:      apiErr,
			msg:      fmt.Sprintf("%s: no dataset named %q in space %s (the API said: %s)", ErrDatasetNotFound, datasetName, spaceID, apiErr.Detail),
		}
	}
	return apiErr
}

// lookupError carries a sentinel and the API error behind it.
type lookupError struct {
	sentinel error
	api      *APIError
	msg      string
}

func (e *lookupError) Error() string   { return e.msg }
func (e *lookupError) Unwrap() []error { return []error{e.sentinel, e.api} }

// wireAnnotation is an annotation as it arrives, tolerant of ids given as
// numbers, a response given as an object, and content that is not a string.
type wireAnnotation struct {
	ID          json.RawMessage `json:"id"`
	DBID        json.RawMessage `json:"db_id"`
	ConvPrefix  []wireMessage   `json:"conv_prefix"`
	Response    json.RawMessage `json:"response"`
	GroundTruth json.RawMessage `json:"ground_truth"`
	CreatedAt   json.RawMessage `json:"created_at"`
}

type wireMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// decodeDataset reads the lookup's answer as a stream, one annotation at a
// time, ignoring fields it does not know.
func decodeDataset(r io.Reader, redact func(string) string, fn func(*Annotation) error) (string, error) {
	tr := &trackingReader{r: r}
	dec := json.NewDecoder(tr)
	dec.UseNumber()
	ds := &datasetProgress{}

	fail := func(err error) error {
		if tr.err != nil {
			return fmt.Errorf("the answer broke off after %d annotation(s): %w", ds.count, unwrapURLError(tr.err))
		}
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("the answer ended early, after %d annotation(s)", ds.count)
		}
		return &UnexpectedResponseError{Reason: redact(err.Error()), Offset: dec.InputOffset(), Excerpt: excerpt(redact(string(tr.head)), maxExcerpt)}
	}
	unexpected := func(reason string) error {
		return &UnexpectedResponseError{Reason: reason, Offset: dec.InputOffset(), Excerpt: excerpt(redact(string(tr.head)), maxExcerpt)}
	}

	if err := expectDelim(dec, '{'); err != nil {
		return "", fail(err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", fail(err)
		}
		switch tok {
		case "dataset_id":
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return "", fail(err)
			}
			if string(raw) != "null" {
				id, problem := renderID(raw)
				if problem != "" {
					return "", unexpected("dataset_id is not a non-empty string or number of at most 1 KiB")
				}
				ds.datasetID = id
			}
		case "dataset_annotations":
			if err := decodeAnnotations(dec, ds, fn, unexpected); err != nil {
				var ue *UnexpectedResponseError
				var cb *callbackError
				if errors.As(err, &cb) {
					return "", cb.err
				}
				if errors.As(err, &ue) {
					return "", err
				}
				return "", fail(err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return "", fail(err)
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return "", fail(err)
	}
	return ds.datasetID, nil
}

// datasetProgress is what decoding has seen so far.
type datasetProgress struct {
	datasetID string
	count     int
}

func decodeAnnotations(dec *json.Decoder, ds *datasetProgress, fn func(*Annotation) error, unexpected func(string) error) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if tok != json.Delim('[') {
		return unexpected("dataset_annotations is not a list")
	}
	for dec.More() {
		n := ds.count
		if n >= maxRowsInAnswer {
			return unexpected(fmt.Sprintf("more than %d annotations in the answer", maxRowsInAnswer))
		}
		var w *wireAnnotation
		if err := dec.Decode(&w); err != nil {
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) {
				return unexpected(fmt.Sprintf("annotation %d has a field of the wrong type (%s at %s)", n, typeErr.Value, typeErr.Field))
			}
			return err
		}
		if w == nil {
			return unexpected(fmt.Sprintf("annotation %d is null", n))
		}
		a, problem := w.annotation()
		if problem != "" {
			return unexpected(fmt.Sprintf("annotation %d %s", n, problem))
		}
		if err := fn(&a); err != nil {
			return &callbackError{err}
		}
		ds.count++
	}
	return expectDelim(dec, ']')
}

func (w *wireAnnotation) annotation() (Annotation, string) {
	var a Annotation
	var problem string
	if a.ID, problem = renderID(w.ID); problem != "" {
		return a, problem
	}
	if len(w.DBID) > 0 && string(w.DBID) != "null" {
		if a.DBID, problem = renderID(w.DBID); problem != "" {
			return a, "has an unusable db_id"
		}
	}
	for _, m := range w.ConvPrefix {
		a.ConvPrefix = append(a.ConvPrefix, Message{Role: m.Role, Content: contentText(m.Content)})
	}
	a.Response = responseText(w.Response)
	if len(w.GroundTruth) > 0 && string(w.GroundTruth) != "null" {
		gt, ok := parseInteger(w.GroundTruth)
		if !ok {
			return a, "has a ground_truth that is not an integer: " + excerpt(string(w.GroundTruth), 40)
		}
		a.GroundTruth = &gt
	}
	var s string
	if json.Unmarshal(w.CreatedAt, &s) == nil {
		a.CreatedAt = s
	}
	return a, ""
}

// contentText is a message's content as text: a string as is, null as "",
// anything else (a list of parts) as compact JSON.
func contentText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	return rawText(raw)
}

// responseText is the assistant's text: the response is documented as a
// string, but an object {role, content} is accepted too.
func responseText(raw json.RawMessage) string {
	if len(raw) > 0 && raw[0] == '{' {
		var m wireMessage
		if json.Unmarshal(raw, &m) == nil {
			return contentText(m.Content)
		}
	}
	return contentText(raw)
}

// parseInteger accepts an integer written as a number (1, 1.0, 1e0) or a
// string holding one.
func parseInteger(raw json.RawMessage) (int64, bool) {
	text := rawText(raw)
	if v, err := strconv.ParseInt(text, 10, 64); err == nil {
		return v, true
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != want {
		return fmt.Errorf("expected %q, got %s", string(want), describeToken(tok))
	}
	return nil
}

// callbackError carries an error returned by the caller's function, so that
// it is returned as is rather than described as a bad answer.
type callbackError struct{ err error }

func (e *callbackError) Error() string { return e.err.Error() }
func (e *callbackError) Unwrap() error { return e.err }
