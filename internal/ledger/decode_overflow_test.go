package ledger

import "testing"

// TestDecodeHugeCountIsAnError: a damaged count must give an error, not
// overflow the length check and panic in make.
func TestDecodeHugeCountIsAnError(t *testing.T) {
	for _, s := range []string{`{"v":1,"n":1152921504606846976,"d":"","k":""}`, `{"v":1,"n":1152921504606846977,"d":"AAAAAAAAAAAAAAAAAAAAAA==","k":"AAAAAAAAAAAAAAAAAAAAAA=="}`} {
		l, err := Decode([]byte(s))
		if err == nil {
			t.Errorf("Decode(%s) = %v, want an error", s, l)
		}
	}
}
