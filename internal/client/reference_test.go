package client

// The encoding/json decoders that the streaming scanner replaced, kept
// unchanged (only renamed) as the reference that the differential fuzz tests
// compare the new decoders with.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// referenceUploadDecoder reads an upload's answer as a stream.
type referenceUploadDecoder struct {
	tr     *trackingReader
	dec    *json.Decoder
	redact func(string) string
	ids    []string
}

func referenceDecodeUploadResponse(r io.Reader, redact func(string) string) (*UploadResult, error) {
	d := &referenceUploadDecoder{tr: &trackingReader{r: r}, redact: redact}
	d.dec = json.NewDecoder(d.tr)
	d.dec.UseNumber()

	tok, err := d.dec.Token()
	if err != nil {
		if err == io.EOF && d.tr.err == nil {
			return nil, d.unexpected("the answer is empty; expected a JSON array of rows or an object")
		}
		return nil, d.fail(err)
	}
	var res *UploadResult
	switch tok {
	case json.Delim('['):
		res, err = d.rows()
	case json.Delim('{'):
		res, err = d.object()
	default:
		return nil, d.unexpected(fmt.Sprintf("expected a JSON array of rows or an object, got %s", referenceDescribeToken(tok)))
	}
	if err != nil {
		return nil, err
	}
	// Anything but EOF after the answer is trailing data, unless the
	// connection failed after the answer was complete: the answer read is
	// then whole and is kept, and the read error does not matter.
	if _, err := d.dec.Token(); err != io.EOF && d.tr.err == nil {
		return nil, d.unexpected("unexpected data after the end of the JSON answer")
	}
	return res, nil
}

// referenceUploadElement picks only the id out of a row; the other fields are
// scanned but not kept.
type referenceUploadElement struct {
	ID json.RawMessage `json:"id"`
}

func (d *referenceUploadDecoder) rows() (*UploadResult, error) {
	d.ids = []string{}
	for d.dec.More() {
		n := len(d.ids)
		if n >= maxRowsInAnswer {
			return nil, d.unexpected(fmt.Sprintf("more than %d rows in the answer", maxRowsInAnswer))
		}
		var el *referenceUploadElement
		if err := d.dec.Decode(&el); err != nil {
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) {
				return nil, d.unexpected(fmt.Sprintf("row %d of the answer is a JSON %s, not an object with an id", n, typeErr.Value))
			}
			return nil, d.fail(err)
		}
		if el == nil {
			return nil, d.unexpected(fmt.Sprintf("row %d of the answer is null, not an object with an id", n))
		}
		id, problem := referenceRenderID(el.ID)
		if problem != "" {
			return nil, d.unexpected(fmt.Sprintf("row %d of the answer %s", n, problem))
		}
		d.ids = append(d.ids, id)
	}
	if err := d.closing(']'); err != nil {
		return nil, err
	}
	return &UploadResult{IDs: d.ids}, nil
}

func (d *referenceUploadDecoder) object() (*UploadResult, error) {
	res := &UploadResult{}
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return nil, d.fail(err)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := d.dec.Decode(&raw); err != nil {
			return nil, d.fail(err)
		}
		switch key {
		case "dataset_id":
			if string(raw) == "null" {
				continue
			}
			id, problem := referenceRenderID(raw)
			if problem != "" {
				return nil, d.unexpected("the answer's dataset_id is not a non-empty string or number of at most 1 KiB")
			}
			res.DatasetID = id
		case "message":
			if string(raw) != "null" {
				res.Message = excerpt(d.redact(rawText(raw)), maxDetail)
			}
		}
	}
	if err := d.closing('}'); err != nil {
		return nil, err
	}
	return res, nil
}

// closing reads the delimiter that ends the top-level value.
func (d *referenceUploadDecoder) closing(want json.Delim) error {
	tok, err := d.dec.Token()
	if err != nil {
		return d.fail(err)
	}
	if tok != want {
		return d.unexpected(fmt.Sprintf("expected %q, got %s", string(want), referenceDescribeToken(tok)))
	}
	return nil
}

// referenceRenderID checks a row id: a non-empty string or a number (kept as
// written), at most maxIDLength bytes. It returns a problem phrased to follow
// "row N of the answer " when the id is not usable.
func referenceRenderID(raw json.RawMessage) (string, string) {
	if len(raw) == 0 {
		return "", "has no \"id\""
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		if inner := raw[1 : len(raw)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			// The decoder has validated the literal: without escapes it is
			// the text itself. This avoids a reflective Unmarshal per row.
			s = string(inner)
		} else if err := json.Unmarshal(raw, &s); err != nil {
			return "", "has an id that is not a valid string"
		}
		if s == "" {
			return "", "has an empty id"
		}
		if len(s) > maxIDLength {
			return "", fmt.Sprintf("has an id of %d bytes, more than the %d allowed", len(s), maxIDLength)
		}
		return s, ""
	case c == '-' || (c >= '0' && c <= '9'):
		if len(raw) > maxIDLength {
			return "", fmt.Sprintf("has an id of %d bytes, more than the %d allowed", len(raw), maxIDLength)
		}
		return string(raw), ""
	case c == 'n':
		return "", "has an id that is null"
	case c == '{':
		return "", "has an id that is an object, not a string or a number"
	case c == '[':
		return "", "has an id that is an array, not a string or a number"
	}
	return "", "has an id that is a boolean, not a string or a number"
}

// fail turns a decoding error into the caller's error: a stream that broke
// off is an outcome-unknown error (the API said 200, so the rows are
// probably stored); a syntax error is an unexpected answer.
func (d *referenceUploadDecoder) fail(err error) error {
	if d.tr.err != nil {
		return &OutcomeUnknownError{
			Cause:          fmt.Errorf("reading the upload's answer failed after %d row id(s): %w", len(d.ids), unwrapURLError(d.tr.err)),
			ProbablyStored: true,
			PartialIDs:     d.ids,
		}
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return &OutcomeUnknownError{
			Cause:          fmt.Errorf("the upload's answer ended early, after %d row id(s)", len(d.ids)),
			ProbablyStored: true,
			PartialIDs:     d.ids,
		}
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return d.unexpectedAt(syn.Offset, "the answer is not valid JSON: "+syn.Error())
	}
	return d.unexpected(err.Error())
}

func (d *referenceUploadDecoder) unexpected(reason string) error {
	return d.unexpectedAt(d.dec.InputOffset(), reason)
}

func (d *referenceUploadDecoder) unexpectedAt(offset int64, reason string) error {
	return &UnexpectedResponseError{
		Reason:     d.redact(reason),
		Offset:     offset,
		Excerpt:    excerpt(d.redact(string(d.tr.head)), maxExcerpt),
		PartialIDs: d.ids,
	}
}

// referenceDescribeToken names a JSON token for a message without quoting much of it.
func referenceDescribeToken(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return strconv.Quote(string(v))
	case string:
		if utf8.RuneCountInString(v) > 40 {
			return "a string"
		}
		return "the string " + strconv.Quote(v)
	case json.Number:
		return "the number " + excerpt(string(v), 40)
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", tok)
}

// referenceDecodeAll decodes a whole lookup answer into a Dataset.
func referenceDecodeAll(r io.Reader, redact func(string) string) (*Dataset, error) {
	ds := &Dataset{}
	id, err := referenceDecodeDataset(r, redact, func(a *Annotation) error {
		ds.Annotations = append(ds.Annotations, *a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	ds.DatasetID = id
	return ds, nil
}

// referenceWireAnnotation is an annotation as it arrives, tolerant of ids given as
// numbers, a response given as an object, and content that is not a string.
type referenceWireAnnotation struct {
	ID          json.RawMessage        `json:"id"`
	DBID        json.RawMessage        `json:"db_id"`
	ConvPrefix  []referenceWireMessage `json:"conv_prefix"`
	Response    json.RawMessage        `json:"response"`
	GroundTruth json.RawMessage        `json:"ground_truth"`
	CreatedAt   json.RawMessage        `json:"created_at"`
}

type referenceWireMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// referenceDecodeDataset reads the lookup's answer as a stream, one annotation at a
// time, ignoring fields it does not know.
func referenceDecodeDataset(r io.Reader, redact func(string) string, fn func(*Annotation) error) (string, error) {
	tr := &trackingReader{r: r}
	dec := json.NewDecoder(tr)
	dec.UseNumber()
	ds := &referenceDatasetProgress{}

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

	if err := referenceExpectDelim(dec, '{'); err != nil {
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
				id, problem := referenceRenderID(raw)
				if problem != "" {
					return "", unexpected("dataset_id is not a non-empty string or number of at most 1 KiB")
				}
				ds.datasetID = id
			}
		case "dataset_annotations":
			if err := referenceDecodeAnnotations(dec, ds, fn, unexpected); err != nil {
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
	if err := referenceExpectDelim(dec, '}'); err != nil {
		return "", fail(err)
	}
	return ds.datasetID, nil
}

// referenceDatasetProgress is what decoding has seen so far.
type referenceDatasetProgress struct {
	datasetID string
	count     int
}

func referenceDecodeAnnotations(dec *json.Decoder, ds *referenceDatasetProgress, fn func(*Annotation) error, unexpected func(string) error) error {
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
		var w *referenceWireAnnotation
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
	return referenceExpectDelim(dec, ']')
}

func (w *referenceWireAnnotation) annotation() (Annotation, string) {
	var a Annotation
	var problem string
	if a.ID, problem = referenceRenderID(w.ID); problem != "" {
		return a, problem
	}
	if len(w.DBID) > 0 && string(w.DBID) != "null" {
		if a.DBID, problem = referenceRenderID(w.DBID); problem != "" {
			return a, "has an unusable db_id"
		}
	}
	for _, m := range w.ConvPrefix {
		a.ConvPrefix = append(a.ConvPrefix, Message{Role: m.Role, Content: referenceContentText(m.Content)})
	}
	a.Response = referenceResponseText(w.Response)
	if len(w.GroundTruth) > 0 && string(w.GroundTruth) != "null" {
		gt, ok := referenceParseInteger(w.GroundTruth)
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

// referenceContentText is a message's content as text: a string as is, null as "",
// anything else (a list of parts) as compact JSON.
func referenceContentText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	return rawText(raw)
}

// referenceResponseText is the assistant's text: the response is documented as a
// string, but an object {role, content} is accepted too.
func referenceResponseText(raw json.RawMessage) string {
	if len(raw) > 0 && raw[0] == '{' {
		var m referenceWireMessage
		if json.Unmarshal(raw, &m) == nil {
			return referenceContentText(m.Content)
		}
	}
	return referenceContentText(raw)
}

// referenceParseInteger accepts an integer written as a number (1, 1.0, 1e0) or a
// string holding one.
func referenceParseInteger(raw json.RawMessage) (int64, bool) {
	return parseInteger(rawText(raw))
}

func referenceExpectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != want {
		return fmt.Errorf("expected %q, got %s", string(want), referenceDescribeToken(tok))
	}
	return nil
}
