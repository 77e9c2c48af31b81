package dataset

import (
	"fmt"
	"strings"
	"unicode"
)

// usualRole reports whether role is one of the OpenAI chat roles. Others are
// allowed but warned about: they are more often typos than intent.
func usualRole(role string) bool {
	switch role {
	case "system", "user", "assistant", "tool", "developer", "function":
		return true
	}
	return false
}

const usualRoles = "system, user, assistant, tool, developer or function"

// checkRow applies the checks that do not depend on where a row came from:
// the ones a typed row (inline in Terraform, or a file row whose types are
// right) can still fail.
func (s *scanner) checkRow(r *Row, row, line int) {
	c := &s.c
	if len(r.ConvPrefix) == 0 {
		c.addError(row, line, "conv_prefix", "Empty conv_prefix",
			`conv_prefix is empty: it needs at least the user's message, e.g. [{"role": "user", "content": "..."}]`)
	}
	for i := range r.ConvPrefix {
		role := r.ConvPrefix[i].Role
		switch {
		case role == "":
			c.addError(row, line, fmt.Sprintf("conv_prefix[%d].role", i), "Empty role",
				fmt.Sprintf("turn %d of conv_prefix has an empty role: use user, assistant or system", i+1))
		case !usualRole(role):
			key := "role\x00" + role
			if c.hasWarning(key) {
				c.countWarning(key)
				continue
			}
			c.addWarning(key, row, line, fmt.Sprintf("conv_prefix[%d].role", i), "Unusual role",
				fmt.Sprintf("turn %d of conv_prefix has the role %s; the usual roles are %s", i+1, quoteShort(role), usualRoles))
		}
	}
	switch role := r.Response.Role; {
	case role == "":
		c.addError(row, line, "response.role", "Empty role",
			`response.role is empty: the response is the assistant's turn, use "assistant"`)
	case role != "assistant":
		key := "response\x00" + role
		if c.hasWarning(key) {
			c.countWarning(key)
			break
		}
		c.addWarning(key, row, line, "response.role", "Unexpected response role",
			fmt.Sprintf(`response.role is %s, not "assistant": the response should be the assistant's turn`, quoteShort(role)))
	}
	if n := len(r.ConvPrefix); n > 0 {
		if last := r.ConvPrefix[n-1].Role; last != "user" && last != "" {
			const key = "last turn"
			if c.hasWarning(key) {
				c.countWarning(key)
				return
			}
			c.addWarning(key, row, line, fmt.Sprintf("conv_prefix[%d].role", n-1), "Last turn is not the user's",
				fmt.Sprintf("conv_prefix ends with a %s turn (turn %d); it usually ends with the user's message that the response answers", quoteShort(last), n))
		}
	}
}

// fieldName renders a key or column name from the source as a Field: as it
// is when it is short and printable, quoted otherwise, so that a Problem
// stays on one line.
func fieldName(name string) string {
	if len(name) > 40 || strings.ContainsFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return quoteShort(name)
	}
	return name
}

// quoteShort quotes s for a message, shortened when long.
func quoteShort(s string) string {
	const maxLen = 40
	if len(s) > maxLen {
		cut := maxLen
		for cut > 0 && s[cut]&0xC0 == 0x80 { // not inside a UTF-8 sequence
			cut--
		}
		return fmt.Sprintf("%q…", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}

// CheckRows validates rows given inline (already typed by Terraform's schema)
// with the same semantic checks as a file: conv_prefix empty, empty role,
// unusual role and last turn not the user's (warnings), no rows at all. It
// also fills Rows and SHA256, which equal those of a file holding the same
// rows.
func CheckRows(rows []Row) *Summary {
	s := newScanner("", nil)
	for i := range rows {
		s.rows++
		s.accept(&rows[i], i+1, 0, &rows[i])
		if s.stopped() {
			break
		}
	}
	return s.finish("rows is empty: give at least one row")
}
