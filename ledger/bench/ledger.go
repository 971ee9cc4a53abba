package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	lnats "github.com/unionledger/unionledger/ledger/nats"
	"github.com/unionledger/unionledger/ledger/node"
)

// Options sizes a run of the ledger benchmark. Zero fields take the
// defaults of DefaultOptions.
type Options struct {
	// Events is the number of ingest commands; each appends one event.
	Events int `json:"events"`
	// Clients is the number of goroutines submitting concurrently, and
	// Window the commands each keeps in flight (Service.Enqueue). The
	// service groups the commands waiting for an org into one message and
	// one synced Pebble commit, so the commands in flight, Clients ×
	// Window, are what group commit feeds on. The default keeps as many in
	// flight as the raw publish keeps acknowledgements pending.
	Clients int `json:"clients"`
	Window  int `json:"window"`
	// Orgs is the number of unions the commands are spread over (round
	// robin). Each org has its own writer, so orgs append in parallel.
	Orgs int `json:"orgs"`
	// Latency is the number of sequential commands (one client, one at a
	// time) whose acknowledgement latency is measured.
	Latency int `json:"latency"`
	// RawInflight is the pending-ack window of the raw JetStream publish.
	RawInflight int `json:"raw_inflight"`
	// RawBatch is the keys per synced commit of the raw Pebble baseline.
	RawBatch int `json:"raw_batch"`
	// Queries is the number of as-of balance queries timed on the rebuilt
	// store.
	Queries int `json:"queries"`
	// MemoryLimitMiB, if positive, is the Go runtime's soft memory limit
	// while the ledger runs (ingest, latency, rebuild, queries), as `serve`
	// sets it. The raw baselines run without it: the raw publish keeps a
	// duplicate-detection entry per message for two minutes, and under a
	// limit meant for the ledger the collector would run all the time.
	MemoryLimitMiB int `json:"memory_limit_mib,omitempty"`
	// GCPercent, if positive, is the Go collector's target percentage while
	// the ledger runs, as `serve` sets it; the raw baselines run at the
	// process's own.
	GCPercent int `json:"gc_percent,omitempty"`
}

// DefaultOptions is a run that takes under two minutes on two cores.
func DefaultOptions() Options {
	return Options{
		Events:      200_000,
		Clients:     16,
		Window:      256,
		Orgs:        4,
		Latency:     1000,
		RawInflight: 4096,
		RawBatch:    1000,
		Queries:     20_000,
	}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	for _, f := range []struct{ v, d *int }{
		{&o.Events, &d.Events}, {&o.Clients, &d.Clients}, {&o.Window, &d.Window}, {&o.Orgs, &d.Orgs}, {&o.Latency, &d.Latency},
		{&o.RawInflight, &d.RawInflight}, {&o.RawBatch, &d.RawBatch}, {&o.Queries, &d.Queries},
	} {
		if *f.v == 0 {
			*f.v = *f.d
		}
	}
	return o
}

func (o Options) validate() error {
	switch {
	case o.Events < 1:
		return fmt.Errorf("bench: events %d < 1", o.Events)
	case o.Clients < 1:
		return fmt.Errorf("bench: clients %d < 1", o.Clients)
	case o.Window < 1:
		return fmt.Errorf("bench: window %d < 1", o.Window)
	case o.Orgs < 1 || o.Orgs > 10_000:
		return fmt.Errorf("bench: orgs %d outside 1..10000", o.Orgs)
	case o.Latency < 1:
		return fmt.Errorf("bench: latency commands %d < 1", o.Latency)
	case o.RawInflight < 1:
		return fmt.Errorf("bench: raw inflight %d < 1", o.RawInflight)
	case o.RawBatch < 1:
		return fmt.Errorf("bench: raw batch %d < 1", o.RawBatch)
	case o.Queries < 1:
		return fmt.Errorf("bench: queries %d < 1", o.Queries)
	case o.MemoryLimitMiB < 0:
		return fmt.Errorf("bench: memory limit %d MiB < 0", o.MemoryLimitMiB)
	case o.GCPercent < 0:
		return fmt.Errorf("bench: GC percent %d < 0", o.GCPercent)
	}
	return nil
}

// Ledger is a real node (embedded NATS with JetStream file storage, Pebble,
// projector, append service) on a directory of its own, with orgs opened
// and a source of unique commands for them.
type Ledger struct {
	dir  string
	node *node.Node
	orgs []string
	// openEvents is what opening the orgs appended (the org, its opener as
	// administrator, the treasurer and their roles).
	openEvents int
	// next numbers commands and receipts, so every command of every phase
	// is new to the ledger.
	next int
}

// OpenLedger starts a node on dir (which must be empty or absent) and
// opens orgs unions, untimed, each with the benchmark's actor as its
// treasurer.
func OpenLedger(ctx context.Context, dir string, orgs int) (_ *Ledger, err error) {
	if orgs < 1 {
		return nil, fmt.Errorf("bench: orgs %d < 1", orgs)
	}
	if err := emptyDir(dir); err != nil {
		return nil, err
	}
	n, err := node.Start(ctx, node.Config{DataDir: dir})
	if err != nil {
		return nil, fmt.Errorf("bench: start node: %w", err)
	}
	l := &Ledger{dir: dir, node: n}
	defer func() {
		if err != nil {
			l.Close()
		}
	}()
	for i := range orgs {
		org := "bench-" + strconv.Itoa(i)
		data, err := json.Marshal(map[string]any{
			"name": "Benchmark union " + strconv.Itoa(i), "chart": "2010",
			"officers": []map[string]string{{"person": benchActor, "role": "treasurer"}},
		})
		if err != nil {
			return nil, err
		}
		cmd := ledger.Command{ID: "open-" + org, Type: "open_org", Org: org, Actor: benchActor, Date: "2025-01-01", Data: data}
		res, err := l.node.Service.Submit(ctx, cmd)
		if err == nil && (res.Duplicate || len(res.Events) == 0) {
			err = fmt.Errorf("acknowledged with %d events (duplicate: %v)", len(res.Events), res.Duplicate)
		}
		if err != nil {
			return nil, fmt.Errorf("bench: open %s: %w", org, err)
		}
		l.orgs = append(l.orgs, org)
		l.openEvents += len(res.Events)
	}
	return l, nil
}

// benchActor opens the orgs and submits every command, as treasurer.
const benchActor = "p-bench"

// Node is the running node (it changes after Rebuild).
func (l *Ledger) Node() *node.Node { return l.node }

// Orgs is the number of orgs opened.
func (l *Ledger) Orgs() int { return len(l.orgs) }

// OpenEvents is the number of events opening the orgs appended.
func (l *Ledger) OpenEvents() int { return l.openEvents }

// Close stops the node.
func (l *Ledger) Close() {
	if l.node != nil {
		l.node.Close()
		l.node = nil
	}
}

// The benchmark's dues are spread over years firstYear .. firstYear+years-1,
// so that as-of-date queries cross years, months and days.
const (
	firstYear = 2017
	years     = 9
)

// dues returns a new receive_dues command for the org: a unique receipt
// number, members, amounts and accounting dates spread over several years.
func (l *Ledger) dues(org int) (ledger.Command, error) {
	l.next++
	return l.duesAt(l.next, org)
}

// duesAt is dues number i (1-based) for the org. It is pure, so concurrent
// clients can make their commands as they go instead of holding every
// command of a run in memory (which would count in the heap figure). The
// data is appended byte by byte, in the form json.Marshal gives a map of
// the same fields (keys sorted), so that the client costs next to nothing
// in a CPU-bound ingest; a test compares the two.
func (l *Ledger) duesAt(i, org int) (ledger.Command, error) {
	year := firstYear + (i/12)%years
	month := i%12 + 1
	fen := events.Fen(1000 + i%4000)
	// Every field is digits, '-' or '.', so nothing needs a JSON escape.
	data := make([]byte, 0, 160)
	data = append(data, `{"amount":"`...)
	data = appendYuan(data, fen)
	data = append(data, `","member":"m`...)
	data = appendPadded(data, i%100_000, 6)
	data = append(data, `","period":"`...)
	periodAt := len(data)
	data = appendPadded(data, year, 4)
	data = append(data, '-')
	data = appendPadded(data, month, 2)
	period := data[periodAt:len(data):len(data)]
	data = append(data, `","receipt":{"book":"DUES-`...)
	data = appendPadded(data, year, 4)
	data = append(data, `","number":"`...)
	data = strconv.AppendInt(data, int64(i), 10)
	data = append(data, `"}}`...)

	date := make([]byte, 0, len(period)+4)
	date = append(date, period...)
	date = append(date, '-')
	date = appendPadded(date, 1+i%28, 2)
	return ledger.Command{
		ID: "c-" + strconv.Itoa(i), Type: "receive_dues", Org: l.orgs[org], Actor: benchActor,
		Date: string(date), Data: data,
	}, nil
}

// appendYuan appends f as Fen.Yuan formats it.
func appendYuan(b []byte, f events.Fen) []byte {
	u := uint64(f)
	if f < 0 {
		b = append(b, '-')
		u = uint64(-(f + 1)) + 1 // safe for math.MinInt64
	}
	b = strconv.AppendUint(b, u/100, 10)
	b = append(b, '.', byte('0'+u%100/10), byte('0'+u%10))
	return b
}

// appendPadded appends v in decimal, zero-padded to width as fmt's %0*d
// does (a sign counts in the width).
func appendPadded(b []byte, v, width int) []byte {
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], int64(v), 10)
	if v < 0 {
		b = append(b, '-')
		d = d[1:]
		width--
	}
	for n := len(d); n < width; n++ {
		b = append(b, '0')
	}
	return append(b, d...)
}

// IngestResult is one timed ingest.
type IngestResult struct {
	Result
	Clients int
	Window  int
	Orgs    int
	// Commits is the number of synced Pebble commits observed during the
	// run (a watcher can miss one that follows another within
	// microseconds, so this is a lower bound).
	Commits int
}

// Ingest submits n new receive_dues commands from clients concurrent
// goroutines over every org (round robin) and times from the first submit
// to the last acknowledgement. Each client keeps up to window commands in
// flight (Service.Enqueue), waiting for the oldest before it queues
// another, as an asynchronous publisher keeps a window of
// acknowledgements pending; a window of 1 is a client that submits one
// command at a time. Every command must be accepted with exactly one new
// event. Each client makes its commands as it goes.
func (l *Ledger) Ingest(ctx context.Context, n, clients, window int, progress io.Writer) (IngestResult, error) {
	res := IngestResult{Result: Result{Name: "ledger ingest"}, Clients: clients, Window: window, Orgs: len(l.orgs)}
	if n < 1 || clients < 1 || window < 1 {
		return res, fmt.Errorf("bench: ingest: n %d, clients %d, window %d: each must be ≥ 1", n, clients, window)
	}
	if progress == nil {
		progress = io.Discard
	}
	// Commands are made by each client as it goes (a JSON encoding, about a
	// microsecond, inside the timed part), so the heap holds no run-sized
	// list of them.
	base := l.next
	l.next += n
	svc, store := l.node.Service, l.node.Store

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		next, acked atomic.Int64
		wg          sync.WaitGroup
		commits     int
		watchDone   = make(chan struct{})
		stopWatch   = make(chan struct{})
	)
	go func() { // count synced commits and report progress
		defer close(watchDone)
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		start := time.Now()
		for {
			ch := store.Changed()
			select {
			case <-ch:
				commits++
			case <-tick.C:
				a := acked.Load()
				fmt.Fprintf(progress, "  ingest: %d of %d acknowledged (%.0f events/s so far)\n", a, n, float64(a)/time.Since(start).Seconds())
			case <-stopWatch:
				return
			}
		}
	}()
	start := time.Now()
	for range min(clients, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The commands in flight, oldest first, in a ring.
			type sent struct {
				cmd ledger.Command
				p   ledger.Pending
			}
			ring := make([]sent, window)
			head, inFlight := 0, 0
			for {
				for inFlight < window && ctx.Err() == nil {
					i := int(next.Add(1) - 1)
					if i >= n {
						break
					}
					cmd, err := l.duesAt(base+1+i, i%len(l.orgs))
					if err != nil {
						cancel(err)
						return
					}
					p, err := svc.Enqueue(ctx, cmd)
					if err != nil {
						cancel(fmt.Errorf("bench: ingest: command %s (%s, %s): %w", cmd.ID, cmd.Type, cmd.Org, err))
						return
					}
					ring[(head+inFlight)%window] = sent{cmd, p}
					inFlight++
				}
				if inFlight == 0 {
					return
				}
				s := ring[head]
				ring[head] = sent{}
				head, inFlight = (head+1)%window, inFlight-1
				if err := checkSubmit(s.p.Wait(ctx)); err != nil {
					cancel(fmt.Errorf("bench: ingest: command %s (%s, %s): %w", s.cmd.ID, s.cmd.Type, s.cmd.Org, err))
					return
				}
				acked.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stopWatch)
	<-watchDone
	if err := context.Cause(ctx); err != nil {
		return res, err
	}
	res.Events, res.Elapsed, res.Commits = n, elapsed, commits
	return res, nil
}

// checkSubmit accepts a Submit outcome only if it appended exactly one new
// event.
func checkSubmit(res ledger.Result, err error) error {
	switch {
	case err != nil:
		return err
	case res.Duplicate:
		return errors.New("acknowledged as a duplicate of an earlier command")
	case len(res.Events) != 1:
		return fmt.Errorf("appended %d events, want 1", len(res.Events))
	}
	return nil
}

// LatencyResult is the acknowledgement latency of sequential commands.
type LatencyResult struct {
	Commands int
	P50      time.Duration
	P99      time.Duration
	Max      time.Duration
	Mean     time.Duration
}

// Latency submits m new dues commands to the first org one at a time and
// measures each Submit until it returns (the events are durable).
func (l *Ledger) Latency(ctx context.Context, m int) (LatencyResult, error) {
	res := LatencyResult{Commands: m}
	if m < 1 {
		return res, fmt.Errorf("bench: latency: m %d < 1", m)
	}
	cmds := make([]ledger.Command, m)
	for i := range cmds {
		var err error
		if cmds[i], err = l.dues(0); err != nil {
			return res, err
		}
	}
	took := make([]time.Duration, m)
	var total time.Duration
	for i, cmd := range cmds {
		start := time.Now()
		err := checkSubmit(l.node.Service.Submit(ctx, cmd))
		took[i] = time.Since(start)
		if err != nil {
			return res, fmt.Errorf("bench: latency: command %s: %w", cmd.ID, err)
		}
		total += took[i]
	}
	slices.Sort(took)
	res.P50, res.P99, res.Max = percentile(took, 50), percentile(took, 99), took[m-1]
	res.Mean = total / time.Duration(m)
	return res, nil
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 · n)
	return sorted[max(rank, 1)-1]
}

// StreamStats is what the log holds after the timed phases.
type StreamStats struct {
	Events     int // messages in the stream (= last stream sequence)
	Messages   int // stream messages: each holds one group's events
	Bytes      int // sum of event sizes (the JSON envelope, no headers)
	EventBytes int // average event size, rounded
	// StoredEventBytes is what JetStream stores an event: the stream's
	// bytes (packed data, headers, subjects, record framing) over its
	// events, rounded.
	StoredEventBytes int
}

// Stream counts the events in the log and their average size. It also
// checks that the store has applied all of them and holds each one.
func (l *Ledger) Stream(ctx context.Context) (StreamStats, error) {
	var st StreamStats
	last, err := l.node.Log.LastSeq(ctx)
	if err != nil {
		return st, err
	}
	if applied := l.node.Store.Applied(); applied != last {
		return st, fmt.Errorf("bench: store applied %d of %d stream messages", applied, last)
	}
	heads, err := l.node.Store.Orgs()
	if err != nil {
		return st, err
	}
	var want uint64
	for org, h := range heads {
		want += h.Seq
		if err := l.node.Store.Events(org, 1, 0, func(_ uint64, ev events.Stored) bool {
			st.Events++
			st.Bytes += len(ev.Data)
			return true
		}); err != nil {
			return st, err
		}
	}
	if uint64(st.Events) != want {
		return st, fmt.Errorf("bench: store holds %d events, the org heads say %d", st.Events, want)
	}
	st.Messages = int(last)
	stream, err := l.node.Log.JetStream().Stream(ctx, lnats.StreamName)
	if err != nil {
		return st, err
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return st, err
	}
	if st.Events > 0 {
		st.EventBytes = (st.Bytes + st.Events/2) / st.Events
		st.StoredEventBytes = int((info.State.Bytes + uint64(st.Events)/2) / uint64(st.Events))
	}
	return st, nil
}

// Rebuild closes the node, deletes its Pebble directory and times starting
// a new node on the same data: node.Start returns once the projector has
// applied the whole stream again (event copies, indexes, projections, in
// synced batches). It checks every org's head came back identical.
func (l *Ledger) Rebuild(ctx context.Context) (Result, error) {
	res := Result{Name: "ledger rebuild"}
	last, err := l.node.Log.LastSeq(ctx)
	if err != nil {
		return res, err
	}
	heads, err := l.node.Store.Orgs()
	if err != nil {
		return res, err
	}
	l.Close()
	if err := os.RemoveAll(filepath.Join(l.dir, "pebble")); err != nil {
		return res, fmt.Errorf("bench: rebuild: %w", err)
	}
	start := time.Now()
	n, err := node.Start(ctx, node.Config{DataDir: l.dir})
	elapsed := time.Since(start)
	if err != nil {
		return res, fmt.Errorf("bench: rebuild: start node: %w", err)
	}
	l.node = n
	if applied := n.Store.Applied(); applied != last {
		return res, fmt.Errorf("bench: rebuild: store applied %d of %d stream messages", applied, last)
	}
	again, err := n.Store.Orgs()
	if err != nil {
		return res, err
	}
	if !maps.Equal(heads, again) {
		return res, fmt.Errorf("bench: rebuild: org heads differ after rebuild: before %v, after %v", heads, again)
	}
	res.Elapsed = elapsed
	for _, h := range again {
		res.Events += int(h.Seq)
	}
	return res, nil
}

// emptyDir accepts a directory that is absent or empty.
func emptyDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if len(ents) > 0 {
		return fmt.Errorf("bench: %s is not empty", dir)
	}
	return nil
}

// Run measures the real ledger and the raw baselines in one run, under dir
// (absent or empty; its contents are left in place): ingest, sequential
// latency and rebuild of a node in dir/ledger, then raw JetStream async
// publish, raw Pebble synced batches and raw ordered read with messages of
// the ledger's measured average event size, in dir/raw-*. Phases run one
// after another, never overlapping. progress (may be nil) gets a line per
// phase.
func Run(ctx context.Context, dir string, opts Options, progress io.Writer) (Report, error) {
	opts = opts.withDefaults()
	rep := Report{Options: opts, Machine: thisMachine()}
	if err := opts.validate(); err != nil {
		return rep, err
	}
	if progress == nil {
		progress = io.Discard
	}
	if err := emptyDir(dir); err != nil {
		return rep, err
	}
	say := func(format string, args ...any) { fmt.Fprintf(progress, format+"\n", args...) }

	// The Go memory limit is process-wide: set it for the ledger's phases,
	// lift it for the raw baselines, and put back what it was.
	prevLimit := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prevLimit)
	if opts.MemoryLimitMiB > 0 {
		debug.SetMemoryLimit(int64(opts.MemoryLimitMiB) << 20)
	}
	prevGC := debug.SetGCPercent(-1)
	debug.SetGCPercent(prevGC)
	defer debug.SetGCPercent(prevGC)
	if opts.GCPercent > 0 {
		debug.SetGCPercent(opts.GCPercent)
	}

	say("starting a node in %s and opening %d orgs", dir, opts.Orgs)
	l, err := OpenLedger(ctx, filepath.Join(dir, "ledger"), opts.Orgs)
	if err != nil {
		return rep, err
	}
	defer l.Close()
	rep.OrgOpens, rep.OrgOpenEvents = l.Orgs(), l.OpenEvents()

	say("ingest: %d commands from %d clients, %d in flight each, over %d orgs", opts.Events, opts.Clients, opts.Window, opts.Orgs)
	gcBefore()
	heap := sampleHeap(20 * time.Millisecond)
	ing, err := l.Ingest(ctx, opts.Events, opts.Clients, opts.Window, progress)
	hr := heap.Stop()
	rep.Heap.IngestPeak, rep.Heap.IngestLive = hr.inUse, hr.live
	if err != nil {
		return rep, err
	}
	rep.Ingest = figure(ing.Result)
	rep.IngestCommands, rep.IngestCommits = ing.Events, ing.Commits
	say("  %.0f events/s", rep.Ingest.PerSecond)

	say("latency: %d sequential commands", opts.Latency)
	lat, err := l.Latency(ctx, opts.Latency)
	if err != nil {
		return rep, err
	}
	rep.Latency = latencyFigure(lat)
	rep.LatencyCommands = lat.Commands
	say("  p50 %v, p99 %v", lat.P50, lat.P99)

	st, err := l.Stream(ctx)
	if err != nil {
		return rep, err
	}
	rep.StreamEvents, rep.StreamMessages, rep.EventBytes, rep.StoredEventBytes = st.Events, st.Messages, st.EventBytes, st.StoredEventBytes

	say("rebuild: %d events from the stream into a new Pebble store", st.Events)
	gcBefore()
	heap = sampleHeap(20 * time.Millisecond)
	rb, err := l.Rebuild(ctx)
	hr = heap.Stop()
	rep.Heap.RebuildPeak, rep.Heap.RebuildLive = hr.inUse, hr.live
	if err != nil {
		return rep, err
	}
	rb.Bytes = st.EventBytes
	rep.Rebuild = figure(rb)
	say("  %.0f events/s; heap in use at most %.1f MiB, live %.1f MiB (ingest: %.1f, %.1f MiB)", rep.Rebuild.PerSecond,
		mib(rep.Heap.RebuildPeak), mib(rep.Heap.RebuildLive), mib(rep.Heap.IngestPeak), mib(rep.Heap.IngestLive))

	say("as-of balance queries: %d on %d events", opts.Queries, st.Events)
	rep.LSMAfterRebuild = l.node.Store.LSM()
	q, err := AsOfQueries(ctx, l.node.Store, l.orgs, opts.Queries, 1)
	if err != nil {
		return rep, err
	}
	rep.AsOf = AsOfFigure{Queries: q.Queries, Events: st.Events, P50: micros(q.P50), P99: micros(q.P99), Max: micros(q.Max)}
	say("  p50 %v, p99 %v", q.P50, q.P99)
	waited, err := settle(ctx, l.node.Store)
	if err != nil {
		return rep, err
	}
	rep.SettleWait, rep.LSMSettled = waited.Seconds(), l.node.Store.LSM()
	say("as-of balance queries again, %.1f s later, compactions settled", waited.Seconds())
	if q, err = AsOfQueries(ctx, l.node.Store, l.orgs, opts.Queries, 1); err != nil {
		return rep, err
	}
	rep.AsOfSettled = AsOfFigure{Queries: q.Queries, Events: st.Events, P50: micros(q.P50), P99: micros(q.P99), Max: micros(q.Max)}
	l.Close()
	say("  p50 %v, p99 %v", q.P50, q.P99)

	debug.SetMemoryLimit(math.MaxInt64)
	debug.SetGCPercent(prevGC)
	size := max(st.EventBytes, 1)
	rep.Ingest.Bytes = size
	say("raw JetStream async publish: %d messages of %d bytes, %d in flight", opts.Events, size, opts.RawInflight)
	pub, err := RawJetStreamAsyncPublish(ctx, filepath.Join(dir, "raw-publish"), opts.Events, size, opts.RawInflight)
	if err != nil {
		return rep, err
	}
	rep.RawPublish = figure(pub)
	say("  %.0f events/s", rep.RawPublish.PerSecond)

	say("raw Pebble: %d keys of %d bytes, synced batches of %d", opts.Events, size, opts.RawBatch)
	peb, err := RawPebbleSyncBatch(ctx, filepath.Join(dir, "raw-pebble"), opts.Events, size, opts.RawBatch)
	if err != nil {
		return rep, err
	}
	rep.RawPebble = figure(peb)
	say("  %.0f events/s", rep.RawPebble.PerSecond)

	say("raw JetStream ordered read: %d messages of %d bytes", st.Events, size)
	read, err := RawJetStreamOrderedRead(ctx, filepath.Join(dir, "raw-read"), st.Events, size)
	if err != nil {
		return rep, err
	}
	rep.RawRead = figure(read)
	say("  %.0f events/s", rep.RawRead.PerSecond)

	rep.computeRatios()
	rep.Machine.LoadAfter = loadAverage()
	return rep, nil
}
