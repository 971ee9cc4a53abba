package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/projections"
)

// TargetHeapBytes is the bound on the Go heap while the projections are
// built: the projections live in Pebble, so the heap must not grow with
// the number of events.
const TargetHeapBytes = 200 << 20

// TargetAsOfP99 is the bound on an as-of balance query at any size.
const TargetAsOfP99 = time.Millisecond

// heapSampler records two peaks of the Go heap while a phase runs:
//
//   - in use: live and not yet collected objects, plus the free space in
//     spans holding objects (what runtime.MemStats calls HeapInuse): what
//     the heap really occupies;
//   - live: the heap that survived the latest collection
//     (/gc/heap/live:bytes), what the program actually holds.
//
// It samples; a spike shorter than the interval can be missed, so the
// figures are lower bounds on the true peaks, and the process's whole heap
// (embedded NATS server included) is counted, which makes them upper bounds
// on the ledger's own share. Pebble's block cache and memtables are
// allocated outside the Go heap and are not counted; they are bounded by
// configuration (projections.Options).
type heapSampler struct {
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	peak heapReading
}

type heapReading struct{ inUse, live uint64 }

var heapMetrics = []string{"/memory/classes/heap/objects:bytes", "/memory/classes/heap/unused:bytes", "/gc/heap/live:bytes"}

// readHeap reads the heap now.
func readHeap() heapReading {
	s := make([]metrics.Sample, len(heapMetrics))
	for i, name := range heapMetrics {
		s[i].Name = name
	}
	metrics.Read(s)
	v := func(i int) uint64 {
		if s[i].Value.Kind() == metrics.KindUint64 {
			return s[i].Value.Uint64()
		}
		return 0
	}
	return heapReading{inUse: v(0) + v(1), live: v(2)}
}

func (h *heapSampler) note(r heapReading) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.peak.inUse = max(h.peak.inUse, r.inUse)
	h.peak.live = max(h.peak.live, r.live)
}

// sampleHeap starts sampling every interval until Stop.
func sampleHeap(interval time.Duration) *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan struct{}), peak: readHeap()}
	go func() {
		defer close(h.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				h.note(readHeap())
			case <-h.stop:
				return
			}
		}
	}()
	return h
}

// Stop ends sampling and returns the peaks seen.
func (h *heapSampler) Stop() heapReading {
	close(h.stop)
	<-h.done
	h.note(readHeap())
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.peak
}

// AsOfResult is the latency of as-of balance queries on a built store.
type AsOfResult struct {
	Queries int
	P50     time.Duration
	P99     time.Duration
	Max     time.Duration
}

// AsOfQueries times m balance queries on the dues account of random orgs,
// half as of a random org sequence, half as of a random accounting date
// in the years the benchmark's events span, against the store as built.
// Each answer is checked for sign (dues only ever credit 401), so a query
// that silently returns nothing would be caught by the caller's checks.
func AsOfQueries(ctx context.Context, st *projections.Store, orgs []string, m int, seed uint64) (AsOfResult, error) {
	res := AsOfResult{Queries: m}
	if m < 1 || len(orgs) == 0 {
		return res, fmt.Errorf("bench: as-of queries: m %d, orgs %d", m, len(orgs))
	}
	heads := make([]uint64, len(orgs))
	for i, org := range orgs {
		h, err := st.Head(org)
		if err != nil {
			return res, err
		}
		if h.Seq == 0 {
			return res, fmt.Errorf("bench: as-of queries: org %s is empty", org)
		}
		heads[i] = h.Seq
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	took := make([]time.Duration, m)
	for i := range m {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		o := rng.IntN(len(orgs))
		var at projections.AsOf
		if i%2 == 0 {
			at.Seq = 1 + rng.Uint64N(heads[o])
		} else {
			at.Date = fmt.Sprintf("%04d-%02d-%02d", firstYear+rng.IntN(years), 1+rng.IntN(12), 1+rng.IntN(28))
		}
		start := time.Now()
		bal, err := st.BalanceAsOf(orgs[o], events.AcctDues, at)
		took[i] = time.Since(start)
		if err != nil {
			return res, fmt.Errorf("bench: as-of query %s %+v: %w", orgs[o], at, err)
		}
		if bal > 0 {
			return res, fmt.Errorf("bench: as-of query %s %+v: dues balance %d on the debit side", orgs[o], at, bal)
		}
	}
	slices.Sort(took)
	res.P50, res.P99, res.Max = percentile(took, 50), percentile(took, 99), took[m-1]
	return res, nil
}

// settleLimit bounds how long settle waits for Pebble's compactions.
const settleLimit = 2 * time.Minute

// settle waits until the store runs no compaction and level 0 is back to
// a few sublevels (at most settleLimit), and returns how long it waited.
func settle(ctx context.Context, st *projections.Store) (time.Duration, error) {
	start := time.Now()
	for time.Since(start) < settleLimit {
		if l := st.LSM(); l.Compacting == 0 && l.L0Sublevels <= 4 {
			break
		}
		select {
		case <-ctx.Done():
			return time.Since(start), ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return time.Since(start), nil
}

// gcBefore settles the heap so that a phase's peak is its own.
func gcBefore() { runtime.GC() }
