package client

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
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

// answerReader reads a JSON answer as a stream of tokens.
type answerReader struct {
	tr     trackingReader
	dec    *jsontext.Decoder
	redact func(string) string
	name   []byte // an unescaped member name
}

// decodeOptions tolerate what Python's json module can write: invalid UTF-8
// is read as U+FFFD, and of a repeated key the last value counts (each field
// reader starts afresh).
var decodeOptions = []jsontext.Options{jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true)}

func newAnswerReader(r io.Reader, redact func(string) string) *answerReader {
	a := &answerReader{tr: trackingReader{r: r}, redact: redact}
	a.dec = jsontext.NewDecoder(&a.tr, decodeOptions...)
	return a
}

// enter reads the '{' or '[' that begins an object or a list.
func (a *answerReader) enter() error {
	_, err := a.dec.ReadToken()
	return err
}

// next reports whether the list being read has another element; at its end
// it reads the closing ']'.
func (a *answerReader) next() (bool, error) {
	if k := a.dec.PeekKind(); k != jsontext.KindEndArray && k != jsontext.KindInvalid {
		return true, nil
	}
	_, err := a.dec.ReadToken() // ']', or the error PeekKind found
	return false, err
}

// member reads the name of the next member of the object being read; ok is
// false at its end, once the closing '}' is read. The name is valid until
// the next read.
func (a *answerReader) member() (name []byte, ok bool, err error) {
	if a.dec.PeekKind() != jsontext.KindString {
		_, err := a.dec.ReadToken() // '}', or the error PeekKind found
		return nil, false, err
	}
	v, err := a.dec.ReadValue()
	if err != nil {
		return nil, false, err
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return v[1 : len(v)-1], true, nil
	}
	a.name, _ = jsontext.AppendUnquote(a.name[:0], v) // checked by ReadValue
	return a.name, true, nil
}

// skip reads past the next value. (ReadValue reads a nested value in one
// pass, where the decoder's SkipValue reads it token by token.)
func (a *answerReader) skip() error {
	_, err := a.dec.ReadValue()
	return err
}

// readText reads a value and appends its text to dst: a string's contents, a
// number as written, nothing for null, anything else as compact JSON. It
// returns the value's kind.
func (a *answerReader) readText(dst []byte) (jsontext.Kind, []byte, error) {
	v, err := a.dec.ReadValue()
	if err != nil {
		return jsontext.KindInvalid, dst, err
	}
	return v.Kind(), appendText(dst, v), nil
}

// appendText appends the text of v (see readText) to dst.
func appendText(dst []byte, v jsontext.Value) []byte {
	switch v.Kind() {
	case jsontext.KindString:
		if s := v[1 : len(v)-1]; bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
			return append(dst, s...)
		}
		// The decoder has checked the string; the only error left to
		// report is invalid UTF-8, which becomes U+FFFD as decodeOptions say.
		dst, _ = jsontext.AppendUnquote(dst, v)
		return dst
	case jsontext.KindNumber:
		return append(dst, v...)
	case jsontext.KindNull:
		return dst
	}
	// Checked by the decoder: cannot fail.
	dst, _ = jsontext.AppendFormat(dst, v, jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true), jsontext.PreserveRawStrings(true))
	return dst
}

// readID reads a value that should be an id: a string's or a number's text
// is appended to dst, any other value is skipped. It returns the value's
// kind, for idProblem.
func (a *answerReader) readID(dst []byte) (jsontext.Kind, []byte, error) {
	v, err := a.dec.ReadValue()
	if err != nil {
		return jsontext.KindInvalid, dst, err
	}
	switch k := v.Kind(); k {
	case jsontext.KindString, jsontext.KindNumber:
		return k, appendText(dst, v), nil
	default:
		return k, dst, nil
	}
}

// idProblem checks an id read by readID (kind KindInvalid when there was
// none): a non-empty string or number, at most maxIDLength bytes. It returns
// what is wrong, phrased to follow "has ", or "".
func idProblem(kind jsontext.Kind, text []byte) string {
	switch kind {
	case jsontext.KindInvalid:
		return `no "id"`
	case jsontext.KindString, jsontext.KindNumber:
		if len(text) == 0 {
			return "an empty id"
		}
		if len(text) > maxIDLength {
			return fmt.Sprintf("an id of %d bytes, more than the %d allowed", len(text), maxIDLength)
		}
		return ""
	}
	return "an id that is " + kindName(kind) + ", not a string or a number"
}

// kindName names a kind of JSON value for a message.
func kindName(k jsontext.Kind) string {
	switch k {
	case jsontext.KindNull:
		return "null"
	case jsontext.KindFalse, jsontext.KindTrue:
		return "a boolean"
	case jsontext.KindString:
		return "a string"
	case jsontext.KindNumber:
		return "a number"
	case jsontext.KindBeginObject:
		return "an object"
	case jsontext.KindBeginArray:
		return "a list"
	}
	return "not a JSON value"
}

// describeNext reads the next value and names it for a message, quoting a
// short string or number.
func (a *answerReader) describeNext() (string, error) {
	k := a.dec.PeekKind()
	if k == jsontext.KindBeginObject || k == jsontext.KindBeginArray {
		return kindName(k), nil
	}
	k, text, err := a.readText(nil)
	switch {
	case err != nil:
		return "", err
	case k == jsontext.KindString && utf8.RuneCount(text) <= 40:
		return "the string " + strconv.Quote(string(text)), nil
	case k == jsontext.KindNumber:
		return "the number " + excerpt(string(text), 40), nil
	}
	return kindName(k), nil
}

// end checks that nothing follows the answer. A connection that fails after
// the answer is complete loses nothing, so its error does not count.
func (a *answerReader) end(ids []string) error {
	_, err := a.dec.ReadToken()
	if err == io.EOF || a.tr.err != nil {
		return nil
	}
	return a.unexpected("unexpected data after the end of the JSON answer", ids)
}

// unexpected is an *UnexpectedResponseError at the current offset.
func (a *answerReader) unexpected(reason string, ids []string) *UnexpectedResponseError {
	return a.unexpectedAt(a.dec.InputOffset(), reason, ids)
}

func (a *answerReader) unexpectedAt(offset int64, reason string, ids []string) *UnexpectedResponseError {
	return &UnexpectedResponseError{
		Reason:     a.redact(reason),
		Offset:     offset,
		Excerpt:    excerpt(a.redact(string(a.tr.head)), maxExcerpt),
		PartialIDs: ids,
	}
}

// cutOff reports whether err means the answer ended before it was complete.
func cutOff(err error) bool {
	return err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF)
}

// invalid describes a decoding error that is neither a read failure nor a
// cut-off: the answer is not valid JSON.
func (a *answerReader) invalid(err error, ids []string) *UnexpectedResponseError {
	var syn *jsontext.SyntacticError
	if !errors.As(err, &syn) || syn.Err == nil {
		return a.unexpected(err.Error(), ids)
	}
	reason := "the answer is not valid JSON: " + syn.Err.Error()
	if syn.JSONPointer != "" {
		reason += " at " + excerpt(string(syn.JSONPointer), 100)
	}
	return a.unexpectedAt(syn.ByteOffset, reason, ids)
}

// parseInteger accepts an integer written as a number (1, 1.0, 1e0) or as a
// string holding one.
func parseInteger(text []byte) (int64, bool) {
	if v, err := strconv.ParseInt(string(text), 10, 64); err == nil {
		return v, true
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// span is a part of rowText.buf.
type span struct{ start, end int }

type messageSpans struct{ role, content span }

// rowText gathers the text of one row in one buffer, so that its strings
// cost one allocation together.
type rowText struct {
	buf      []byte
	messages []messageSpans
}

func (t *rowText) reset() { t.buf, t.messages = t.buf[:0], t.messages[:0] }

// readSpan reads a value's text (see readText) into the buffer.
func (t *rowText) readSpan(a *answerReader) (jsontext.Kind, span, error) {
	start := len(t.buf)
	k, buf, err := a.readText(t.buf)
	t.buf = buf
	return k, span{start, len(t.buf)}, err
}

// readMessage reads a {role, content} message: ok is false when the value is
// not an object or its role is not a string. A missing or null role or
// content is empty; a content that is not a string (a list of parts) is kept
// as compact JSON. Other keys are ignored.
func (t *rowText) readMessage(a *answerReader) (m messageSpans, ok bool, err error) {
	if a.dec.PeekKind() != jsontext.KindBeginObject {
		return m, false, a.skip()
	}
	if err := a.enter(); err != nil {
		return m, false, err
	}
	ok = true
	for {
		name, more, err := a.member()
		if err != nil || !more {
			return m, ok && err == nil, err
		}
		var k jsontext.Kind
		switch string(name) {
		case "role":
			k, m.role, err = t.readSpan(a)
			ok = ok && (k == jsontext.KindString || k == jsontext.KindNull)
		case "content":
			_, m.content, err = t.readSpan(a)
		default:
			err = a.skip()
		}
		if err != nil {
			return m, false, err
		}
	}
}

// readConvPrefix reads a list of messages into t.messages, replacing what a
// repeated key gave. ok is false when the value is not a list of messages;
// null is an empty list.
func (t *rowText) readConvPrefix(a *answerReader) (ok bool, err error) {
	t.messages = t.messages[:0]
	switch a.dec.PeekKind() {
	case jsontext.KindBeginArray:
	case jsontext.KindNull:
		_, err := a.dec.ReadToken()
		return true, err
	default:
		return false, a.skip()
	}
	if err := a.enter(); err != nil {
		return false, err
	}
	ok = true
	for {
		more, err := a.next()
		if err != nil || !more {
			return ok, err
		}
		m, mok, err := t.readMessage(a)
		if err != nil {
			return false, err
		}
		ok = ok && mok
		t.messages = append(t.messages, m)
	}
}

// appendMessages appends t.messages to dst, their strings cut from text
// (the buffer made a string).
func (t *rowText) appendMessages(dst []Message, text string) []Message {
	for _, m := range t.messages {
		dst = append(dst, spanMessage(m, text))
	}
	return dst
}

func spanMessage(m messageSpans, text string) Message {
	return Message{Role: text[m.role.start:m.role.end], Content: text[m.content.start:m.content.end]}
}
