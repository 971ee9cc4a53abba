package projections

import (
	"math"
	"strings"
	"sync"
)

// hot keeps in memory the latest committed value of the projection keys
// that views read again and again: current balances, the date buckets of
// as-of queries, period state, roles. Without it every group of commands
// reads them from a fresh Pebble snapshot, and a point read in a large
// memtable costs microseconds.
//
// It is a write-through cache with versions. A key joins it when a read
// misses (interest, no value yet) and gets a value only from a commit, so
// a value is always one that was committed, never one read from a snapshot
// that a later write might already have replaced. Every commit takes two
// steps around its Pebble commit: before, the keys it writes are marked
// unknown (readers go to Pebble); after, they get the new values under a
// new version. A reader at version at (the version when its snapshot was
// taken) uses an entry only if the entry's version is at most at: the
// value then is the one its snapshot holds.
type hot struct {
	mu      sync.RWMutex
	version uint64
	vals    map[string]hotVal
	max     int
}

type hotVal struct {
	v       []byte
	ok      bool   // false: the key is absent
	known   bool   // false: interest only, or a commit is under way
	version uint64 // the version of the commit that wrote v
}

// hotKeys bounds the keys the cache tracks: a union's hot set is a few
// keys per account, day, month and year.
const hotKeys = 1 << 15

// latest is the version of a reader of the newest committed state (the
// projector, which is the only writer of what it reads).
const latest = math.MaxUint64

func newHot(max int) *hot { return &hot{vals: map[string]hotVal{}, max: max} }

// cacheable says which keys are worth keeping: projection state. Event
// copies, indexes and command records are written once and never read
// again by a view.
func cacheable(k string) bool { return strings.HasPrefix(k, famProj) }

// get returns the value of k as of version at, if the cache knows it.
func (h *hot) get(k []byte, at uint64) (v []byte, ok, hit bool) {
	h.mu.RLock()
	e, found := h.vals[string(k)]
	h.mu.RUnlock()
	if !found || !e.known || e.version > at {
		return nil, false, false
	}
	return e.v, e.ok, true
}

// want registers interest in k after a read missed: its next commit gives
// it a value.
func (h *hot) want(k []byte) {
	if !cacheable(string(k)) {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, found := h.vals[string(k)]; found {
		return
	}
	if len(h.vals) >= h.max {
		// Rare (the hot set is a few keys per account and day): start
		// over rather than track recency on every read.
		clear(h.vals)
	}
	h.vals[string(k)] = hotVal{}
}

// begin marks the cached keys among ws unknown, before their commit, and
// returns their positions in ws for end.
func (h *hot) begin(ws []kv) []int {
	var mine []int
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, w := range ws {
		if !cacheable(w.k) {
			continue
		}
		if e, found := h.vals[w.k]; found {
			if e.known {
				h.vals[w.k] = hotVal{}
			}
			mine = append(mine, i)
		}
	}
	return mine
}

// end gives the keys begin marked their committed values, under a new
// version. ok false: the commit failed, and they stay unknown.
func (h *hot) end(ws []kv, mine []int, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.version++
	if !ok {
		return
	}
	for _, i := range mine {
		w := ws[i]
		if _, found := h.vals[w.k]; !found {
			continue // dropped meanwhile
		}
		h.vals[w.k] = hotVal{v: w.v, ok: w.v != nil, known: true, version: h.version}
	}
}

// snapshot runs take (which takes a Pebble snapshot) and returns the
// version that snapshot is at.
func (h *hot) snapshot(take func()) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	take()
	return h.version
}

// reset forgets everything, for a wipe.
func (h *hot) reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	clear(h.vals)
	h.version++
}
