package rowsync

// side is one sequence taking part in a pairing: the key of each item (ok
// false when the item does not take part: it is already paired, or has no
// key of the kind being paired), and where each item's partner goes; the
// sequence is as long as partner.
type side[K comparable] struct {
	key     func(i int) (k K, ok bool)
	partner []int // index of the partner on the other side; -1 while unpaired
}

// unpaired returns a partner slice of n items, all unpaired.
func unpaired(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = -1
	}
	return p
}

// pairByKey is the one rule by which this package pairs rows: an item of a
// pairs with an item of b that has an equal key, the k-th taking part item of
// a with a given key taking the k-th taking part item of b with that key,
// both in index order. Items already paired (partner >= 0) do not take part.
// The result depends only on the inputs, so a plan and its apply pair alike.
func pairByKey[K comparable](a, b side[K]) {
	na, nb := len(a.partner), len(b.partner)
	// The common case is two sequences that agree from the start (nothing
	// changed, or rows appended). Pairing that prefix position by position
	// gives what the queues below give, without building them.
	prefix := 0
	for prefix < na && prefix < nb && a.partner[prefix] < 0 && b.partner[prefix] < 0 {
		ka, okA := a.key(prefix)
		kb, okB := b.key(prefix)
		if !okA || !okB || ka != kb {
			break
		}
		a.partner[prefix], b.partner[prefix] = prefix, prefix
		prefix++
	}
	if prefix == na || prefix == nb {
		return
	}
	queues := make(map[K][]int)
	for j := prefix; j < nb; j++ {
		if b.partner[j] >= 0 {
			continue
		}
		if k, ok := b.key(j); ok {
			queues[k] = append(queues[k], j)
		}
	}
	if len(queues) == 0 {
		return
	}
	for i := prefix; i < na; i++ {
		if a.partner[i] >= 0 {
			continue
		}
		k, ok := a.key(i)
		if !ok {
			continue
		}
		if q := queues[k]; len(q) > 0 {
			a.partner[i], b.partner[q[0]] = q[0], i
			queues[k] = q[1:]
		}
	}
}
