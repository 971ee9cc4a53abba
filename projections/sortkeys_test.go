package projections

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// bySort is the order sortWrites must give: slices.SortFunc on key, then
// position.
func bySort(ws []keyPos) []keyPos {
	out := slices.Clone(ws)
	slices.SortFunc(out, func(a, b keyPos) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return int(a.i - b.i)
	})
	return out
}

func TestSortWrites(t *testing.T) {
	keys := func(ks ...string) []keyPos {
		out := make([]keyPos, len(ks))
		for i, k := range ks {
			out[i] = keyPos{k, int32(i)}
		}
		return out
	}
	r := rand.New(rand.NewPCG(7, 9))
	random := make([]keyPos, 5000)
	for i := range random {
		// Few distinct bytes and shared prefixes: many equal keys and
		// keys that are prefixes of others, at every length.
		k := []byte("p/bal/")
		for range r.IntN(12) {
			k = append(k, "ab\x00\xff"[r.IntN(4)])
		}
		random[i] = keyPos{string(k), int32(i)}
	}
	for _, tc := range []struct {
		name string
		ws   []keyPos
	}{
		{"empty", nil},
		{"one", keys("a")},
		{"prefixes before longer keys", keys("ab", "a", "abc", "", "a\x00")},
		{"equal keys keep their positions", keys("k", "j", "k", "k", "j")},
		{"bytes above 0x7f", keys("\xff", "\x80", "\x7f", "\x00")},
		{"random, shared prefixes, duplicates", random},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := bySort(tc.ws)
			got := slices.Clone(tc.ws)
			sortWrites(got, make([]keyPos, len(got)))
			if !slices.Equal(got, want) {
				t.Fatalf("sortWrites order differs from the comparison sort:\n got %q\nwant %q", got[:min(len(got), 8)], want[:min(len(want), 8)])
			}
		})
	}
}

func FuzzSortWrites(f *testing.F) {
	f.Add("p/bal/a\np/bal/b\np/bal/a\np/ba\n\np/bal/a\x00")
	f.Fuzz(func(t *testing.T, s string) {
		var ws []keyPos
		for i, k := range strings.Split(s, "\n") {
			ws = append(ws, keyPos{k, int32(i)})
		}
		want := bySort(ws)
		sortWrites(ws, make([]keyPos, len(ws)))
		if !slices.Equal(ws, want) {
			t.Fatalf("order differs for %q", s)
		}
	})
}

// chunkKeys are the keys of a chunk of 2,000 dues events, in the families
// and shapes the projector writes (docs/architecture.md, key space).
func chunkKeys() []keyPos {
	r := rand.New(rand.NewPCG(1, 2))
	var out []keyPos
	for range 2000 {
		org := "bench-" + string(rune('0'+r.IntN(4)))
		seq := uint64(r.IntN(100000))
		m := "m" + strings.Repeat("0", 3) + string(rune('0'+r.IntN(10))) + string(rune('0'+r.IntN(10)))
		for _, k := range [][]byte{
			key(famEvent, org, "/", seq), key(famIndex, "id/", "01a20438-8bc8-7a76-8286-", uint64(r.Uint32())),
			key(famIndex, "agg/", org, "/member:", m, byte(0), seq), key(famIndex, "act/", org, "/p-bench", byte(0), seq),
			key(famIndex, "date/", org, "/2017-02-02/", seq), key(famIndex, "cmd/", org, "/c-", seq),
			key(famProj, "bal/", org, "/102", byte(0), seq), key(famProj, "bal/", org, "/401", byte(0), seq),
			key(famProj, "flag/dues/", org, "/", m, byte(0), "2017-02", byte(0), seq), key(famProj, "flag/rc/", org, "/DUES", byte(0), seq),
			key(famProj, "rcpt/", org, "/DUES-2017", byte(0), seq), key(famProj, "trail/", org, "/m/receipt", byte(0), "DUES", seq),
		} {
			out = append(out, keyPos{string(k), int32(len(out))})
		}
	}
	return out
}

// BenchmarkSortWrites against BenchmarkSortWritesComparison: the radix
// sort and slices.SortFunc on the same chunk of keys.
func BenchmarkSortWrites(b *testing.B) {
	ws := chunkKeys()
	work, tmp := make([]keyPos, len(ws)), make([]keyPos, len(ws))
	for b.Loop() {
		copy(work, ws)
		sortWrites(work, tmp)
	}
}

func BenchmarkSortWritesComparison(b *testing.B) {
	ws := chunkKeys()
	work := make([]keyPos, len(ws))
	for b.Loop() {
		copy(work, ws)
		slices.SortFunc(work, func(a, b keyPos) int {
			if c := strings.Compare(a.k, b.k); c != 0 {
				return c
			}
			return int(a.i - b.i)
		})
	}
}
