package dataset

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPreview(t *testing.T) {
	turns := func(ms ...Message) []Message { return ms }
	user := func(s string) Message { return Message{Role: "user", Content: s} }
	for _, tc := range []struct {
		name  string
		row   Row
		width int
		want  string
	}{
		{"plain", Row{ConvPrefix: turns(user("Où est le café ?")), Response: Message{Role: "assistant", Content: "Au coin de la rue."}}, 40,
			`user: “Où est le café ?” → assistant: “Au coin de la rue.”`},
		{"last user turn of several", Row{ConvPrefix: turns(Message{Role: "system", Content: "Be brief."}, user("first"), Message{Role: "assistant", Content: "ok"}, user("second")), Response: Message{Role: "assistant", Content: "a"}}, 40,
			`user: “second” → assistant: “a”`},
		{"no user turn", Row{ConvPrefix: turns(Message{Role: "system", Content: "Be brief."}), Response: Message{Role: "assistant", Content: "a"}}, 40,
			`system: “Be brief.” → assistant: “a”`},
		{"no turn at all", Row{Response: Message{Role: "assistant", Content: "a"}}, 40,
			`assistant: “a”`},
		{"empty turns", Row{ConvPrefix: turns(user("")), Response: Message{Role: "assistant", Content: ""}}, 40,
			`user: “” → assistant: “”`},
		{"cut on runes", Row{ConvPrefix: turns(user("café au lait")), Response: Message{Role: "assistant", Content: "😀😀😀😀"}}, 4,
			`user: “café…” → assistant: “😀😀😀😀”`},
		{"cut after an emoji", Row{ConvPrefix: turns(user("ab😀cd")), Response: Message{Role: "assistant", Content: "x"}}, 3,
			`user: “ab😀…” → assistant: “x”`},
		{"no cut", Row{ConvPrefix: turns(user(strings.Repeat("a", 100))), Response: Message{Role: "assistant", Content: "b"}}, 0,
			`user: “` + strings.Repeat("a", 100) + `” → assistant: “b”`},
		{"line breaks and quotes", Row{ConvPrefix: turns(user("line 1\nline 2\r\n\t\"quoted\" \\")), Response: Message{Role: "assistant", Content: "ok"}}, 40,
			`user: “line 1\nline 2\r\n\t"quoted" \\” → assistant: “ok”`},
		{"terminal escapes", Row{ConvPrefix: turns(user("\x1b[2K\x1b[1A+ forged")), Response: Message{Role: "assistant", Content: "\u202eevil\u2028\x00\x7f"}}, 40,
			`user: “\x1b[2K\x1b[1A+ forged” → assistant: “\u202eevil\u2028\x00\x7f”`},
		{"escapes count as one character", Row{ConvPrefix: turns(user("\n\n\n\n")), Response: Message{Role: "assistant", Content: "x"}}, 2,
			`user: “\n\n…” → assistant: “x”`},
		{"invalid UTF-8", Row{ConvPrefix: turns(user("caf\xe9")), Response: Message{Role: "assistant", Content: "x"}}, 40,
			`user: “caf\xe9” → assistant: “x”`},
		{"odd roles are quoted", Row{ConvPrefix: turns(Message{Role: "User\nassistant", Content: "q"}), Response: Message{Role: "", Content: "a"}}, 40,
			`“User\nassistant”: “q” → “”: “a”`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Preview(&tc.row, tc.width)
			if got != tc.want {
				t.Fatalf("Preview =\n %s\nwant\n %s", got, tc.want)
			}
			if !utf8.ValidString(got) || strings.ContainsFunc(got, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Fatalf("Preview %q holds a control character or invalid UTF-8", got)
			}
		})
	}
}
