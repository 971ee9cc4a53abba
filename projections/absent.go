package projections

import (
	"context"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
)

// absentPrefixes are the key families a command looks up expecting to find
// nothing: its own command id (idempotency) and its receipt number
// (uniqueness). Pebble's bloom filters cover its files but not its
// memtable, where such a lookup costs a skiplist search.
var absentPrefixes = [...]string{famIndex + "cmd/", famProj + "rcpt/"}

func tracked(k string) bool {
	for _, p := range absentPrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// absent is a bloom filter over every key of absentPrefixes the store
// holds, so that most lookups of a new command id or receipt number end in
// memory. It only ever gains keys: commits add theirs before they reach
// Pebble, so a key the filter lacks is in no snapshot either. It answers
// only once complete: after a scan of the families that exist at open,
// which runs in the background.
type absent struct {
	seed     maphash.Seed
	complete atomic.Bool
	gen      atomic.Uint64 // bumped by reset: a fill begun before does not complete the filter
	mu       sync.RWMutex
	layers   []*bloomLayer // each twice the size of the one before
	firstCap int64         // the first layer's
}

// bloomLayer holds up to cap keys at about 1% false positives (10 bits and
// 7 probes a key).
type bloomLayer struct {
	bits []atomic.Uint64
	n    atomic.Int64
	cap  int64
}

const (
	bloomBitsPerKey = 10
	bloomProbes     = 7
	// bloomFirstCap is the first layer's capacity: a million keys, 1.25
	// MiB. A new command id or receipt is looked up in every layer, and at
	// 4 million keys layers started at 65,536 were seven of them, 210 ns a
	// lookup against 110 for the three of layers started here.
	bloomFirstCap = 1 << 20
)

func newBloomLayer(capacity int64) *bloomLayer {
	words := (capacity*bloomBitsPerKey + 63) / 64
	return &bloomLayer{bits: make([]atomic.Uint64, words), cap: capacity}
}

func newAbsent(firstCap int64) *absent {
	return &absent{seed: maphash.MakeSeed(), layers: []*bloomLayer{newBloomLayer(firstCap)}, firstCap: firstCap}
}

// hash returns the two halves of k's hash, combined for each probe.
// maphash gives a string the hash of its bytes, so keys may come either way.
func (a *absent) hash(k []byte) (uint32, uint32) { return halves(maphash.Bytes(a.seed, k)) }

func (a *absent) hashString(k string) (uint32, uint32) { return halves(maphash.String(a.seed, k)) }

func halves(h uint64) (uint32, uint32) { return uint32(h), uint32(h>>32) | 1 }

func (l *bloomLayer) add(h1, h2 uint32) {
	m := uint64(len(l.bits)) * 64
	for i := range uint32(bloomProbes) {
		bit := uint64(h1+i*h2) % m
		l.bits[bit/64].Or(1 << (bit % 64))
	}
	l.n.Add(1)
}

func (l *bloomLayer) has(h1, h2 uint32) bool {
	m := uint64(len(l.bits)) * 64
	for i := range uint32(bloomProbes) {
		bit := uint64(h1+i*h2) % m
		if l.bits[bit/64].Load()&(1<<(bit%64)) == 0 {
			return false
		}
	}
	return true
}

// add records that k may exist from now on.
func (a *absent) add(k []byte) { a.addHashed(a.hash(k)) }

// addString is add for a key held as a string (a commit's writes).
func (a *absent) addString(k string) { a.addHashed(a.hashString(k)) }

func (a *absent) addHashed(h1, h2 uint32) {
	a.mu.RLock()
	l := a.layers[len(a.layers)-1]
	full := l.n.Load() >= l.cap
	if !full {
		l.add(h1, h2)
	}
	a.mu.RUnlock()
	if !full {
		return
	}
	a.mu.Lock()
	l = a.layers[len(a.layers)-1]
	if l.n.Load() >= l.cap {
		l = newBloomLayer(2 * l.cap)
		a.layers = append(a.layers, l)
	}
	l.add(h1, h2)
	a.mu.Unlock()
}

// surely reports that k is certainly not in the store.
func (a *absent) surely(k []byte) bool {
	if !a.complete.Load() || !tracked(string(k)) {
		return false
	}
	h1, h2 := a.hash(k)
	a.mu.RLock()
	defer a.mu.RUnlock()
	for _, l := range a.layers {
		if l.has(h1, h2) {
			return false
		}
	}
	return true
}

// fill adds every tracked key db holds, returning how many, and then marks
// the filter complete. Commits may run meanwhile: they add their own keys.
func (a *absent) fill(ctx context.Context, db *pebble.DB) (int, error) {
	gen := a.gen.Load()
	n := 0
	for _, p := range absentPrefixes {
		it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte(p), UpperBound: upper([]byte(p))})
		if err != nil {
			return n, err
		}
		for it.First(); it.Valid(); it.Next() {
			a.add(it.Key())
			n++
			if n%4096 == 0 && ctx.Err() != nil {
				break
			}
		}
		if err := it.Close(); err != nil {
			return n, err
		}
		if err := ctx.Err(); err != nil {
			return n, err
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.gen.Load() == gen {
		a.complete.Store(true)
	}
	return n, nil
}

// reset empties the filter, which answers nothing until filled again (a
// wipe refills it).
func (a *absent) reset() {
	a.mu.Lock()
	a.complete.Store(false)
	a.gen.Add(1)
	a.layers = []*bloomLayer{newBloomLayer(a.firstCap)}
	a.mu.Unlock()
}
