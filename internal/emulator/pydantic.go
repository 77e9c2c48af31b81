package emulator

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// bodyFields validates the fields of a JSON body the way pydantic v2 does in
// FastAPI's (lax) mode, gathering every issue with its location. A field sent
// as null is a type error unless the field is nullable; a missing one is an
// error only when it is required.
type bodyFields struct {
	obj    map[string]any
	issues []validationIssue
}

func (b *bodyFields) fail(name string, typ, msg string, input any, ctx map[string]any) {
	b.issues = append(b.issues, validationIssue{Type: typ, Loc: []any{"body", name}, Msg: msg, Input: input, Ctx: ctx})
}

// get returns the field's value; a missing required field is an issue.
func (b *bodyFields) get(name string, required bool) (any, bool) {
	v, present := b.obj[name]
	if !present && required {
		b.issues = append(b.issues, missingField("body", name))
	}
	return v, present
}

func (b *bodyFields) str(name string) string {
	v, present := b.get(name, true)
	if !present {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		b.fail(name, "string_type", "Input should be a valid string", v, nil)
	}
	return s
}

// nullableStr is an optional `str | None` field.
func (b *bodyFields) nullableStr(name string) *string {
	v, present := b.get(name, false)
	if !present || v == nil {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		b.fail(name, "string_type", "Input should be a valid string", v, nil)
		return nil
	}
	return &s
}

func (b *bodyFields) uuid(name string) string {
	v, present := b.get(name, true)
	if !present {
		return ""
	}
	return b.uuidValue([]any{"body", name}, v)
}

// nullableUUID is an optional `UUID | None` field.
func (b *bodyFields) nullableUUID(name string) *string {
	v, present := b.get(name, false)
	if !present || v == nil {
		return nil
	}
	if c := b.uuidValue([]any{"body", name}, v); c != "" {
		return &c
	}
	return nil
}

func (b *bodyFields) uuidValue(loc []any, v any) string {
	s, ok := v.(string)
	if !ok {
		b.issues = append(b.issues, validationIssue{Type: "uuid_type", Loc: loc,
			Msg: "UUID input should be a string, bytes or UUID object", Input: v})
		return ""
	}
	c, errText := parseUUID(s)
	if errText != "" {
		b.issues = append(b.issues, uuidParsingIssue(loc, s, errText))
	}
	return c
}

// uuidList is a required `list[UUID]`, or an optional one defaulting to [].
func (b *bodyFields) uuidList(name string, required bool) []string {
	v, present := b.get(name, required)
	if !present {
		return []string{}
	}
	items, ok := v.([]any)
	if !ok {
		b.fail(name, "list_type", "Input should be a valid list", v, nil)
		return nil
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		out = append(out, b.uuidValue([]any{"body", name, i}, item))
	}
	return out
}

// intList is a required `list[int]`. pydantic's lax mode takes integral
// numbers and strings of digits.
func (b *bodyFields) intList(name string) []int64 {
	v, present := b.get(name, true)
	if !present {
		return nil
	}
	items, ok := v.([]any)
	if !ok {
		b.fail(name, "list_type", "Input should be a valid list", v, nil)
		return nil
	}
	out := make([]int64, 0, len(items))
	for i, item := range items {
		n, typ, msg := laxInt(item)
		if typ != "" {
			b.issues = append(b.issues, validationIssue{Type: typ, Loc: []any{"body", name, i}, Msg: msg, Input: item})
			continue
		}
		out = append(out, n)
	}
	return out
}

func laxInt(v any) (int64, string, string) {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, "", ""
		}
		f, err := x.Float64()
		if err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return int64(f), "", ""
		}
		return 0, "int_from_float", "Input should be a valid integer, got a number with a fractional part"
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
			return n, "", ""
		}
		return 0, "int_parsing", "Input should be a valid integer, unable to parse string as an integer"
	}
	return 0, "int_type", "Input should be a valid integer"
}

// boolean is a `bool` field: required, or optional with a default. pydantic's
// lax mode takes 0 and 1 and a few words.
func (b *bodyFields) boolean(name string, required, def bool) bool {
	v, present := b.get(name, required)
	if !present {
		return def
	}
	switch x := v.(type) {
	case bool:
		return x
	case json.Number:
		switch x.String() {
		case "0", "0.0":
			return false
		case "1", "1.0":
			return true
		}
		b.fail(name, "bool_parsing", "Input should be a valid boolean, unable to interpret input", v, nil)
	case string:
		switch strings.ToLower(x) {
		case "0", "off", "f", "false", "n", "no":
			return false
		case "1", "on", "t", "true", "y", "yes":
			return true
		}
		b.fail(name, "bool_parsing", "Input should be a valid boolean, unable to interpret input", v, nil)
	default:
		b.fail(name, "bool_type", "Input should be a valid boolean", v, nil)
	}
	return def
}

// enum is a required field of a string enum.
func (b *bodyFields) enum(name string, allowed []string) string {
	v, present := b.get(name, true)
	if !present {
		return ""
	}
	if s, ok := v.(string); ok {
		for _, a := range allowed {
			if s == a {
				return s
			}
		}
	}
	expected := enumExpected(allowed)
	b.fail(name, "enum", "Input should be "+expected, v, map[string]any{"expected": expected})
	return ""
}

// enumExpected lists the values as pydantic does: 'a', 'b' or 'c'.
func enumExpected(allowed []string) string {
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = "'" + a + "'"
	}
	if len(quoted) == 1 {
		return quoted[0]
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
}
