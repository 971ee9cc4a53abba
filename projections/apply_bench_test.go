package projections_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/demo"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/node"
	"github.com/unionledger/unionledger/projections"
)

// The projector benchmarks time Projector.Apply over a captured stream, in
// chunks of about 4096 events (whole messages) as the node reads them, on a
// fresh store on disk: a rebuild without NATS's share of the work. The
// stream is made once per run by a real node (embedded JetStream, Pebble)
// and read back from its store.
//
//	go test ./projections -run '^$' -bench BenchmarkProjector -benchtime 3x
//
// UNIONLEDGER_BENCH_DUES sets the number of dues events (default 40000).

// capture runs fn against a real node and returns the stream it appended:
// every event with its message's stream sequence, in stream order.
func capture(tb testing.TB, fn func(ctx context.Context, svc *ledger.Service) error) []events.Stored {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	now, newID := ledgertest.Deterministic(time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC))
	n, err := node.Start(ctx, node.Config{DataDir: tb.TempDir(), Now: now, NewID: newID})
	if err != nil {
		tb.Fatal(err)
	}
	defer n.Close()
	if err := fn(ctx, n.Service); err != nil {
		tb.Fatal(err)
	}
	heads, err := n.Store.Orgs()
	if err != nil {
		tb.Fatal(err)
	}
	var out []events.Stored
	for org := range heads {
		if err := n.Store.Events(org, 1, 0, func(_ uint64, st events.Stored) bool {
			out = append(out, st)
			return true
		}); err != nil {
			tb.Fatal(err)
		}
	}
	// Stable: the events of one message (one org) keep their order.
	sort.SliceStable(out, func(i, j int) bool { return out[i].StreamSeq < out[j].StreamSeq })
	return out
}

// duesStream is the ledger benchmark's workload (ledger/bench): four
// unions, then n receive_dues commands round robin, with receipt numbers,
// members, periods and dates spread over nine years.
func duesStream(tb testing.TB, n int) []events.Stored {
	const orgs, actor = 4, "p-bench"
	return capture(tb, func(ctx context.Context, svc *ledger.Service) error {
		for o := range orgs {
			org := "bench-" + strconv.Itoa(o)
			data, _ := json.Marshal(map[string]any{
				"name": "Benchmark union " + strconv.Itoa(o), "chart": "2010",
				"officers": []map[string]string{{"person": actor, "role": "treasurer"}},
			})
			if _, err := svc.Submit(ctx, ledger.Command{ID: "open-" + org, Type: "open_org", Org: org, Actor: actor, Date: "2025-01-01", Data: data}); err != nil {
				return err
			}
		}
		// One client per org keeps each org's order (and so the stream)
		// the same on every run; groups still form from the queue.
		var wg sync.WaitGroup
		errc := make(chan error, orgs)
		for o := range orgs {
			wg.Go(func() {
				const window = 512
				sem := make(chan struct{}, window)
				var inner sync.WaitGroup
				for i := o + 1; i <= n; i += orgs {
					year := 2017 + (i/12)%9
					period := fmt.Sprintf("%04d-%02d", year, i%12+1)
					fen := events.Fen(1000 + i%4000)
					data, _ := json.Marshal(map[string]any{
						"member": fmt.Sprintf("m%06d", i%100_000), "period": period, "amount": fen.Yuan(),
						"receipt": map[string]string{"book": fmt.Sprintf("DUES-%04d", year), "number": strconv.Itoa(i)},
					})
					cmd := ledger.Command{ID: "c-" + strconv.Itoa(i), Type: "receive_dues", Org: "bench-" + strconv.Itoa(o),
						Actor: actor, Date: fmt.Sprintf("%s-%02d", period, 1+i%28), Data: data}
					sem <- struct{}{}
					inner.Go(func() {
						defer func() { <-sem }()
						if _, err := svc.Submit(ctx, cmd); err != nil {
							select {
							case errc <- err:
							default:
							}
						}
					})
				}
				inner.Wait()
			})
		}
		wg.Wait()
		select {
		case err := <-errc:
			return err
		default:
			return nil
		}
	})
}

// demoStream is the demo union (ledger/demo) for a profile, loaded one
// command at a time.
func demoStream(tb testing.TB, p demo.Profile) []events.Stored {
	return capture(tb, func(ctx context.Context, svc *ledger.Service) error {
		return demo.New(ledgertest.DemoSeed, p).Load(ctx, svc.Submit, 1, nil)
	})
}

// rebuild applies a stream to a fresh store in dir in chunks of about 4096 and
// returns the store, open.
func rebuild(tb testing.TB, dir string, s []events.Stored) *projections.Store {
	tb.Helper()
	st, err := projections.Open(dir, projections.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	p := projections.NewProjector(st, nil)
	for len(s) > 0 {
		// A chunk holds whole messages, as Log.Read delivers them.
		end := min(p.ChunkMax, len(s))
		for end < len(s) && s[end].StreamSeq == s[end-1].StreamSeq {
			end++
		}
		if err := p.Apply(s[:end]); err != nil {
			st.Close()
			tb.Fatal(err)
		}
		s = s[end:]
	}
	return st
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchRebuild reports events/s (wall clock) and the CPU time per event of
// the whole process (Pebble's flushes and compactions included), which
// other work on the machine disturbs less.
func benchRebuild(b *testing.B, s []events.Stored) {
	b.ReportAllocs()
	var total, cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		b.StartTimer()
		start, cpu0 := time.Now(), cpuTime()
		st := rebuild(b, dir, s)
		total += time.Since(start)
		cpu += cpuTime() - cpu0
		b.StopTimer()
		st.Close()
		os.RemoveAll(dir)
		b.StartTimer()
	}
	n := float64(len(s)) * float64(b.N)
	b.ReportMetric(n/total.Seconds(), "events/s")
	b.ReportMetric(float64(total.Nanoseconds())/n, "ns/event")
	b.ReportMetric(float64(cpu.Nanoseconds())/n, "cpu-ns/event")
}

func benchDues() int {
	if n, err := strconv.Atoi(os.Getenv("UNIONLEDGER_BENCH_DUES")); err == nil && n > 0 {
		return n
	}
	return 40_000
}

// BenchmarkProjectorDues rebuilds the dues workload.
func BenchmarkProjectorDues(b *testing.B) {
	n := benchDues()
	s := duesStream(b, n)
	benchRebuild(b, s)
}

// BenchmarkProjectorDemo rebuilds the full demo union (800 members over
// three years, every kind of event).
func BenchmarkProjectorDemo(b *testing.B) {
	s := demoStream(b, demo.Full)
	benchRebuild(b, s)
}

// BenchmarkEventReads times reading the dues workload's events back from
// their copies in Pebble: one by one with Store.Event, and through one
// reader as the trails and reports read them, at random and in order.
func BenchmarkEventReads(b *testing.B) {
	s := duesStream(b, benchDues())
	st := rebuild(b, b.TempDir(), s)
	defer st.Close()
	env, err := events.Decode(s[len(s)-1].Data)
	if err != nil {
		b.Fatal(err)
	}
	h, err := st.Head(env.Org)
	if err != nil {
		b.Fatal(err)
	}
	inOrder := make([]uint64, h.Seq)
	for i := range inOrder {
		inOrder[i] = uint64(i + 1)
	}
	random := slices.Clone(inOrder)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(random), func(i, j int) { random[i], random[j] = random[j], random[i] })
	perEvent := func(b *testing.B, read func() error) {
		for b.Loop() {
			if err := read(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(random)), "ns/event")
	}
	b.Run("Store.Event/random", func(b *testing.B) {
		perEvent(b, func() error {
			for _, seq := range random {
				if _, ok, err := st.Event(env.Org, seq); err != nil || !ok {
					return fmt.Errorf("event %d: %v %v", seq, ok, err)
				}
			}
			return nil
		})
	})
	for name, seqs := range map[string][]uint64{"random": random, "in order": inOrder} {
		b.Run("reader/"+name, func(b *testing.B) {
			perEvent(b, func() error {
				_, err := st.ReadEvents(env.Org, seqs)
				return err
			})
		})
	}
}
