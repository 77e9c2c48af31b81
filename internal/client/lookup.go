package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/go-json-experiment/json/jsontext"
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
		ds.Annotations = append(ds.Annotations, a.clone())
		return nil
	})
	if err != nil {
		return nil, err
	}
	ds.DatasetID = id
	return ds, nil
}

// clone copies what decodeDataset reuses from one annotation to the next.
func (a *Annotation) clone() Annotation {
	c := *a
	c.ConvPrefix = slices.Clone(a.ConvPrefix)
	if a.GroundTruth != nil {
		gt := *a.GroundTruth
		c.GroundTruth = &gt
	}
	return c
}

// LookupDatasetEach is LookupDataset for large datasets: it hands each
// annotation to fn as it is decoded, so that the caller keeps only what it
// needs (say, ids and fingerprints) instead of every row's text.
//
// The *Annotation, its ConvPrefix slice and its GroundTruth pointer are
// reused from one call to the next: they are valid only during the call, so
// copy them to keep them. Its strings (ID, DBID, the messages' text,
// Response, CreatedAt) are fresh for each annotation and safe to keep.
//
// It returns the dataset's id. An error from fn stops the read and is
// returned. An answer that breaks off midway is an error (fn may already have
// seen some rows); only a failure before the answer starts is retried.
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

// datasetDecoder reads the lookup's answer in one pass.
type datasetDecoder struct {
	*answerReader
	fn    func(*Annotation) error
	count int // annotations handed to fn
	ann   annotationReader
}

// decodeDataset reads the lookup's answer as a stream, one annotation at a
// time, ignoring keys it does not know (keys are matched exactly). It hands
// each annotation to fn, reusing the *Annotation as LookupDatasetEach says,
// and returns the dataset's id.
func decodeDataset(r io.Reader, redact func(string) string, fn func(*Annotation) error) (string, error) {
	d := &datasetDecoder{answerReader: newAnswerReader(r, redact), fn: fn}
	id, err := d.dataset()
	if err == nil {
		err = d.end(nil)
	}
	if err != nil {
		return "", d.fail(err)
	}
	return id, nil
}

func (d *datasetDecoder) dataset() (string, error) {
	if k := d.dec.PeekKind(); k != jsontext.KindBeginObject {
		got, err := d.describeNext()
		if err != nil {
			return "", err
		}
		return "", d.unexpected("expected a JSON object with dataset_annotations, got "+got, nil)
	}
	if err := d.enter(); err != nil {
		return "", err
	}
	var datasetID string
	var text []byte
	for {
		name, more, err := d.member()
		if err != nil || !more {
			return datasetID, err
		}
		var k jsontext.Kind
		switch string(name) {
		case "dataset_id":
			if k, text, err = d.readID(text[:0]); err != nil || k == jsontext.KindNull {
				break
			}
			if idProblem(k, text) != "" {
				return "", d.unexpected("dataset_id is not a non-empty string or number of at most 1 KiB", nil)
			}
			datasetID = string(text)
		case "dataset_annotations":
			err = d.annotations()
		default:
			err = d.skip()
		}
		if err != nil {
			return "", err
		}
	}
}

func (d *datasetDecoder) annotations() error {
	switch k := d.dec.PeekKind(); k {
	case jsontext.KindBeginArray:
	case jsontext.KindNull:
		return d.skip()
	case jsontext.KindInvalid:
		return d.skip() // the error PeekKind found
	default:
		return d.unexpected("dataset_annotations is "+kindName(k)+", not a list", nil)
	}
	if err := d.enter(); err != nil {
		return err
	}
	for {
		more, err := d.next()
		if err != nil || !more {
			return err
		}
		n := d.count
		if n >= maxRowsInAnswer {
			return d.unexpected(fmt.Sprintf("more than %d annotations in the answer", maxRowsInAnswer), nil)
		}
		problem, err := d.ann.read(d.answerReader)
		if err != nil {
			return err
		}
		if problem != "" {
			return d.unexpected(fmt.Sprintf("annotation %d %s", n, problem), nil)
		}
		if err := d.fn(&d.ann.a); err != nil {
			return &callbackError{err}
		}
		d.count++
	}
}

// fail turns an error into decodeDataset's: the callback's error as is, a
// problem found in the answer as is, a cut-off answer as such, anything else
// (malformed JSON) as an unexpected answer.
func (d *datasetDecoder) fail(err error) error {
	var cb *callbackError
	var ue *UnexpectedResponseError
	switch {
	case errors.As(err, &cb):
		return cb.err
	case errors.As(err, &ue):
		return err
	case d.tr.err != nil:
		return fmt.Errorf("the answer broke off after %d annotation(s): %w", d.count, unwrapURLError(d.tr.err))
	case cutOff(err):
		return fmt.Errorf("the answer ended early, after %d annotation(s)", d.count)
	}
	return d.invalid(err, nil)
}

// annotationReader reads annotations one at a time into a, reusing its
// buffers.
type annotationReader struct {
	rowText
	a           Annotation // handed to the callback
	convPrefix  []Message  // a.ConvPrefix's backing array
	groundTruth int64      // what a.GroundTruth points to

	idKind, dbIDKind  jsontext.Kind
	id, dbID          []byte
	response, created span
	hasGroundTruth    bool
}

// read reads one annotation into a and returns what is wrong with it,
// phrased to follow "annotation N ", or "".
func (ar *annotationReader) read(a *answerReader) (string, error) {
	if k := a.dec.PeekKind(); k != jsontext.KindBeginObject {
		if err := a.skip(); err != nil || k == jsontext.KindInvalid {
			return "", err
		}
		return "is " + kindName(k) + ", not an object", nil
	}
	if err := a.enter(); err != nil {
		return "", err
	}
	ar.reset()
	for {
		name, more, err := a.member()
		if err != nil {
			return "", err
		}
		if !more {
			return ar.finish(), nil
		}
		problem, err := ar.field(a, string(name))
		if err != nil || problem != "" {
			return problem, err
		}
	}
}

func (ar *annotationReader) reset() {
	ar.rowText.reset()
	ar.idKind, ar.dbIDKind = jsontext.KindInvalid, jsontext.KindInvalid
	ar.response, ar.created = span{}, span{}
	ar.hasGroundTruth = false
}

// field reads the value of the member key and returns what is wrong with it,
// phrased to follow "annotation N ", or "".
func (ar *annotationReader) field(a *answerReader, key string) (string, error) {
	var err error
	var k jsontext.Kind
	switch key {
	case "id":
		ar.idKind, ar.id, err = a.readID(ar.id[:0])
	case "db_id":
		ar.dbIDKind, ar.dbID, err = a.readID(ar.dbID[:0])
	case "conv_prefix":
		var ok bool
		if ok, err = ar.readConvPrefix(a); err == nil && !ok {
			return "has a conv_prefix that is not a list of {role, content} messages", nil
		}
	case "response":
		// Documented as the assistant's text; a {role, content} message
		// gives its content.
		if a.dec.PeekKind() != jsontext.KindBeginObject {
			_, ar.response, err = ar.readSpan(a)
			break
		}
		var m messageSpans
		var ok bool
		if m, ok, err = ar.readMessage(a); err == nil && !ok {
			return "has a response that is not a string or a {role, content} message", nil
		}
		ar.response = m.content
	case "ground_truth":
		return ar.readGroundTruth(a)
	case "created_at":
		if k, ar.created, err = ar.readSpan(a); k != jsontext.KindString {
			ar.created = span{}
		}
	default:
		err = a.skip()
	}
	return "", err
}

// readGroundTruth reads ground_truth: null, or an integer written as a
// number or a string.
func (ar *annotationReader) readGroundTruth(a *answerReader) (string, error) {
	start := len(ar.buf)
	k, buf, err := a.readText(ar.buf)
	ar.buf = buf[:start]
	if err != nil || k == jsontext.KindNull {
		ar.hasGroundTruth = false
		return "", err
	}
	gt, ok := parseInteger(buf[start:])
	if !ok || k != jsontext.KindNumber && k != jsontext.KindString {
		return "has a ground_truth that is not an integer: " + excerpt(string(buf[start:]), 40), nil
	}
	ar.groundTruth, ar.hasGroundTruth = gt, true
	return "", nil
}

// finish checks the annotation read and fills in a. It returns what is
// wrong, phrased to follow "annotation N ", or "".
func (ar *annotationReader) finish() string {
	if problem := idProblem(ar.idKind, ar.id); problem != "" {
		return "has " + problem
	}
	a := &ar.a
	*a = Annotation{ID: string(ar.id)}
	if ar.dbIDKind != jsontext.KindInvalid && ar.dbIDKind != jsontext.KindNull {
		if idProblem(ar.dbIDKind, ar.dbID) != "" {
			return "has an unusable db_id"
		}
		a.DBID = string(ar.dbID)
	}
	if ar.hasGroundTruth {
		a.GroundTruth = &ar.groundTruth
	}
	// One string holds all of the annotation's text: one allocation.
	text := string(ar.buf)
	ar.convPrefix = ar.appendMessages(ar.convPrefix[:0], text)
	if len(ar.convPrefix) > 0 {
		a.ConvPrefix = ar.convPrefix
	}
	a.Response = text[ar.response.start:ar.response.end]
	a.CreatedAt = text[ar.created.start:ar.created.end]
	return ""
}

// callbackError carries an error returned by the caller's function, so that
// it is returned as is rather than described as a bad answer.
type callbackError struct{ err error }

func (e *callbackError) Error() string { return e.err.Error() }
func (e *callbackError) Unwrap() error { return e.err }
