package emulator

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
	"unsafe"
)

// rowScanner reads an upload's JSON array in one pass: it validates the JSON,
// slices each row out of the file without copying, and decodes only what the
// platform checks and the lookup returns. encoding/json needs four passes and
// an allocation per value for the same work, which made a 100,000-row upload
// take seconds.
//
// Keys match exactly (as in Python, unlike encoding/json) and a repeated key's
// last value wins.
type rowScanner struct {
	data  []byte
	pos   int
	depth int

	syntax   error      // the first JSON syntax error: it wins over shape errors
	shapeErr *fileError // the first row that is valid JSON but not a valid row
}

// maxDepth bounds nesting, as encoding/json does, so a hostile file cannot
// exhaust the stack.
const maxDepth = 10000

type syntaxError struct {
	msg    string
	offset int
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%s at offset %d", e.msg, e.offset) }

// scanRows parses data (already known to start with '[' after white space)
// into raw rows and parsed rows. On a shape error the raw rows are still
// returned, for the request log.
func scanRows(data []byte) ([]json.RawMessage, []parsedRow, *fileError) {
	sc := &rowScanner{data: data}
	raws, rows := sc.array()
	if sc.syntax == nil {
		sc.ws()
		if sc.pos < len(sc.data) {
			sc.fail("invalid character %s after top-level value", quoteChar(sc.data[sc.pos]))
		}
	}
	if sc.syntax != nil {
		return nil, nil, rejectf("Invalid JSON file: %v", sc.syntax)
	}
	if sc.shapeErr != nil {
		return raws, nil, sc.shapeErr
	}
	return raws, rows, nil
}

func (sc *rowScanner) fail(format string, args ...any) {
	if sc.syntax == nil {
		sc.syntax = &syntaxError{msg: fmt.Sprintf(format, args...), offset: sc.pos}
	}
	sc.pos = len(sc.data) // stop every loop
}

func (sc *rowScanner) shape(format string, args ...any) {
	if sc.shapeErr == nil {
		sc.shapeErr = rejectf(format, args...)
	}
}

func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("'\\x%02x'", c)
	}
	return "'" + string(c) + "'"
}

func (sc *rowScanner) ws() {
	for sc.pos < len(sc.data) {
		switch sc.data[sc.pos] {
		case ' ', '\t', '\r', '\n':
			sc.pos++
		default:
			return
		}
	}
}

func (sc *rowScanner) peek() byte {
	sc.ws()
	if sc.pos >= len(sc.data) {
		sc.fail("unexpected end of JSON input")
		return 0
	}
	return sc.data[sc.pos]
}

// expect consumes c or fails.
func (sc *rowScanner) expect(c byte, context string) bool {
	if got := sc.peek(); got != c {
		if sc.syntax == nil {
			sc.fail("invalid character %s %s", quoteChar(got), context)
		}
		return false
	}
	sc.pos++
	return true
}

// array reads the top-level array of rows.
func (sc *rowScanner) array() ([]json.RawMessage, []parsedRow) {
	if !sc.expect('[', "looking for beginning of value") {
		return nil, nil
	}
	var raws []json.RawMessage
	var rows []parsedRow
	if sc.peek() == ']' {
		sc.pos++
		return []json.RawMessage{}, []parsedRow{}
	}
	for sc.syntax == nil {
		sc.ws()
		start := sc.pos
		var p parsedRow
		sc.row(len(rows), &p)
		p.raw = sc.data[start:sc.pos]
		raws = append(raws, p.raw)
		rows = append(rows, p)
		switch sc.peek() {
		case ',':
			sc.pos++
		case ']':
			sc.pos++
			return raws, rows
		default:
			if sc.syntax == nil {
				sc.fail("invalid character %s after array element", quoteChar(sc.data[sc.pos]))
			}
		}
	}
	return raws, rows
}

// row reads one row, checking its shape (not ground_truth's type, which the
// database checks later).
func (sc *rowScanner) row(i int, p *parsedRow) {
	if c := sc.peek(); c != '{' {
		kind := jsonKindOf(c)
		sc.skipValue()
		sc.shape("Invalid row at index %d: a row must be a JSON object, got %s", i, kind)
		return
	}
	var haveConv, haveResp bool
	sc.object(func(key string) {
		switch key {
		case "conv_prefix":
			haveConv = sc.convPrefix(i, p)
		case "response":
			if sc.peek() == 'n' {
				sc.skipValue()
				haveResp = false
				return
			}
			var m message
			if sc.message(&m) {
				p.response = m.Content
				haveResp = true
			} else {
				sc.shape("Invalid row at index %d: field \"response\" must be an object with string \"role\" and \"content\"", i)
			}
		case "ground_truth":
			gt := sc.skipValue()
			p.groundTruth, p.badGroundTruth = nil, nil
			if !isNull(gt) {
				if n, ok := jsonInteger(gt); ok {
					p.groundTruth = &n
				} else {
					p.badGroundTruth = gt
				}
			}
		case "context":
			c := sc.peek()
			v := sc.skipValue()
			if c != '"' && c != 'n' {
				sc.shape("Invalid row at index %d: field \"context\" must be a string, got %s", i, jsonKind(v))
			}
		case "id":
			p.hasID = true
			sc.skipValue()
		default:
			sc.skipValue()
		}
	})
	if sc.syntax != nil {
		return
	}
	if !haveConv {
		sc.shape("Invalid row at index %d: field \"conv_prefix\" is required (a list of {role, content} messages)", i)
	}
	if !haveResp {
		sc.shape("Invalid row at index %d: field \"response\" is required (an object {role, content})", i)
	}
}

// convPrefix reads the list of messages; false when absent (null) or bad.
func (sc *rowScanner) convPrefix(i int, p *parsedRow) bool {
	switch c := sc.peek(); c {
	case 'n':
		sc.skipValue()
		return false
	case '[':
	default:
		v := sc.skipValue()
		sc.shape("Invalid row at index %d: field \"conv_prefix\" must be a list of {role, content} messages, got %s", i, jsonKind(v))
		return true
	}
	sc.pos++
	p.convPrefix = p.convPrefix[:0]
	if sc.peek() == ']' {
		sc.pos++
		p.convPrefix = []message{}
		return true
	}
	for j := 0; sc.syntax == nil; j++ {
		var m message
		if !sc.message(&m) {
			sc.shape("Invalid row at index %d: field \"conv_prefix[%d]\" must be an object with string \"role\" and \"content\"", i, j)
		}
		p.convPrefix = append(p.convPrefix, m)
		switch sc.peek() {
		case ',':
			sc.pos++
		case ']':
			sc.pos++
			return true
		default:
			if sc.syntax == nil {
				sc.fail("invalid character %s after array element", quoteChar(sc.data[sc.pos]))
			}
		}
	}
	return true
}

// message reads {role, content}; false (with the value skipped) when it is
// not an object with both as strings.
func (sc *rowScanner) message(m *message) bool {
	if sc.peek() != '{' {
		sc.skipValue()
		return false
	}
	var haveRole, haveContent, bad bool
	sc.object(func(key string) {
		switch key {
		case "role", "content":
			if sc.peek() != '"' {
				sc.skipValue()
				bad = true
				return
			}
			s := sc.stringValue()
			if key == "role" {
				m.Role, haveRole = s, true
			} else {
				m.Content, haveContent = s, true
			}
		default:
			sc.skipValue()
		}
	})
	return haveRole && haveContent && !bad
}

// object reads an object, calling field with the scanner on each value.
func (sc *rowScanner) object(field func(key string)) {
	if !sc.expect('{', "looking for beginning of object") {
		return
	}
	if sc.depth++; sc.depth > maxDepth {
		sc.fail("exceeded max depth")
		return
	}
	defer func() { sc.depth-- }()
	if sc.peek() == '}' {
		sc.pos++
		return
	}
	for sc.syntax == nil {
		if c := sc.peek(); c != '"' {
			if sc.syntax == nil {
				sc.fail("invalid character %s looking for beginning of object key string", quoteChar(c))
			}
			return
		}
		key := sc.stringValue()
		if !sc.expect(':', "after object key") {
			return
		}
		field(key)
		switch sc.peek() {
		case ',':
			sc.pos++
		case '}':
			sc.pos++
			return
		default:
			if sc.syntax == nil {
				sc.fail("invalid character %s after object key:value pair", quoteChar(sc.data[sc.pos]))
			}
		}
	}
}

// skipValue validates and skips any value, returning its bytes.
func (sc *rowScanner) skipValue() []byte {
	c := sc.peek()
	start := sc.pos
	switch {
	case c == '{':
		sc.object(func(string) { sc.skipValue() })
	case c == '[':
		sc.pos++
		if sc.depth++; sc.depth > maxDepth {
			sc.fail("exceeded max depth")
			return nil
		}
		if sc.peek() == ']' {
			sc.pos++
		} else {
			for sc.syntax == nil {
				sc.skipValue()
				if d := sc.peek(); d == ',' {
					sc.pos++
				} else if d == ']' {
					sc.pos++
					break
				} else if sc.syntax == nil {
					sc.fail("invalid character %s after array element", quoteChar(d))
				}
			}
		}
		sc.depth--
	case c == '"':
		sc.stringEnd()
	case c == '-' || '0' <= c && c <= '9':
		sc.number()
	case c == 't':
		sc.literal("true")
	case c == 'f':
		sc.literal("false")
	case c == 'n':
		sc.literal("null")
	default:
		if sc.syntax == nil {
			sc.fail("invalid character %s looking for beginning of value", quoteChar(c))
		}
	}
	if sc.syntax != nil {
		return nil
	}
	return sc.data[start:sc.pos]
}

func (sc *rowScanner) literal(word string) {
	if len(sc.data)-sc.pos < len(word) || string(sc.data[sc.pos:sc.pos+len(word)]) != word {
		sc.fail("invalid literal (expecting %q)", word)
		return
	}
	sc.pos += len(word)
}

// number checks the JSON number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (sc *rowScanner) number() {
	d := sc.data
	i := sc.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case digits() == 0:
		sc.pos = i
		sc.fail("invalid number")
		return
	}
	if i < len(d) && d[i] == '.' {
		i++
		if digits() == 0 {
			sc.pos = i
			sc.fail("invalid number: no digits after decimal point")
			return
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			sc.pos = i
			sc.fail("invalid number: no digits in exponent")
			return
		}
	}
	sc.pos = i
}

// stringEnd skips a string literal and reports whether it needs decoding
// (escapes or non-ASCII bytes).
func (sc *rowScanner) stringEnd() (needsDecoding bool) {
	d := sc.data
	i := sc.pos + 1 // after the opening quote
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			sc.pos = i + 1
			return needsDecoding
		case c == '\\':
			needsDecoding = true
			if i+1 >= len(d) {
				i = len(d) // unterminated: reported below
				continue
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) || !isHex(d[i+5]) {
					sc.pos = i
					sc.fail("invalid character in \\u escape")
					return
				}
				i += 6
			default:
				sc.pos = i + 1
				sc.fail("invalid character %s in string escape code", quoteChar(d[i+1]))
				return
			}
		case c < 0x20:
			sc.pos = i
			sc.fail("invalid character %s in string literal", quoteChar(c))
			return
		case c >= utf8.RuneSelf:
			needsDecoding = true
			i++
		default:
			i++
		}
	}
	sc.pos = len(d)
	sc.fail("unexpected end of JSON input")
	return
}

// stringValue reads a string literal and returns its decoded value.
func (sc *rowScanner) stringValue() string {
	start := sc.pos
	needsDecoding := sc.stringEnd()
	if sc.syntax != nil {
		return ""
	}
	lit := sc.data[start:sc.pos]
	body := lit[1 : len(lit)-1]
	if !needsDecoding || (utf8.Valid(body) && !containsByte(body, '\\')) {
		// The string shares the file's memory instead of copying it: the
		// file buffer is never written after it is read, and stored rows
		// keep it alive anyway through their raw bytes.
		return unsafe.String(unsafe.SliceData(body), len(body))
	}
	// Escapes or invalid UTF-8: let encoding/json decode it (invalid bytes
	// become U+FFFD, as Python's decoder would refuse or replace them).
	var s string
	if err := json.Unmarshal(lit, &s); err != nil {
		sc.pos = start
		sc.fail("invalid string literal")
	}
	return s
}

func containsByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

func jsonKindOf(c byte) string { return jsonKind([]byte{c}) }
