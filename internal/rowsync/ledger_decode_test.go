package rowsync

import "testing"

// TestDecodeHugeCountIsAnError: a damaged count must give an error, not
// overflow the length check and panic in make.
func TestDecodeHugeCountIsAnError(t *testing.T) {
	for _, s := range []string{`{"v":1,"n":1152921504606846976,"d":"","k":""}`, `{"v":1,"n":1152921504606846977,"d":"AAAAAAAAAAAAAAAAAAAAAA==","k":"AAAAAAAAAAAAAAAAAAAAAA=="}`} {
		l, err := decodeLedger([]byte(s))
		if err == nil {
			t.Errorf("Decode(%s) = %v, want an error", s, l)
		}
	}
}

// FuzzDecode: whatever private state holds, Decode returns a ledger or an
// error, never panics, and a ledger it returns encodes and decodes to itself.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"n":1,"d":"AAAAAAAAAAAAAAAAAAAAAA==","k":"AAAAAAAAAAAAAAAAAAAAAA=="}`,
		`{"v":2,"n":2,"d":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","k":"AAAAAAAAAAAAAAAAAAAAAA==","kr":"AQ=="}`,
		`{"v":2,"n":0,"d":"","k":"","kr":"","released":["a"]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := decodeLedger(b)
		if err != nil || l == nil {
			return
		}
		enc, err := l.encode()
		if err != nil {
			t.Fatalf("Encode of a decoded ledger: %v", err)
		}
		again, err := decodeLedger(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(l)) = %v\n%s", err, enc)
		}
		if len(again.Rows) != len(l.Rows) || len(again.Released) != len(l.Released) {
			t.Fatalf("round trip changed the ledger: %d/%d rows", len(again.Rows), len(l.Rows))
		}
		for i := range l.Rows {
			if again.Rows[i] != l.Rows[i] {
				t.Fatalf("round trip changed row %d", i)
			}
		}
	})
}
