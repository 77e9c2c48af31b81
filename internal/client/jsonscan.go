package client

import (
	"io"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The API's answers can be tens of megabytes, of which the decoders keep a
// few fields. encoding/json's Decoder looks at every byte about three times
// (to find the end of a value, to validate it, to decode it) and allocates
// for every value it decodes. jsonScanner reads the stream once, in a
// refillable buffer, validates it exactly as strictly as encoding/json does,
// decodes only what the caller asks for and skips the rest without
// allocating.

const (
	// scanBufferSize is how much of the answer is held at a time.
	scanBufferSize = 64 << 10
	// maxNestingDepth is encoding/json's limit on nested arrays and objects
	// within one decoded value.
	maxNestingDepth = 10000
	// maxEmptyReads bounds reads that return nothing and no error.
	maxEmptyReads = 100
)

// jsonKind is the type of a JSON value, told by its first byte.
type jsonKind byte

const (
	kindNone jsonKind = iota // not the start of a value
	kindString
	kindNumber
	kindBool
	kindNull
	kindObject
	kindArray
)

func kindOf(c byte) jsonKind {
	switch {
	case c == '"':
		return kindString
	case c == '-' || '0' <= c && c <= '9':
		return kindNumber
	case c == 't' || c == 'f':
		return kindBool
	case c == 'n':
		return kindNull
	case c == '{':
		return kindObject
	case c == '[':
		return kindArray
	}
	return kindNone
}

// String is the type's name as encoding/json's UnmarshalTypeError gives it.
func (k jsonKind) String() string {
	switch k {
	case kindString:
		return "string"
	case kindNumber:
		return "number"
	case kindBool:
		return "bool"
	case kindNull:
		return "null"
	case kindObject:
		return "object"
	case kindArray:
		return "array"
	}
	return "nothing"
}

// jsonSyntaxError is malformed JSON, described in encoding/json's words.
type jsonSyntaxError struct {
	msg    string
	offset int64 // bytes read when the error was found, the bad byte included
}

func (e *jsonSyntaxError) Error() string { return e.msg }

// jsonScanner reads JSON values from a stream. Its methods that read a value
// expect the scanner at the value's first byte (see nonSpace) and stop right
// after its last one. They return io.ErrUnexpectedEOF when the input ends
// (or fails) before the value is complete, and a *jsonSyntaxError when it is
// not valid JSON.
type jsonScanner struct {
	r    io.Reader
	buf  []byte // the data read, in a buffer of capacity scanBufferSize
	pos  int    // next byte to read
	base int64  // stream offset of buf[0]
	rerr error  // what ended reading: io.EOF or a read error

	key   []byte // the object key read last (objectKey)
	stack []byte // skipValue's closing bytes, kept for reuse
	num   []byte // numbers being skipped

	// A recording keeps a copy of the bytes consumed, for the few values
	// that are needed as written. recDepth counts nested recordings; the
	// bytes before recFrom in buf are already in rec.
	recDepth int
	recFrom  int
	rec      []byte
}

func newJSONScanner(r io.Reader) *jsonScanner {
	return &jsonScanner{r: r, buf: make([]byte, 0, scanBufferSize)}
}

// offset is the stream offset of the next byte.
func (s *jsonScanner) offset() int64 { return s.base + int64(s.pos) }

// fill reads more input behind the unread bytes. It reports false once
// nothing more can be read.
func (s *jsonScanner) fill() bool {
	if s.rerr != nil {
		return false
	}
	if s.pos > 0 {
		if s.recDepth > 0 {
			s.rec = append(s.rec, s.buf[s.recFrom:s.pos]...)
			s.recFrom = 0
		}
		s.buf = s.buf[:copy(s.buf[:cap(s.buf)], s.buf[s.pos:])]
		s.base += int64(s.pos)
		s.pos = 0
	}
	for range maxEmptyReads {
		n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
		s.buf = s.buf[:len(s.buf)+n]
		if err != nil {
			s.rerr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	s.rerr = io.ErrNoProgress
	return false
}

// ensure tries to have n unread bytes in buf (n is small) and reports
// whether it has.
func (s *jsonScanner) ensure(n int) bool {
	for len(s.buf)-s.pos < n {
		if !s.fill() {
			return false
		}
	}
	return true
}

// consume steps over the byte that peek or nonSpace returned.
func (s *jsonScanner) consume() { s.pos++ }

// peek returns the next byte without consuming it; ok is false at the end
// of the input.
func (s *jsonScanner) peek() (c byte, ok bool) {
	if s.pos == len(s.buf) && !s.fill() {
		return 0, false
	}
	return s.buf[s.pos], true
}

// peekNonSpace skips whitespace and returns the next byte without consuming
// it; ok is false at the end of the input.
func (s *jsonScanner) peekNonSpace() (c byte, ok bool) {
	c, err := s.nonSpace()
	return c, err == nil
}

// nonSpace skips whitespace and returns the next byte without consuming it,
// or io.ErrUnexpectedEOF at the end of the input.
func (s *jsonScanner) nonSpace() (byte, error) {
	for {
		for s.pos < len(s.buf) {
			c := s.buf[s.pos]
			if c > ' ' || !isSpace(c) {
				return c, nil
			}
			s.pos++
		}
		if !s.fill() {
			return 0, io.ErrUnexpectedEOF
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// syntaxError describes the byte at the scanner's position the way
// encoding/json does: "invalid character 'x' " + context.
func (s *jsonScanner) syntaxError(c byte, context string) error {
	return &jsonSyntaxError{msg: "invalid character " + quoteChar(c) + " " + context, offset: s.offset() + 1}
}

// quoteChar formats c as encoding/json does in its messages.
func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	q := strconv.Quote(string(rune(c)))
	return "'" + q[1:len(q)-1] + "'"
}

// startRecording makes the scanner keep the bytes it consumes from now on.
// It returns where they begin in the record, for stopRecording. Recordings
// nest: an inner one is a part of the outer one.
func (s *jsonScanner) startRecording() int {
	if s.recDepth == 0 {
		s.rec = s.rec[:0]
		s.recFrom = s.pos
	}
	s.recDepth++
	return len(s.rec) + s.pos - s.recFrom
}

// stopRecording returns the bytes consumed since the startRecording that
// returned from. They are valid until the next outermost startRecording.
func (s *jsonScanner) stopRecording(from int) []byte {
	s.rec = append(s.rec, s.buf[s.recFrom:s.pos]...)
	s.recFrom = s.pos
	s.recDepth--
	return s.rec[from:]
}

// objectKey moves to the next member of the object whose '{' was consumed
// (first is true for its first member). It returns false after consuming the
// closing '}'; otherwise it returns the decoded key, valid until the next
// call, with the ':' after it consumed.
func (s *jsonScanner) objectKey(first bool) ([]byte, bool, error) {
	c, err := s.nonSpace()
	if err != nil {
		return nil, false, err
	}
	switch {
	case c == '}':
		s.consume()
		return nil, false, nil
	case first:
	case c == ',':
		s.consume()
		if c, err = s.nonSpace(); err != nil {
			return nil, false, err
		}
	default:
		return nil, false, s.syntaxError(c, "after object key:value pair")
	}
	if c != '"' {
		return nil, false, s.syntaxError(c, "looking for beginning of object key string")
	}
	if s.key, err = s.appendString(s.key[:0]); err != nil {
		return nil, false, err
	}
	if c, err = s.nonSpace(); err != nil {
		return nil, false, err
	}
	if c != ':' {
		return nil, false, s.syntaxError(c, "after object key")
	}
	s.consume()
	return s.key, true, nil
}

// arrayNext moves to the next element of the array whose '[' was consumed
// (first is true for its first element). It returns false after consuming
// the closing ']'; otherwise the scanner is at the element.
func (s *jsonScanner) arrayNext(first bool) (bool, error) {
	c, err := s.nonSpace()
	if err != nil {
		return false, err
	}
	switch {
	case c == ']':
		s.consume()
		return false, nil
	case first:
		return true, nil
	case c == ',':
		s.consume()
		return true, nil
	}
	return false, s.syntaxError(c, "after array element")
}

// stringStop marks the bytes that end a plain run in a string: the quote,
// the backslash and control characters (invalid there).
var stringStop = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c == '"' || c == '\\' || c < ' '
	}
	return t
}()

// stringSpecial is stringStop plus the bytes that start a multi-byte
// character, which decoding checks for valid UTF-8.
var stringSpecial = func() (t [256]bool) {
	for c := range 256 {
		t[c] = stringStop[c] || c >= utf8.RuneSelf
	}
	return t
}()

// appendString consumes a string literal and appends its text to dst as
// encoding/json decodes it: escapes resolved, and each byte of invalid UTF-8
// and each unpaired surrogate escape replaced by U+FFFD.
func (s *jsonScanner) appendString(dst []byte) ([]byte, error) {
	s.consume() // the opening quote
	for {
		i := s.pos
		for i < len(s.buf) && !stringSpecial[s.buf[i]] {
			i++
		}
		dst = append(dst, s.buf[s.pos:i]...)
		s.pos = i
		if i == len(s.buf) {
			if !s.fill() {
				return dst, io.ErrUnexpectedEOF
			}
			continue
		}
		switch c := s.buf[i]; {
		case c == '"':
			s.consume()
			return dst, nil
		case c == '\\':
			var err error
			if dst, err = s.appendEscape(dst); err != nil {
				return dst, err
			}
		case c < ' ':
			return dst, s.syntaxError(c, "in string literal")
		default:
			s.ensure(utf8.UTFMax)
			r, size := utf8.DecodeRune(s.buf[s.pos:])
			if r == utf8.RuneError && size == 1 {
				dst = utf8.AppendRune(dst, utf8.RuneError)
			} else {
				dst = append(dst, s.buf[s.pos:s.pos+size]...)
			}
			s.pos += size
		}
	}
}

// appendEscape consumes an escape sequence in a string and appends what it
// stands for.
func (s *jsonScanner) appendEscape(dst []byte) ([]byte, error) {
	s.consume() // the backslash
	c, ok := s.peek()
	if !ok {
		return dst, io.ErrUnexpectedEOF
	}
	switch c {
	case '"', '\\', '/':
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
		s.consume()
		r, err := s.hex4()
		if err != nil {
			return dst, err
		}
		if utf16.IsSurrogate(r) {
			// Only a high surrogate followed by an escaped low one makes a
			// character; anything else is left for the next round.
			if low, ok := s.peekEscapedRune(); ok && utf16.DecodeRune(r, low) != unicode.ReplacementChar {
				r = utf16.DecodeRune(r, low)
				s.pos += len(`\uXXXX`)
			} else {
				r = unicode.ReplacementChar
			}
		}
		return utf8.AppendRune(dst, r), nil
	default:
		return dst, s.syntaxError(c, "in string escape code")
	}
	s.consume()
	return append(dst, c), nil
}

// hex4 consumes the four hexadecimal digits of a \u escape.
func (s *jsonScanner) hex4() (rune, error) {
	var r rune
	for range 4 {
		c, ok := s.peek()
		if !ok {
			return 0, io.ErrUnexpectedEOF
		}
		d := hexValue(c)
		if d < 0 {
			return 0, s.syntaxError(c, `in \u hexadecimal character escape`)
		}
		s.consume()
		r = r<<4 | d
	}
	return r, nil
}

// peekEscapedRune returns the value of a \uXXXX escape at the scanner's
// position without consuming it.
func (s *jsonScanner) peekEscapedRune() (rune, bool) {
	if !s.ensure(len(`\uXXXX`)) || s.buf[s.pos] != '\\' || s.buf[s.pos+1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range s.buf[s.pos+2 : s.pos+6] {
		d := hexValue(c)
		if d < 0 {
			return 0, false
		}
		r = r<<4 | d
	}
	return r, true
}

func hexValue(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// skipString consumes a string literal, validating it without decoding.
func (s *jsonScanner) skipString() error {
	s.consume() // the opening quote
	for {
		i := s.pos
		for i < len(s.buf) && !stringStop[s.buf[i]] {
			i++
		}
		s.pos = i
		if i == len(s.buf) {
			if !s.fill() {
				return io.ErrUnexpectedEOF
			}
			continue
		}
		switch c := s.buf[i]; c {
		case '"':
			s.consume()
			return nil
		case '\\':
			if err := s.skipEscape(); err != nil {
				return err
			}
		default:
			return s.syntaxError(c, "in string literal")
		}
	}
}

func (s *jsonScanner) skipEscape() error {
	s.consume() // the backslash
	c, ok := s.peek()
	if !ok {
		return io.ErrUnexpectedEOF
	}
	switch c {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.consume()
		return nil
	case 'u':
		s.consume()
		_, err := s.hex4()
		return err
	}
	return s.syntaxError(c, "in string escape code")
}

// appendNumber consumes a number literal and appends it as written. The
// number ends at the first byte that cannot continue it, or at the end of
// the input; what follows is for the caller to judge.
func (s *jsonScanner) appendNumber(dst []byte) ([]byte, error) {
	c, _ := s.peek()
	if c == '-' {
		dst = append(dst, c)
		s.consume()
		var ok bool
		if c, ok = s.peek(); !ok {
			return dst, io.ErrUnexpectedEOF
		}
	}
	switch {
	case c == '0':
		dst = append(dst, c)
		s.consume()
	case '1' <= c && c <= '9':
		dst = s.appendDigits(dst)
	default:
		return dst, s.syntaxError(c, "in numeric literal")
	}
	if c, ok := s.peek(); ok && c == '.' {
		dst = append(dst, c)
		s.consume()
		if c, ok = s.peek(); !ok {
			return dst, io.ErrUnexpectedEOF
		}
		if !isDigit(c) {
			return dst, s.syntaxError(c, "after decimal point in numeric literal")
		}
		dst = s.appendDigits(dst)
	}
	if c, ok := s.peek(); ok && (c == 'e' || c == 'E') {
		dst = append(dst, c)
		s.consume()
		if c, ok = s.peek(); ok && (c == '+' || c == '-') {
			dst = append(dst, c)
			s.consume()
			c, ok = s.peek()
		}
		if !ok {
			return dst, io.ErrUnexpectedEOF
		}
		if !isDigit(c) {
			return dst, s.syntaxError(c, "in exponent of numeric literal")
		}
		dst = s.appendDigits(dst)
	}
	return dst, nil
}

func (s *jsonScanner) appendDigits(dst []byte) []byte {
	for {
		i := s.pos
		for i < len(s.buf) && isDigit(s.buf[i]) {
			i++
		}
		dst = append(dst, s.buf[s.pos:i]...)
		s.pos = i
		if i < len(s.buf) || !s.fill() {
			return dst
		}
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// readLiteral consumes true, false or null and returns its text.
func (s *jsonScanner) readLiteral() (string, error) {
	c, _ := s.peek()
	var word string
	switch c {
	case 't':
		word = "true"
	case 'f':
		word = "false"
	case 'n':
		word = "null"
	default:
		return "", s.syntaxError(c, "looking for beginning of value")
	}
	s.consume()
	for i := 1; i < len(word); i++ {
		c, ok := s.peek()
		if !ok {
			return "", io.ErrUnexpectedEOF
		}
		if c != word[i] {
			return "", s.syntaxError(c, "in literal "+word+" (expecting "+quoteChar(word[i])+")")
		}
		s.consume()
	}
	return word, nil
}

// skipValue consumes a value of any kind, validating it. depth is the
// number of arrays and objects open around it within the value that
// encoding/json would decode in one go: its nesting limit applies to that
// value as a whole.
func (s *jsonScanner) skipValue(depth int) error {
	stack := s.stack[:0]
	for {
		// At the start of a value.
		c, err := s.nonSpace()
		if err != nil {
			return err
		}
		switch kindOf(c) {
		case kindObject, kindArray:
			if depth+len(stack) >= maxNestingDepth {
				return s.syntaxError(c, "exceeded max depth")
			}
			s.consume()
			closing := c + 2 // '{'+2 is '}', '['+2 is ']'
			stack = append(stack, closing)
			s.stack = stack // kept for the next call
			if c, err = s.nonSpace(); err != nil {
				return err
			}
			if c != closing {
				if closing == '}' {
					if err := s.skipKey(c); err != nil {
						return err
					}
				}
				continue
			}
			s.consume() // an empty one
			stack = stack[:len(stack)-1]
		case kindString:
			err = s.skipString()
		case kindNumber:
			s.num, err = s.appendNumber(s.num[:0])
		case kindBool, kindNull:
			_, err = s.readLiteral()
		default:
			return s.syntaxError(c, "looking for beginning of value")
		}
		if err != nil {
			return err
		}
		// After a value: close containers until one goes on.
		for {
			if len(stack) == 0 {
				return nil
			}
			if c, err = s.nonSpace(); err != nil {
				return err
			}
			closing := stack[len(stack)-1]
			if c == closing {
				s.consume()
				stack = stack[:len(stack)-1]
				continue
			}
			if c != ',' {
				if closing == '}' {
					return s.syntaxError(c, "after object key:value pair")
				}
				return s.syntaxError(c, "after array element")
			}
			s.consume()
			if closing == '}' {
				if c, err = s.nonSpace(); err != nil {
					return err
				}
				if err := s.skipKey(c); err != nil {
					return err
				}
			}
			break
		}
	}
}

// skipKey consumes an object key, whose first byte c has been peeked, and
// the colon after it.
func (s *jsonScanner) skipKey(c byte) error {
	if c != '"' {
		return s.syntaxError(c, "looking for beginning of object key string")
	}
	if err := s.skipString(); err != nil {
		return err
	}
	c, err := s.nonSpace()
	if err != nil {
		return err
	}
	if c != ':' {
		return s.syntaxError(c, "after object key")
	}
	s.consume()
	return nil
}

// appendRawText consumes a value and appends it as rawText renders it: a
// string's text, anything else as compact JSON.
func (s *jsonScanner) appendRawText(dst []byte, depth int) (jsonKind, []byte, error) {
	c, err := s.nonSpace()
	if err != nil {
		return kindNone, dst, err
	}
	kind := kindOf(c)
	switch kind {
	case kindString:
		dst, err = s.appendString(dst)
	case kindNumber:
		dst, err = s.appendNumber(dst)
	case kindBool, kindNull:
		var word string
		word, err = s.readLiteral()
		dst = append(dst, word...)
	default:
		from := s.startRecording()
		err = s.skipValue(depth)
		if raw := s.stopRecording(from); err == nil {
			dst = appendCompact(dst, raw)
		}
	}
	return kind, dst, err
}

// appendCompact appends valid JSON without the whitespace between tokens,
// as json.Compact writes it.
func appendCompact(dst, raw []byte) []byte {
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case inString && c == '\\' && i+1 < len(raw):
			dst = append(dst, c, raw[i+1])
			i++
			continue
		case c == '"':
			inString = !inString
		case !inString && isSpace(c):
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// keyIs reports whether an object key selects the struct field whose JSON
// name, in upper case, is upper, as encoding/json matches them: the exact
// name, or any spelling equal under Unicode case folding. The only
// characters outside ASCII that fold to an ASCII letter are 'ſ' (U+017F, to
// 'S') and the Kelvin sign (U+212A, to 'K').
func keyIs(key []byte, upper string) bool {
	j := 0
	for i := 0; i < len(key); j++ {
		if j == len(upper) {
			return false
		}
		c := key[i]
		switch {
		case c < utf8.RuneSelf:
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			i++
		case c == 0xC5 && i+1 < len(key) && key[i+1] == 0xBF: // U+017F
			c = 'S'
			i += 2
		case c == 0xE2 && i+2 < len(key) && key[i+1] == 0x84 && key[i+2] == 0xAA: // U+212A
			c = 'K'
			i += 3
		default:
			return false
		}
		if c != upper[j] {
			return false
		}
	}
	return j == len(upper)
}
