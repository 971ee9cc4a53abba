package projections_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/demo"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/projections"
)

// The projector benchmarks time Projector.Apply over a captured stream, in
// chunks of 4096 as the node reads them, on a fresh store on disk: a
// rebuild without NATS. The stream is made once per run by the real append
// path (ledger.Service) over an in-memory log and an in-memory store.
//
//	go test ./projections -run '^$' -bench BenchmarkProjector -benchtime 3x
//
// UNIONLEDGER_BENCH_DUES sets the number of dues events (default 40000);
// UNIONLEDGER_BENCH_STREAMS names a directory where the streams are kept
// between runs, so that runs compare the same bytes.

// memLog is a ledger.Log in memory that projects each append at once, so
// the service's wait for durability returns immediately.
type memLog struct {
	mu     sync.Mutex
	proj   *projections.Projector
	last   map[string]uint64
	stream []events.Stored
}

func (l *memLog) Append(_ context.Context, org string, expect uint64, msgs []ledger.Message) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last[org] != expect {
		return 0, &ledger.ConflictError{Last: l.last[org]}
	}
	chunk := make([]events.Stored, len(msgs))
	for i, m := range msgs {
		chunk[i] = events.Stored{StreamSeq: uint64(len(l.stream) + 1), Data: m.Data}
		l.stream = append(l.stream, chunk[i])
	}
	if err := l.proj.Apply(chunk); err != nil {
		return 0, err
	}
	l.last[org] = chunk[len(chunk)-1].StreamSeq
	return l.last[org], nil
}

// capture runs fn against a service over an in-memory log and store and
// returns the stream it appended.
func capture(tb testing.TB, fn func(ctx context.Context, svc *ledger.Service) error) []events.Stored {
	tb.Helper()
	st, err := projections.Open("mem", projections.Options{FS: vfs.NewMem()})
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	log := &memLog{proj: projections.NewProjector(st, nil), last: map[string]uint64{}}
	now, newID := ledgertest.Deterministic(time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC))
	svc := ledger.NewService(log, st, ledger.Config{Keys: st, Now: now, NewID: newID})
	defer svc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	if err := fn(ctx, svc); err != nil {
		tb.Fatal(err)
	}
	return log.stream
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

var (
	streamMu sync.Mutex
	streams  = map[string][]events.Stored{}
)

// stream returns a workload's stream, made once per process and, with
// UNIONLEDGER_BENCH_STREAMS set, once per directory.
func stream(tb testing.TB, name string, mk func() []events.Stored) []events.Stored {
	tb.Helper()
	streamMu.Lock()
	defer streamMu.Unlock()
	if s, ok := streams[name]; ok {
		return s
	}
	dir := os.Getenv("UNIONLEDGER_BENCH_STREAMS")
	var s []events.Stored
	if dir != "" {
		if got, err := readStream(filepath.Join(dir, name+".stream")); err == nil {
			s = got
		}
	}
	if s == nil {
		s = mk()
		if dir != "" {
			if err := writeStream(filepath.Join(dir, name+".stream"), s); err != nil {
				tb.Fatal(err)
			}
		}
	}
	streams[name] = s
	return s
}

func writeStream(path string, s []events.Stored) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, m := range s {
		var h [12]byte
		binary.BigEndian.PutUint64(h[:], m.StreamSeq)
		binary.BigEndian.PutUint32(h[8:], uint32(len(m.Data)))
		w.Write(h[:])
		w.Write(m.Data)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func readStream(path string) ([]events.Stored, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var out []events.Stored
	for {
		var h [12]byte
		if _, err := io.ReadFull(r, h[:]); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		data := make([]byte, binary.BigEndian.Uint32(h[8:]))
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, err
		}
		out = append(out, events.Stored{StreamSeq: binary.BigEndian.Uint64(h[:]), Data: data})
	}
}

// rebuild applies a stream to a fresh store in dir in chunks of 4096 and
// returns the store, open.
func rebuild(tb testing.TB, dir string, s []events.Stored) *projections.Store {
	tb.Helper()
	st, err := projections.Open(dir, projections.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	p := projections.NewProjector(st, nil)
	for i := 0; i < len(s); i += p.ChunkMax {
		if err := p.Apply(s[i:min(i+p.ChunkMax, len(s))]); err != nil {
			st.Close()
			tb.Fatal(err)
		}
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
	s := stream(b, "dues-"+strconv.Itoa(n), func() []events.Stored { return duesStream(b, n) })
	benchRebuild(b, s)
}

// BenchmarkProjectorDemo rebuilds the full demo union (800 members over
// three years, every kind of event).
func BenchmarkProjectorDemo(b *testing.B) {
	s := stream(b, "demo-full", func() []events.Stored { return demoStream(b, demo.Full) })
	benchRebuild(b, s)
}
