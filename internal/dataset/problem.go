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
// An error is about one place. A warning is one Problem per kind (Summary)
// listing every place it occurs, so that no two warnings of a scan share a
// summary: Terraform folds warnings with the same summary into one. Row and
// Line are set when all the places are in one row, and Field when they are
// all the same field; Detail then lists the places, one per line, when there
// are several.
//
// Detail is complete sentences fit for a diagnostic on their own. When it is
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

// Error formats the problem as
// `file.jsonl: row 3 (line 4): ground_truth: must be ...`. The parts that are
// unknown (file, row, line, field) are left out; a Detail that starts with the
// field's name is not made to repeat it. It is one line, except for a warning
// that lists several places: they follow, one per line.
func (p Problem) Error() string {
	var b strings.Builder
	sep := func() {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
	}
	b.WriteString(p.File)
	if at := placeName(p.Row, p.Line); at != "" {
		sep()
		b.WriteString(at)
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

// placeName renders "row 3 (line 4)", "row 3" or "line 4"; "" when both are
// unknown.
func placeName(row, line int) string {
	switch {
	case row > 0 && line > 0:
		return fmt.Sprintf("row %d (line %d)", row, line)
	case row > 0:
		return fmt.Sprintf("row %d", row)
	case line > 0:
		return fmt.Sprintf("line %d", line)
	}
	return ""
}

// MaxErrors is how many errors a scan reports before it stops looking.
const MaxErrors = 10

// MaxListed is how many places a warning lists, for each of its kinds or
// keys; the others are counted ("... and 12 more").
const MaxListed = 10

// MaxListedKeys is how many distinct unknown keys the warning about them
// lists; the others are counted. A file whose keys are data (one per row)
// would otherwise make a warning as long as the file.
const MaxListedKeys = 100

// warningKind is a kind of warning: each gives at most one Problem.
type warningKind int

const (
	warnUnusualRole warningKind = iota
	warnResponseRole
	warnLastTurn
	warnUnknownKey
	numWarningKinds
)

// warningText is what a kind of warning says besides its places.
type warningText struct {
	summary string
	// one follows the description of a single occurrence.
	one string
	// many heads the list of several occurrences; %s is their count.
	many string
}

var warningTexts = [numWarningKinds]warningText{
	warnUnusualRole: {
		summary: "Unusual role",
		one:     "the usual roles are " + usualRoles,
		many:    "%s turns have an unusual role; the usual roles are " + usualRoles + ":",
	},
	warnResponseRole: {
		summary: "Unexpected response role",
		one:     "the response should be the assistant's turn",
		many:    `%s rows have a response role other than "assistant"; the response should be the assistant's turn:`,
	},
	warnLastTurn: {
		summary: "Last turn is not the user's",
		one:     "it usually ends with the user's message that the response answers",
		many:    "in %s rows conv_prefix does not end with a user turn; it usually ends with the user's message that the response answers:",
	},
	warnUnknownKey: {
		summary: "Keys not uploaded",
		one:     keysNotUploaded,
		many:    "keys that are not part of a dataset row (conv_prefix, response, ground_truth, context) or of a message (role, content) are ignored and not uploaded; they occur %s times:",
	},
}

const keysNotUploaded = "it is not part of a dataset row (conv_prefix, response, ground_truth, context) or of a message (role, content), so it is ignored and not uploaded"

// place is one occurrence of a warning.
type place struct {
	row, line int
	text      string // what occurs there; "" for an unknown key, which the key's line names
}

// placeList is the places of a warning: the first MaxListed, and how many
// there are.
type placeList struct {
	count  int
	listed []place
}

func (l *placeList) add(p place) {
	l.count++
	if len(l.listed) < MaxListed {
		l.listed = append(l.listed, p)
	}
}

// full reports whether the next place will only be counted, so that its text
// need not be built.
func (l *placeList) full() bool { return len(l.listed) >= MaxListed }

// keyGroup is the places of one unknown key (its field, such as "id" or
// "conv_prefix[0].name").
type keyGroup struct {
	field string
	text  string // the single occurrence's description
	placeList
}

// warning gathers the occurrences of one kind of warning.
type warning struct {
	kind warningKind
	placeList
	keys      []*keyGroup // warnUnknownKey: in order of first occurrence
	keyIndex  map[string]*keyGroup
	otherKeys int // occurrences of keys beyond the first MaxListedKeys

	row, line     int    // of the first occurrence
	field         string // of the first occurrence
	oneRow, oneFd bool   // every occurrence is in that row / that field
}

// collector gathers the problems of one scan: at most MaxErrors errors (then
// the scan stops), and one warning per kind.
type collector struct {
	file     string
	problems []Problem // errors
	errors   int
	tooMany  bool
	warnings [numWarningKinds]*warning // by kind
	order    []*warning                // in the order their kinds first occurred
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

// warning returns the warning of a kind, noting where it occurs.
func (c *collector) warning(kind warningKind, row, line int, field string) *warning {
	w := c.warnings[kind]
	if w == nil {
		w = &warning{kind: kind, row: row, line: line, field: field, oneRow: true, oneFd: true}
		c.warnings[kind] = w
		c.order = append(c.order, w)
		return w
	}
	w.oneRow = w.oneRow && row == w.row
	w.oneFd = w.oneFd && field == w.field
	return w
}

// wantsText reports whether the next occurrence of a kind will be listed, so
// that callers build its description only then.
func (c *collector) wantsText(kind warningKind) bool {
	w := c.warnings[kind]
	return w == nil || !w.full()
}

// addWarning records one occurrence of a warning. text describes it, e.g.
// `conv_prefix[0].role is "bot"`; it may be "" when wantsText said so.
func (c *collector) addWarning(kind warningKind, row, line int, field, text string) {
	c.warning(kind, row, line, field).add(place{row, line, text})
}

// addUnknownKey records a key, name, that is not part of the schema, in the
// object where: "" for the row, e.g. "conv_prefix[0]" for a message. field
// names it (e.g. "id", "conv_prefix[0].name").
func (c *collector) addUnknownKey(row, line int, where, field, name string) {
	w := c.warning(warnUnknownKey, row, line, field)
	w.count++
	g := w.keyIndex[field]
	if g == nil {
		if len(w.keys) >= MaxListedKeys {
			w.otherKeys++
			return
		}
		if w.keyIndex == nil {
			w.keyIndex = make(map[string]*keyGroup)
		}
		g = &keyGroup{field: field, text: unknownKeyText(where, name)}
		w.keys = append(w.keys, g)
		w.keyIndex[g.field] = g
	}
	g.add(place{row: row, line: line})
}

// unknownKeyText describes a single occurrence of an unknown key, e.g.
// `the row has the key "id"`.
func unknownKeyText(where, name string) string {
	what := "the row"
	if where != "" {
		what = where
	}
	return fmt.Sprintf("%s has the key %s", what, quoteShort(name))
}

// finish completes the list: the errors in the order found, "too many
// errors" when the scan stopped early, then one warning per kind in the order
// the kinds first occurred.
func (c *collector) finish() []Problem {
	if c.tooMany {
		c.problems = append(c.problems, Problem{
			Severity: SeverityError, File: c.file,
			Summary: "Too many errors",
			Detail:  fmt.Sprintf("more errors were not listed: the check stopped after %d errors; fix these and plan again", MaxErrors),
		})
	}
	for _, w := range c.order {
		c.problems = append(c.problems, w.problem(c.file))
	}
	return c.problems
}

// problem renders a warning: one place as a sentence, several as a list.
func (w *warning) problem(file string) Problem {
	t := warningTexts[w.kind]
	p := Problem{Severity: SeverityWarning, File: file, Summary: t.summary}
	if w.oneRow {
		p.Row, p.Line = w.row, w.line
		if w.oneFd {
			p.Field = w.field
		}
	}
	if w.count == 1 {
		text := ""
		if w.kind == warnUnknownKey {
			text = w.keys[0].text
		} else {
			text = w.listed[0].text
		}
		p.Detail = text + "; " + t.one
		return p
	}
	var b strings.Builder
	fmt.Fprintf(&b, t.many, count(w.count))
	if w.kind != warnUnknownKey {
		writePlaces(&b, &w.placeList, true)
		p.Detail = b.String()
		return p
	}
	for _, g := range w.keys {
		fmt.Fprintf(&b, "\n  %s: ", g.field)
		writePlaces(&b, &g.placeList, false)
	}
	if w.otherKeys > 0 {
		fmt.Fprintf(&b, "\n  ... and %s more %s of other keys", count(w.otherKeys), plural(w.otherKeys, "occurrence", "occurrences"))
	}
	p.Detail = b.String()
	return p
}

// writePlaces lists places: one per line with its text (lines), or on one
// line separated by commas.
func writePlaces(b *strings.Builder, l *placeList, lines bool) {
	for i, p := range l.listed {
		switch {
		case lines:
			fmt.Fprintf(b, "\n  %s: %s", placeName(p.row, p.line), p.text)
		case i > 0:
			fmt.Fprintf(b, ", %s", placeName(p.row, p.line))
		default:
			b.WriteString(placeName(p.row, p.line))
		}
	}
	if more := l.count - len(l.listed); more > 0 {
		if lines {
			fmt.Fprintf(b, "\n  ... and %s more", count(more))
		} else {
			fmt.Fprintf(b, " ... and %s more", count(more))
		}
	}
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
