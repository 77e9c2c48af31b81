package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unsafe"

	"github.com/go-json-experiment/json/jsontext"
)

// minRowBytes is the length of the shortest valid row,
// {"conv_prefix":[],"response":{"role":"","content":""}}.
const minRowBytes = 54

// rowScanner reads an upload's JSON array in one pass: it validates the JSON,
// slices each row out of the file without copying, and decodes only what the
// platform checks and the lookup returns.
//
// Keys match exactly (as in Python) and a repeated key's last value wins.
type rowScanner struct {
	data     []byte
	dec      *jsontext.Decoder
	shapeErr *fileError // the first row that is valid JSON but not a valid row
	messages []message  // a row's conv_prefix while it is read
}

// scanRows parses data (already known to start with '[' after white space)
// into raw rows and parsed rows. On a shape error the raw rows are still
// returned, for the request log; a syntax error anywhere wins over it.
func scanRows(data []byte) ([]json.RawMessage, []parsedRow, *fileError) {
	// Read from a bytes.Buffer, the decoder works on data itself: the values
	// it returns are slices of the file.
	sc := &rowScanner{data: data, dec: jsontext.NewDecoder(bytes.NewBuffer(data), jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true))}
	raws, rows, err := sc.array()
	if err == nil {
		if _, err = sc.dec.ReadToken(); err == io.EOF {
			err = nil
		} else if err == nil {
			err = fmt.Errorf("invalid data after top-level value after offset %d", sc.dec.InputOffset()-1)
		}
	}
	if err != nil {
		return nil, nil, rejectf("Invalid JSON file: %s", strings.TrimPrefix(err.Error(), "jsontext: "))
	}
	if sc.shapeErr != nil {
		return raws, nil, sc.shapeErr
	}
	return raws, rows, nil
}

func (sc *rowScanner) shape(format string, args ...any) {
	if sc.shapeErr == nil {
		sc.shapeErr = rejectf(format, args...)
	}
}

// skip reads past the next value.
func (sc *rowScanner) skip() error {
	_, err := sc.dec.ReadValue()
	return err
}

// end reports whether the object or list being read has ended, and reads
// its closing '}' or ']' if so (or the error PeekKind found).
func (sc *rowScanner) end() (bool, error) {
	switch sc.dec.PeekKind() {
	case jsontext.KindEndObject, jsontext.KindEndArray, jsontext.KindInvalid:
		_, err := sc.dec.ReadToken()
		return true, err
	}
	return false, nil
}

// array reads the top-level array of rows.
func (sc *rowScanner) array() ([]json.RawMessage, []parsedRow, error) {
	if _, err := sc.dec.ReadToken(); err != nil {
		return nil, nil, err
	}
	raws, rows := []json.RawMessage{}, []parsedRow{}
	for {
		if end, err := sc.end(); end {
			return raws, rows, err
		}
		start := sc.dec.InputOffset() // before the comma and white space
		for strings.IndexByte(", \t\r\n", sc.data[start]) >= 0 {
			start++
		}
		var p parsedRow
		if err := sc.row(len(rows), &p); err != nil {
			return nil, nil, err
		}
		p.raw = sc.data[start:sc.dec.InputOffset()]
		if len(rows) == 0 {
			// Rows of one upload are alike: sized from the first, the lists
			// are not copied again and again as a large upload grows them.
			// No valid row is shorter than minRowBytes, which bounds what a
			// short first row can reserve.
			n := len(sc.data) / max(len(p.raw), minRowBytes)
			raws, rows = make([]json.RawMessage, 0, n), make([]parsedRow, 0, n)
		}
		raws = append(raws, p.raw)
		rows = append(rows, p)
	}
}

// row reads one row, checking its shape (not ground_truth's type, which the
// database checks later).
func (sc *rowScanner) row(i int, p *parsedRow) error {
	if sc.dec.PeekKind() != jsontext.KindBeginObject {
		v, err := sc.dec.ReadValue()
		if err == nil {
			sc.shape("Invalid row at index %d: a row must be a JSON object, got %s", i, jsonKind(v))
		}
		return err
	}
	var haveConv, haveResp bool
	err := sc.object(func(key string) (err error) {
		var v jsontext.Value
		switch key {
		case "conv_prefix":
			haveConv, err = sc.convPrefix(i, p)
		case "response":
			var m message
			if haveResp = sc.dec.PeekKind() != jsontext.KindNull; !haveResp {
				return sc.skip()
			}
			if m, haveResp, err = sc.message(); err == nil && !haveResp {
				sc.shape("Invalid row at index %d: field \"response\" must be an object with string \"role\" and \"content\"", i)
			}
			p.response = m.Content
		case "ground_truth":
			v, err = sc.dec.ReadValue()
			p.groundTruth, p.badGroundTruth = nil, nil
			if n, ok := jsonInteger(v); ok {
				p.groundTruth = &n
			} else if err == nil && v.Kind() != jsontext.KindNull {
				p.badGroundTruth = json.RawMessage(v)
			}
		case "context":
			if v, err = sc.dec.ReadValue(); err == nil && v.Kind() != jsontext.KindString && v.Kind() != jsontext.KindNull {
				sc.shape("Invalid row at index %d: field \"context\" must be a string, got %s", i, jsonKind(v))
			}
		case "id":
			p.hasID = true
			err = sc.skip()
		default:
			err = sc.skip()
		}
		return err
	})
	if err != nil {
		return err
	}
	if !haveConv {
		sc.shape("Invalid row at index %d: field \"conv_prefix\" is required (a list of {role, content} messages)", i)
	}
	if !haveResp {
		sc.shape("Invalid row at index %d: field \"response\" is required (an object {role, content})", i)
	}
	return nil
}

// convPrefix reads the list of messages; false when absent (null).
func (sc *rowScanner) convPrefix(i int, p *parsedRow) (bool, error) {
	switch sc.dec.PeekKind() {
	case jsontext.KindNull:
		return false, sc.skip()
	case jsontext.KindBeginArray:
	default:
		v, err := sc.dec.ReadValue()
		if err == nil {
			sc.shape("Invalid row at index %d: field \"conv_prefix\" must be a list of {role, content} messages, got %s", i, jsonKind(v))
		}
		return true, err
	}
	if _, err := sc.dec.ReadToken(); err != nil {
		return true, err
	}
	// The list is gathered in a reused buffer, then copied at its length.
	sc.messages = sc.messages[:0]
	for j := 0; ; j++ {
		if end, err := sc.end(); end {
			p.convPrefix = append(make([]message, 0, len(sc.messages)), sc.messages...)
			return true, err
		}
		m, ok, err := sc.message()
		if err != nil {
			return true, err
		}
		if !ok {
			sc.shape("Invalid row at index %d: field \"conv_prefix[%d]\" must be an object with string \"role\" and \"content\"", i, j)
		}
		sc.messages = append(sc.messages, m)
	}
}

// message reads {role, content}; false when it is not an object with both
// as strings.
func (sc *rowScanner) message() (m message, ok bool, err error) {
	if sc.dec.PeekKind() != jsontext.KindBeginObject {
		return m, false, sc.skip()
	}
	var haveRole, haveContent, bad bool
	err = sc.object(func(key string) error {
		if key != "role" && key != "content" {
			return sc.skip()
		}
		v, err := sc.dec.ReadValue()
		switch {
		case err != nil:
			return err
		case v.Kind() != jsontext.KindString:
			bad = true
		case key == "role":
			m.Role, haveRole = text(v), true
		default:
			m.Content, haveContent = text(v), true
		}
		return nil
	})
	return m, haveRole && haveContent && !bad, err
}

// object reads an object, calling field with each key; field reads the
// member's value.
func (sc *rowScanner) object(field func(key string) error) error {
	if _, err := sc.dec.ReadToken(); err != nil {
		return err
	}
	for {
		if end, err := sc.end(); end {
			return err
		}
		key, err := sc.dec.ReadValue()
		if err != nil {
			return err
		}
		if err := field(text(key)); err != nil {
			return err
		}
	}
}

// text is the value of a JSON string read from the file. It shares the
// file's memory when the string has no escapes: the file buffer is never
// written after it is read, and stored rows keep it alive anyway through
// their raw bytes. Invalid UTF-8 is kept: the lookup's encoder writes it as
// U+FFFD.
func text(v jsontext.Value) string {
	s := v[1 : len(v)-1]
	if bytes.IndexByte(s, '\\') < 0 {
		return unsafe.String(unsafe.SliceData(s), len(s))
	}
	b, _ := jsontext.AppendUnquote(nil, v) // checked by the decoder
	return string(b)
}
