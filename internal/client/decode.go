package client

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

const (
	// maxIDLength bounds one row id, in bytes.
	maxIDLength = 1 << 10
	// maxRowsInAnswer bounds the ids (or annotations) read from one answer.
	maxRowsInAnswer = 50_000_000
	// headKeep is how much of an answer's beginning is kept for excerpts.
	headKeep = 4 << 10
)

// trackingReader remembers the beginning of a stream, for excerpts, and the
// first read error other than io.EOF, to tell a cut-off answer (the
// connection failed) from a malformed one.
type trackingReader struct {
	r    io.Reader
	head []byte
	err  error
}

func (t *trackingReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if room := headKeep - len(t.head); room > 0 && n > 0 {
		t.head = append(t.head, p[:min(n, room)]...)
	}
	if err != nil && err != io.EOF && t.err == nil {
		t.err = err
	}
	return n, err
}

// uploadDecoder reads an upload's answer as a stream.
type uploadDecoder struct {
	tr     *trackingReader
	s      *jsonScanner
	redact func(string) string
	ids    []string
	id     jsonID // the id of the row being read
	text   []byte // the message being read
}

// DecodeUploadResponse decodes the answer of a successful upload as a stream:
//
//   - a JSON array of the stored rows, each an object whose "id" is a string
//     or a number (kept as written), read one element at a time;
//   - or the documented {"dataset_id": ..., "message": ...} object (IDs nil).
//
// An answer that breaks off (EOF or a read error midway) is an
// *OutcomeUnknownError with ProbablyStored and the ids read so far. Anything
// else that is not understood is an *UnexpectedResponseError with a short
// printable excerpt and the ids read so far.
func DecodeUploadResponse(r io.Reader) (*UploadResult, error) {
	return decodeUploadResponse(r, func(s string) string { return s })
}

// decodeUploadResponse reads the answer in one pass. It keeps the behaviour
// of the encoding/json decoder it replaced (see reference_test.go), which
// read the top-level array or object token by token and each row or member
// value whole: a row's problems are found only once the row is complete.
func decodeUploadResponse(r io.Reader, redact func(string) string) (*UploadResult, error) {
	d := &uploadDecoder{tr: &trackingReader{r: r}, redact: redact}
	d.s = newJSONScanner(d.tr)

	c, ok := d.s.peekNonSpace()
	if !ok {
		if d.tr.err == nil {
			return nil, d.unexpected("the answer is empty; expected a JSON array of rows or an object")
		}
		return nil, d.fail(io.ErrUnexpectedEOF)
	}
	var res *UploadResult
	var err error
	switch c {
	case '[':
		res, err = d.rows()
	case '{':
		res, err = d.object()
	default:
		kind, text, err := d.s.appendRawText(nil, 0)
		if err != nil {
			return nil, d.fail(err)
		}
		return nil, d.unexpected("expected a JSON array of rows or an object, got " + describeScalar(kind, text))
	}
	if err != nil {
		return nil, err
	}
	// Anything but the end of the input after the answer is trailing data,
	// unless the connection failed after the answer was complete: the
	// answer read is then whole and is kept, and the read error does not
	// matter.
	if _, more := d.s.peekNonSpace(); more && d.tr.err == nil {
		return nil, d.unexpected("unexpected data after the end of the JSON answer")
	}
	return res, nil
}

func (d *uploadDecoder) rows() (*UploadResult, error) {
	d.s.consume() // '['
	d.ids = []string{}
	for first := true; ; first = false {
		more, err := d.s.arrayNext(first)
		if err != nil {
			return nil, d.fail(err)
		}
		if !more {
			return &UploadResult{IDs: d.ids}, nil
		}
		n := len(d.ids)
		if n >= maxRowsInAnswer {
			return nil, d.unexpected(fmt.Sprintf("more than %d rows in the answer", maxRowsInAnswer))
		}
		id, problem, err := d.row()
		if err != nil {
			return nil, d.fail(err)
		}
		if problem != "" {
			return nil, d.unexpected(fmt.Sprintf("row %d of the answer %s", n, problem))
		}
		d.ids = append(d.ids, id)
	}
}

// row reads one element of the rows and returns its id, or a problem
// phrased to follow "row N of the answer ".
func (d *uploadDecoder) row() (id, problem string, err error) {
	s := d.s
	c, err := s.nonSpace()
	if err != nil {
		return "", "", err
	}
	switch kind := kindOf(c); kind {
	case kindObject:
		s.consume()
		d.id.reset()
		for first := true; ; first = false {
			key, more, err := s.objectKey(first)
			if err != nil {
				return "", "", err
			}
			if !more {
				break
			}
			// The last "id" counts, matched as encoding/json matches a
			// struct field: "ID" is the id too.
			if keyIs(key, "ID") {
				err = d.id.read(s, 1)
			} else {
				err = s.skipValue(1)
			}
			if err != nil {
				return "", "", err
			}
		}
		id, problem = d.id.render()
		return id, problem, nil
	case kindNull:
		if _, err := s.readLiteral(); err != nil {
			return "", "", err
		}
		return "", "is null, not an object with an id", nil
	default:
		if err := s.skipValue(0); err != nil {
			return "", "", err
		}
		return "", fmt.Sprintf("is a JSON %s, not an object with an id", kind), nil
	}
}

func (d *uploadDecoder) object() (*UploadResult, error) {
	s := d.s
	s.consume() // '{'
	res := &UploadResult{}
	for first := true; ; first = false {
		key, more, err := s.objectKey(first)
		if err != nil {
			return nil, d.fail(err)
		}
		if !more {
			return res, nil
		}
		// The keys of the top-level object are matched exactly.
		switch string(key) {
		case "dataset_id":
			if err := d.id.read(s, 0); err != nil {
				return nil, d.fail(err)
			}
			if d.id.kind == kindNull {
				continue
			}
			id, problem := d.id.render()
			if problem != "" {
				return nil, d.unexpected("the answer's dataset_id is not a non-empty string or number of at most 1 KiB")
			}
			res.DatasetID = id
		case "message":
			var kind jsonKind
			if kind, d.text, err = s.appendRawText(d.text[:0], 0); err != nil {
				return nil, d.fail(err)
			}
			if kind != kindNull {
				res.Message = excerpt(d.redact(string(d.text)), maxDetail)
			}
		default:
			if err := s.skipValue(0); err != nil {
				return nil, d.fail(err)
			}
		}
	}
}

// jsonID is an id as last written in an object.
type jsonID struct {
	kind jsonKind // kindNone when there was none
	text []byte   // a string's text, or a number as written
}

func (id *jsonID) reset() { id.kind, id.text = kindNone, id.text[:0] }

// read reads a value that should be an id; depth is as for skipValue.
func (id *jsonID) read(s *jsonScanner, depth int) error {
	c, err := s.nonSpace()
	if err != nil {
		return err
	}
	id.kind, id.text = kindOf(c), id.text[:0]
	switch id.kind {
	case kindString:
		id.text, err = s.appendString(id.text)
	case kindNumber:
		id.text, err = s.appendNumber(id.text)
	default:
		err = s.skipValue(depth)
	}
	return err
}

// render checks an id: a non-empty string or a number (kept as written), at
// most maxIDLength bytes. It returns a problem phrased to follow "row N of
// the answer " when the id is not usable.
func (id *jsonID) render() (string, string) {
	switch id.kind {
	case kindNone:
		return "", "has no \"id\""
	case kindString, kindNumber:
		if len(id.text) == 0 {
			return "", "has an empty id"
		}
		if len(id.text) > maxIDLength {
			return "", fmt.Sprintf("has an id of %d bytes, more than the %d allowed", len(id.text), maxIDLength)
		}
		return string(id.text), ""
	case kindNull:
		return "", "has an id that is null"
	case kindObject:
		return "", "has an id that is an object, not a string or a number"
	case kindArray:
		return "", "has an id that is an array, not a string or a number"
	}
	return "", "has an id that is a boolean, not a string or a number"
}

// fail turns a reading error into the caller's error: a stream that broke
// off is an outcome-unknown error (the API said 200, so the rows are
// probably stored); a syntax error is an unexpected answer.
func (d *uploadDecoder) fail(err error) error {
	if d.tr.err != nil {
		return &OutcomeUnknownError{
			Cause:          fmt.Errorf("reading the upload's answer failed after %d row id(s): %w", len(d.ids), unwrapURLError(d.tr.err)),
			ProbablyStored: true,
			PartialIDs:     d.ids,
		}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &OutcomeUnknownError{
			Cause:          fmt.Errorf("the upload's answer ended early, after %d row id(s)", len(d.ids)),
			ProbablyStored: true,
			PartialIDs:     d.ids,
		}
	}
	var syn *jsonSyntaxError
	if errors.As(err, &syn) {
		return d.unexpectedAt(syn.offset, "the answer is not valid JSON: "+syn.msg)
	}
	return d.unexpected(err.Error())
}

func (d *uploadDecoder) unexpected(reason string) error {
	return d.unexpectedAt(d.s.offset(), reason)
}

func (d *uploadDecoder) unexpectedAt(offset int64, reason string) error {
	return &UnexpectedResponseError{
		Reason:     d.redact(reason),
		Offset:     offset,
		Excerpt:    excerpt(d.redact(string(d.tr.head)), maxExcerpt),
		PartialIDs: d.ids,
	}
}

// describeScalar names a string, number or literal for a message without
// quoting much of it; text is as appendRawText gives it.
func describeScalar(kind jsonKind, text []byte) string {
	switch kind {
	case kindString:
		if utf8.RuneCount(text) > 40 {
			return "a string"
		}
		return "the string " + strconv.Quote(string(text))
	case kindNumber:
		return "the number " + excerpt(string(text), 40)
	case kindBool:
		return "a boolean"
	}
	return "null"
}
