package dataset

import (
	"crypto/sha256"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Message is one turn of a conversation in OpenAI chat format.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Row is one normalized dataset row, the unit the API stores and returns an id
// for. GroundTruth and Context are optional.
type Row struct {
	ConvPrefix  []Message `json:"conv_prefix"`
	Response    Message   `json:"response"`
	GroundTruth *int64    `json:"ground_truth,omitempty"`
	Context     *string   `json:"context,omitempty"`
}

// rowFields are the fields of a row, in the order of its canonical JSON: the
// keys of a row in JSON and the columns of a CSV file.
var rowFields = []string{"conv_prefix", "response", "ground_truth", "context"}

// rowFieldList names rowFields in a sentence: "conv_prefix, response,
// ground_truth and context".
var rowFieldList = strings.Join(rowFields[:len(rowFields)-1], ", ") + " and " + rowFields[len(rowFields)-1]

// Digest is a truncated SHA-256 of a row's canonical form. 128 bits keep the
// chance of a collision among even millions of rows negligible while halving
// what private state has to carry per row.
type Digest [16]byte

// AppendCanonical appends the row's canonical JSON to dst: keys in a fixed
// order, no insignificant white space, optional fields omitted when null, and
// no HTML escaping. The same row always gives the same bytes, whatever the
// source format or its formatting, so digests survive reformatting a file.
func (r *Row) AppendCanonical(dst []byte) []byte {
	dst = append(dst, `{"conv_prefix":[`...)
	for i, m := range r.ConvPrefix {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendMessage(dst, m)
	}
	dst = append(dst, `],"response":`...)
	dst = appendMessage(dst, r.Response)
	if r.GroundTruth != nil {
		dst = append(dst, `,"ground_truth":`...)
		dst = strconv.AppendInt(dst, *r.GroundTruth, 10)
	}
	if r.Context != nil {
		dst = append(dst, `,"context":`...)
		dst = AppendJSONString(dst, *r.Context)
	}
	return append(dst, '}')
}

func appendMessage(dst []byte, m Message) []byte {
	dst = append(dst, `{"role":`...)
	dst = AppendJSONString(dst, m.Role)
	dst = append(dst, `,"content":`...)
	dst = AppendJSONString(dst, m.Content)
	return append(dst, '}')
}

// Digest fingerprints everything the row sends: two rows with the same digest
// are the same upload. The update plan matches source rows to uploaded rows by
// it.
func (r *Row) Digest() Digest {
	var f Fingerprinter
	return f.Digest(r)
}

// DigestOfCanonical is the Digest of a row whose canonical JSON is given,
// for callers that need both and should not encode the row twice.
func DigestOfCanonical(canonical []byte) Digest {
	return truncate(sha256.Sum256(canonical))
}

// Fingerprinter computes digests and match keys with one reusable buffer,
// for the hot paths that fingerprint every row of a large source. The zero
// value is ready to use; it is not safe for concurrent use.
type Fingerprinter struct {
	buf []byte
}

// Digest is Row.Digest without an allocation per row.
func (f *Fingerprinter) Digest(r *Row) Digest {
	f.buf = r.AppendCanonical(f.buf[:0])
	return truncate(sha256.Sum256(f.buf))
}

// MatchKey is Row.MatchKey without an allocation per row.
func (f *Fingerprinter) MatchKey(r *Row) Digest {
	return f.MatchKeyOf(r.ConvPrefix, r.Response.Content, r.GroundTruth)
}

// MatchKeyOf is the package's MatchKeyOf without an allocation per row.
func (f *Fingerprinter) MatchKeyOf(convPrefix []Message, response string, groundTruth *int64) Digest {
	f.buf = appendMatchForm(f.buf[:0], convPrefix, response, groundTruth)
	return truncate(sha256.Sum256(f.buf))
}

// MatchKey fingerprints only what the platform's lookup returns for a row
// (conv_prefix, the response's text and ground_truth; not the response role
// nor context). Rows read back from the platform, after an import or an upload
// whose outcome is unknown, are matched to source rows by it.
func (r *Row) MatchKey() Digest {
	return MatchKeyOf(r.ConvPrefix, r.Response.Content, r.GroundTruth)
}

// MatchKeyOf computes the MatchKey of a row as the platform's lookup shows it.
func MatchKeyOf(convPrefix []Message, response string, groundTruth *int64) Digest {
	var f Fingerprinter
	return f.MatchKeyOf(convPrefix, response, groundTruth)
}

// appendMatchForm appends the form a MatchKey hashes.
func appendMatchForm(b []byte, convPrefix []Message, response string, groundTruth *int64) []byte {
	b = append(b, `{"conv_prefix":[`...)
	for i, m := range convPrefix {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendMessage(b, m)
	}
	b = append(b, `],"response":`...)
	b = AppendJSONString(b, response)
	if groundTruth != nil {
		b = append(b, `,"ground_truth":`...)
		b = strconv.AppendInt(b, *groundTruth, 10)
	}
	return append(b, '}')
}

func truncate(sum [32]byte) Digest {
	var d Digest
	copy(d[:], sum[:len(d)])
	return d
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string literal. Unlike encoding/json it
// does not escape <, > and &, so the canonical form stays readable; invalid
// UTF-8 is replaced by U+FFFD exactly as encoding/json does, so that what we
// hash is what the API receives.
func AppendJSONString(dst []byte, s string) []byte {
	return appendJSONString(dst, s)
}

// plainJSON marks the bytes that stand for themselves inside a canonical JSON
// string: printable ASCII other than the quote and the backslash.
var plainJSON = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// appendJSONString is AppendJSONString for the strings of a Row and for the
// bytes the JSON parser decoded into its buffers alike.
func appendJSONString[S ~string | ~[]byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Most text is plain ASCII: pass over it 8 bytes at a time.
		for i+8 <= len(s) && plainWord(load64(s[i:i+8])) {
			i += 8
		}
		if i == len(s) {
			break
		}
		b := s[i]
		if plainJSON[b] {
			i++
			continue
		}
		if b < utf8.RuneSelf {
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
		c, size := decodeRune(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but break JavaScript consumers;
		// encoding/json escapes them and so do we.
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

// load64 reads 8 bytes as a little-endian word, as binary.LittleEndian.Uint64
// does for a []byte.
func load64[S ~string | ~[]byte](b S) uint64 {
	_ = b[7] // one bounds check for the eight loads
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// decodeRune is utf8.DecodeRune for a string or a []byte.
func decodeRune[S ~string | ~[]byte](s S) (rune, int) {
	var b [utf8.UTFMax]byte
	return utf8.DecodeRune(b[:copy(b[:], s)])
}
