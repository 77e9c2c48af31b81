package dataset

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// usualRole reports whether role is one of the OpenAI chat roles. Others are
// allowed but warned about: they are more often typos than intent.
func usualRole[S ~string | ~[]byte](role S) bool {
	switch string(role) {
	case "system", "user", "assistant", "tool", "developer", "function":
		return true
	}
	return false
}

const usualRoles = "system, user, assistant, tool, developer or function"

// checkRoles applies the checks that do not depend on where a row came from,
// the ones a row whose types are right can still fail, to a row with n turns
// whose turn i has the role role(i). It is generic so that the JSON parser
// checks a row straight from its buffers, without making strings of them.
func checkRoles[S ~string | ~[]byte](c *collector, row, line, n int, role func(int) S, response S) {
	if n == 0 {
		c.addError(row, line, "conv_prefix", "Empty conv_prefix",
			`conv_prefix is empty: it needs at least the user's message, e.g. [{"role": "user", "content": "..."}]`)
	}
	for i := range n {
		r := role(i)
		switch {
		case len(r) == 0:
			c.addError(row, line, fmt.Sprintf("conv_prefix[%d].role", i), "Empty role",
				fmt.Sprintf("turn %d of conv_prefix has an empty role: use user, assistant or system", i+1))
		case !usualRole(r):
			field, text := fmt.Sprintf("conv_prefix[%d].role", i), ""
			if c.wantsText(warnUnusualRole) {
				text = fmt.Sprintf("%s is %s", field, quoteShort(string(r)))
			}
			c.addWarning(warnUnusualRole, row, line, field, text)
		}
	}
	switch {
	case len(response) == 0:
		c.addError(row, line, "response.role", "Empty role",
			`response.role is empty: the response is the assistant's turn, use "assistant"`)
	case string(response) != "assistant":
		text := ""
		if c.wantsText(warnResponseRole) {
			text = fmt.Sprintf(`response.role is %s, not "assistant"`, quoteShort(string(response)))
		}
		c.addWarning(warnResponseRole, row, line, "response.role", text)
	}
	if n > 0 {
		if last := role(n - 1); string(last) != "user" && len(last) > 0 {
			field, text := fmt.Sprintf("conv_prefix[%d].role", n-1), ""
			if c.wantsText(warnLastTurn) {
				text = fmt.Sprintf("conv_prefix ends with a %s turn (turn %d)", quoteShort(string(last)), n)
			}
			c.addWarning(warnLastTurn, row, line, field, text)
		}
	}
}

// fieldName renders a key or column name from the source as a Field: as it
// is when it is short and printable, quoted otherwise, so that a Problem
// stays on one line.
func fieldName(name string) string {
	if len(name) > 40 || !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) {
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
		r := &rows[i]
		checkRoles(&s.c, i+1, 0, len(r.ConvPrefix), func(i int) string { return r.ConvPrefix[i].Role }, r.Response.Role)
		s.accept(r, i+1, 0)
		if s.stopped() {
			break
		}
	}
	return s.finish("rows is empty: give at least one row")
}
