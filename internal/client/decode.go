package client

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// UploadResult is what a successful upload returned.
type UploadResult struct {
	// IDs holds one id per row the API streamed back, in the order returned,
	// numbers rendered in decimal. Nil when the API answered with the
	// {dataset_id, message} object and no rows.
	IDs       []string
	DatasetID string // from the object shape, or "" when not given
	Message   string // from the object shape
}

// AnswerRow is one element of a streamed upload answer, handed to the caller
// as it is read. It and its slices are reused: valid only during the call.
//
// Raw is the element as the API sent it. Its content is decoded only when the
// caller asks for it (Content): a caller that can tell from Raw alone that
// the element echoes what it sent pays for no more than reading it.
//
// HasContent is set when the element echoed the row usably: conv_prefix is a
// list of {role, content} messages (role a string; content a string, or
// anything else kept as compact JSON), response is such a message or a plain
// string, ground_truth is absent, null or an integer (a number, or a string
// holding one), and context is absent, null or a string. When a field is of
// another type, HasContent is false and the content fields are zero: the row
// and its id still count. Keys are matched exactly; unknown keys are ignored.
type AnswerRow struct {
	Index int    // 0-based position in the answer
	ID    string // "" when the element has no id
	Raw   []byte // the element's JSON, as sent

	// The content, set by Content.
	HasContent bool // the element echoed the row (conv_prefix and response present)
	ConvPrefix []Message
	// Response is {role, content}; when the API gave the response as a
	// plain string, Role is "" and Content the string.
	Response    Message
	GroundTruth *int64
	Context     *string

	decode func() // fills the content from Raw; nil once it has run
}

// Content decodes the element's content into the row's fields, once, and
// reports HasContent.
func (r *AnswerRow) Content() bool {
	if f := r.decode; f != nil {
		r.decode = nil
		f()
	}
	return r.HasContent
}

// uploadDecoder reads an upload's answer as a stream.
type uploadDecoder struct {
	*answerReader
	each func(*AnswerRow)
	ids  []string
	el   elementReader
	out  AnswerRow // handed to each
	// decode is decodeContent, bound once: a method value made per row
	// would be allocated per row.
	decode func()

	again    answerReader // reads a row again, see idOnly
	rowBytes bytes.Buffer
	id       []byte
}

// decodeUploadResponse decodes the answer of a successful upload as a stream:
// a JSON array of the stored rows, each an object whose "id" is a string or a
// number (kept as written), handed to each (which may be nil) one at a time;
// or the documented {"dataset_id": ..., "message": ...} object (IDs nil).
//
// The API said 200, so the rows are probably stored whatever the answer:
// every failure is an *OutcomeUnknownError with ProbablyStored and the ids
// read so far, wrapping an *UnexpectedResponseError with an excerpt when the
// answer is not understood. A row without a usable id is handed to each
// (with ID "") before it ends the answer so.
func decodeUploadResponse(r io.Reader, redact func(string) string, each func(*AnswerRow)) (*UploadResult, error) {
	d := &uploadDecoder{answerReader: newAnswerReader(r, redact), each: each}
	d.again.dec = jsontext.NewDecoder(&d.rowBytes)
	d.decode = d.decodeContent
	res, err := d.answer()
	if err == nil {
		err = d.end()
	}
	if err != nil {
		err = d.fail(err, fmt.Sprintf("reading the upload's answer stopped after %d row id(s)", len(d.ids)))
		return nil, &OutcomeUnknownError{Op: opUpload.name, Cause: err, ProbablyStored: true}
	}
	return res, nil
}

func (d *uploadDecoder) answer() (*UploadResult, error) {
	switch k, err := d.peek(); {
	case err == io.EOF && d.tr.err == nil:
		return nil, d.unexpected("the answer is empty; expected a JSON array of rows or an object")
	case err != nil:
		return nil, err
	case k == jsontext.KindBeginArray:
		return d.rowsAnswer()
	case k == jsontext.KindBeginObject:
		return d.objectAnswer()
	default:
		return nil, d.unexpected("expected a JSON array of rows or an object, got " + kindNames[k])
	}
}

func (d *uploadDecoder) rowsAnswer() (*UploadResult, error) {
	d.ids = []string{}
	err := d.list(func() error {
		n := len(d.ids) // the rows before have an id, or the answer would have stopped
		if n >= maxRowsInAnswer {
			return d.unexpected(fmt.Sprintf("more than %d rows in the answer", maxRowsInAnswer))
		}
		problem, err := d.row(n)
		if err == nil && problem != "" {
			err = d.unexpected(fmt.Sprintf("row %d of the answer %s", n, problem))
		}
		return err
	})
	return &UploadResult{IDs: d.ids}, err
}

// row reads row n of the answer whole (much faster than member by member),
// keeps its first id, and hands it to each, which decodes its content only if
// it needs to. It returns what is wrong with the row, phrased to follow "row
// N of the answer ".
func (d *uploadDecoder) row(n int) (string, error) {
	raw, err := d.dec.ReadValue()
	if err != nil {
		return "", err
	}
	if raw.Kind() != jsontext.KindBeginObject {
		return "is " + kindNames[raw.Kind()] + ", not an object", nil
	}
	kind := d.firstID(raw)
	problem := idProblem(kind, d.id)
	id := ""
	if problem == "" {
		id = string(d.id)
		d.ids = append(d.ids, id)
	}
	if d.each != nil {
		d.out = AnswerRow{Index: n, ID: id, Raw: raw, decode: d.decode}
		d.each(&d.out)
	}
	if problem != "" {
		return "has " + problem, nil
	}
	return "", nil
}

// firstID reads the first "id" of a row read whole into d.id, and returns
// its kind (KindInvalid when there is none).
func (d *uploadDecoder) firstID(raw []byte) jsontext.Kind {
	// The API writes an id first or last; a walk would read a second
	// decoder's tokens for the first and every member for the last.
	if kind, ok := d.firstMemberID(raw); ok {
		return kind
	}
	if kind, ok := d.lastMemberID(raw); ok {
		return kind
	}
	return d.walkFirstID(raw)
}

// firstMemberID reads the id of a row whose first member is "id", written
// compactly as a string without escapes or as a number: ok is false for any
// other row. Of a repeated "id" the first counts, so the rest of the row
// does not matter.
func (d *uploadDecoder) firstMemberID(raw []byte) (jsontext.Kind, bool) {
	rest, ok := bytes.CutPrefix(raw, []byte(`{"id":`))
	if !ok {
		return jsontext.KindInvalid, false
	}
	kind, value := jsontext.KindNumber, rest
	if s, ok := bytes.CutPrefix(rest, []byte(`"`)); ok {
		kind, value = jsontext.KindString, s[:max(bytes.IndexByte(s, '"'), 0)]
		// Escapes and invalid UTF-8 are left to the walk, which reads
		// them as every other string.
		if bytes.IndexByte(value, '\\') >= 0 || !utf8.Valid(value) {
			return jsontext.KindInvalid, false
		}
	} else {
		value = value[:bytes.IndexAny(value, ",} \t\r\n")] // the row is valid JSON: one follows
	}
	if len(value) == 0 || kind == jsontext.KindNumber && value[0] != '-' && (value[0] < '0' || value[0] > '9') {
		return jsontext.KindInvalid, false
	}
	d.id = append(d.id[:0], value...)
	return kind, true
}

// walkFirstID is firstID for any row: it reads the row's members until its
// first "id".
func (d *uploadDecoder) walkFirstID(raw []byte) jsontext.Kind {
	// The row is checked: reading it again cannot fail.
	d.rowBytes = *bytes.NewBuffer(raw)
	d.again.dec.Reset(&d.rowBytes, decodeOptions...)
	kind := jsontext.KindInvalid
	d.id = d.id[:0]
	_ = d.again.object(func(name []byte) error {
		if string(name) != "id" {
			return d.again.skip()
		}
		kind, d.id, _ = d.again.readText(d.id)
		return io.EOF // the first id counts: read no further
	})
	return kind
}

// lastMemberID reads the id of a row whose only "id" is its last member, as
// an API that echoes the rows it received with their ids appended writes
// them, without walking the row's other members: ok is false for any other
// row, which the caller then reads member by member.
func (d *uploadDecoder) lastMemberID(raw []byte) (jsontext.Kind, bool) {
	const member = `,"id":`
	body := raw[:len(raw)-1] // without the closing brace
	var kind jsontext.Kind
	var value []byte
	switch {
	case bytes.HasSuffix(body, []byte(`"`)):
		open := bytes.LastIndexByte(body[:len(body)-1], '"')
		// Escapes and invalid UTF-8 are left to the walk, which reads
		// them as every other string.
		if open < 0 || bytes.IndexByte(body[open:], '\\') >= 0 || !utf8.Valid(body[open:]) {
			return jsontext.KindInvalid, false
		}
		kind, value = jsontext.KindString, body[open+1:len(body)-1]
		body = body[:open]
	default:
		end := len(body)
		for end > 0 && (body[end-1] >= '0' && body[end-1] <= '9' || body[end-1] == '-') {
			end--
		}
		kind, value, body = jsontext.KindNumber, body[end:], body[:end]
	}
	if len(value) == 0 && kind == jsontext.KindNumber || !bytes.HasSuffix(body, []byte(member)) || bytes.Count(raw, []byte(`"id"`)) != 1 {
		return jsontext.KindInvalid, false
	}
	d.id = append(d.id[:0], value...)
	return kind, true
}

// decodeContent fills d.out's content from its Raw.
func (d *uploadDecoder) decodeContent() {
	d.rowBytes = *bytes.NewBuffer(d.out.Raw)
	d.again.dec.Reset(&d.rowBytes, decodeOptions...)
	el := &d.el
	if _, err := el.read(&d.again); err != nil || el.wrong != "" || !el.hasConvPrefix || !el.hasResponse {
		return
	}
	var text string
	d.out.HasContent = true
	d.out.ConvPrefix, text = el.content()
	d.out.Response = message(text, el.response)
	if el.hasGroundTruth {
		d.out.GroundTruth = &el.groundTruth
	}
	if el.hasContext {
		el.contextOut = text[el.context.start:el.context.end]
		d.out.Context = &el.contextOut
	}
}

func (d *uploadDecoder) objectAnswer() (*UploadResult, error) {
	res := &UploadResult{}
	err := d.object(func(name []byte) (err error) {
		switch string(name) {
		case "dataset_id":
			res.DatasetID, err = d.readDatasetID()
		case "message":
			k, text, err := d.readText(nil)
			if k != jsontext.KindNull {
				res.Message = excerpt(d.redact(string(text)), maxDetail)
			}
			return err
		default:
			err = d.skip()
		}
		return err
	})
	return res, err
}
