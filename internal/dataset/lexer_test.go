package dataset

import (
	"encoding/binary"
	"strings"
	"testing"
)

// plainWord must agree with the byte table for every byte at every position
// of a word, and for a word made of pairs of special bytes.
func TestPlainWord(t *testing.T) {
	for b := range 256 {
		for pos := range 8 {
			w := []byte("abcdefgh")
			w[pos] = byte(b)
			if got, want := plainWord(binary.LittleEndian.Uint64(w)), stringBytes[b]; got != want {
				t.Fatalf("plainWord with byte 0x%02x at %d = %v, want %v", b, pos, got, want)
			}
		}
	}
	for _, b1 := range []byte{0, 0x1f, 0x20, '"', '\\', 0x7f, 0x80, 0xff} {
		for _, b2 := range []byte{0x21, '!', '"', '#', '[', '\\', ']', 0x7e} {
			w := []byte{b2, b1, b2, b2, b2, b2, b2, b1}
			want := stringBytes[b1] && stringBytes[b2]
			if got := plainWord(binary.LittleEndian.Uint64(w)); got != want {
				t.Fatalf("plainWord(% x) = %v, want %v", w, got, want)
			}
		}
	}
}

// Strings longer than a word, with the special byte at every offset, decode
// the same as encoding/json decodes them.
func TestReadStringEveryOffset(t *testing.T) {
	for n := range 40 {
		for _, special := range []string{`\"`, `\\`, `\n`, `\u00e9`, "é", "\u2028", `\ud83d\ude00`} {
			body := strings.Repeat("x", n) + special + strings.Repeat("y", 17)
			lx := newLexer(strings.NewReader(`"`+body+`"`), false)
			if c, ok := lx.skipSpace(); !ok || c != '"' { // as the parser peeks first
				t.Fatal("no string")
			}
			got, verbatim, err := lx.readString(nil, true)
			if err != nil {
				t.Fatalf("%q: %v", body, err)
			}
			var want string
			if err := jsonUnmarshalString(`"`+body+`"`, &want); err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Fatalf("readString(%q) = %q, want %q", body, got, want)
			}
			wantVerbatim := string(appendJSONString(nil, got)) == `"`+want+`"`
			if verbatim != wantVerbatim {
				t.Fatalf("readString(%q) verbatim = %v, want %v", body, verbatim, wantVerbatim)
			}
		}
	}
}
