package dataset

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Text that is not what it seems is refused, never mended: a JSON decoder
// reads bytes that are not UTF-8, and a lone UTF-16 surrogate escape, as
// U+FFFD, so the row uploaded would differ from the file for good. The
// problems say what the text reads as and how to fix the file.

// describeFault words a text fault the JSON lexer noted, for a Problem about
// field (or about "a key of the row"). value is the decoded text when the
// parser kept it, else nil: the fault's sample is shown instead.
func describeFault(f *textFault, field string, value []byte) (summary, detail string) {
	if f.kind == faultSurrogate {
		return "Unpaired surrogate", fmt.Sprintf(`%s holds the escape %s, one half of a UTF-16 surrogate pair without the other (as when an emoji is cut in two): it stands for no character, and would be uploaded as U+FFFD. Write the whole pair, such as \ud83d\ude00, or the character itself`, field, f.sample)
	}
	text := value
	if text == nil {
		text = f.sample
	}
	return notUTF8(field, string(text), "re-save the file as UTF-8")
}

// notUTF8 words text, held by field, that is not valid UTF-8. fix says how
// to re-save the file.
func notUTF8(field, text, fix string) (summary, detail string) {
	excerpt, before, after := excerptAtBadByte(text)
	shown := fmt.Sprintf("%s%q%s", before, excerpt, after)
	detail = fmt.Sprintf("%s holds bytes that are not UTF-8: %s", field, shown)
	if latin, ok := decodeWindows1252(excerpt); ok {
		detail += fmt.Sprintf("; it looks like Windows-1252, in which it reads %s%q%s: %s", before, latin, after, fix)
	} else {
		detail += "; " + fix
	}
	return "Text not in UTF-8", detail
}

// excerptAtBadByte cuts from text at most 40 bytes around its first byte
// that is not UTF-8, on character boundaries; before and after are "…" where
// text goes on.
func excerptAtBadByte(text string) (excerpt, before, after string) {
	const (
		width = 40
		lead  = 12 // bytes shown before the bad one
	)
	bad := 0
	for bad < len(text) {
		r, size := utf8.DecodeRuneInString(text[bad:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		bad += size
	}
	start := max(0, bad-lead)
	for start < bad && !utf8.RuneStart(text[start]) {
		start++
	}
	end := min(len(text), start+width)
	for end < len(text) && end > bad+1 && !utf8.RuneStart(text[end]) {
		end--
	}
	if start > 0 {
		before = "…"
	}
	if end < len(text) {
		after = "…"
	}
	return text[start:end], before, after
}

// windows1252High maps the bytes 0x80 to 0x9F of Windows-1252 to Unicode; 0
// marks the five bytes it leaves undefined. From 0xA0 it is Latin-1, whose
// bytes are their code points.
var windows1252High = [32]rune{
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
}

// decodeWindows1252 reads text as Windows-1252 (the encoding Excel and many
// Windows programs save in), the usual reason a file is not UTF-8. ok is
// false when that reading is unlikely: text holds valid multi-byte UTF-8
// too, a byte Windows-1252 leaves undefined, or a control character.
func decodeWindows1252(text string) (decoded string, ok bool) {
	out := make([]rune, 0, len(text))
	for i := 0; i < len(text); i++ {
		b := text[i]
		var r rune
		switch {
		case b < utf8.RuneSelf:
			r = rune(b)
		case b < 0xA0:
			r = windows1252High[b-0x80]
		default:
			r = rune(b)
		}
		if _, size := utf8.DecodeRuneInString(text[i:]); size > 1 {
			return "", false // valid UTF-8 here: the file mixes encodings
		}
		if r == 0 || (r < 0x20 && r != '\t') || (!unicode.IsGraphic(r) && r != 0xAD) {
			return "", false
		}
		out = append(out, r)
	}
	return string(out), true
}
