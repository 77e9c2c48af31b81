package dataset

import (
	"fmt"
	"strconv"
)

// span locates a decoded string in rowParser.strs. verbatim says the string
// is its own canonical encoding, so it is copied rather than re-escaped.
type span struct {
	start, end int
	verbatim   bool
}

// msgSpans is a message being parsed.
type msgSpans struct {
	role, content span
	seen          int // keys met, as bits: keyRole, keyContent
}

// Keys of a message, as bits of msgSpans.seen.
const (
	keyRole = 1 << iota
	keyContent
)

// Keys of a row, as bits of rowParser.seen.
const (
	keyConvPrefix = 1 << iota
	keyResponse
	keyGroundTruth
	keyContext
)

// rowParser reads row objects with the fixed schema of a dataset row straight
// from the lexer: it decodes only what a row holds, into buffers reused from
// row to row, and reports each wrong type against its field.
type rowParser struct {
	lx *lexer
	s  *scanner

	row, line int  // the row being parsed and the line it starts on
	bad       bool // the row has an error

	strs []byte // the decoded strings of the row, back to back
	key  []byte
	num  []byte
	conv []msgSpans
	resp msgSpans
	seen int // keys met, to find missing and repeated ones
	gt   int64
	ctx  span

	// misspelt holds the keys of the object being read that look like a
	// misspelt field: whether they are depends on whether the object has
	// that field too, known only at its end.
	misspelt []misspeltKey

	// The unknown keys met in rows and in messages.
	rowKeys, msgKeys keyNames

	r Row // the row handed on
}

// misspeltKey is a key near a field's name.
type misspeltKey struct {
	where string // the object: "" for the row, e.g. "conv_prefix[0]" for a message
	field string // the key as a Field, e.g. "ground_truht" or "conv_prefix[0].rol"
	name  string // the key
	near  string // the field it is near, e.g. "ground_truth"
}

func newRowParser(lx *lexer, s *scanner) *rowParser {
	return &rowParser{lx: lx, s: s, rowKeys: keyNames{fields: rowFields}, msgKeys: keyNames{fields: messageFields}}
}

// keyNames is what the unknown keys of one kind of object (a row or a
// message) give, worked out once per name: in a file whose rows all have the
// same extra key, only its first occurrence measures edit distances.
type keyNames struct {
	fields []string // the object's fields
	names  map[string]keyName
}

// keyName is what an unknown key gives.
type keyName struct {
	name  string // the key
	field string // the key as a Field (fieldName)
	near  string // the field it is near (nearField), or ""
}

// maxKeyNames is how many names a keyNames keeps: a file whose keys are
// data (a new one in each row) would otherwise make it as large as its keys.
const maxKeyNames = 1000

// of returns what the key key gives.
func (k *keyNames) of(key []byte) keyName {
	if n, ok := k.names[string(key)]; ok {
		return n
	}
	name := string(key)
	n := keyName{name: name, field: fieldName(name), near: nearField(name, k.fields)}
	if len(k.names) < maxKeyNames {
		if k.names == nil {
			k.names = make(map[string]keyName)
		}
		k.names[name] = n
	}
	return n
}

func (p *rowParser) fail(field, summary, detail string) {
	p.bad = true
	p.s.c.addError(p.row, p.line, field, summary, detail)
}

// syntax reports malformed input. When the input ended because reading
// failed, that is reported instead: it is the cause.
func (p *rowParser) syntax(err error) {
	if p.lx.err != nil {
		p.s.readError(p.lx.err)
		return
	}
	line := p.line
	if se, ok := err.(*syntaxError); ok {
		line = se.line
		err = fmt.Errorf("%s", se.msg)
	}
	p.bad = true
	p.s.c.addError(p.row, line, "", "Invalid JSON", fmt.Sprintf("invalid JSON: %v", err))
}

// parseRow reads one row, the value that starts with c, and hands it to the
// scanner when it is valid. It returns only syntax errors; schema errors are
// reported as problems.
func (p *rowParser) parseRow(c byte, row, line int) error {
	lx := p.lx
	p.row, p.line, p.bad = row, line, false
	p.strs, p.conv, p.seen = p.strs[:0], p.conv[:0], 0
	lx.fault = textFault{}
	if c != '{' {
		if err := lx.skipValue(c, 1); err != nil {
			return err
		}
		p.fail("", "Invalid row", fmt.Sprintf(`each row must be an object such as {"conv_prefix": [...], "response": {...}}, got %s`, kindOf(c)))
		p.checkText("", nil)
		return nil
	}
	lx.pos++
	p.misspelt = p.misspelt[:0]
	c, ok := lx.skipSpace()
	if ok && c == '}' {
		lx.pos++
	} else {
		for {
			var err error
			if c, err = p.readKey(c, ok); err != nil {
				return err
			}
			if p.faulty() {
				p.keyFault("")
				err = lx.skipValue(c, 1)
				p.checkText(fieldName(string(p.key)), nil)
			} else {
				err = p.parseField(c)
			}
			if err != nil {
				return err
			}
			c, ok = lx.skipSpace()
			if !ok || (c != ',' && c != '}') {
				return lx.unexpected(c, ok, "',' or '}' after a value in the row")
			}
			lx.pos++
			if c == '}' {
				break
			}
			c, ok = lx.skipSpace()
		}
	}
	suggested := p.settleMisspelt(0, rowFieldBit, p.seen, "a row", rowFieldList)
	if p.seen&keyConvPrefix == 0 && suggested&keyConvPrefix == 0 {
		p.fail("conv_prefix", "Missing conv_prefix",
			`conv_prefix is missing: each row needs the conversation so far, e.g. "conv_prefix": [{"role": "user", "content": "..."}]`)
	}
	if p.seen&keyResponse == 0 && suggested&keyResponse == 0 {
		p.fail("response", "Missing response",
			`response is missing: each row needs the assistant's turn, e.g. "response": {"role": "assistant", "content": "..."}`)
	}
	p.checkText("", nil) // a fault no field claimed; not expected
	if !p.bad {
		p.checkRoles()
		p.s.accept(p, row, line)
	}
	return nil
}

// readKey reads the key of an object that starts with c (already peeked;
// ok is false at the end of the input) into p.key, and the ':' after it. It
// returns the first byte of the value that follows.
func (p *rowParser) readKey(c byte, ok bool) (byte, error) {
	lx := p.lx
	if !ok || c != '"' {
		return 0, lx.unexpected(c, ok, "a key in double quotes")
	}
	var err error
	if p.key, _, err = lx.readString(p.key[:0], true); err != nil {
		return 0, err
	}
	if err := lx.expect(':', "':' after a key"); err != nil {
		return 0, err
	}
	if c, ok = lx.skipSpace(); !ok {
		return 0, lx.unexpected(c, ok, "a value")
	}
	return c, nil
}

// rowFieldBit is the bit of rowParser.seen for a field of a row.
func rowFieldBit(name string) int {
	switch name {
	case "conv_prefix":
		return keyConvPrefix
	case "response":
		return keyResponse
	case "ground_truth":
		return keyGroundTruth
	case "context":
		return keyContext
	}
	return 0
}

// checkRoles applies the checks common to all sources to the row just
// parsed, from the parser's buffers.
func (p *rowParser) checkRoles() {
	checkRoles(&p.s.c, p.row, p.line, len(p.conv), func(i int) []byte { return p.bytes(p.conv[i].role) }, p.bytes(p.resp.role))
}

func (p *rowParser) bytes(s span) []byte { return p.strs[s.start:s.end] }

// faulty reports whether what was just read holds text the scan refuses.
func (p *rowParser) faulty() bool { return p.lx.fault.kind != faultNone }

// checkText reports a text fault in what was just read against field. value
// is the decoded text when the parser kept it (bytes that are not UTF-8 are
// in it as they were), nil for a value it skipped. It is cheap when there is
// no fault, but callers that build field test faulty first.
func (p *rowParser) checkText(field string, value []byte) {
	if !p.faulty() {
		return
	}
	p.bad = true
	f := &p.lx.fault
	summary, detail := describeFault(f, field, value)
	p.s.c.addError(p.row, f.line, field, summary, detail)
	*f = textFault{}
}

// keyFault reports a key, just read, whose text the scan refuses. where is
// the object: "" for the row, e.g. "conv_prefix[0]" for a message.
func (p *rowParser) keyFault(where string) {
	p.bad = true
	f := &p.lx.fault
	what := "the row"
	if where != "" {
		what = where
	}
	summary, detail := describeFault(f, "a key of "+what, p.key)
	p.s.c.addError(p.row, f.line, where, summary, detail)
	*f = textFault{}
}

// unknownKey notes the key just read, which is not a field of the object it
// is in. where names the object: "" for the row, e.g. "conv_prefix[0]" for a
// message; keys are the object's. A key near a field's name may be a
// misspelling, decided at the object's end (settleMisspelt); any other is a
// warning: it is dropped, not uploaded.
func (p *rowParser) unknownKey(where string, keys *keyNames) {
	k := keys.of(p.key)
	field := k.field
	if where != "" {
		field = where + "." + field
	}
	if k.near != "" {
		p.misspelt = append(p.misspelt, misspeltKey{where: where, field: field, name: k.name, near: k.near})
		return
	}
	p.s.c.addUnknownKey(p.row, p.line, where, field, k.name)
}

// settleMisspelt decides, at the end of an object, about the keys near a
// field's name: a misspelling (an error, since the field would silently go
// missing) when the object lacks that field, else an extra key (a warning).
// bit maps a field to its bit in seen, the fields the object has; the
// error ends "The fields of <object> are <fields>". The object's keys are
// p.misspelt[from:]: a message's follow its row's. It returns the bits of
// the fields a misspelling was reported for.
func (p *rowParser) settleMisspelt(from int, bit func(string) int, seen int, object, fields string) (suggested int) {
	for _, m := range p.misspelt[from:] {
		if seen&bit(m.near) != 0 {
			p.s.c.addUnknownKey(p.row, p.line, m.where, m.field, m.name)
			continue
		}
		suggested |= bit(m.near)
		p.fail(m.field, "Misspelt key",
			fmt.Sprintf("%s is not a field; did you mean %s? The fields of %s are %s", m.field, m.near, object, fields))
	}
	p.misspelt = p.misspelt[:from]
	return suggested
}

// appendCanonical appends the canonical JSON of the row just parsed. It is
// Row.AppendCanonical written over the parser's buffers, copying the strings
// that need no escaping instead of encoding them again; it must give the same
// bytes, which the tests and fuzz targets check.
func (p *rowParser) appendCanonical(dst []byte) []byte {
	dst = append(dst, `{"conv_prefix":[`...)
	for i := range p.conv {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = p.appendMessage(dst, &p.conv[i])
	}
	dst = append(dst, `],"response":`...)
	dst = p.appendMessage(dst, &p.resp)
	if p.seen&keyGroundTruth != 0 {
		dst = append(dst, `,"ground_truth":`...)
		dst = strconv.AppendInt(dst, p.gt, 10)
	}
	if p.seen&keyContext != 0 {
		dst = append(dst, `,"context":`...)
		dst = p.appendString(dst, p.ctx)
	}
	return append(dst, '}')
}

func (p *rowParser) appendMessage(dst []byte, m *msgSpans) []byte {
	dst = append(dst, `{"role":`...)
	dst = p.appendString(dst, m.role)
	dst = append(dst, `,"content":`...)
	dst = p.appendString(dst, m.content)
	return append(dst, '}')
}

func (p *rowParser) appendString(dst []byte, s span) []byte {
	if !s.verbatim {
		return appendJSONString(dst, p.strs[s.start:s.end])
	}
	dst = append(dst, '"')
	dst = append(dst, p.strs[s.start:s.end]...)
	return append(dst, '"')
}

// markSeen marks a key as met, failing the row when it was already.
func (p *rowParser) markSeen(bit int, name string) {
	if p.seen&bit != 0 {
		p.fail(name, "Repeated key", fmt.Sprintf("%s appears more than once in the row; keep one", name))
		return
	}
	p.seen |= bit
}

func (p *rowParser) parseField(c byte) error {
	lx := p.lx
	switch string(p.key) {
	case "conv_prefix":
		p.markSeen(keyConvPrefix, "conv_prefix")
		return p.parseConvPrefix(c)
	case "response":
		p.markSeen(keyResponse, "response")
		return p.parseMessage(c, &p.resp, -1)
	case "ground_truth":
		p.markSeen(keyGroundTruth, "ground_truth")
		return p.parseGroundTruth(c)
	case "context":
		p.markSeen(keyContext, "context")
		switch c {
		case 'n':
			p.seen &^= keyContext // null is absent
			return lx.readLiteral(c)
		case '"':
			start := len(p.strs)
			var err error
			var verbatim bool
			p.strs, verbatim, err = lx.readString(p.strs, true)
			p.ctx = span{start, len(p.strs), verbatim}
			p.checkText("context", p.strs[start:])
			return err
		}
		if err := lx.skipValue(c, 1); err != nil {
			return err
		}
		p.fail("context", "Invalid context", fmt.Sprintf("context must be a string, got %s", kindOf(c)))
		p.checkText("context", nil)
		return nil
	}
	p.unknownKey("", &p.rowKeys)
	err := lx.skipValue(c, 1)
	if p.faulty() {
		p.checkText(fieldName(string(p.key)), nil)
	}
	return err
}

func (p *rowParser) parseConvPrefix(c byte) error {
	lx := p.lx
	if c != '[' {
		if err := lx.skipValue(c, 1); err != nil {
			return err
		}
		p.fail("conv_prefix", "Invalid conv_prefix",
			fmt.Sprintf(`conv_prefix must be a list of messages such as [{"role": "user", "content": "..."}], got %s`, kindOf(c)))
		p.checkText("conv_prefix", nil)
		return nil
	}
	lx.pos++
	p.conv = p.conv[:0]
	c, ok := lx.skipSpace()
	if ok && c == ']' {
		lx.pos++
		return nil
	}
	for i := 0; ; i++ {
		if !ok {
			return lx.unexpected(c, ok, "a message")
		}
		p.conv = append(p.conv, msgSpans{})
		if err := p.parseMessage(c, &p.conv[i], i); err != nil {
			return err
		}
		c, ok = lx.skipSpace()
		if !ok || (c != ',' && c != ']') {
			return lx.unexpected(c, ok, "',' or ']' after a message in conv_prefix")
		}
		lx.pos++
		if c == ']' {
			return nil
		}
		c, ok = lx.skipSpace()
	}
}

// messageField names a message (turn is its 0-based index in conv_prefix,
// -1 for the response) or one of its keys.
func messageField(turn int, key string) string {
	f := "response"
	if turn >= 0 {
		f = "conv_prefix[" + strconv.Itoa(turn) + "]"
	}
	if key != "" {
		f += "." + key
	}
	return f
}

// messageName names a message in prose: "turn 3 of conv_prefix" or "response".
func messageName(turn int) string {
	if turn < 0 {
		return "response"
	}
	return fmt.Sprintf("turn %d of conv_prefix", turn+1)
}

// messageFields are the keys of a message.
var messageFields = []string{"role", "content"}

// messageFieldBit is the bit of msgSpans.seen for a field of a message.
func messageFieldBit(name string) int {
	switch name {
	case "role":
		return keyRole
	case "content":
		return keyContent
	}
	return 0
}

func (p *rowParser) parseMessage(c byte, m *msgSpans, turn int) error {
	lx := p.lx
	*m = msgSpans{}
	if c != '{' {
		if err := lx.skipValue(c, 1); err != nil {
			return err
		}
		p.fail(messageField(turn, ""), "Invalid message",
			fmt.Sprintf(`%s must be an object such as {"role": "user", "content": "..."}, got %s`, messageName(turn), kindOf(c)))
		if p.faulty() {
			p.checkText(messageField(turn, ""), nil)
		}
		return nil
	}
	lx.pos++
	mark := len(p.misspelt)
	c, ok := lx.skipSpace()
	if ok && c == '}' {
		lx.pos++
	} else {
		for {
			var err error
			if c, err = p.readKey(c, ok); err != nil {
				return err
			}
			if err = p.parseMessageField(c, m, turn); err != nil {
				return err
			}
			c, ok = lx.skipSpace()
			if !ok || (c != ',' && c != '}') {
				return lx.unexpected(c, ok, "',' or '}' after a value in a message")
			}
			lx.pos++
			if c == '}' {
				break
			}
			c, ok = lx.skipSpace()
		}
	}
	suggested := p.settleMisspelt(mark, messageFieldBit, m.seen, "a message", "role and content")
	if m.seen&keyRole == 0 && suggested&keyRole == 0 {
		p.fail(messageField(turn, "role"), "Missing role",
			fmt.Sprintf(`%s has no role: each message needs "role" and "content"`, messageName(turn)))
	}
	if m.seen&keyContent == 0 && suggested&keyContent == 0 {
		p.fail(messageField(turn, "content"), "Missing content",
			fmt.Sprintf(`%s has no content: each message needs "role" and "content"`, messageName(turn)))
	}
	return nil
}

// parseMessageField reads the value, which starts with c, of the key of a
// message just read.
func (p *rowParser) parseMessageField(c byte, m *msgSpans, turn int) error {
	lx := p.lx
	var err error
	if p.faulty() {
		p.keyFault(messageField(turn, ""))
		err = lx.skipValue(c, 2)
		if p.faulty() {
			p.checkText(messageField(turn, fieldName(string(p.key))), nil)
		}
		return err
	}
	var dst *span
	var bit int
	switch string(p.key) {
	case "role":
		dst, bit = &m.role, keyRole
	case "content":
		dst, bit = &m.content, keyContent
	}
	switch {
	case dst == nil:
		p.unknownKey(messageField(turn, ""), &p.msgKeys)
		err = lx.skipValue(c, 2)
		if p.faulty() {
			p.checkText(messageField(turn, fieldName(string(p.key))), nil)
		}
	case m.seen&bit != 0:
		p.fail(messageField(turn, string(p.key)), "Repeated key",
			fmt.Sprintf("%s has %s more than once; keep one", messageName(turn), string(p.key)))
		err = lx.skipValue(c, 2)
		p.checkText(messageField(turn, string(p.key)), nil)
	case c == '"':
		m.seen |= bit
		start := len(p.strs)
		var verbatim bool
		p.strs, verbatim, err = lx.readString(p.strs, true)
		*dst = span{start, len(p.strs), verbatim}
		if p.faulty() {
			p.checkText(messageField(turn, string(p.key)), p.strs[start:])
		}
	default:
		m.seen |= bit
		name := string(p.key)
		err = lx.skipValue(c, 2)
		p.fail(messageField(turn, name), "Invalid "+name,
			fmt.Sprintf("the %s of %s must be a string, got %s", name, messageName(turn), kindOf(c)))
		p.checkText(messageField(turn, name), nil)
	}
	return err
}

const groundTruthRule = "ground_truth must be an integer such as 0 or 1"

func (p *rowParser) parseGroundTruth(c byte) error {
	lx := p.lx
	switch {
	case c == 'n':
		p.seen &^= keyGroundTruth // null is absent
		return lx.readLiteral(c)
	case c == '-' || (c >= '0' && c <= '9'):
		text, integer, long, err := lx.readNumber(p.num[:0])
		p.num = text
		if err != nil {
			return err
		}
		if long {
			text = append(text, "…"...)
		}
		if !integer {
			p.fail("ground_truth", "Invalid ground_truth", fmt.Sprintf("%s, got %s", groundTruthRule, text))
			return nil
		}
		v, ok := parseInt64(text)
		if !ok || long {
			p.fail("ground_truth", "Invalid ground_truth",
				fmt.Sprintf("%s, got %s, which is out of range (a 64-bit integer)", groundTruthRule, text))
			return nil
		}
		p.gt = v
		return nil
	case c == '"':
		var err error
		p.num, _, err = lx.readString(p.num[:0], true)
		if err != nil {
			return err
		}
		if p.faulty() {
			p.checkText("ground_truth", p.num)
			return nil
		}
		hint := ""
		if _, ok := parseInt64(p.num); ok {
			hint = ": remove the quotes"
		}
		p.fail("ground_truth", "Invalid ground_truth",
			fmt.Sprintf("%s, got the string %s%s", groundTruthRule, quoteShort(string(p.num)), hint))
		return nil
	case c == 't' || c == 'f':
		if err := lx.readLiteral(c); err != nil {
			return err
		}
		p.fail("ground_truth", "Invalid ground_truth",
			fmt.Sprintf("%s, got %s: write 1 for true and 0 for false", groundTruthRule, kindOf(c)))
		return nil
	}
	if err := lx.skipValue(c, 1); err != nil {
		return err
	}
	p.fail("ground_truth", "Invalid ground_truth", fmt.Sprintf("%s, got %s", groundTruthRule, kindOf(c)))
	p.checkText("ground_truth", nil)
	return nil
}

// parseInt64 parses a decimal integer as JSON writes it: an optional minus
// sign and digits. It reports false when b is not one or is out of range.
func parseInt64[S ~string | ~[]byte](b S) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	limit := uint64(1<<63 - 1)
	if neg {
		limit++
	}
	var u uint64
	for i := range len(b) {
		c := b[i]
		if c < '0' || c > '9' || u > limit/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
		if u > limit {
			return 0, false
		}
	}
	if neg {
		return int64(-u), true // -(1<<63) wraps to itself, as it should
	}
	return int64(u), true
}

// build makes the Row handed to fn from what was parsed. fn may keep it: its
// strings, slices and pointers are its own. The strings are one allocation,
// shared by all the row's fields.
func (p *rowParser) build() *Row {
	r := &p.r
	all := string(p.strs)
	o := new(ownedRow)
	if len(p.conv) <= len(o.msgs) {
		r.ConvPrefix = o.msgs[:len(p.conv):len(p.conv)]
	} else {
		r.ConvPrefix = make([]Message, len(p.conv))
	}
	str := func(s span) string { return all[s.start:s.end] }
	for i, m := range p.conv {
		r.ConvPrefix[i] = Message{Role: str(m.role), Content: str(m.content)}
	}
	r.Response = Message{Role: str(p.resp.role), Content: str(p.resp.content)}
	r.GroundTruth, r.Context = nil, nil
	if p.seen&keyGroundTruth != 0 {
		o.gt = p.gt
		r.GroundTruth = &o.gt
	}
	if p.seen&keyContext != 0 {
		o.ctx = str(p.ctx)
		r.Context = &o.ctx
	}
	return r
}

// scanJSON reads a JSON array of rows.
func scanJSON(lx *lexer, s *scanner) {
	p := newRowParser(lx, s)
	if err := lx.skipBOM(); err != nil {
		p.syntax(err)
		return
	}
	c, ok := lx.skipSpace()
	switch {
	case !ok && lx.err != nil:
		s.readError(lx.err)
		return
	case !ok:
		s.c.addError(0, 0, "", "No rows", "the file is empty: it must hold a JSON array of rows, [{...}, {...}]")
		return
	case c == '{':
		s.c.addError(0, lx.line, "", "Not a JSON array",
			"the file must hold a JSON array of rows, [{...}, {...}], but it holds a single object: wrap the rows in [ ], or, for one object per line, name the file .jsonl")
		return
	case c != '[':
		if c == '"' || c == '-' || c == 't' || c == 'f' || c == 'n' || (c >= '0' && c <= '9') {
			s.c.addError(0, lx.line, "", "Not a JSON array",
				fmt.Sprintf("the file must hold a JSON array of rows, [{...}, {...}], but it holds %s", kindOf(c)))
			return
		}
		p.syntax(lx.unexpected(c, ok, "'[' to start the array of rows"))
		return
	}
	lx.pos++
	c, ok = lx.skipSpace()
	if ok && c == ']' {
		lx.pos++
	} else {
		for {
			if !ok {
				p.syntax(lx.unexpected(c, ok, "a row"))
				return
			}
			s.rows++
			if err := p.parseRow(c, s.rows, lx.line); err != nil {
				p.syntax(err)
				return
			}
			if s.stopped() {
				return
			}
			c, ok = lx.skipSpace()
			if !ok || (c != ',' && c != ']') {
				p.syntax(lx.unexpected(c, ok, fmt.Sprintf("',' or ']' after row %d", s.rows)))
				return
			}
			lx.pos++
			if c == ']' {
				break
			}
			c, ok = lx.skipSpace()
			if ok && c == ']' {
				p.row++
				p.syntax(lx.errorf("a comma after the last row: JSON does not allow it"))
				return
			}
		}
	}
	p.row, p.line = 0, 0
	if c, ok := lx.skipSpace(); ok {
		p.syntax(lx.unexpected(c, ok, "the end of the file after the array's closing ']'"))
	} else if lx.err != nil {
		s.readError(lx.err)
	}
}

// scanJSONL reads one row object per line. A line that is not a valid row is
// reported and skipped; the lines after it are still read. A row written
// across several lines is reported once, at its first line: the lines that
// continue it (those that do not start with '{') are skipped, not counted as
// rows.
func scanJSONL(lx *lexer, s *scanner) {
	p := newRowParser(lx, s)
	if err := lx.skipBOM(); err != nil {
		p.syntax(err)
		return
	}
	continuing := false
	for !s.stopped() {
		c, ok := lx.skipSpace()
		if !ok {
			break
		}
		if c == '\n' { // a blank line
			lx.pos++
			lx.line++
			continue
		}
		if continuing && c != '{' {
			lx.skipLine()
			continue
		}
		continuing = false
		s.rows++
		if c != '{' {
			// Not parsed as a value: a line such as `"a": 1}` would give
			// one error for the string and another for what follows.
			p.row, p.line = s.rows, lx.line
			p.fail("", "Invalid row", fmt.Sprintf(`each line must hold one row object such as {"conv_prefix": [...], "response": {...}}, but this one starts with %s`, kindOf(c)))
			lx.skipLine()
			continue
		}
		lx.split = false
		err := p.parseRow(c, s.rows, lx.line)
		if err == nil {
			if c, ok = lx.skipSpace(); ok && c != '\n' {
				err = lx.errorf("more after the row's object: each line must hold exactly one JSON object")
			}
		}
		if err != nil {
			p.syntax(err)
			if lx.err != nil {
				return
			}
			continuing = lx.split
			lx.skipLine()
		}
	}
	if lx.err != nil {
		s.readError(lx.err)
	}
}
