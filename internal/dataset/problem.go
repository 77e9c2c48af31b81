package dataset

import (
	"fmt"
	"strconv"
	"strings"
)

// Severity says whether a Problem stops the plan.
type Severity int

const (
	SeverityError Severity = iota
	SeverityWarning
)

func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	}
	return "Severity(" + strconv.Itoa(int(s)) + ")"
}

// Problem is one finding about a source: an error that stops the plan or a
// warning. It names the file, the 1-based row and line, and the field, so the
// user can go straight to it.
//
// Detail is a complete sentence fit for a diagnostic on its own. When it is
// about Field it starts with the field's name, e.g. `ground_truth must be an
// integer such as 0 or 1, got the string "1": remove the quotes`.
type Problem struct {
	Severity Severity
	File     string // the path as the user wrote it; "" for inline rows
	Row      int    // 1-based row number; 0 when the problem is not about one row
	Line     int    // 1-based line in the file (JSONL, CSV, and JSON where known); 0 when unknown
	Field    string // e.g. "conv_prefix", "conv_prefix[2].content", "ground_truth"; "" for the whole row
	Summary  string // short, e.g. "Invalid ground_truth"
	Detail   string // what is wrong and what to do, e.g. `ground_truth must be an integer such as 0 or 1, got the string "1"; remove the quotes`
}

// Error formats the problem as one line:
// `file.jsonl: row 3 (line 4): ground_truth: must be ...`. The parts that are
// unknown (file, row, line, field) are left out; a Detail that starts with the
// field's name is not made to repeat it.
func (p Problem) Error() string {
	var b strings.Builder
	sep := func() {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
	}
	b.WriteString(p.File)
	switch {
	case p.Row > 0 && p.Line > 0:
		sep()
		fmt.Fprintf(&b, "row %d (line %d)", p.Row, p.Line)
	case p.Row > 0:
		sep()
		fmt.Fprintf(&b, "row %d", p.Row)
	case p.Line > 0:
		sep()
		fmt.Fprintf(&b, "line %d", p.Line)
	}
	detail := p.Detail
	if detail == "" {
		detail = p.Summary
	}
	if p.Field != "" {
		sep()
		b.WriteString(p.Field)
		detail = strings.TrimPrefix(detail, p.Field+" ")
	}
	sep()
	b.WriteString(detail)
	return b.String()
}

// MaxErrors is how many errors a scan reports before it stops looking.
const MaxErrors = 10

// MaxWarnings is how many distinct warnings a scan lists; the rest are
// counted in one final warning.
const MaxWarnings = 10

// collector gathers the problems of one scan and keeps them bounded: at most
// MaxErrors errors (then the scan stops) and MaxWarnings warnings. A warning
// given with a key is listed once, at its first occurrence, and its detail
// later says how often it recurred: a file whose every row has an "id" key
// gets one warning, not one per row.
type collector struct {
	file     string
	problems []Problem
	errors   int
	warnings int // listed warnings
	unlisted int // warnings beyond MaxWarnings
	tooMany  bool

	seen map[string]int // warning key -> index in problems, or -1 when unlisted
	more map[int]int    // index in problems -> further occurrences
}

// full reports whether the scan should stop: MaxErrors errors were listed and
// one more was found.
func (c *collector) full() bool { return c.tooMany }

func (c *collector) addError(row, line int, field, summary, detail string) {
	if c.errors >= MaxErrors {
		c.tooMany = true
		return
	}
	c.errors++
	c.problems = append(c.problems, Problem{
		Severity: SeverityError, File: c.file, Row: row, Line: line,
		Field: field, Summary: summary, Detail: detail,
	})
}

// addWarning lists a warning. key, when not "", groups recurrences of the same
// warning (see collector).
func (c *collector) addWarning(key string, row, line int, field, summary, detail string) {
	if key != "" {
		if i, ok := c.seen[key]; ok {
			if i >= 0 {
				c.more[i]++
			} else {
				c.unlisted++
			}
			return
		}
		if c.seen == nil {
			c.seen = make(map[string]int)
			c.more = make(map[int]int)
		}
	}
	if c.warnings >= MaxWarnings {
		c.unlisted++
		if key != "" {
			c.seen[strings.Clone(key)] = -1
		}
		return
	}
	c.warnings++
	if key != "" {
		c.seen[strings.Clone(key)] = len(c.problems)
	}
	c.problems = append(c.problems, Problem{
		Severity: SeverityWarning, File: c.file, Row: row, Line: line,
		Field: field, Summary: summary, Detail: detail,
	})
}

// hasWarning reports whether a keyed warning was already given, so callers
// can skip building its text.
func (c *collector) hasWarning(key string) bool {
	_, ok := c.seen[key]
	return ok
}

// countWarning counts one more occurrence of a keyed warning already given.
func (c *collector) countWarning(key string) {
	if i := c.seen[key]; i >= 0 {
		c.more[i]++
	} else {
		c.unlisted++
	}
}

// finish completes the list: recurrence counts, and the problems that say
// more were not listed.
func (c *collector) finish() []Problem {
	for i, n := range c.more {
		c.problems[i].Detail += fmt.Sprintf(" The same occurs %s more %s.", count(n), plural(n, "time", "times"))
	}
	if c.unlisted > 0 {
		c.problems = append(c.problems, Problem{
			Severity: SeverityWarning, File: c.file,
			Summary: "More warnings",
			Detail:  fmt.Sprintf("and %s more %s not listed", count(c.unlisted), plural(c.unlisted, "warning", "warnings")),
		})
	}
	if c.tooMany {
		c.problems = append(c.problems, Problem{
			Severity: SeverityError, File: c.file,
			Summary: "Too many errors",
			Detail:  fmt.Sprintf("more errors were not listed: the check stopped after %d errors; fix these and plan again", MaxErrors),
		})
	}
	return c.problems
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// count renders n with thousands separators, as people read large counts.
func count(n int) string {
	s := strconv.Itoa(n)
	if n < 10000 {
		return s
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	return string(b)
}
