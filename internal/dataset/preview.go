package dataset

import (
	"strconv"
	"unicode/utf8"
)

// Preview renders a row on one line, for a plan that shows what it will
// upload: its last user turn and its response, each cut to width characters
// with an ellipsis, e.g.
//
//	user: “Où est le café ?” → assistant: “Au coin de la rue.”
//
// Texts are quoted, and quotes, backslashes, line breaks, control characters
// and every other character that does not print (such as the bidirectional
// overrides) are escaped as in Go, so that a preview stays on one line and a
// row cannot forge terminal output. A conversation without a user turn shows
// its last turn under its own role. width < 1 means no cut.
func Preview(r *Row, width int) string {
	b := make([]byte, 0, 64)
	if turn, ok := lastUserTurn(r.ConvPrefix); ok {
		b = appendTurn(b, turn, width)
		b = append(b, " → "...)
	}
	return string(appendTurn(b, r.Response, width))
}

// lastUserTurn returns the last user turn of a conversation, else its last
// turn; ok is false when it has none.
func lastUserTurn(conv []Message) (Message, bool) {
	for i := len(conv) - 1; i >= 0; i-- {
		if conv[i].Role == "user" {
			return conv[i], true
		}
	}
	if len(conv) == 0 {
		return Message{}, false
	}
	return conv[len(conv)-1], true
}

// maxRoleWidth cuts roles, which are names, shorter than texts.
const maxRoleWidth = 20

func appendTurn(b []byte, m Message, width int) []byte {
	if isPlainRole(m.Role) {
		b = append(b, m.Role...)
	} else {
		b = appendPreviewText(b, m.Role, maxRoleWidth)
	}
	b = append(b, ": "...)
	return appendPreviewText(b, m.Content, width)
}

// isPlainRole reports whether a role can be shown without quotes: a short
// name of lowercase letters, digits, '_' and '-'.
func isPlainRole(role string) bool {
	if role == "" || len(role) > maxRoleWidth {
		return false
	}
	for i := range len(role) {
		c := role[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// appendPreviewText appends s between typographic quotes, escaped, and cut
// after width characters (each escape counting as one) with an ellipsis.
// Typographic quotes, unlike '"', are not escaped again where Terraform
// shows the preview as a quoted string.
func appendPreviewText(b []byte, s string, width int) []byte {
	b = append(b, "“"...)
	for n := 0; s != ""; n++ {
		if width > 0 && n == width {
			b = append(b, "…"...)
			break
		}
		r, size := utf8.DecodeRuneInString(s)
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\x`...)
			b = append(b, hexDigits[s[0]>>4], hexDigits[s[0]&0xF])
		} else {
			b = appendPreviewRune(b, r)
		}
		s = s[size:]
	}
	return append(b, "”"...)
}

func appendPreviewRune(b []byte, r rune) []byte {
	switch r {
	case '\\':
		return append(b, `\\`...)
	case '\n':
		return append(b, `\n`...)
	case '\r':
		return append(b, `\r`...)
	case '\t':
		return append(b, `\t`...)
	}
	if strconv.IsPrint(r) {
		return utf8.AppendRune(b, r)
	}
	// Quoting the rune alone gives its escape between single quotes.
	q := strconv.QuoteRuneToASCII(r)
	return append(b, q[1:len(q)-1]...)
}
