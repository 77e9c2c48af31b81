package ledger

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

func entry(label string) Entry {
	return Entry{Digest: digestOf("d:" + label), Key: digestOf("k:" + label)}
}

func fp(label string) Fingerprint {
	return Fingerprint(entry(label))
}

// imported is an entry adopted by an import: only its key is known.
func imported(label string) Entry {
	return Entry{Key: digestOf("k:" + label)}
}

func roundTrip(t *testing.T, l *Ledger) *Ledger {
	t.Helper()
	b, err := l.Encode()
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	got, err := Decode(b)
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
		got := roundTrip(t, &Ledger{})
		if len(got.Rows) != 0 || len(got.Released) != 0 {
			t.Errorf("empty ledger came back as %+v", got)
		}
	})
	t.Run("empty with released", func(t *testing.T) {
		got := roundTrip(t, &Ledger{Released: []string{"r1", "r2"}})
		if len(got.Rows) != 0 || !slices.Equal(got.Released, []string{"r1", "r2"}) {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("one row", func(t *testing.T) {
		l := &Ledger{Rows: []Entry{entry("a")}, Released: []string{"id-9"}}
		got := roundTrip(t, l)
		if !reflect.DeepEqual(got, l) {
			t.Errorf("got %+v, want %+v", got, l)
		}
	})
	t.Run("imported and duplicate rows", func(t *testing.T) {
		l := &Ledger{Rows: []Entry{entry("a"), imported("b"), entry("a"), {}}}
		got := roundTrip(t, l)
		if !reflect.DeepEqual(got.Rows, l.Rows) || got.Released != nil {
			t.Errorf("got %+v, want %+v", got, l)
		}
	})
	t.Run("100k rows", func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		const n = 100_000
		l := &Ledger{Rows: make([]Entry, n)}
		for i := range l.Rows {
			for j := range l.Rows[i].Digest {
				l.Rows[i].Digest[j] = byte(r.Uint32())
				l.Rows[i].Key[j] = byte(r.Uint32())
			}
		}
		for i := range 1000 {
			l.Released = append(l.Released, fmt.Sprintf("released-%d", i))
		}
		b, err := l.Encode()
		if err != nil {
			t.Fatal(err)
		}
		// The point of the binary encoding: well under the ~10 MB of hex.
		if len(b) > 5<<20 {
			t.Errorf("a 100k-row ledger encodes to %d bytes, want at most 5 MiB", len(b))
		}
		got, err := Decode(b)
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
	l := &Ledger{Rows: []Entry{entry("a"), imported("b")}}
	b, err := l.Encode()
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
		l, err := Decode(in)
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
			l, err := Decode([]byte(tc.in))
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
func goldenLedger(t *testing.T) *Ledger {
	return &Ledger{
		Rows: []Entry{
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
		b, err := want.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b := checkGolden(t, 2, want)
	enc, err := want.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, b) {
		t.Errorf("Encode no longer writes the v2 bytes:\n got %s\nwant %s", enc, b)
	}
}

// checkGolden decodes the committed ledger of a version, written by an
// earlier provider, and compares it with want; it returns the file's bytes.
func checkGolden(t *testing.T, version int, want *Ledger) []byte {
	t.Helper()
	path := filepath.Join("testdata", fmt.Sprintf("ledger-v%d.json", version))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the committed v%d ledger is missing: %v", version, err)
	}
	b = bytes.TrimSpace(b)
	got, err := Decode(b)
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

func TestOf(t *testing.T) {
	gt := int64(1)
	ctx := "c"
	r := &dataset.Row{
		ConvPrefix:  []dataset.Message{{Role: "user", Content: "hi"}},
		Response:    dataset.Message{Role: "assistant", Content: "hello"},
		GroundTruth: &gt,
		Context:     &ctx,
	}
	f := Of(r)
	if f.Digest != r.Digest() || f.Key != r.MatchKey() {
		t.Errorf("Of = %+v, want digest %x key %x", f, r.Digest(), r.MatchKey())
	}
	if f.Digest == f.Key {
		t.Error("digest and key of a row with context are equal")
	}
}

func checkMatch(t *testing.T, entries []Entry, source []Fingerprint, wantAssigned, wantRemoved []int) {
	t.Helper()
	a, r := Match(entries, source)
	if !slices.Equal(a, wantAssigned) {
		t.Errorf("assigned = %v, want %v", a, wantAssigned)
	}
	if !slices.Equal(r, wantRemoved) {
		t.Errorf("removed = %v, want %v", r, wantRemoved)
	}
}

func TestMatch(t *testing.T) {
	A, B, C := entry("A"), entry("B"), entry("C")
	fA, fB, fC, fD := fp("A"), fp("B"), fp("C"), fp("D")

	t.Run("empty", func(t *testing.T) {
		checkMatch(t, nil, nil, []int{}, nil)
		checkMatch(t, nil, []Fingerprint{fA}, []int{-1}, nil)
		checkMatch(t, []Entry{A, B}, nil, []int{}, []int{0, 1})
	})
	t.Run("exact keeps order", func(t *testing.T) {
		checkMatch(t, []Entry{A, B, C}, []Fingerprint{fA, fB, fC}, []int{0, 1, 2}, nil)
	})
	t.Run("appended row is new", func(t *testing.T) {
		checkMatch(t, []Entry{A, B}, []Fingerprint{fA, fB, fD}, []int{0, 1, -1}, nil)
	})
	t.Run("third duplicate is new", func(t *testing.T) {
		checkMatch(t, []Entry{A, A}, []Fingerprint{fA, fA, fA}, []int{0, 1, -1}, nil)
	})
	t.Run("one duplicate removed, the later one", func(t *testing.T) {
		checkMatch(t, []Entry{A, A}, []Fingerprint{fA}, []int{0}, []int{1})
	})
	t.Run("reorder", func(t *testing.T) {
		checkMatch(t, []Entry{A, B, C}, []Fingerprint{fC, fA, fB}, []int{2, 0, 1}, nil)
	})
	t.Run("reorder with duplicates", func(t *testing.T) {
		checkMatch(t, []Entry{A, B, A}, []Fingerprint{fB, fA, fA}, []int{1, 0, 2}, nil)
	})
	t.Run("removed in ledger order", func(t *testing.T) {
		checkMatch(t, []Entry{C, A, B, A}, []Fingerprint{fA}, []int{1}, []int{0, 2, 3})
	})
	t.Run("changed row is new and its old entry removed", func(t *testing.T) {
		checkMatch(t, []Entry{A, B}, []Fingerprint{fA, fD}, []int{0, -1}, []int{1})
	})
	t.Run("changed context: same key, other digest, not matched", func(t *testing.T) {
		// Only imported entries (digest unknown) are matched by key.
		changed := Fingerprint{Digest: digestOf("other"), Key: fA.Key}
		checkMatch(t, []Entry{A}, []Fingerprint{changed}, []int{-1}, []int{0})
	})
	t.Run("imported matched by key", func(t *testing.T) {
		checkMatch(t, []Entry{imported("A"), imported("B")}, []Fingerprint{fB, fA, fC}, []int{1, 0, -1}, nil)
	})
	t.Run("imported duplicates by key in order", func(t *testing.T) {
		checkMatch(t, []Entry{imported("A"), B, imported("A"), imported("A")}, []Fingerprint{fA, fB, fA}, []int{0, 1, 2}, []int{3})
	})
	t.Run("digest match preferred over key match", func(t *testing.T) {
		// The imported copy comes first in the ledger and first in the
		// source; still the digest match takes the known row.
		checkMatch(t, []Entry{imported("A"), A}, []Fingerprint{fA}, []int{1}, []int{0})
	})
	t.Run("key matching only after all digest matches", func(t *testing.T) {
		// Source row 0 could take the imported entry by key, but the digest
		// pass runs over the whole source first, so row 1 gets entry 1 by
		// digest and row 0 gets entry 0 by key.
		checkMatch(t, []Entry{imported("A"), A}, []Fingerprint{fA, fA}, []int{1, 0}, nil)
		checkMatch(t, []Entry{imported("A"), A}, []Fingerprint{fA, fA, fA}, []int{1, 0, -1}, nil)
	})
	t.Run("zero digest in source does not claim imported entries by digest", func(t *testing.T) {
		// An imported entry has a zero digest; a source fingerprint never
		// does in practice, but if it did it must not match by digest.
		checkMatch(t, []Entry{imported("A")}, []Fingerprint{{Key: digestOf("k:other")}}, []int{-1}, []int{0})
	})
}

func TestMatchDoesNotModifyInputs(t *testing.T) {
	entries := []Entry{entry("A"), imported("B"), entry("A")}
	source := []Fingerprint{fp("B"), fp("A")}
	e2, s2 := slices.Clone(entries), slices.Clone(source)
	Match(entries, source)
	if !slices.Equal(entries, e2) || !slices.Equal(source, s2) {
		t.Error("Match modified its inputs")
	}
}

// TestMatchProperties checks, over random ledgers and sources drawn from a
// small alphabet (so that duplicates, reorders and imported entries are
// common), the invariants the resource relies on.
func TestMatchProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 7))
	labels := []string{"A", "B", "C", "D", "E"}
	for iter := range 3000 {
		entries := make([]Entry, r.IntN(12))
		for i := range entries {
			l := labels[r.IntN(len(labels))]
			if r.IntN(4) == 0 {
				entries[i] = imported(l)
			} else {
				entries[i] = entry(l)
			}
		}
		source := make([]Fingerprint, r.IntN(12))
		for i := range source {
			source[i] = fp(labels[r.IntN(len(labels))])
		}

		assigned, removed := Match(entries, source)
		a2, r2 := Match(slices.Clone(entries), slices.Clone(source))
		if !slices.Equal(assigned, a2) || !slices.Equal(removed, r2) {
			t.Fatalf("iteration %d: Match is not deterministic", iter)
		}
		if len(assigned) != len(source) {
			t.Fatalf("iteration %d: %d assignments for %d source rows", iter, len(assigned), len(source))
		}
		seen := make([]int, len(entries))
		for i, e := range assigned {
			if e == -1 {
				continue
			}
			if e < 0 || e >= len(entries) {
				t.Fatalf("iteration %d: source %d assigned out-of-range entry %d", iter, i, e)
			}
			seen[e]++
			// An assignment is only ever to the same row: same digest, or
			// same key for an entry whose digest is unknown.
			if entries[e].Digest != (dataset.Digest{}) {
				if entries[e].Digest != source[i].Digest {
					t.Fatalf("iteration %d: source %d matched entry %d of another digest", iter, i, e)
				}
			} else if entries[e].Key != source[i].Key {
				t.Fatalf("iteration %d: source %d matched imported entry %d of another key", iter, i, e)
			}
		}
		if !slices.IsSorted(removed) {
			t.Fatalf("iteration %d: removed %v is not in ledger order", iter, removed)
		}
		for _, e := range removed {
			if e < 0 || e >= len(entries) {
				t.Fatalf("iteration %d: removed out-of-range entry %d", iter, e)
			}
			seen[e] += 10
		}
		for e, n := range seen {
			if n != 1 && n != 10 {
				t.Fatalf("iteration %d: entry %d assigned %d time(s) and removed %d time(s); want exactly one of the two\nentries %v\nsource %v\nassigned %v removed %v",
					iter, e, n%10, n/10, entries, source, assigned, removed)
			}
		}
		// Maximality: no removed entry could have served a new source row.
		for i, e := range assigned {
			if e != -1 {
				continue
			}
			for _, rm := range removed {
				if entries[rm].Digest == source[i].Digest ||
					entries[rm].Digest == (dataset.Digest{}) && entries[rm].Key == source[i].Key {
					t.Fatalf("iteration %d: source %d is new although removed entry %d matches it", iter, i, rm)
				}
			}
		}
		// Digest preference: if a source row was matched by key to an
		// imported entry, no entry with its digest was left removed.
		for i, e := range assigned {
			if e >= 0 && entries[e].Digest == (dataset.Digest{}) {
				for _, rm := range removed {
					if entries[rm].Digest == source[i].Digest {
						t.Fatalf("iteration %d: source %d took imported entry %d while entry %d with its digest was removed", iter, i, e, rm)
					}
				}
			}
		}
		// Order of duplicates: for each digest, the k-th source occurrence
		// matched by digest takes an earlier entry than the (k+1)-th.
		last := map[dataset.Digest]int{}
		for i, e := range assigned {
			if e < 0 || entries[e].Digest == (dataset.Digest{}) {
				continue
			}
			if p, ok := last[source[i].Digest]; ok && p > e {
				t.Fatalf("iteration %d: duplicates matched out of order (%v)", iter, assigned)
			}
			last[source[i].Digest] = e
		}
	}
}

// matchByQueues is Match without its prefix shortcut: the definition the
// shortcut must agree with.
func matchByQueues(entries []Entry, source []Fingerprint) (assigned []int, removed []int) {
	var zero dataset.Digest
	byDigest := make(map[dataset.Digest][]int)
	byKey := make(map[dataset.Digest][]int)
	for i, e := range entries {
		if e.Digest == zero {
			byKey[e.Key] = append(byKey[e.Key], i)
		} else {
			byDigest[e.Digest] = append(byDigest[e.Digest], i)
		}
	}
	assigned = make([]int, len(source))
	claimed := make([]bool, len(entries))
	for i, f := range source {
		assigned[i] = -1
		if q := byDigest[f.Digest]; len(q) > 0 {
			assigned[i], claimed[q[0]], byDigest[f.Digest] = q[0], true, q[1:]
		}
	}
	for i, f := range source {
		if assigned[i] < 0 {
			if q := byKey[f.Key]; len(q) > 0 {
				assigned[i], claimed[q[0]], byKey[f.Key] = q[0], true, q[1:]
			}
		}
	}
	for i, c := range claimed {
		if !c {
			removed = append(removed, i)
		}
	}
	return assigned, removed
}

// TestMatchPrefixShortcut compares Match with its definition on sources that
// share a prefix with the ledger, which is where the shortcut applies.
func TestMatchPrefixShortcut(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 11))
	labels := []string{"A", "B", "C"}
	for iter := range 5000 {
		entries := make([]Entry, r.IntN(10))
		for i := range entries {
			l := labels[r.IntN(len(labels))]
			if r.IntN(6) == 0 {
				entries[i] = imported(l)
			} else {
				entries[i] = entry(l)
			}
		}
		source := make([]Fingerprint, 0, 12)
		for _, e := range entries[:r.IntN(len(entries)+1)] {
			source = append(source, Fingerprint(e))
			if e.Digest == (dataset.Digest{}) {
				source[len(source)-1] = Fingerprint{Digest: fp("Z").Digest, Key: e.Key}
			}
		}
		for range r.IntN(4) {
			source = append(source, fp(labels[r.IntN(len(labels))]))
		}
		gotA, gotR := Match(entries, source)
		wantA, wantR := matchByQueues(entries, source)
		if !slices.Equal(gotA, wantA) || !slices.Equal(gotR, wantR) {
			t.Fatalf("iteration %d: Match = %v %v, want %v %v\nentries %v\nsource %v", iter, gotA, gotR, wantA, wantR, entries, source)
		}
	}
}
