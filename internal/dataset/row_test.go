package dataset

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

var trickyStrings = []string{
	"",
	`quotes " and \ backslash`,
	"control \x00 \x01 \x1f \b \f \n \r \t \x7f",
	"invalid UTF-8 \xff \xc3 \xed\xa0\x80 end",
	"line separators \u2028 \u2029",
	"emoji 😀 👩‍👩‍👧 and CJK 漢字",
	"<script>alert('&');</script>",
	"U+FFFD � itself",
	strings.Repeat("long ", 1000),
}

// asDecoded is s as encoding/json reads it: each byte that is not UTF-8
// becomes U+FFFD.
func asDecoded(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// The canonical form must be JSON that encoding/json, like the API, reads
// back to the same row (with invalid UTF-8 read as U+FFFD, as encoding/json
// and the scanner both do).
func TestAppendCanonicalRoundTrip(t *testing.T) {
	for _, s := range trickyStrings {
		r := Row{
			ConvPrefix:  []Message{{Role: "system", Content: s}, {Role: "r" + s, Content: "q"}},
			Response:    Message{Role: "assistant", Content: s},
			GroundTruth: ptr[int64](-9223372036854775808),
			Context:     ptr(s),
		}
		b := r.AppendCanonical(nil)
		if !json.Valid(b) {
			t.Fatalf("not valid JSON for %q: %s", s, b)
		}
		var back Row
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		want := Row{
			ConvPrefix:  []Message{{Role: "system", Content: asDecoded(s)}, {Role: "r" + asDecoded(s), Content: "q"}},
			Response:    Message{Role: "assistant", Content: asDecoded(s)},
			GroundTruth: r.GroundTruth,
			Context:     ptr(asDecoded(s)),
		}
		if !reflect.DeepEqual(back, want) {
			t.Fatalf("round trip of %q:\n got %+v\nwant %+v", s, back, want)
		}
		// Rows read from JSON hold valid UTF-8 (invalid bytes become
		// U+FFFD on reading), and for them the canonical form is stable:
		// encoding it, decoding it and encoding again gives the same bytes.
		// (Raw invalid bytes encode as the escape \ufffd, a decoded U+FFFD
		// as itself, so a row holding invalid UTF-8 is not.)
		canon := want.AppendCanonical(nil)
		if again := back.AppendCanonical(nil); !bytes.Equal(again, canon) {
			t.Fatalf("canonical form is not stable for %q:\n%s\n%s", s, canon, again)
		}
		// The scanner reads the row to the same row and digest.
		sum, rows := scanString(t, FormatJSONL, string(b))
		if sum.HasErrors() || len(rows) != 1 || !reflect.DeepEqual(rows[0], want) || rows[0].Digest() != want.Digest() {
			t.Fatalf("scanning the canonical form of %q: %s", s, describe(sum.Problems))
		}
	}
}

func TestAppendCanonicalShape(t *testing.T) {
	r := Row{
		ConvPrefix: []Message{{Role: "user", Content: "<a & b>"}},
		Response:   Message{Role: "assistant", Content: "x"},
	}
	if got, want := string(r.AppendCanonical(nil)), `{"conv_prefix":[{"role":"user","content":"<a & b>"}],"response":{"role":"assistant","content":"x"}}`; got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	r.GroundTruth, r.Context = ptr[int64](0), ptr("")
	if got, want := string(r.AppendCanonical([]byte("prefix"))), `prefix{"conv_prefix":[{"role":"user","content":"<a & b>"}],"response":{"role":"assistant","content":"x"},"ground_truth":0,"context":""}`; got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// referenceAppendJSONString is AppendJSONString as first written, rune by
// rune; the table-driven version must give the same bytes.
func referenceAppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func TestAppendJSONStringMatchesReference(t *testing.T) {
	for _, s := range trickyStrings {
		if got, want := AppendJSONString(nil, s), referenceAppendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("AppendJSONString(%q) = %s, want %s", s, got, want)
		}
	}
	// Every single byte and every pair of a byte with a multi-byte prefix.
	for b := range 256 {
		for _, s := range []string{string([]byte{byte(b)}), "\xe2\x80" + string([]byte{byte(b)}), "a" + string([]byte{byte(b)}) + "z"} {
			if got, want := AppendJSONString(nil, s), referenceAppendJSONString(nil, s); !bytes.Equal(got, want) {
				t.Errorf("AppendJSONString(%q) = %s, want %s", s, got, want)
			}
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := AppendJSONString(nil, s)
		if want := referenceAppendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("AppendJSONString(%q) = %s, want %s", s, got, want)
		}
		var back string
		if err := json.Unmarshal(got, &back); err != nil || back != asDecoded(s) {
			t.Fatalf("decoding %s: %q, %v", got, back, err)
		}
	})
}

func TestArrayWriter(t *testing.T) {
	var buf bytes.Buffer
	w := NewArrayWriter(&buf)
	if err := w.Close(); err != nil || buf.String() != "[]" {
		t.Fatalf("empty array: %q, %v", buf.String(), err)
	}
	if w.SHA256() != sha256.Sum256([]byte("[]")) {
		t.Fatalf("SHA256 of an empty array")
	}
	if err := w.Write(&sampleRows[0]); err == nil {
		t.Fatalf("Write after Close succeeded")
	}

	buf.Reset()
	w = NewArrayWriter(&buf)
	// Enough rows to flush several times.
	var want []byte
	want = append(want, '[')
	for i := range 3000 {
		r := &sampleRows[i%len(sampleRows)]
		if i > 0 {
			want = append(want, ',')
		}
		want = r.AppendCanonical(want)
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	want = append(want, ']')
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("ArrayWriter wrote %d bytes, want %d", buf.Len(), len(want))
	}
	if w.SHA256() != sha256.Sum256(want) || w.Rows() != 3000 {
		t.Fatalf("SHA256 or Rows (%d) wrong", w.Rows())
	}
	var decoded []Row
	if err := json.Unmarshal(buf.Bytes(), &decoded); err != nil || len(decoded) != 3000 {
		t.Fatalf("the array does not decode: %v", err)
	}
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

func TestArrayWriterError(t *testing.T) {
	boom := errors.New("boom")
	w := NewArrayWriter(failingWriter{boom})
	if err := w.Write(&sampleRows[0]); err != nil {
		t.Fatalf("Write = %v, want nil: the row is only buffered", err)
	}
	if err := w.Close(); err != boom {
		t.Fatalf("Close = %v, want the writer's error", err)
	}
	if err := w.Write(&sampleRows[0]); err != boom {
		t.Fatalf("Write after a failure = %v, want the writer's error", err)
	}
}

func jsonUnmarshalString(s string, v *string) error { return json.Unmarshal([]byte(s), v) }
