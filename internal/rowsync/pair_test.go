package rowsync

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// queuePairs is the definition the tests compare pairByKey with.
func queuePairs(keysA, keysB []int, takesA, takesB []bool, partnerA, partnerB []int) {
	queues := map[int][]int{}
	for j, k := range keysB {
		if takesB[j] && partnerB[j] < 0 {
			queues[k] = append(queues[k], j)
		}
	}
	for i, k := range keysA {
		if !takesA[i] || partnerA[i] >= 0 {
			continue
		}
		if q := queues[k]; len(q) > 0 {
			partnerA[i], partnerB[q[0]] = q[0], i
			queues[k] = q[1:]
		}
	}
}

// TestPairByKeyMatchesDefinition compares pairByKey with the queue
// definition on random sequences with repeated keys, common prefixes, items
// that do not take part and items paired beforehand.
func TestPairByKeyMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for iter := range 5000 {
		na, nb := r.IntN(12), r.IntN(12)
		keys := 1 + r.IntN(5)
		keysA, keysB := make([]int, na), make([]int, nb)
		for i := range keysA {
			keysA[i] = r.IntN(keys)
		}
		for j := range keysB {
			keysB[j] = r.IntN(keys)
			if j < na && r.IntN(2) == 0 {
				keysB[j] = keysA[j] // a common prefix, often
			}
		}
		takesA, takesB := make([]bool, na), make([]bool, nb)
		for i := range takesA {
			takesA[i] = r.IntN(8) != 0
		}
		for j := range takesB {
			takesB[j] = r.IntN(8) != 0
		}
		partnerA, partnerB := unpaired(na), unpaired(nb)
		// Some items are paired beforehand, with each other.
		for i := 0; i < na && i < nb; i++ {
			if r.IntN(6) == 0 && partnerB[nb-1-i] < 0 {
				partnerA[i], partnerB[nb-1-i] = nb-1-i, i
			}
		}
		wantA, wantB := slices.Clone(partnerA), slices.Clone(partnerB)
		queuePairs(keysA, keysB, takesA, takesB, wantA, wantB)
		pairByKey(
			side[int]{partner: partnerA, key: func(i int) (int, bool) { return keysA[i], takesA[i] }},
			side[int]{partner: partnerB, key: func(j int) (int, bool) { return keysB[j], takesB[j] }},
		)
		if !slices.Equal(partnerA, wantA) || !slices.Equal(partnerB, wantB) {
			t.Fatalf("iteration %d: keys %v / %v, takes %v / %v:\n got %v / %v\nwant %v / %v", iter, keysA, keysB, takesA, takesB, partnerA, partnerB, wantA, wantB)
		}
	}
}
