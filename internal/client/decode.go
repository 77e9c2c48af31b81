package client

import (
	"errors"
	"fmt"
	"io"

	"github.com/go-json-experiment/json/jsontext"
)

// AnswerRow is one element of a streamed upload answer, handed to the caller
// as it is decoded. It and its slices are reused: valid only during the call.
//
// HasContent is set when the element echoed the row usably: conv_prefix is a
// list of {role, content} messages (role a string; content a string, or
// anything else kept as compact JSON), response is such a message or a plain
// string, ground_truth is absent, null or an integer (a number, or a string
// holding one), and context is absent, null or a string. When a field is of
// another type, HasContent is false and the content fields are zero: the row
// and its id still count. Keys are matched exactly; unknown keys are ignored.
type AnswerRow struct {
	Index      int    // 0-based position in the answer
	ID         string // "" when the element has no id
	HasContent bool   // the element echoed the row (conv_prefix and response present)
	ConvPrefix []Message
	// Response is {role, content}; when the API gave the response as a
	// plain string, Role is "" and Content the string.
	Response    Message
	GroundTruth *int64
	Context     *string
}

// DecodeUploadResponse decodes the answer of a successful upload as a stream:
//
//   - a JSON array of the stored rows, each an object whose "id" is a string
//     or a number (kept as written), read one element at a time and handed
//     to each (which may be nil);
//   - or the documented {"dataset_id": ..., "message": ...} object (IDs nil).
//
// An answer that breaks off (EOF or a read error midway) is an
// *OutcomeUnknownError with ProbablyStored and the ids read so far. Anything
// else that is not understood is an *UnexpectedResponseError with a short
// printable excerpt and the ids read so far. An element without a usable id
// is handed to each (with ID "") before it ends the answer so.
func DecodeUploadResponse(r io.Reader, each func(*AnswerRow)) (*UploadResult, error) {
	return decodeUploadResponse(r, func(s string) string { return s }, each)
}

// uploadDecoder reads an upload's answer as a stream.
type uploadDecoder struct {
	*answerReader
	each    func(*AnswerRow)
	ids     []string
	id      []byte // the id being read
	content answerContent
	row     AnswerRow
}

func decodeUploadResponse(r io.Reader, redact func(string) string, each func(*AnswerRow)) (*UploadResult, error) {
	d := &uploadDecoder{answerReader: newAnswerReader(r, redact), each: each}
	res, err := d.answer()
	if err != nil {
		return nil, d.fail(err)
	}
	return res, nil
}

func (d *uploadDecoder) answer() (*UploadResult, error) {
	var res *UploadResult
	var err error
	switch d.dec.PeekKind() {
	case jsontext.KindBeginArray:
		res, err = d.rows()
	case jsontext.KindBeginObject:
		res, err = d.object()
	case jsontext.KindInvalid:
		_, err = d.dec.ReadToken()
		if err == io.EOF && d.tr.err == nil {
			return nil, d.unexpected("the answer is empty; expected a JSON array of rows or an object", nil)
		}
		return nil, err
	default:
		got, err := d.describeNext()
		if err != nil {
			return nil, err
		}
		return nil, d.unexpected("expected a JSON array of rows or an object, got "+got, nil)
	}
	if err != nil {
		return nil, err
	}
	if err := d.end(d.ids); err != nil {
		return nil, err
	}
	return res, nil
}

func (d *uploadDecoder) rows() (*UploadResult, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.ids = []string{}
	for {
		more, err := d.next()
		if err != nil {
			return nil, err
		}
		if !more {
			return &UploadResult{IDs: d.ids}, nil
		}
		n := len(d.ids)
		if n >= maxRowsInAnswer {
			return nil, d.unexpected(fmt.Sprintf("more than %d rows in the answer", maxRowsInAnswer), d.ids)
		}
		problem, err := d.element(n)
		if err != nil {
			return nil, err
		}
		if problem != "" {
			return nil, d.unexpected(fmt.Sprintf("row %d of the answer %s", n, problem), d.ids)
		}
	}
}

// element reads element n of the rows, keeps its id and hands it to each. It
// returns a problem phrased to follow "row N of the answer ".
func (d *uploadDecoder) element(n int) (string, error) {
	switch k := d.dec.PeekKind(); k {
	case jsontext.KindBeginObject:
	case jsontext.KindNull, jsontext.KindFalse, jsontext.KindTrue, jsontext.KindString, jsontext.KindNumber, jsontext.KindBeginArray:
		return "is " + kindName(k) + ", not an object with an id", d.skip()
	default:
		return "", d.skip() // the error PeekKind found
	}
	if err := d.enter(); err != nil {
		return "", err
	}
	idKind := jsontext.KindInvalid
	d.id = d.id[:0]
	d.content.reset()
	for {
		name, more, err := d.member()
		if err != nil {
			return "", err
		}
		if !more {
			break
		}
		switch {
		case string(name) == "id":
			idKind, d.id, err = d.readID(d.id[:0])
		case d.each != nil:
			err = d.content.field(d.answerReader, string(name))
		default:
			err = d.skip()
		}
		if err != nil {
			return "", err
		}
	}
	problem := idProblem(idKind, d.id)
	var id string
	if problem == "" {
		id = string(d.id)
		d.ids = append(d.ids, id)
	}
	if d.each != nil {
		d.content.fill(&d.row, n, id)
		d.each(&d.row)
	}
	if problem != "" {
		return "has " + problem, nil
	}
	return "", nil
}

func (d *uploadDecoder) object() (*UploadResult, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	res := &UploadResult{}
	var text []byte
	for {
		name, more, err := d.member()
		if err != nil || !more {
			return res, err
		}
		var k jsontext.Kind
		switch string(name) {
		case "dataset_id":
			if k, text, err = d.readID(text[:0]); err != nil || k == jsontext.KindNull {
				break
			}
			if idProblem(k, text) != "" {
				return nil, d.unexpected("the answer's dataset_id is not a non-empty string or number of at most 1 KiB", nil)
			}
			res.DatasetID = string(text)
		case "message":
			if k, text, err = d.readText(text[:0]); err == nil && k != jsontext.KindNull {
				res.Message = excerpt(d.redact(string(text)), maxDetail)
			}
		default:
			err = d.skip()
		}
		if err != nil {
			return nil, err
		}
	}
}

// fail turns a reading error into the caller's error: a stream that broke
// off is an outcome-unknown error (the API said 200, so the rows are
// probably stored); anything else is an unexpected answer.
func (d *uploadDecoder) fail(err error) error {
	var ue *UnexpectedResponseError
	switch {
	case errors.As(err, &ue):
		return err
	case d.tr.err != nil:
		return &OutcomeUnknownError{
			Cause:          fmt.Errorf("reading the upload's answer failed after %d row id(s): %w", len(d.ids), unwrapURLError(d.tr.err)),
			ProbablyStored: true,
			PartialIDs:     d.ids,
		}
	case cutOff(err):
		return &OutcomeUnknownError{
			Cause:          fmt.Errorf("the upload's answer ended early, after %d row id(s)", len(d.ids)),
			ProbablyStored: true,
			PartialIDs:     d.ids,
		}
	}
	return d.invalid(err, d.ids)
}

// answerContent is what an upload answer's element echoed of its row.
type answerContent struct {
	rowText
	bad                                     bool // a field of the wrong type
	hasConvPrefix, hasResponse, hasContext bool
	response                                messageSpans
	context                                 span
	groundTruth                             *int64
	gtValue                                 int64
	contextValue                            string
	convPrefix                              []Message // AnswerRow.ConvPrefix's backing array
}

func (c *answerContent) reset() {
	c.rowText.reset()
	c.bad, c.hasConvPrefix, c.hasResponse, c.hasContext, c.groundTruth = false, false, false, false, nil
}

// field reads the value of an element's member key: one of the row's
// fields, or anything else, skipped.
func (c *answerContent) field(a *answerReader, key string) error {
	var ok bool
	var err error
	var k jsontext.Kind
	switch key {
	case "conv_prefix":
		c.hasConvPrefix = a.dec.PeekKind() != jsontext.KindNull
		ok, err = c.readConvPrefix(a)
	case "response":
		c.response = messageSpans{}
		switch k = a.dec.PeekKind(); k {
		case jsontext.KindBeginObject:
			c.response, ok, err = c.readMessage(a)
		case jsontext.KindString:
			_, c.response.content, err = c.readSpan(a)
			ok = true
		default:
			ok, err = k == jsontext.KindNull, a.skip()
		}
		c.hasResponse = k != jsontext.KindNull
	case "ground_truth":
		c.groundTruth = nil
		start := len(c.buf)
		k, c.buf, err = a.readText(c.buf)
		gt, isInt := parseInteger(c.buf[start:])
		c.buf = c.buf[:start]
		switch {
		case k == jsontext.KindNull:
			ok = true
		case isInt && (k == jsontext.KindNumber || k == jsontext.KindString):
			ok, c.gtValue = true, gt
			c.groundTruth = &c.gtValue
		}
	case "context":
		k, c.context, err = c.readSpan(a)
		c.hasContext = k == jsontext.KindString
		ok = c.hasContext || k == jsontext.KindNull
	default:
		return a.skip()
	}
	c.bad = c.bad || !ok
	return err
}

// fill sets row to element n as read.
func (c *answerContent) fill(row *AnswerRow, n int, id string) {
	*row = AnswerRow{Index: n, ID: id}
	if c.bad || !c.hasConvPrefix || !c.hasResponse {
		return
	}
	text := string(c.buf)
	c.convPrefix = c.appendMessages(c.convPrefix[:0], text)
	row.HasContent = true
	row.ConvPrefix = c.convPrefix
	row.Response = spanMessage(c.response, text)
	row.GroundTruth = c.groundTruth
	if c.hasContext {
		c.contextValue = text[c.context.start:c.context.end]
		row.Context = &c.contextValue
	}
}
