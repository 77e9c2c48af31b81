package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
)

// newUUIDs returns n random (version 4) UUIDs in canonical form. One read of
// the random source serves them all: large uploads need two per row.
func newUUIDs(n int) []string {
	if n == 0 {
		return nil
	}
	raw := make([]byte, 16*n)
	_, _ = rand.Read(raw) // never fails (crypto/rand panics instead)
	out := make([]string, n)
	buf := make([]byte, 36)
	for i := range out {
		u := raw[16*i : 16*i+16]
		u[6] = u[6]&0x0f | 0x40 // version 4
		u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
		hex.Encode(buf[0:8], u[0:4])
		buf[8] = '-'
		hex.Encode(buf[9:13], u[4:6])
		buf[13] = '-'
		hex.Encode(buf[14:18], u[6:8])
		buf[18] = '-'
		hex.Encode(buf[19:23], u[8:10])
		buf[23] = '-'
		hex.Encode(buf[24:36], u[10:16])
		out[i] = string(buf)
	}
	return out
}

func newUUID() string { return newUUIDs(1)[0] }

// parseUUID accepts what pydantic v2 accepts for a UUID field given as a
// string (hyphenated, simple, braced or urn:uuid:) and returns the canonical
// lower-case hyphenated form. On failure it returns the error text pydantic
// reports after "Input should be a valid UUID, ".
func parseUUID(s string) (string, string) {
	body, offset, simple := s, 0, true
	switch {
	case len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}':
		body, offset, simple = s[1:len(s)-1], 1, false
	case strings.HasPrefix(s, "urn:uuid:"):
		body, offset, simple = s[len("urn:uuid:"):], len("urn:uuid:"), false
	}
	hyphens := 0
	var bounds [4]int
	for i, c := range body {
		switch {
		case c == '-':
			if hyphens < 4 {
				bounds[hyphens] = i
			}
			hyphens++
		case c < 0x80 && isHex(byte(c)):
		default:
			return "", fmt.Sprintf("invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `%c` at %d", c, i+offset+1)
		}
	}
	switch {
	case hyphens == 0 && simple:
		if len(body) != 32 {
			return "", fmt.Sprintf("invalid length: expected length 32 for simple format, found %d", len(s))
		}
		b := strings.ToLower(body)
		return b[0:8] + "-" + b[8:12] + "-" + b[12:16] + "-" + b[16:20] + "-" + b[20:32], ""
	case hyphens != 4:
		return "", fmt.Sprintf("invalid group count: expected 5, found %d", hyphens+1)
	}
	want := [5]int{8, 4, 4, 4, 12}
	start := 0
	for g := 0; g < 5; g++ {
		end := len(body)
		if g < 4 {
			end = bounds[g]
		}
		if end-start != want[g] {
			return "", fmt.Sprintf("invalid group length in group %d: expected %d, found %d", g, want[g], end-start)
		}
		start = end + 1
	}
	return strings.ToLower(body), ""
}

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

// normalizeSpaceID gives the key under which a space's datasets are stored:
// the canonical UUID when id parses, else id itself (test hooks may use any
// string).
func normalizeSpaceID(id string) string {
	if c, errText := parseUUID(id); errText == "" {
		return c
	}
	return id
}
