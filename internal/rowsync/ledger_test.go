package rowsync

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/collinear-ai/terraform-provider-collinear/internal/dataset"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/ledger-v2.json (only when deliberately creating a new golden file)")

// digestOf is a fixed, hash-derived digest for a label, independent of the
// dataset package's canonical form.
func digestOf(label string) dataset.Digest {
	sum := sha256.Sum256([]byte(label))
	var d dataset.Digest
	copy(d[:], sum[:])
	return d
}

func mustHex(t *testing.T, s string) dataset.Digest {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(dataset.Digest{}) {
		t.Fatalf("bad hex digest %q", s)
	}
	var d dataset.Digest
	copy(d[:], b)
	return d
}

func entry(label string) Row {
	return Row{Digest: digestOf("d:" + label), Key: digestOf("k:" + label)}
}

// imported is an entry adopted by an import: only its key is known.
func imported(label string) Row {
	return Row{Key: digestOf("k:" + label)}
}

func roundTrip(t *testing.T, l *ledger) *ledger {
	t.Helper()
	b, err := l.encode()
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	got, err := decodeLedger(b)
	if err != nil {
		t.Fatalf("Decode(Encode()): %v", err)
	}
	if got == nil {
		t.Fatal("Decode(Encode()) = nil ledger")
	}
	return got
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	t.Run("empty", func(t *testing.T) {
		got := roundTrip(t, &ledger{})
		if len(got.Rows) != 0 || len(got.Released) != 0 {
			t.Errorf("empty ledger came back as %+v", got)
		}
	})
	t.Run("empty with released", func(t *testing.T) {
		got := roundTrip(t, &ledger{Released: []string{"r1", "r2"}})
		if len(got.Rows) != 0 || !slices.Equal(got.Released, []string{"r1", "r2"}) {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("one row", func(t *testing.T) {
		l := &ledger{Rows: []Row{entry("a")}, Released: []string{"id-9"}}
		got := roundTrip(t, l)
		if !reflect.DeepEqual(got, l) {
			t.Errorf("got %+v, want %+v", got, l)
		}
	})
	t.Run("imported and duplicate rows", func(t *testing.T) {
		l := &ledger{Rows: []Row{entry("a"), imported("b"), entry("a"), {}}}
		got := roundTrip(t, l)
		if !reflect.DeepEqual(got.Rows, l.Rows) || got.Released != nil {
			t.Errorf("got %+v, want %+v", got, l)
		}
	})
	t.Run("100k rows", func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		const n = 100_000
		l := &ledger{Rows: make([]Row, n)}
		for i := range l.Rows {
			for j := range l.Rows[i].Digest {
				l.Rows[i].Digest[j] = byte(r.Uint32())
				l.Rows[i].Key[j] = byte(r.Uint32())
			}
		}
		for i := range 1000 {
			l.Released = append(l.Released, fmt.Sprintf("released-%d", i))
		}
		b, err := l.encode()
		if err != nil {
			t.Fatal(err)
		}
		// The point of the binary encoding: well under the ~10 MB of hex.
		if len(b) > 5<<20 {
			t.Errorf("a 100k-row ledger encodes to %d bytes, want at most 5 MiB", len(b))
		}
		got, err := decodeLedger(b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, l) {
			for i := range l.Rows {
				if got.Rows[i] != l.Rows[i] {
					t.Fatalf("row %d: got %+v, want %+v", i, got.Rows[i], l.Rows[i])
				}
			}
			t.Fatalf("100k ledger differs after a round trip (rows %d, released %d)", len(got.Rows), len(got.Released))
		}
	})
}

func TestEncodeFormat(t *testing.T) {
	l := &ledger{Rows: []Row{entry("a"), imported("b")}}
	b, err := l.encode()
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("Encode output is not a JSON object: %v\n%s", err, b)
	}
	if string(raw["v"]) != "2" || string(raw["n"]) != "2" {
		t.Errorf("v=%s n=%s, want v=2 n=2", raw["v"], raw["n"])
	}
	if _, ok := raw["released"]; ok {
		t.Errorf("released written although empty: %s", b)
	}
	var d string
	if err := json.Unmarshal(raw["d"], &d); err != nil {
		t.Fatal(err)
	}
	db, err := base64.StdEncoding.DecodeString(d)
	if err != nil {
		t.Fatal(err)
	}
	da := entry("a").Digest
	want := append(da[:], make([]byte, 16)...)
	if !bytes.Equal(db, want) {
		t.Errorf("d decodes to %x, want %x", db, want)
	}
}

func TestDecodeEmpty(t *testing.T) {
	for _, in := range [][]byte{nil, {}} {
		l, err := decodeLedger(in)
		if l != nil || err != nil {
			t.Errorf("Decode(%q) = (%v, %v), want (nil, nil)", in, l, err)
		}
	}
}

func TestDecodeDamaged(t *testing.T) {
	d1 := base64.StdEncoding.EncodeToString(make([]byte, 16))
	d2 := base64.StdEncoding.EncodeToString(make([]byte, 32))
	cases := []struct {
		name string
		in   string
		want []string // substrings of the error
	}{
		{"not JSON", `{"v":1,`, []string{"reading the row ledger from private state"}},
		{"wrong type", `{"v":"1","n":0,"d":"","k":""}`, []string{"reading the row ledger from private state"}},
		{"array", `[]`, []string{"row ledger"}},
		{"future version", fmt.Sprintf(`{"v":3,"n":1,"d":%q,"k":%q}`, d1, d1), []string{"version 3", "upgrade the provider"}},
		{"v2 key without a row", fmt.Sprintf(`{"v":2,"n":1,"d":%q,"k":%q,"kr":"AQ=="}`, d1, d1), []string{"damaged", "key 0"}},
		{"v2 more key rows than keys", fmt.Sprintf(`{"v":2,"n":1,"d":%q,"k":"","kr":"AA=="}`, d1), []string{"damaged", "key rows"}},
		{"v2 keys not a multiple of 16", fmt.Sprintf(`{"v":2,"n":1,"d":%q,"k":"AAAA","kr":"AA=="}`, d1), []string{"damaged", "keys"}},
		{"v2 truncated gap", fmt.Sprintf(`{"v":2,"n":1,"d":%q,"k":%q,"kr":"gA=="}`, d1, d1), []string{"damaged", "key 0"}},
		{"version 0", `{"v":0,"n":0,"d":"","k":""}`, []string{"damaged", "no version"}},
		{"count too high", fmt.Sprintf(`{"v":1,"n":2,"d":%q,"k":%q}`, d1, d1), []string{"damaged", "digests", "2 rows"}},
		{"count too low", fmt.Sprintf(`{"v":1,"n":1,"d":%q,"k":%q}`, d2, d2), []string{"damaged", "digests", "1 rows"}},
		{"keys short", fmt.Sprintf(`{"v":1,"n":2,"d":%q,"k":%q}`, d2, d1), []string{"damaged", "keys"}},
		{"negative count", `{"v":1,"n":-1,"d":"","k":""}`, []string{"damaged"}},
		{"bad base64 digests", fmt.Sprintf(`{"v":1,"n":1,"d":"!!!notbase64","k":%q}`, d1), []string{"damaged", "digests"}},
		{"bad base64 keys", fmt.Sprintf(`{"v":1,"n":1,"d":%q,"k":"%%%%"}`, d1), []string{"damaged", "keys"}},
		{"not a multiple of 16", `{"v":1,"n":1,"d":"AAAA","k":"AAAA"}`, []string{"damaged"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, err := decodeLedger([]byte(tc.in))
			if err == nil {
				t.Fatalf("Decode(%s) = %+v, nil; want an error", tc.in, l)
			}
			if l != nil {
				t.Errorf("Decode returned a ledger with its error: %+v", l)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if !strings.Contains(err.Error(), "ledger") {
				t.Errorf("error %q does not say it is about the row ledger", err)
			}
		})
	}
}

// goldenLedger is the ledger committed in testdata/ledger-v1.json (and, with
// fewer keys, in ledger-v2.json). Its
// digests and keys are those of real rows (the two rows of the upload
// endpoint's documented example, then {"conv_prefix":[{"role":"user",
// "content":"What is 2+2?"}],"response":{"role":"assistant","content":"4"}}
// as an imported row, then the first row again), computed once and written
// out in hex so that the test does not depend on how dataset computes them.
func goldenLedger(t *testing.T) *ledger {
	return &ledger{
		Rows: []Row{
			{Digest: mustHex(t, "90cf5f238298d9c815b4823b157106e8"), Key: mustHex(t, "25f0dfc19edac12af33fe13e2b7e1b59")},
			{Digest: mustHex(t, "50005cabf1952326f2aca740b6a66de9"), Key: mustHex(t, "c2c90cd1c0c43ae60bf7e52bc9f3c705")},
			// imported: digest unknown, key of the "What is 2+2?" row
			{Key: mustHex(t, "23afe2ef77f69a68f5f92a206f7ea3f4")},
			// the first row again, uploaded twice on purpose
			{Digest: mustHex(t, "90cf5f238298d9c815b4823b157106e8"), Key: mustHex(t, "25f0dfc19edac12af33fe13e2b7e1b59")},
		},
		Released: []string{"8f7c3a52-1c3e-4f6e-9a55-0b8f6d2d9e11", "12345"},
	}
}

func TestGoldenV1(t *testing.T) {
	checkGolden(t, 1, goldenLedger(t))
}

// TestGoldenV2 is the version this provider writes: its committed bytes must
// keep decoding, and writing the same ledger must give them again, so that an
// unchanged resource does not churn its private state.
func TestGoldenV2(t *testing.T) {
	// As written now: rows whose ids are known keep no key (rows 1 and 3),
	// so the keys are sparse.
	want := goldenLedger(t)
	want.Rows[1].Key = dataset.Digest{}
	want.Rows[3].Key = dataset.Digest{}
	path := filepath.Join("testdata", "ledger-v2.json")
	if *updateGolden {
		b, err := want.encode()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b := checkGolden(t, 2, want)
	enc, err := want.encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, b) {
		t.Errorf("Encode no longer writes the v2 bytes:\n got %s\nwant %s", enc, b)
	}
}

// checkGolden decodes the committed ledger of a version, written by an
// earlier provider, and compares it with want; it returns the file's bytes.
func checkGolden(t *testing.T, version int, want *ledger) []byte {
	t.Helper()
	path := filepath.Join("testdata", fmt.Sprintf("ledger-v%d.json", version))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the committed v%d ledger is missing: %v", version, err)
	}
	b = bytes.TrimSpace(b)
	got, err := decodeLedger(b)
	if err != nil {
		t.Fatalf("this provider version cannot read a v%d ledger written by an earlier one: %v", version, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("v%d ledger decodes to\n%+v\nwant\n%+v", version, got, want)
	}
	// Spot-check exact bytes of the decoded entries, independently of
	// goldenLedger, so that a change to both cannot pass unnoticed.
	if len(got.Rows) != 4 {
		t.Fatalf("v%d ledger has %d rows, want 4", version, len(got.Rows))
	}
	if h := hex.EncodeToString(got.Rows[0].Digest[:]); h != "90cf5f238298d9c815b4823b157106e8" {
		t.Errorf("row 0 digest %s", h)
	}
	if got.Rows[2].Digest != (dataset.Digest{}) || hex.EncodeToString(got.Rows[2].Key[:]) != "23afe2ef77f69a68f5f92a206f7ea3f4" {
		t.Errorf("row 2 (imported) = %+v", got.Rows[2])
	}
	return b
}
