package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode"
	"unicode/utf8"
)

// scanAll reads one value from data with skipValue and checks that nothing
// but whitespace follows, as json.Valid does for a whole document.
func scanAll(r io.Reader) error {
	s := newJSONScanner(r)
	if err := s.skipValue(0); err != nil {
		return err
	}
	if c, more := s.peekNonSpace(); more {
		return s.syntaxError(c, "after top-level value")
	}
	return nil
}

var scanDocs = []string{
	`0`, `-0`, `1`, `-1.5e+10`, `1E-2`, `12.0e0`, `01`, `-`, `1.`, `1.e1`, `1e`, `1e+`, `.5`, `+1`, `1.5.3`, `--1`, `0x10`, `1 2`,
	`""`, `"a"`, `"\"\\\/\b\f\n\r\t"`, `"\u0041\u00e9\uD83D\uDE00"`, `"\ud800"`, `"\x"`, `"\u12"`, `"\u12g4"`, `"a`, `"\`, "\"\x01\"",
	"\"\xff\"", "\"\x7f\"", `"'"`, `"\'"`,
	`true`, `false`, `null`, `tru`, `nul`, `nulx`, `True`, `t`,
	`[]`, `[ ]`, `[1,2]`, `[1,]`, `[,1]`, `[1 2]`, `[[[]]]`, `[`, `]`, `[}`,
	`{}`, `{ }`, `{"a":1}`, `{"a":1,}`, `{,}`, `{"a" 1}`, `{"a":1 "b":2}`, `{1:2}`, `{"a":}`, `{"a"}`, `{`, `{]`,
	`{"a":[1,{"b":null,"c":[true,false]}],"d":"\u00e9"}`, " \t\n\r{ \"a\" : [ 1 , 2 ] } \n", "\v1", `<html>`, ``, ` `,
}

// FuzzSkipValueMatchesValid checks that the scanner accepts exactly the
// documents that encoding/json accepts.
func FuzzSkipValueMatchesValid(f *testing.F) {
	for _, doc := range scanDocs {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		valid := json.Valid(data)
		for _, r := range readersOf(data) {
			err := scanAll(r.reader)
			if (err == nil) != valid {
				t.Fatalf("%s reader, %q: scanner error %v, json.Valid %v", r.name, data, err, valid)
			}
			if err == nil {
				continue
			}
			// A document cut short, and only such a document, ends the
			// input too early, as json.Decoder tells (json.Unmarshal
			// reports a cut-off number or literal as a syntax error).
			jsonErr := json.NewDecoder(bytes.NewReader(data)).Decode(new(any))
			truncated := jsonErr == io.EOF || errors.Is(jsonErr, io.ErrUnexpectedEOF)
			if errors.Is(err, io.ErrUnexpectedEOF) != truncated {
				t.Fatalf("%s reader, %q: scanner error %v, encoding/json error %v", r.name, data, err, jsonErr)
			}
		}
	})
}

// The scanner's messages are encoding/json's.
func TestScannerSyntaxMessages(t *testing.T) {
	for _, doc := range []string{
		`<html>`, `[1,]`, `{"a" 1}`, `{"a":1 "b":2}`, `{1:2}`, `[1 2]`, `"\x"`, `"\u12x4"`, "\"a\x01\"", `-a`, `1.a`, `1ea`,
		`trux`, `nulx`, `fals0`, `{"a":1,}`, `[` + nested(maxNestingDepth) + `]`,
	} {
		var want *json.SyntaxError
		if !errors.As(json.Unmarshal([]byte(doc), new(any)), &want) {
			t.Fatalf("%q: no syntax error from encoding/json", doc)
		}
		err := scanAll(strings.NewReader(doc))
		var got *jsonSyntaxError
		if !errors.As(err, &got) || got.msg != want.Error() {
			t.Errorf("%q: error %v, want %q", doc, err, want.Error())
		}
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, lit := range []string{
		`""`, `"plain"`, `"\"\\\/\b\f\n\r\t"`, `"\u0041\u00e9\u20ac"`, `"\ud83d\ude00"`, `"\uD83D\uDE00"`, `"\ud800"`, `"\udc00"`,
		`"\ud800x"`, `"\ud800\ud800\udc00"`, `"\ud800\u0041"`, `"\udc00\ud800"`, `"\ud800\\"`, `"\u0000"`,
		"\"\xff\xfe\"", "\"a\xc3\"", "\"\xe2\x82\"", "\"\xe2\x82\xac\"", "\"\xed\xa0\x80\"", "\"\xef\xbf\xbd\"",
		"\"\xf0\x9f\x98\x80\"", "\"\xf0\x9f\x98\"", "\"\xc0\xaf\"", "\"\x7f\"", `"` + strings.Repeat("é\\n", 100) + `"`,
	} {
		var want string
		if err := json.Unmarshal([]byte(lit), &want); err != nil {
			t.Fatalf("%q: %v", lit, err)
		}
		for _, r := range readersOf([]byte(lit)) {
			s := newJSONScanner(r.reader)
			if _, err := s.nonSpace(); err != nil {
				t.Fatal(err)
			}
			got, err := s.appendString([]byte("prefix:"))
			if err != nil || string(got) != "prefix:"+want {
				t.Errorf("%s reader, %q: %q, %v; want %q", r.name, lit, got, err, want)
			}
		}
	}
}

func TestAppendNumber(t *testing.T) {
	for _, tc := range []struct{ in, want, next string }{
		{"0", "0", ""}, {"-0", "-0", ""}, {"12,", "12", ","}, {"01", "0", "1"}, {"1.50]", "1.50", "]"},
		{"-1.5e+10}", "-1.5e+10", "}"}, {"1E-2 ", "1E-2", " "}, {"1e400", "1e400", ""}, {"1.5.3", "1.5", "."},
	} {
		for _, r := range readersOf([]byte(tc.in)) {
			s := newJSONScanner(r.reader)
			got, err := s.appendNumber(nil)
			next, _ := s.peek()
			if err != nil || string(got) != tc.want || tc.next != "" && string(rune(next)) != tc.next {
				t.Errorf("%s reader, %q: %q, %v, then %q; want %q then %q", r.name, tc.in, got, err, next, tc.want, tc.next)
			}
		}
	}
	for _, in := range []string{"-", "1.", "1e", "1e+", "-"} {
		if _, err := newJSONScanner(strings.NewReader(in)).appendNumber(nil); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%q: %v, want the input to end too early", in, err)
		}
	}
	for _, in := range []string{"-a", "1.a", "1ea", "1e+a"} {
		var syn *jsonSyntaxError
		if _, err := newJSONScanner(strings.NewReader(in)).appendNumber(nil); !errors.As(err, &syn) {
			t.Errorf("%q: %v, want a syntax error", in, err)
		}
	}
}

func TestAppendCompactMatchesCompact(t *testing.T) {
	for _, doc := range scanDocs {
		var want bytes.Buffer
		if json.Compact(&want, []byte(doc)) != nil {
			continue
		}
		if got := appendCompact([]byte("x"), []byte(doc)); string(got) != "x"+want.String() {
			t.Errorf("%q: %q, want %q", doc, got, want.String())
		}
	}
}

// A value cut off inside a string escape is an error, not a panic, when it
// is to be compacted.
func TestAppendRawTextCutOff(t *testing.T) {
	for _, in := range []string{`{"\`, `["\`, `{"a":"\`, `["\u00`, `{"a":[1,`} {
		s := newJSONScanner(strings.NewReader(in))
		if _, err := s.nonSpace(); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.appendRawText(nil, 0); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%q: %v, want the input to end too early", in, err)
		}
	}
	if got := appendCompact(nil, []byte(`["\`)); string(got) != `["\` {
		t.Errorf("appendCompact of a cut-off escape: %q", got)
	}
}

// A recording holds exactly the bytes of the values read, however the
// input arrives and however it nests.
func TestRecording(t *testing.T) {
	const doc = ` {"a" : [1, "\u00e9"], "b": {"c" : null}} `
	for _, r := range readersOf([]byte(doc)) {
		s := newJSONScanner(r.reader)
		if _, err := s.nonSpace(); err != nil {
			t.Fatal(err)
		}
		outer := s.startRecording()
		s.consume()
		var inner []byte
		for first := true; ; first = false {
			key, more, err := s.objectKey(first)
			if err != nil {
				t.Fatal(err)
			}
			if !more {
				break
			}
			if string(key) == "b" {
				if _, err := s.nonSpace(); err != nil {
					t.Fatal(err)
				}
				from := s.startRecording()
				err = s.skipValue(1)
				inner = append(inner, s.stopRecording(from)...)
			} else {
				err = s.skipValue(1)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if got, want := string(s.stopRecording(outer)), strings.TrimSpace(doc); got != want {
			t.Errorf("%s reader: outer recording %q, want %q", r.name, got, want)
		}
		if string(inner) != `{"c" : null}` {
			t.Errorf("%s reader: inner recording %q", r.name, inner)
		}
	}
}

// foldName is encoding/json's folding of object keys and field names.
func foldName(in []byte) string {
	var out []byte
	for i := 0; i < len(in); {
		if c := in[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(in[i:])
		for {
			r2 := unicode.SimpleFold(r)
			if r2 <= r {
				r = r2
				break
			}
			r = r2
		}
		out = utf8.AppendRune(out, r)
		i += n
	}
	return string(out)
}

// keyIs must agree with encoding/json's folding for every character.
func TestKeyIsFoldsEveryRuneAsEncodingJSON(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		key := []byte("I" + string(r))
		folded := foldName(key)
		for _, c := range []string{"A", "K", "S", "_", "0", "I"} {
			name := "I" + c
			if got, want := keyIs(key, name), folded == name; got != want {
				t.Fatalf("keyIs(%q, %q) = %v, encoding/json says %v", key, name, got, want)
			}
		}
	}
}

// And through encoding/json itself, on the field names the decoders use.
func TestKeyIsMatchesStructFields(t *testing.T) {
	type fields struct {
		ID       *int `json:"id"`
		DBID     *int `json:"db_id"`
		Response *int `json:"response"`
		K        *int `json:"k"`
	}
	for _, key := range []string{
		"id", "ID", "iD", "ıd", "İd", "db_id", "DB_ID", "db-id", "dbid", "response", "RESPONSE", "reſponſe", "reſpon\u017fE",
		"k", "K", "\u212a", "\u212a\u212a", "idd", "i", "", "response ", "ﬀ",
	} {
		var f fields
		if err := json.Unmarshal([]byte(`{"`+key+`":1}`), &f); err != nil {
			t.Fatal(err)
		}
		for name, set := range map[string]bool{"ID": f.ID != nil, "DB_ID": f.DBID != nil, "RESPONSE": f.Response != nil, "K": f.K != nil} {
			if keyIs([]byte(key), name) != set {
				t.Errorf("keyIs(%q, %q) = %v, encoding/json says %v", key, name, !set, set)
			}
		}
	}
}

// Reading past the end of a value never blocks nor needs more input: a
// decoder must be able to stop at the last byte of a well-formed answer.
func TestScannerStopsAtTheValue(t *testing.T) {
	s := newJSONScanner(iotest.OneByteReader(strings.NewReader(`{"a":[1,2]}`)))
	if err := s.skipValue(0); err != nil {
		t.Fatal(err)
	}
	if s.rerr != nil {
		t.Errorf("the scanner read up to the end of the input (%v) to finish an object", s.rerr)
	}
}
