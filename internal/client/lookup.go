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
	"slices"
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

// datasetDecoder reads the lookup's answer in one pass. It keeps the
// behaviour of the encoding/json decoder it replaced (see
// reference_test.go), which read the top-level object and the list of
// annotations token by token, and each member value and each annotation
// whole: an annotation's problems are found only once it is complete.
type datasetDecoder struct {
	tr     *trackingReader
	s      *jsonScanner
	redact func(string) string
	fn     func(*Annotation) error
	id     jsonID
	count  int // annotations handed to fn
	ann    annotationReader
}

// decodeDataset reads the lookup's answer as a stream, one annotation at a
// time, ignoring fields it does not know. It hands each annotation to fn,
// reusing the *Annotation as LookupDatasetEach says, and returns the
// dataset's id.
func decodeDataset(r io.Reader, redact func(string) string, fn func(*Annotation) error) (string, error) {
	d := &datasetDecoder{tr: &trackingReader{r: r}, redact: redact, fn: fn}
	d.s = newJSONScanner(d.tr)
	id, err := d.dataset()
	if err != nil {
		return "", d.fail(err)
	}
	return id, nil
}

func (d *datasetDecoder) dataset() (string, error) {
	s := d.s
	c, err := s.nonSpace()
	if err != nil {
		return "", err
	}
	if c != '{' {
		got := `"["`
		if c != '[' {
			kind, text, err := s.appendRawText(nil, 0)
			if err != nil {
				return "", err
			}
			got = describeScalar(kind, text)
		}
		return "", fmt.Errorf(`expected "{", got %s`, got)
	}
	s.consume()
	var datasetID string
	for first := true; ; first = false {
		key, more, err := s.objectKey(first)
		if err != nil {
			return "", err
		}
		if !more {
			return datasetID, nil
		}
		// The keys of the top-level object are matched exactly.
		switch string(key) {
		case "dataset_id":
			if err := d.id.read(s, 0); err != nil {
				return "", err
			}
			if d.id.kind == kindNull {
				continue
			}
			id, problem := d.id.render()
			if problem != "" {
				return "", d.unexpected("dataset_id is not a non-empty string or number of at most 1 KiB")
			}
			datasetID = id
		case "dataset_annotations":
			err = d.annotations()
		default:
			err = s.skipValue(0)
		}
		if err != nil {
			return "", err
		}
	}
}

func (d *datasetDecoder) annotations() error {
	s := d.s
	c, err := s.nonSpace()
	if err != nil {
		return err
	}
	switch kindOf(c) {
	case kindArray:
	case kindNull:
		_, err := s.readLiteral()
		return err
	case kindObject:
		return d.unexpected("dataset_annotations is not a list")
	default:
		// Any other value is read whole before it is found wrong.
		if err := s.skipValue(0); err != nil {
			return err
		}
		return d.unexpected("dataset_annotations is not a list")
	}
	s.consume()
	for first := true; ; first = false {
		more, err := s.arrayNext(first)
		if err != nil || !more {
			return err
		}
		n := d.count
		if n >= maxRowsInAnswer {
			return d.unexpected(fmt.Sprintf("more than %d annotations in the answer", maxRowsInAnswer))
		}
		problem, err := d.ann.read(s)
		if err != nil {
			return err
		}
		if problem != "" {
			return d.unexpected(fmt.Sprintf("annotation %d %s", n, problem))
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
	if errors.As(err, &cb) {
		return cb.err
	}
	var ue *UnexpectedResponseError
	if errors.As(err, &ue) {
		return err
	}
	if d.tr.err != nil {
		return fmt.Errorf("the answer broke off after %d annotation(s): %w", d.count, unwrapURLError(d.tr.err))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("the answer ended early, after %d annotation(s)", d.count)
	}
	offset := d.s.offset()
	var syn *jsonSyntaxError
	if errors.As(err, &syn) {
		offset = syn.offset
	}
	return &UnexpectedResponseError{Reason: d.redact(err.Error()), Offset: offset, Excerpt: excerpt(d.redact(string(d.tr.head)), maxExcerpt)}
}

func (d *datasetDecoder) unexpected(reason string) error {
	return &UnexpectedResponseError{Reason: reason, Offset: d.s.offset(), Excerpt: excerpt(d.redact(string(d.tr.head)), maxExcerpt)}
}

// annotationReader reads annotations one at a time into a, reusing its
// buffers. It gives the results that decoding each annotation with
// encoding/json into a fresh
//
//	struct {
//		ID          json.RawMessage `json:"id"`
//		DBID        json.RawMessage `json:"db_id"`
//		ConvPrefix  []struct {
//			Role    string          `json:"role"`
//			Content json.RawMessage `json:"content"`
//		} `json:"conv_prefix"`
//		Response    json.RawMessage `json:"response"`
//		GroundTruth json.RawMessage `json:"ground_truth"`
//		CreatedAt   json.RawMessage `json:"created_at"`
//	}
//
// gave: keys match fields as encoding/json matches them (case-insensitively),
// the last of repeated keys counts, and the first value of the wrong type
// makes the annotation unusable.
type annotationReader struct {
	a           Annotation // handed to the callback
	convPrefix  []Message  // a.ConvPrefix's backing array
	groundTruth int64      // what a.GroundTruth points to

	id, dbID jsonID
	text     []byte         // the annotation's text, which spans point into
	messages []messageSpans // see readConvPrefix
	visible  int            // how many of messages conv_prefix holds
	response span
	created  span
	gtKind   jsonKind // kindNone when there is no ground_truth
	gtRaw    []byte   // ground_truth as written
	gtText   []byte   // ground_truth's text
	wrong    wrongType
}

// span is a part of annotationReader.text.
type span struct{ start, end int }

type messageSpans struct{ role, content span }

// wrongType is a value that encoding/json could not store in its field, as
// its UnmarshalTypeError names them.
type wrongType struct {
	kind  jsonKind // kindNone for no error
	field string
}

// read reads one annotation into a and returns a problem with it, phrased
// to follow "annotation N ".
func (ar *annotationReader) read(s *jsonScanner) (string, error) {
	c, err := s.nonSpace()
	if err != nil {
		return "", err
	}
	switch kind := kindOf(c); kind {
	case kindObject:
	case kindNull:
		if _, err := s.readLiteral(); err != nil {
			return "", err
		}
		return "is null", nil
	default:
		if err := s.skipValue(0); err != nil {
			return "", err
		}
		return fmt.Sprintf("has a field of the wrong type (%s at )", kind), nil
	}
	ar.reset()
	s.consume()
	for first := true; ; first = false {
		key, more, err := s.objectKey(first)
		if err != nil {
			return "", err
		}
		if !more {
			return ar.finish(), nil
		}
		switch {
		case keyIs(key, "ID"):
			err = ar.id.read(s, 1)
		case keyIs(key, "DB_ID"):
			err = ar.dbID.read(s, 1)
		case keyIs(key, "CONV_PREFIX"):
			err = ar.readConvPrefix(s)
		case keyIs(key, "RESPONSE"):
			err = ar.readResponse(s)
		case keyIs(key, "GROUND_TRUTH"):
			err = ar.readGroundTruth(s)
		case keyIs(key, "CREATED_AT"):
			err = ar.readCreatedAt(s)
		default:
			err = s.skipValue(1)
		}
		if err != nil {
			return "", err
		}
	}
}

func (ar *annotationReader) reset() {
	ar.id.reset()
	ar.dbID.reset()
	ar.text = ar.text[:0]
	ar.messages, ar.visible = ar.messages[:0], 0
	ar.response, ar.created = span{}, span{}
	ar.gtKind = kindNone
	ar.wrong = wrongType{}
}

// noteWrongType keeps the first value of the wrong type, as encoding/json
// reports the first.
func (ar *annotationReader) noteWrongType(kind jsonKind, field string) {
	if ar.wrong.kind == kindNone {
		ar.wrong = wrongType{kind, field}
	}
}

// readConvPrefix reads conv_prefix as encoding/json decodes a list into a
// slice that it reuses when the key repeats: element i is merged into the
// message already at i (a null element leaves it as it is), and a shorter
// list hides, but keeps, the messages past its end. null and [] empty it.
func (ar *annotationReader) readConvPrefix(s *jsonScanner) error {
	c, err := s.nonSpace()
	if err != nil {
		return err
	}
	switch kind := kindOf(c); kind {
	case kindArray:
	case kindNull:
		ar.messages, ar.visible = ar.messages[:0], 0
		_, err := s.readLiteral()
		return err
	default:
		ar.noteWrongType(kind, "conv_prefix")
		return s.skipValue(1)
	}
	s.consume()
	n := 0
	for first := true; ; first = false {
		more, err := s.arrayNext(first)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		if n == len(ar.messages) {
			ar.messages = append(ar.messages, messageSpans{})
		}
		wrong, err := ar.readMessage(s, &ar.messages[n], 2)
		if err != nil {
			return err
		}
		switch wrong.field {
		case "":
			ar.noteWrongType(wrong.kind, "conv_prefix")
		case "role":
			ar.noteWrongType(wrong.kind, "conv_prefix.role")
		}
		n++
	}
	ar.visible = n
	if n == 0 {
		ar.messages = ar.messages[:0]
	}
	return nil
}

// readMessage merges a message into m as encoding/json decodes an object
// into a {role, content} struct: the last role and content count, and a
// null role or a null message changes nothing. depth is as for skipValue.
// It returns the first value of the wrong type: the message itself (field
// "") or its role (field "role").
func (ar *annotationReader) readMessage(s *jsonScanner, m *messageSpans, depth int) (wrongType, error) {
	c, err := s.nonSpace()
	if err != nil {
		return wrongType{}, err
	}
	switch kind := kindOf(c); kind {
	case kindObject:
	case kindNull:
		_, err := s.readLiteral()
		return wrongType{}, err
	default:
		return wrongType{kind: kind}, s.skipValue(depth)
	}
	s.consume()
	var wrong wrongType
	for first := true; ; first = false {
		key, more, err := s.objectKey(first)
		if err != nil {
			return wrong, err
		}
		if !more {
			return wrong, nil
		}
		switch {
		case keyIs(key, "ROLE"):
			var kind jsonKind
			kind, err = ar.readRole(s, m, depth+1)
			if kind != kindNone && wrong.kind == kindNone {
				wrong = wrongType{kind, "role"}
			}
		case keyIs(key, "CONTENT"):
			m.content, err = ar.readContent(s, depth+1)
		default:
			err = s.skipValue(depth + 1)
		}
		if err != nil {
			return wrong, err
		}
	}
}

// readRole reads a role into m: a string sets it, null leaves it. Another
// kind of value is skipped and returned as the wrong type.
func (ar *annotationReader) readRole(s *jsonScanner, m *messageSpans, depth int) (jsonKind, error) {
	c, err := s.nonSpace()
	if err != nil {
		return kindNone, err
	}
	switch kind := kindOf(c); kind {
	case kindString:
		start := len(ar.text)
		ar.text, err = s.appendString(ar.text)
		m.role = span{start, len(ar.text)}
		return kindNone, err
	case kindNull:
		_, err := s.readLiteral()
		return kindNone, err
	default:
		return kind, s.skipValue(depth)
	}
}

// readContent reads a message's content as text: a string as is, null as
// "", anything else (a list of parts) as compact JSON.
func (ar *annotationReader) readContent(s *jsonScanner, depth int) (span, error) {
	start := len(ar.text)
	kind, text, err := s.appendRawText(ar.text, depth)
	ar.text = text
	if kind == kindNull {
		ar.text = ar.text[:start]
	}
	return span{start, len(ar.text)}, err
}

// readResponse reads the assistant's text: the response is documented as a
// string, but an object {role, content} gives its content's text, unless its
// role is of the wrong type, which keeps the whole object as compact JSON.
// Anything else is read as a content.
func (ar *annotationReader) readResponse(s *jsonScanner) error {
	c, err := s.nonSpace()
	if err != nil {
		return err
	}
	if c != '{' {
		ar.response, err = ar.readContent(s, 1)
		return err
	}
	from := s.startRecording()
	var m messageSpans
	wrong, err := ar.readMessage(s, &m, 1)
	raw := s.stopRecording(from)
	if err != nil {
		return err
	}
	ar.response = m.content
	if wrong.kind != kindNone {
		start := len(ar.text)
		ar.text = appendCompact(ar.text, raw)
		ar.response = span{start, len(ar.text)}
	}
	return nil
}

// readGroundTruth keeps ground_truth as written and, for a string, its
// text; finish checks it.
func (ar *annotationReader) readGroundTruth(s *jsonScanner) error {
	c, err := s.nonSpace()
	if err != nil {
		return err
	}
	ar.gtKind = kindOf(c)
	ar.gtText = ar.gtText[:0]
	from := s.startRecording()
	if ar.gtKind == kindString {
		ar.gtText, err = s.appendString(ar.gtText)
	} else {
		err = s.skipValue(1)
	}
	ar.gtRaw = append(ar.gtRaw[:0], s.stopRecording(from)...)
	return err
}

// readCreatedAt keeps created_at when it is a string.
func (ar *annotationReader) readCreatedAt(s *jsonScanner) error {
	c, err := s.nonSpace()
	if err != nil {
		return err
	}
	ar.created = span{}
	if c != '"' {
		return s.skipValue(1)
	}
	start := len(ar.text)
	ar.text, err = s.appendString(ar.text)
	ar.created = span{start, len(ar.text)}
	return err
}

// finish checks the annotation read, in the order the encoding/json
// decoder did, and fills in a. It returns a problem phrased to follow
// "annotation N ".
func (ar *annotationReader) finish() string {
	if ar.wrong.kind != kindNone {
		return fmt.Sprintf("has a field of the wrong type (%s at %s)", ar.wrong.kind, ar.wrong.field)
	}
	a := &ar.a
	*a = Annotation{}
	var problem string
	if a.ID, problem = ar.id.render(); problem != "" {
		return problem
	}
	if ar.dbID.kind != kindNone && ar.dbID.kind != kindNull {
		if a.DBID, problem = ar.dbID.render(); problem != "" {
			return "has an unusable db_id"
		}
	}
	if ar.gtKind != kindNone && ar.gtKind != kindNull {
		gt, ok := parseInteger(ar.groundTruthText())
		if !ok {
			return "has a ground_truth that is not an integer: " + excerpt(string(ar.gtRaw), 40)
		}
		ar.groundTruth = gt
		a.GroundTruth = &ar.groundTruth
	}
	// One string holds all of the annotation's text: one allocation.
	text := string(ar.text)
	ar.convPrefix = ar.convPrefix[:0]
	for _, m := range ar.messages[:ar.visible] {
		ar.convPrefix = append(ar.convPrefix, Message{
			Role:    text[m.role.start:m.role.end],
			Content: text[m.content.start:m.content.end],
		})
	}
	if len(ar.convPrefix) > 0 {
		a.ConvPrefix = ar.convPrefix
	}
	a.Response = text[ar.response.start:ar.response.end]
	a.CreatedAt = text[ar.created.start:ar.created.end]
	return ""
}

// groundTruthText is ground_truth as rawText renders it: a number as
// written, a string's text, anything else as compact JSON.
func (ar *annotationReader) groundTruthText() string {
	switch ar.gtKind {
	case kindNumber:
		return string(ar.gtRaw)
	case kindString:
		return string(ar.gtText)
	}
	ar.gtText = appendCompact(ar.gtText[:0], ar.gtRaw)
	return string(ar.gtText)
}

// parseInteger accepts an integer written as a number (1, 1.0, 1e0) or a
// string holding one.
func parseInteger(text string) (int64, bool) {
	if v, err := strconv.ParseInt(text, 10, 64); err == nil {
		return v, true
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// callbackError carries an error returned by the caller's function, so that
// it is returned as is rather than described as a bad answer.
type callbackError struct{ err error }

func (e *callbackError) Error() string { return e.err.Error() }
func (e *callbackError) Unwrap() error { return e.err }
