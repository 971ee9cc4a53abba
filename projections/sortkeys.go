package projections

import "strings"

// sortWrites orders a commit's writes by key, and writes of one key by
// position, with tmp (as long as ws) as scratch space. A most-significant-
// byte radix sort: a chunk's keys share long prefixes ("p/bal/<org>/"),
// which a comparison sort reads again at every comparison; here each byte
// position is read once per key. On a chunk's worth of keys of the real
// shapes it takes a third of the time of slices.SortFunc
// (BenchmarkSortWrites).
func sortWrites(ws, tmp []keyPos) { radixWrites(ws, tmp, 0) }

// byteAt is the radix digit of k at depth: 0 past its end, so a key sorts
// before every key it is a prefix of.
func byteAt(k string, depth int) int {
	if depth < len(k) {
		return int(k[depth]) + 1
	}
	return 0
}

func radixWrites(ws, tmp []keyPos, depth int) {
	for {
		if len(ws) <= 24 {
			insertionWrites(ws, depth)
			return
		}
		var count [257]int
		for _, w := range ws {
			count[byteAt(w.k, depth)]++
		}
		if first := byteAt(ws[0].k, depth); count[first] == len(ws) {
			if first == 0 {
				return // all the same key, already in position order
			}
			depth++ // a prefix they all share: no pass needed
			continue
		}
		var next [257]int
		sum := 0
		for c, n := range count {
			next[c] = sum
			sum += n
		}
		// Stable: writes of one digit keep their order, so position order
		// among equal keys survives every pass.
		for _, w := range ws {
			c := byteAt(w.k, depth)
			tmp[next[c]] = w
			next[c]++
		}
		copy(ws, tmp[:len(ws)])
		start := count[0]
		for c := 1; c < len(count); c++ {
			if n := count[c]; n > 1 {
				radixWrites(ws[start:start+n], tmp[start:start+n], depth+1)
			}
			start += count[c]
		}
		return
	}
}

// insertionWrites sorts a few writes whose keys agree before depth.
func insertionWrites(ws []keyPos, depth int) {
	for i := 1; i < len(ws); i++ {
		for j := i; j > 0; j-- {
			a, b := ws[j-1], ws[j]
			c := strings.Compare(a.k[min(depth, len(a.k)):], b.k[min(depth, len(b.k)):])
			if c < 0 || (c == 0 && a.i < b.i) {
				break
			}
			ws[j-1], ws[j] = b, a
		}
	}
}
