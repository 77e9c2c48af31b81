package dataset

// A key or column that is nearly a field's name is most likely that field
// misspelt: dropping it as an unknown key would upload the row without it
// (a label lost, for ground_truth), so it is an error that names the field.

// nearField returns the field of fields that name is a likely misspelling
// of, or "" for none. name is near a field when, ignoring ASCII case, it is
// at most 1 edit away from a field of up to 5 characters, or at most 2 edits
// from a longer one, where an edit inserts, deletes or replaces a character
// or swaps two adjacent ones (optimal string alignment distance). Names
// shorter than 3 characters are near nothing: "id" is not a misspelt "role".
// Of several fields, the nearest, then the first, wins.
func nearField[S ~string | ~[]byte](name S, fields []string) string {
	if len(name) < 3 {
		return ""
	}
	best, bestDist := "", 3
	for _, f := range fields {
		limit := 2
		if len(f) <= 5 {
			limit = 1
		}
		if len(name) > len(f)+limit || len(name) < len(f)-limit {
			continue
		}
		if d := editDistance(name, f, limit); d <= limit && d < bestDist {
			best, bestDist = f, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b,
// bytewise and ignoring ASCII case, or limit+1 when it is more than limit.
// b is a field's name, short: the rows of the table fit on the stack.
func editDistance[S ~string | ~[]byte](a S, b string, limit int) int {
	const maxLen = 32
	if len(a) > maxLen || len(b) > maxLen {
		return limit + 1
	}
	// d[i][j] is the distance between a[:i] and b[:j]; three rows suffice.
	var prev2, prev, cur [maxLen + 1]int
	for j := range len(b) + 1 {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if lower(a[i-1]) == lower(b[j-1]) {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && lower(a[i-1]) == lower(b[j-2]) && lower(a[i-2]) == lower(b[j-1]) {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
			rowMin = min(rowMin, d)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev = prev, cur
	}
	return min(prev[len(b)], limit+1)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
