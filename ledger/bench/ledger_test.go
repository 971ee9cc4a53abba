package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	opts := Options{Events: 2000, Clients: 4, Window: 16, Orgs: 3, Latency: 50, RawInflight: 256, RawBatch: 100, Queries: 500, MemoryLimitMiB: 160, GCPercent: 200}
	var progress bytes.Buffer
	limit := debug.SetMemoryLimit(-1)
	gc := debug.SetGCPercent(-1)
	debug.SetGCPercent(gc)
	rep, err := Run(ctx, t.TempDir(), opts, &progress)
	if after := debug.SetMemoryLimit(-1); after != limit {
		t.Errorf("Run left the Go memory limit at %d, was %d", after, limit)
	}
	if after := debug.SetGCPercent(gc); after != gc {
		t.Errorf("Run left the GC percent at %d, was %d", after, gc)
	}
	if err != nil {
		t.Fatalf("Run: %v\nprogress:\n%s", err, progress.String())
	}
	if rep.Options != opts {
		t.Errorf("Options = %+v, want %+v", rep.Options, opts)
	}

	// Counts: every command appended exactly one event.
	if rep.OrgOpens != opts.Orgs {
		t.Errorf("OrgOpens = %d, want %d", rep.OrgOpens, opts.Orgs)
	}
	if rep.IngestCommands != opts.Events || rep.Ingest.Events != opts.Events {
		t.Errorf("ingest commands %d, events %d, want %d", rep.IngestCommands, rep.Ingest.Events, opts.Events)
	}
	if rep.OrgOpenEvents < rep.OrgOpens {
		t.Errorf("OrgOpenEvents = %d, want at least one per org (%d)", rep.OrgOpenEvents, rep.OrgOpens)
	}
	if rep.LatencyCommands != opts.Latency || rep.Latency.Commands != opts.Latency {
		t.Errorf("latency commands %d / %d, want %d", rep.LatencyCommands, rep.Latency.Commands, opts.Latency)
	}
	if want := rep.IngestCommands + rep.LatencyCommands + rep.OrgOpenEvents; rep.StreamEvents != want {
		t.Errorf("StreamEvents = %d, want commands + events of the org opens = %d", rep.StreamEvents, want)
	}
	if rep.Rebuild.Events != rep.StreamEvents || rep.RawRead.Events != rep.StreamEvents {
		t.Errorf("rebuild %d, raw read %d events, want the stream's %d", rep.Rebuild.Events, rep.RawRead.Events, rep.StreamEvents)
	}
	if rep.RawPublish.Events != opts.Events || rep.RawPebble.Events != opts.Events {
		t.Errorf("raw publish %d, raw pebble %d events, want %d", rep.RawPublish.Events, rep.RawPebble.Events, opts.Events)
	}

	// Scale figures: the heap was sampled in both phases and stayed under
	// the bound; every as-of query was timed.
	if rep.Heap.IngestPeak == 0 || rep.Heap.RebuildPeak == 0 {
		t.Errorf("heap peaks %+v: not sampled", rep.Heap)
	}
	if !rep.Targets.HeapMet {
		t.Errorf("heap peaks %+v over %d bytes with %d events", rep.Heap, TargetHeapBytes, rep.StreamEvents)
	}
	if rep.AsOf.Queries != opts.Queries || rep.AsOf.Events != rep.StreamEvents || rep.AsOf.P99 <= 0 || rep.AsOf.P99 < rep.AsOf.P50 {
		t.Errorf("as-of figure %+v: want %d queries on %d events, 0 < p50 <= p99", rep.AsOf, opts.Queries, rep.StreamEvents)
	}

	// Sizes: the raw baselines use the ledger's measured event size.
	if rep.EventBytes < 100 || rep.EventBytes > 4096 {
		t.Errorf("EventBytes = %d, implausible for a JSON envelope", rep.EventBytes)
	}
	// Groups are packed: JetStream stores less than the events' own bytes,
	// headers and framing included.
	if rep.StoredEventBytes < 1 || rep.StoredEventBytes >= rep.EventBytes {
		t.Errorf("StoredEventBytes = %d, want packed messages, under the %d bytes of an event", rep.StoredEventBytes, rep.EventBytes)
	}
	for _, f := range []Figure{rep.Ingest, rep.Rebuild, rep.RawPublish, rep.RawPebble, rep.RawRead} {
		if f.Bytes != rep.EventBytes {
			t.Errorf("%s: Bytes = %d, want %d", f.Name, f.Bytes, rep.EventBytes)
		}
		if f.Seconds <= 0 || f.PerSecond <= 0 || f.Name == "" {
			t.Errorf("%+v: want a name and positive seconds and rate", f)
		}
		if got := float64(f.Events) / f.Seconds; !approxEqual(got, f.PerSecond) {
			t.Errorf("%s: PerSecond %v, events/seconds %v", f.Name, f.PerSecond, got)
		}
	}
	l := rep.Latency
	if !(l.P50 > 0 && l.P50 <= l.P99 && l.P99 <= l.Max && l.Mean > 0 && l.Mean <= l.Max) {
		t.Errorf("latency %+v: want 0 < p50 <= p99 <= max and 0 < mean <= max", l)
	}
	if rep.IngestCommits < 1 {
		t.Errorf("IngestCommits = %d, want ≥ 1", rep.IngestCommits)
	}

	// Ratios come from this run's figures, and so do the verdicts.
	if rep.Ratios.IngestVsPublish != rep.Ingest.PerSecond/rep.RawPublish.PerSecond ||
		rep.Ratios.IngestVsPebble != rep.Ingest.PerSecond/rep.RawPebble.PerSecond ||
		rep.Ratios.RebuildVsRead != rep.Rebuild.PerSecond/rep.RawRead.PerSecond {
		t.Errorf("ratios %+v not computed from the figures %+v", rep.Ratios, rep)
	}
	for _, v := range []float64{rep.Ratios.IngestVsPublish, rep.Ratios.IngestVsPebble, rep.Ratios.RebuildVsRead} {
		if v <= 0 {
			t.Errorf("ratios %+v: want all positive", rep.Ratios)
		}
	}
	if rep.Targets.IngestVsPublishMet != (rep.Ratios.IngestVsPublish >= TargetIngestVsPublish) ||
		rep.Targets.RebuildVsReadMet != (rep.Ratios.RebuildVsRead >= TargetRebuildVsRead) {
		t.Errorf("targets %+v do not follow from ratios %+v", rep.Targets, rep.Ratios)
	}

	// Both renderings work; the JSON round-trips.
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ledger ingest", "raw JetStream async publish", "ledger rebuild", "p99", "rebuild / raw JetStream ordered read"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatalf("JSON: %v\n%s", err, js.String())
	}
	if back != rep {
		t.Errorf("JSON round trip changed the report:\n%+v\n%+v", back, rep)
	}
	t.Logf("\n%s", table.String())
}

func approxEqual(a, b float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= 1e-9*max(a, b)
}

func TestRunBadOptions(t *testing.T) {
	ctx := t.Context()
	for _, o := range []Options{{Events: -1}, {Clients: -1}, {Window: -1}, {Orgs: -2}, {Latency: -1}, {RawBatch: -1}} {
		if _, err := Run(ctx, t.TempDir(), o, nil); err == nil {
			t.Errorf("Run(%+v): no error", o)
		}
	}
}

func TestRunRefusesUsedDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/x", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(t.Context(), dir, Options{Events: 10, Latency: 1}, nil); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("Run in a used dir: %v, want a not-empty error", err)
	}
}

func TestPercentile(t *testing.T) {
	d := make([]time.Duration, 100)
	for i := range d {
		d[i] = time.Duration(i + 1)
	}
	for _, c := range []struct {
		p    int
		want time.Duration
	}{{50, 50}, {99, 99}, {100, 100}, {1, 1}} {
		if got := percentile(d, c.p); got != c.want {
			t.Errorf("p%d = %d, want %d", c.p, got, c.want)
		}
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("p99 of one = %d", got)
	}
}

// Benchmark sizes: large enough for group commit to settle, small enough
// for a benchmark iteration. Each iteration measures its own raw baselines.
const (
	benchLedgerEvents  = 20_000
	benchLedgerClients = 16
	benchLedgerWindow  = 256
	benchLedgerOrgs    = 4
)

// rawBaselines can be turned off to profile the ledger alone:
//
//	go test -run '^$' -bench LedgerIngest/clients=16,window=256 -benchtime 1x -ledger.raw=false -cpuprofile cpu.out ./ledger/bench
var rawBaselines = flag.Bool("ledger.raw", true, "benchmarks also measure the raw baselines and report ratios")

// ingestSetup opens a fresh ledger for one iteration.
func ingestSetup(b *testing.B, ctx context.Context) (*Ledger, string) {
	b.Helper()
	dir := b.TempDir()
	l, err := OpenLedger(ctx, dir+"/ledger", benchLedgerOrgs)
	if err != nil {
		b.Fatal(err)
	}
	return l, dir
}

// BenchmarkLedgerIngest reports acknowledged-and-durable ingest and its
// ratios to raw JetStream async publish and raw Pebble synced batches of
// the same size, measured in the same iteration: with as many commands in
// flight as the raw publish keeps pending (16 clients × 256), and with
// 1,024 clients submitting one command at a time.
func BenchmarkLedgerIngest(b *testing.B) {
	for _, c := range []struct{ clients, window int }{{benchLedgerClients, benchLedgerWindow}, {1024, 1}} {
		b.Run(fmt.Sprintf("clients=%d,window=%d", c.clients, c.window), func(b *testing.B) {
			ctx := b.Context()
			var ing, pub, peb Result
			var cpu time.Duration
			for b.Loop() {
				l, dir := ingestSetup(b, ctx)
				cpu0 := cpuTime()
				r, err := l.Ingest(ctx, benchLedgerEvents, c.clients, c.window, nil)
				cpu += cpuTime() - cpu0
				if err != nil {
					b.Fatal(err)
				}
				st, err := l.Stream(ctx)
				l.Close()
				if err != nil {
					b.Fatal(err)
				}
				add(&ing, r.Result)
				if !*rawBaselines {
					continue
				}
				p, err := RawJetStreamAsyncPublish(ctx, dir+"/raw-publish", benchLedgerEvents, st.EventBytes, 4096)
				if err != nil {
					b.Fatal(err)
				}
				q, err := RawPebbleSyncBatch(ctx, dir+"/raw-pebble", benchLedgerEvents, st.EventBytes, 1000)
				if err != nil {
					b.Fatal(err)
				}
				add(&pub, p)
				add(&peb, q)
			}
			b.ReportMetric(ing.PerSecond(), "events/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(ing.Events), "cpu-ns/event")
			if !*rawBaselines {
				return
			}
			b.ReportMetric(ratio(ing.PerSecond(), pub.PerSecond()), "x-raw-publish")
			b.ReportMetric(ratio(ing.PerSecond(), peb.PerSecond()), "x-raw-pebble")
		})
	}
}

// BenchmarkLedgerRebuild reports the rebuild rate (untimed ingest first)
// and its ratio to a raw ordered read of as many messages of the same size.
func BenchmarkLedgerRebuild(b *testing.B) {
	ctx := b.Context()
	var rb, read Result
	var cpu time.Duration
	for b.Loop() {
		l, dir := ingestSetup(b, ctx)
		if _, err := l.Ingest(ctx, benchLedgerEvents, benchLedgerClients, benchLedgerWindow, nil); err != nil {
			b.Fatal(err)
		}
		st, err := l.Stream(ctx)
		if err != nil {
			b.Fatal(err)
		}
		cpu0 := cpuTime()
		r, err := l.Rebuild(ctx)
		cpu += cpuTime() - cpu0
		l.Close()
		if err != nil {
			b.Fatal(err)
		}
		add(&rb, r)
		if !*rawBaselines {
			continue
		}
		q, err := RawJetStreamOrderedRead(ctx, dir+"/raw-read", st.Events, st.EventBytes)
		if err != nil {
			b.Fatal(err)
		}
		add(&read, q)
	}
	b.ReportMetric(rb.PerSecond(), "events/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(rb.Events), "cpu-ns/event")
	if !*rawBaselines {
		return
	}
	b.ReportMetric(ratio(rb.PerSecond(), read.PerSecond()), "x-raw-read")
}

// cpuTime is the CPU time (user and system) the process has used: what
// other work on the machine disturbs far less than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func add(sum *Result, r Result) {
	sum.Events += r.Events
	sum.Elapsed += r.Elapsed
}

// duesAtMarshal is duesAt as first written, with fmt and json.Marshal of a
// map: the stream of commands must not depend on how they are built.
func duesAtMarshal(l *Ledger, i, org int) (ledger.Command, error) {
	year := firstYear + (i/12)%years
	period := fmt.Sprintf("%04d-%02d", year, i%12+1)
	fen := events.Fen(1000 + i%4000)
	data, err := json.Marshal(map[string]any{
		"member": fmt.Sprintf("m%06d", i%100_000), "period": period, "amount": fen.Yuan(),
		"receipt": map[string]string{"book": fmt.Sprintf("DUES-%04d", year), "number": strconv.Itoa(i)},
	})
	if err != nil {
		return ledger.Command{}, err
	}
	return ledger.Command{
		ID: "c-" + strconv.Itoa(i), Type: "receive_dues", Org: l.orgs[org], Actor: benchActor,
		Date: fmt.Sprintf("%s-%02d", period, 1+i%28), Data: data,
	}, nil
}

func TestDuesAtMatchesMarshal(t *testing.T) {
	l := &Ledger{orgs: []string{"o1", "o2", "o3"}}
	check := func(i int) {
		t.Helper()
		got, err := l.duesAt(i, i&1)
		if err != nil {
			t.Fatal(err)
		}
		want, err := duesAtMarshal(l, i, i&1)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != want.ID || got.Type != want.Type || got.Org != want.Org || got.Actor != want.Actor ||
			got.Date != want.Date || !bytes.Equal(got.Data, want.Data) {
			t.Fatalf("duesAt(%d) = %+v (data %s), want %+v (data %s)", i, got, got.Data, want, want.Data)
		}
	}
	for i := -5000; i <= 250_000; i++ {
		check(i)
	}
	for _, i := range []int{999_999, 1_000_000, 123_456_789, math.MaxInt32, math.MaxInt64, math.MinInt64 + 1, math.MinInt64} {
		check(i)
	}
}

func BenchmarkDuesAt(b *testing.B) {
	l := &Ledger{orgs: []string{"o1", "o2"}}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if _, err := l.duesAt(i, i%2); err != nil {
			b.Fatal(err)
		}
	}
}
