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
	maxIDLength     = 1 << 10    // bytes in one row id
	maxRowsInAnswer = 50_000_000 // ids (or annotations) read from one answer
	headKeep        = 4 << 10    // bytes of an answer's beginning kept for excerpts
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
	t.head = append(t.head, p[:min(n, max(headKeep-len(t.head), 0))]...)
	if err != nil && err != io.EOF && t.err == nil {
		t.err = err
	}
	return n, err
}

// answerReader reads a JSON answer as a stream.
type answerReader struct {
	tr     trackingReader
	dec    *jsontext.Decoder
	redact func(string) string
}

// decodeOptions tolerate what Python's json module can write: invalid UTF-8
// is read as U+FFFD, and repeated keys are allowed.
var decodeOptions = []jsontext.Options{jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true)}

func newAnswerReader(r io.Reader, redact func(string) string) *answerReader {
	a := &answerReader{tr: trackingReader{r: r}, redact: redact}
	a.dec = jsontext.NewDecoder(&a.tr, decodeOptions...)
	return a
}

// peek returns the kind of the next value, or the error that keeps it from
// being read.
func (a *answerReader) peek() (jsontext.Kind, error) {
	if k := a.dec.PeekKind(); k != jsontext.KindInvalid {
		return k, nil
	}
	_, err := a.dec.ReadToken()
	return jsontext.KindInvalid, err
}

// object reads an object, handing each member's name to fn, which reads
// the member's value. The name is valid until the next read.
func (a *answerReader) object(fn func(name []byte) error) error {
	_, err := a.dec.ReadToken() // '{'
	for err == nil && a.dec.PeekKind() == jsontext.KindString {
		var v jsontext.Value
		if v, err = a.dec.ReadValue(); err == nil {
			name := v[1 : len(v)-1]
			if bytes.IndexByte(v, '\\') >= 0 {
				name, _ = jsontext.AppendUnquote(nil, v) // checked by ReadValue
			}
			err = fn(name)
		}
	}
	if err == nil {
		_, err = a.dec.ReadToken() // '}', or the error PeekKind found
	}
	return err
}

// list reads a list, calling fn to read each element.
func (a *answerReader) list(fn func() error) error {
	_, err := a.dec.ReadToken() // '['
	for err == nil && a.dec.PeekKind() != jsontext.KindEndArray && a.dec.PeekKind() != jsontext.KindInvalid {
		err = fn()
	}
	if err == nil {
		_, err = a.dec.ReadToken() // ']', or the error PeekKind found
	}
	return err
}

// skip reads past the next value, in one pass where the decoder's SkipValue
// reads token by token.
func (a *answerReader) skip() error {
	_, err := a.dec.ReadValue()
	return err
}

// readText reads a value, appends its text (see appendText) to dst, and
// returns its kind.
func (a *answerReader) readText(dst []byte) (jsontext.Kind, []byte, error) {
	v, err := a.dec.ReadValue()
	if err != nil {
		return jsontext.KindInvalid, dst, err
	}
	return v.Kind(), appendText(dst, v), nil
}

// appendText appends the text of a valid JSON value to dst: a string's
// contents, a number as written, nothing for null, anything else as compact
// JSON.
func appendText(dst []byte, v jsontext.Value) []byte {
	switch v.Kind() {
	case jsontext.KindString:
		if s := v[1 : len(v)-1]; bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
			return append(dst, s...)
		}
		// The only error left is invalid UTF-8, which becomes U+FFFD.
		dst, _ = jsontext.AppendUnquote(dst, v)
	case jsontext.KindNumber:
		dst = append(dst, v...)
	case jsontext.KindNull:
	default:
		dst, _ = jsontext.AppendFormat(dst, v, append(decodeOptions, jsontext.PreserveRawStrings(true))...)
	}
	return dst
}

// rawText is the text of a valid JSON value (see appendText).
func rawText(raw []byte) string { return string(appendText(nil, raw)) }

// readDatasetID reads a dataset_id: null, or a usable id.
func (a *answerReader) readDatasetID() (string, error) {
	k, text, err := a.readText(nil)
	if err == nil && k != jsontext.KindNull && idProblem(k, text) != "" {
		err = a.unexpected("dataset_id is not a non-empty string or number of at most 1 KiB")
	}
	return string(text), err
}

// idProblem says what is wrong with an id read by readText (kind
// KindInvalid when there was none), phrased to follow "has ", or "".
func idProblem(kind jsontext.Kind, text []byte) string {
	switch {
	case kind == jsontext.KindInvalid:
		return `no "id"`
	case kind != jsontext.KindString && kind != jsontext.KindNumber:
		return "an id that is " + kindNames[kind] + ", not a string or a number"
	case len(text) == 0:
		return "an empty id"
	case len(text) > maxIDLength:
		return fmt.Sprintf("an id of %d bytes, more than the %d allowed", len(text), maxIDLength)
	}
	return ""
}

// kindNames name the kinds of JSON value for messages.
var kindNames = map[jsontext.Kind]string{
	'n': "null", 'f': "a boolean", 't': "a boolean", '"': "a string", '0': "a number", '{': "an object", '[': "a list",
}

// end checks that nothing follows the answer. A connection that fails after
// the answer is complete loses nothing, so its error does not count.
func (a *answerReader) end() error {
	if _, err := a.dec.ReadToken(); err != io.EOF && a.tr.err == nil {
		return a.unexpected("unexpected data after the end of the JSON answer")
	}
	return nil
}

// unexpected is an *UnexpectedResponseError at the current offset.
func (a *answerReader) unexpected(reason string) *UnexpectedResponseError {
	return &UnexpectedResponseError{
		Reason:  a.redact(reason),
		Offset:  a.dec.InputOffset(),
		Excerpt: excerpt(a.redact(string(a.tr.head)), maxExcerpt),
	}
}

var errEndedEarly = errors.New("the answer ended early")

// fail turns an error met while decoding into the answer's error: a problem
// found in it as it is, an answer that broke off (cut short, or the
// connection failed) as its cause after brokeOff, and anything else as an
// answer that is not valid JSON.
func (a *answerReader) fail(err error, brokeOff string) error {
	var ue *UnexpectedResponseError
	var syn *jsontext.SyntacticError
	switch {
	case errors.As(err, &ue):
		return err
	case a.tr.err != nil:
		return fmt.Errorf("%s: %w", brokeOff, unwrapURLError(a.tr.err))
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: %w", brokeOff, errEndedEarly)
	case !errors.As(err, &syn) || syn.Err == nil:
		return a.unexpected(err.Error())
	}
	ue = a.unexpected("the answer is not valid JSON: " + syn.Err.Error())
	ue.Offset = syn.ByteOffset
	return ue
}

// Message is one conversation turn as the API carries it.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type span struct{ start, end int } // a part of elementReader.buf

type messageSpans struct{ role, content span }

// elementReader reads the elements of an answer, an upload's rows or a
// lookup's annotations, one at a time, reusing its buffers. Keys are matched
// exactly and unknown ones skipped; of a repeated "id" the first counts, of
// another repeated key the last. All text goes into one buffer, so that an
// element's strings cost one allocation together.
type elementReader struct {
	buf              []byte
	idKind, dbIDKind jsontext.Kind  // KindInvalid when absent
	idText, dbIDText []byte         // apart from buf, which becomes the element's strings
	messages         []messageSpans // conv_prefix
	response         messageSpans   // a plain string is a content without a role
	context, created span
	groundTruth      int64

	hasConvPrefix, hasResponse, hasGroundTruth, hasContext bool
	wrong                                                  string // the first field of the wrong type, see check

	convPrefix []Message // the backing array of what content returns
	contextOut string    // what an AnswerRow's Context points to
}

// read reads the next element. It returns what is wrong with an element
// that is not an object, phrased to follow "row N " or "annotation N ".
func (r *elementReader) read(a *answerReader) (string, error) {
	if k := a.dec.PeekKind(); k != jsontext.KindBeginObject {
		return "is " + kindNames[k] + ", not an object", a.skip() // or the error PeekKind found
	}
	*r = elementReader{buf: r.buf[:0], messages: r.messages[:0], convPrefix: r.convPrefix, // KindInvalid is 0
		idText: r.idText[:0], dbIDText: r.dbIDText[:0]}
	return "", a.object(func(name []byte) (err error) {
		if string(name) == "id" && r.idKind == jsontext.KindInvalid {
			r.idKind, r.idText, err = a.readText(r.idText)
			return err
		}
		return r.field(a, string(name))
	})
}

// text reads a value's text into the buffer, as readText does, except that
// a string without escapes is taken as it is, invalid UTF-8 included: every
// use of an element's text encodes it again as JSON, which replaces invalid
// UTF-8 then, and checking each string here would cost the lookup of a large
// dataset a pass over all its text. Ids are read with readText.
func (r *elementReader) text(a *answerReader) (jsontext.Kind, span, error) {
	start := len(r.buf)
	v, err := a.dec.ReadValue()
	if err != nil {
		return jsontext.KindInvalid, span{start, start}, err
	}
	k := v.Kind()
	if k == jsontext.KindString && bytes.IndexByte(v, '\\') < 0 {
		r.buf = append(r.buf, v[1:len(v)-1]...)
	} else {
		r.buf = appendText(r.buf, v)
	}
	return k, span{start, len(r.buf)}, nil
}

// field reads the value of the member key.
func (r *elementReader) field(a *answerReader, key string) error {
	var k jsontext.Kind
	var s span
	var ok bool
	var err error
	switch key {
	case "db_id":
		r.dbIDKind, r.dbIDText, err = a.readText(r.dbIDText)
	case "conv_prefix":
		r.hasConvPrefix = a.dec.PeekKind() != jsontext.KindNull
		ok, err = r.readConvPrefix(a)
		r.check(ok, "a conv_prefix that is not a list of {role, content} messages")
	case "response":
		if a.dec.PeekKind() == jsontext.KindBeginObject {
			r.response, ok, err = r.readMessage(a)
		} else {
			k, r.response.content, err = r.text(a)
			r.response.role, ok = span{}, k == jsontext.KindString || k == jsontext.KindNull
		}
		r.hasResponse = k != jsontext.KindNull
		r.check(ok, "a response that is not a string or a {role, content} message")
	case "ground_truth":
		k, s, err = r.text(a)
		r.groundTruth, ok = parseInteger(r.buf[s.start:s.end])
		r.buf = r.buf[:s.start]
		r.hasGroundTruth = ok && k != jsontext.KindNull
		r.check(k == jsontext.KindNull || ok && (k == jsontext.KindNumber || k == jsontext.KindString), "a ground_truth that is not an integer")
	case "context":
		k, r.context, err = r.text(a)
		r.hasContext = k == jsontext.KindString
		r.check(r.hasContext || k == jsontext.KindNull, "a context that is not a string")
	case "created_at":
		if k, s, err = r.text(a); k == jsontext.KindString {
			r.created = s
		}
	default:
		return a.skip()
	}
	return err
}

// check notes wrong ("a <field> that is not <what it should be>") as the
// element's first field of the wrong type, unless ok.
func (r *elementReader) check(ok bool, wrong string) {
	if !ok && r.wrong == "" {
		r.wrong = wrong
	}
}

// readMessage reads a {role, content} message: ok is false when the value
// is not an object or its role is not a string. A missing or null role or
// content is empty; a content that is not a string (a list of parts) is kept
// as compact JSON.
func (r *elementReader) readMessage(a *answerReader) (m messageSpans, ok bool, err error) {
	if a.dec.PeekKind() != jsontext.KindBeginObject {
		return m, false, a.skip()
	}
	ok = true
	err = a.object(func(name []byte) (err error) {
		var k jsontext.Kind
		switch string(name) {
		case "role":
			k, m.role, err = r.text(a)
			ok = ok && (k == jsontext.KindString || k == jsontext.KindNull)
		case "content":
			_, m.content, err = r.text(a)
		default:
			err = a.skip()
		}
		return err
	})
	return m, ok, err
}

// readConvPrefix reads a list of messages, replacing what a repeated key
// gave. ok is false when the value is not a list of messages; null is an
// empty list.
func (r *elementReader) readConvPrefix(a *answerReader) (ok bool, err error) {
	r.messages = r.messages[:0]
	if k := a.dec.PeekKind(); k != jsontext.KindBeginArray {
		return k == jsontext.KindNull, a.skip()
	}
	ok = true
	err = a.list(func() error {
		m, mok, err := r.readMessage(a)
		ok = ok && mok
		r.messages = append(r.messages, m)
		return err
	})
	return ok, err
}

// rowID returns the element's id, or what is wrong with it.
func (r *elementReader) rowID() (string, string) {
	if problem := idProblem(r.idKind, r.idText); problem != "" {
		return "", "has " + problem
	}
	return string(r.idText), ""
}

// content returns the conv_prefix read, and one string of all the element's
// text that the spans cut.
func (r *elementReader) content() (convPrefix []Message, text string) {
	text = string(r.buf)
	r.convPrefix = r.convPrefix[:0]
	for _, m := range r.messages {
		r.convPrefix = append(r.convPrefix, message(text, m))
	}
	return r.convPrefix, text
}

func message(text string, m messageSpans) Message {
	return Message{Role: text[m.role.start:m.role.end], Content: text[m.content.start:m.content.end]}
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
