package dataset

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// lexer reads JSON from a stream through one fixed buffer, so a file of any
// size is read in constant memory, and counts lines as it goes. It knows
// JSON's syntax but not the dataset schema; the row parser drives it.
type lexer struct {
	r    io.Reader
	buf  []byte
	pos  int // next unread byte
	end  int // end of the bytes read into buf
	line int // 1-based line of buf[pos]
	eof  bool
	err  error // the read error that ended the input, other than io.EOF

	// jsonl makes a line break end the current row: whitespace skipping
	// stops at it instead of passing over it.
	jsonl bool

	// fault is the first text since the parser last looked that a string
	// held and the scan refuses.
	fault textFault
	// split is set when a line ended inside a value: in JSONL, a row
	// written across several lines.
	split bool

	// number holds the text of a number skipValue reads, reused.
	number []byte
}

const (
	lexBufSize = 64 << 10
	// maxDepth bounds the nesting of values the lexer skips, so a
	// pathological file cannot exhaust the stack.
	maxDepth = 512
)

func newLexer(r io.Reader, jsonl bool) *lexer {
	return &lexer{r: r, buf: make([]byte, lexBufSize), line: 1, jsonl: jsonl}
}

// textFault is text the scan refuses although JSON's grammar allows it:
// bytes that are not UTF-8 (which a JSON decoder reads as U+FFFD, changing
// the text), or an escaped UTF-16 surrogate without its other half (which
// stands for no character). The lexer notes the first; the parser reports it
// against the field it was reading.
type textFault struct {
	kind faultKind
	line int
	// sample is, for bytes that are not UTF-8, the raw bytes of the string
	// from the first bad one (up to maxFaultSample); for a surrogate, its
	// escape, e.g. \ud83d.
	sample []byte
}

type faultKind uint8

const (
	faultNone faultKind = iota
	faultUTF8
	faultSurrogate
)

const maxFaultSample = 48

// noteBadUTF8 notes the byte at the current position, which does not start
// a UTF-8 sequence.
func (lx *lexer) noteBadUTF8() {
	if lx.fault.kind != faultNone {
		return
	}
	lx.ensure(maxFaultSample)
	b := lx.buf[lx.pos:min(lx.end, lx.pos+maxFaultSample)]
	for i, c := range b {
		if c == '"' || c == '\\' || c < 0x20 { // the end of the string or an escape
			b = b[:i]
			break
		}
	}
	lx.fault = textFault{kind: faultUTF8, line: lx.line, sample: bytes.Clone(b)}
}

// noteSurrogate notes the escape of a surrogate without its pair.
func (lx *lexer) noteSurrogate(r rune) {
	if lx.fault.kind == faultNone {
		lx.fault = textFault{kind: faultSurrogate, line: lx.line, sample: fmt.Appendf(nil, `\u%04x`, r)}
	}
}

// syntaxError is malformed JSON at a line.
type syntaxError struct {
	line int
	msg  string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

func (lx *lexer) errorf(format string, args ...any) error {
	return &syntaxError{line: lx.line, msg: fmt.Sprintf(format, args...)}
}

// fill reads more input, keeping the unread bytes. It reports whether any
// byte is available.
func (lx *lexer) fill() bool {
	if lx.pos > 0 {
		lx.end = copy(lx.buf, lx.buf[lx.pos:lx.end])
		lx.pos = 0
	}
	if lx.eof {
		return lx.end > 0
	}
	for range 100 {
		n, err := lx.r.Read(lx.buf[lx.end:])
		lx.end += n
		if err != nil {
			lx.eof = true
			if err != io.EOF {
				lx.err = err
			}
			return lx.end > 0
		}
		if n > 0 {
			return true
		}
	}
	lx.eof, lx.err = true, io.ErrNoProgress
	return lx.end > 0
}

// ensure tries to have n unread bytes in the buffer and reports whether it has.
func (lx *lexer) ensure(n int) bool {
	for lx.end-lx.pos < n {
		if lx.eof {
			return false
		}
		lx.fill()
	}
	return true
}

// skipBOM passes over a UTF-8 byte order mark at the start of the input, as
// editors on Windows write one. It reports a UTF-16 one, which we cannot read.
func (lx *lexer) skipBOM() error {
	lx.ensure(3)
	b := lx.buf[lx.pos:lx.end]
	switch {
	case bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")):
		lx.pos += 3
	case bytes.HasPrefix(b, []byte("\xFF\xFE")), bytes.HasPrefix(b, []byte("\xFE\xFF")):
		return lx.errorf("the file is encoded in UTF-16; save it as UTF-8")
	}
	return nil
}

// skipSpace passes over white space and returns the next byte without
// consuming it; ok is false at the end of the input. In JSONL mode it stops
// at a line break and returns it.
func (lx *lexer) skipSpace() (c byte, ok bool) {
	for {
		for lx.pos < lx.end {
			c = lx.buf[lx.pos]
			switch c {
			case ' ', '\t', '\r':
				lx.pos++
			case '\n':
				if lx.jsonl {
					return c, true
				}
				lx.pos++
				lx.line++
			default:
				return c, true
			}
		}
		if !lx.fill() {
			return 0, false
		}
	}
}

// skipLine consumes the rest of the current line, its line break included.
func (lx *lexer) skipLine() {
	for {
		if i := bytes.IndexByte(lx.buf[lx.pos:lx.end], '\n'); i >= 0 {
			lx.pos += i + 1
			lx.line++
			return
		}
		lx.pos = lx.end
		if !lx.fill() {
			return
		}
	}
}

// unexpected describes the byte c, found where something else was expected.
func (lx *lexer) unexpected(c byte, ok bool, expected string) error {
	switch {
	case !ok:
		return lx.errorf("the JSON ends where %s was expected", expected)
	case c == '\n' && lx.jsonl:
		lx.split = true
		return lx.errorf("the line ends where %s was expected: in JSON Lines each row must be one complete JSON object on a single line", expected)
	case c >= 0x20 && c < 0x7F:
		return lx.errorf("found %q where %s was expected", c, expected)
	default:
		return lx.errorf("found the byte 0x%02X where %s was expected", c, expected)
	}
}

// expect consumes the byte want, after white space.
func (lx *lexer) expect(want byte, expected string) error {
	c, ok := lx.skipSpace()
	if !ok || c != want {
		return lx.unexpected(c, ok, expected)
	}
	lx.pos++
	return nil
}

// stringBytes marks the bytes that can be copied as they are from a JSON
// string literal: printable ASCII other than the quote and the backslash.
var stringBytes = plainJSON

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plainWord reports whether the 8 bytes of w (little-endian) all are plain
// string bytes: none is a control character, a quote, a backslash or
// non-ASCII. (The classic "has a zero byte" bit trick, applied to w and to w
// XOR the quote and the backslash.)
func plainWord(w uint64) bool {
	control := (w - 0x20*ones) &^ w
	quote := ((w ^ '"'*ones) - ones) &^ (w ^ '"'*ones)
	backslash := ((w ^ '\\'*ones) - ones) &^ (w ^ '\\'*ones)
	return (w|control|quote|backslash)&highs == 0
}

// readString consumes the string literal at the current position (its quote
// not yet consumed) and, when keep is true, appends its decoded value to dst.
// Bytes that are not UTF-8 are kept as they are, a surrogate without its pair
// becomes U+FFFD, and either is noted in lx.fault for the parser to report.
// verbatim reports whether the decoded value is its own canonical encoding
// (see appendJSONString): it holds no character that the canonical form
// escapes.
func (lx *lexer) readString(dst []byte, keep bool) (_ []byte, verbatim bool, err error) {
	lx.pos++ // the opening quote
	verbatim = true
	for {
		buf := lx.buf[:lx.end]
		i := lx.pos
		for i+8 <= len(buf) && plainWord(binary.LittleEndian.Uint64(buf[i:])) {
			i += 8
		}
		for i < len(buf) && stringBytes[buf[i]] {
			i++
		}
		if keep {
			dst = append(dst, buf[lx.pos:i]...)
		}
		lx.pos = i
		if i == len(buf) {
			if !lx.fill() {
				return dst, false, lx.errorf("the file ends inside a string: a closing quote is missing")
			}
			continue
		}
		switch c := buf[i]; {
		case c == '"':
			lx.pos++
			return dst, verbatim, nil
		case c == '\\':
			var r rune
			if dst, r, err = lx.readEscape(dst, keep); err != nil {
				return dst, false, err
			}
			if r < 0x20 || r == '"' || r == '\\' || r == '\u2028' || r == '\u2029' {
				verbatim = false
			}
		case c < 0x20:
			if c == '\n' {
				lx.split = true
				return dst, false, lx.errorf("a line break inside a string: the closing quote is missing, or the line break should be written as \\n")
			}
			return dst, false, lx.errorf("the control character 0x%02X inside a string must be escaped, e.g. as \\u%04x", c, c)
		default:
			lx.ensure(utf8.UTFMax)
			r, size := utf8.DecodeRune(lx.buf[lx.pos:lx.end])
			if r == utf8.RuneError && size == 1 {
				lx.noteBadUTF8()
				verbatim = false
				if keep {
					dst = append(dst, lx.buf[lx.pos])
				}
			} else if keep {
				dst = append(dst, lx.buf[lx.pos:lx.pos+size]...)
			}
			if r == '\u2028' || r == '\u2029' {
				verbatim = false
			}
			lx.pos += size
		}
	}
}

// readEscape decodes the escape sequence at the current position.
func (lx *lexer) readEscape(dst []byte, keep bool) ([]byte, rune, error) {
	if !lx.ensure(2) {
		return dst, 0, lx.errorf("the file ends inside a string: a closing quote is missing")
	}
	var c byte
	switch e := lx.buf[lx.pos+1]; e {
	case '"', '\\', '/':
		c = e
	case 'b':
		c = '\b'
	case 'f':
		c = '\f'
	case 'n':
		c = '\n'
	case 'r':
		c = '\r'
	case 't':
		c = '\t'
	case 'u':
		r, ok := lx.hex4()
		if !ok {
			return dst, 0, lx.errorf(`invalid \u escape in a string: it needs four hexadecimal digits`)
		}
		lx.pos += 6
		if utf16.IsSurrogate(r) {
			// A high surrogate pairs with a following \u low surrogate;
			// anything else is a lone surrogate.
			r2 := rune(-1)
			if lx.ensure(6) && lx.buf[lx.pos] == '\\' && lx.buf[lx.pos+1] == 'u' {
				r2, _ = lx.hex4()
			}
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				lx.pos += 6
				r = dec
			} else {
				lx.noteSurrogate(r)
				r = utf8.RuneError
			}
		}
		if keep {
			dst = utf8.AppendRune(dst, r)
		}
		return dst, r, nil
	default:
		if e >= 0x20 && e < 0x7F {
			return dst, 0, lx.errorf(`invalid escape \%c in a string: a backslash must be written as \\`, e)
		}
		return dst, 0, lx.errorf(`invalid escape in a string: a backslash must be written as \\`)
	}
	lx.pos += 2
	if keep {
		dst = append(dst, c)
	}
	return dst, rune(c), nil
}

// hex4 decodes the four hexadecimal digits of the \u escape at the current
// position. It takes no offset: ensure may move the unread bytes to the start
// of the buffer, and an offset computed before it would point elsewhere.
func (lx *lexer) hex4() (rune, bool) {
	if !lx.ensure(6) {
		return 0, false
	}
	i := lx.pos
	var r rune
	for _, c := range lx.buf[i+2 : i+6] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// maxNumberText is how much of a number literal is kept; longer numbers are
// out of any range we accept anyway.
const maxNumberText = 40

// readNumber consumes the number literal at the current position. It appends
// up to maxNumberText bytes of its text to dst and reports whether it is an
// integer (no fraction, no exponent) and whether it was longer than kept.
func (lx *lexer) readNumber(dst []byte) (text []byte, integer, long bool, err error) {
	integer = true
	n := 0
	// next returns the next byte of the literal without consuming it.
	next := func() (byte, bool) {
		if lx.pos >= lx.end && !lx.fill() {
			return 0, false
		}
		return lx.buf[lx.pos], true
	}
	take := func(c byte) {
		if n < maxNumberText {
			dst = append(dst, c)
		} else {
			long = true
		}
		n++
		lx.pos++
	}
	digits := func() bool {
		c, ok := next()
		if !ok || c < '0' || c > '9' {
			return false
		}
		for ok && c >= '0' && c <= '9' {
			take(c)
			c, ok = next()
		}
		return true
	}
	c, ok := next()
	if ok && c == '-' {
		take(c)
		c, ok = next()
	}
	switch {
	case ok && c == '0':
		take(c)
	case ok && c >= '1' && c <= '9':
		digits()
	default:
		return dst, false, long, lx.errorf("invalid number %q: a digit must follow the minus sign", dst)
	}
	if c, ok = next(); ok && c == '.' {
		integer = false
		take(c)
		if !digits() {
			return dst, false, long, lx.errorf("invalid number %q: digits must follow the decimal point", dst)
		}
	}
	if c, ok = next(); ok && (c == 'e' || c == 'E') {
		integer = false
		take(c)
		if c, ok = next(); ok && (c == '+' || c == '-') {
			take(c)
		}
		if !digits() {
			return dst, false, long, lx.errorf("invalid number %q: digits must follow the exponent", dst)
		}
	}
	return dst, integer, long, nil
}

// readLiteral consumes true, false or null, whose first byte is c.
func (lx *lexer) readLiteral(c byte) error {
	var word string
	switch c {
	case 't':
		word = "true"
	case 'f':
		word = "false"
	default:
		word = "null"
	}
	lx.ensure(len(word))
	if lx.end-lx.pos < len(word) || string(lx.buf[lx.pos:lx.pos+len(word)]) != word {
		return lx.errorf("invalid literal: expected %s", word)
	}
	lx.pos += len(word)
	return nil
}

// skipValue consumes the value that starts with c (already peeked) and checks
// its syntax.
func (lx *lexer) skipValue(c byte, depth int) error {
	if depth > maxDepth {
		return lx.errorf("values are nested more than %d levels deep", maxDepth)
	}
	switch {
	case c == '"':
		_, _, err := lx.readString(nil, false)
		return err
	case c == 't' || c == 'f' || c == 'n':
		return lx.readLiteral(c)
	case c == '-' || (c >= '0' && c <= '9'):
		var err error
		lx.number, _, _, err = lx.readNumber(lx.number[:0])
		return err
	case c == '[':
		lx.pos++
		c, ok := lx.skipSpace()
		if ok && c == ']' {
			lx.pos++
			return nil
		}
		for {
			if !ok {
				return lx.unexpected(c, ok, "a value")
			}
			if err := lx.skipValue(c, depth+1); err != nil {
				return err
			}
			c, ok = lx.skipSpace()
			if !ok || (c != ',' && c != ']') {
				return lx.unexpected(c, ok, "',' or ']' in a list")
			}
			lx.pos++
			if c == ']' {
				return nil
			}
			c, ok = lx.skipSpace()
		}
	case c == '{':
		lx.pos++
		c, ok := lx.skipSpace()
		if ok && c == '}' {
			lx.pos++
			return nil
		}
		for {
			if !ok || c != '"' {
				return lx.unexpected(c, ok, "a key in double quotes")
			}
			if _, _, err := lx.readString(nil, false); err != nil {
				return err
			}
			if err := lx.expect(':', "':' after a key"); err != nil {
				return err
			}
			c, ok = lx.skipSpace()
			if !ok {
				return lx.unexpected(c, ok, "a value")
			}
			if err := lx.skipValue(c, depth+1); err != nil {
				return err
			}
			c, ok = lx.skipSpace()
			if !ok || (c != ',' && c != '}') {
				return lx.unexpected(c, ok, "',' or '}' in an object")
			}
			lx.pos++
			if c == '}' {
				return nil
			}
			c, ok = lx.skipSpace()
		}
	}
	return lx.unexpected(c, true, "a value")
}

// kindOf names the kind of JSON value that starts with c, for messages such
// as "got a list".
func kindOf(c byte) string {
	switch {
	case c == '"':
		return "a string"
	case c == '{':
		return "an object"
	case c == '[':
		return "a list"
	case c == 't':
		return "true"
	case c == 'f':
		return "false"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "a number"
	}
	return "an invalid value"
}
