package client

import (
	"bytes"
	"encoding/json"
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
	dec    *json.Decoder
	redact func(string) string
	ids    []string
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

func decodeUploadResponse(r io.Reader, redact func(string) string) (*UploadResult, error) {
	d := &uploadDecoder{tr: &trackingReader{r: r}, redact: redact}
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
		return nil, d.unexpected(fmt.Sprintf("expected a JSON array of rows or an object, got %s", describeToken(tok)))
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

// uploadElement picks only the id out of a row; the other fields are
// scanned but not kept.
type uploadElement struct {
	ID json.RawMessage `json:"id"`
}

func (d *uploadDecoder) rows() (*UploadResult, error) {
	d.ids = []string{}
	for d.dec.More() {
		n := len(d.ids)
		if n >= maxRowsInAnswer {
			return nil, d.unexpected(fmt.Sprintf("more than %d rows in the answer", maxRowsInAnswer))
		}
		var el *uploadElement
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
		id, problem := renderID(el.ID)
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

func (d *uploadDecoder) object() (*UploadResult, error) {
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
			id, problem := renderID(raw)
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
func (d *uploadDecoder) closing(want json.Delim) error {
	tok, err := d.dec.Token()
	if err != nil {
		return d.fail(err)
	}
	if tok != want {
		return d.unexpected(fmt.Sprintf("expected %q, got %s", string(want), describeToken(tok)))
	}
	return nil
}

// renderID checks a row id: a non-empty string or a number (kept as
// written), at most maxIDLength bytes. It returns a problem phrased to follow
// "row N of the answer " when the id is not usable.
func renderID(raw json.RawMessage) (string, string) {
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
func (d *uploadDecoder) fail(err error) error {
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

func (d *uploadDecoder) unexpected(reason string) error {
	return d.unexpectedAt(d.dec.InputOffset(), reason)
}

func (d *uploadDecoder) unexpectedAt(offset int64, reason string) error {
	return &UnexpectedResponseError{
		Reason:     d.redact(reason),
		Offset:     offset,
		Excerpt:    excerpt(d.redact(string(d.tr.head)), maxExcerpt),
		PartialIDs: d.ids,
	}
}

// describeToken names a JSON token for a message without quoting much of it.
func describeToken(tok json.Token) string {
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
