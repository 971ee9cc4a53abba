package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/unionledger/unionledger/projections"
)

// Targets are the ratios the ledger is expected to reach against the raw
// baselines measured in the same run.
const (
	// TargetIngestVsPublish: acknowledged-and-durable ingest against raw
	// JetStream async publish.
	TargetIngestVsPublish = 0.5
	// TargetRebuildVsRead: rebuilding the Pebble store from the stream
	// against a raw ordered-consumer read of as many messages.
	TargetRebuildVsRead = 0.4
)

// Figure is one timed throughput figure.
type Figure struct {
	Name      string  `json:"name"`
	Events    int     `json:"events"`
	Bytes     int     `json:"bytes"` // per event
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"events_per_second"`
}

func figure(r Result) Figure {
	return Figure{Name: r.Name, Events: r.Events, Bytes: r.Bytes, Seconds: r.Elapsed.Seconds(), PerSecond: r.PerSecond()}
}

// Latency is the acknowledgement latency of sequential commands, in
// microseconds.
type Latency struct {
	Commands int     `json:"commands"`
	P50      float64 `json:"p50_us"`
	P99      float64 `json:"p99_us"`
	Max      float64 `json:"max_us"`
	Mean     float64 `json:"mean_us"`
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func latencyFigure(r LatencyResult) Latency {
	return Latency{Commands: r.Commands, P50: micros(r.P50), P99: micros(r.P99), Max: micros(r.Max), Mean: micros(r.Mean)}
}

// Ratios compare the ledger with the raw baselines of the same run.
type Ratios struct {
	IngestVsPublish float64 `json:"ingest_vs_raw_publish"`
	IngestVsPebble  float64 `json:"ingest_vs_raw_pebble"`
	RebuildVsRead   float64 `json:"rebuild_vs_raw_read"`
}

// Targets says whether the run reached the expected ratios.
type Targets struct {
	IngestVsPublish    float64 `json:"ingest_vs_raw_publish"`
	RebuildVsRead      float64 `json:"rebuild_vs_raw_read"`
	IngestVsPublishMet bool    `json:"ingest_vs_raw_publish_met"`
	RebuildVsReadMet   bool    `json:"rebuild_vs_raw_read_met"`
	HeapBytes          uint64  `json:"heap_bytes"`
	HeapMet            bool    `json:"heap_met"`
	AsOfP99            float64 `json:"as_of_p99_us"`
	AsOfP99Met         bool    `json:"as_of_p99_met"`
}

// Machine describes where the run happened.
type Machine struct {
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"go"`
	// LoadBefore and LoadAfter are the 1-minute load averages when the run
	// started and ended (Linux only; empty elsewhere): other work on the
	// machine skews every figure, the ratios less so.
	LoadBefore string `json:"load_before,omitempty"`
	LoadAfter  string `json:"load_after,omitempty"`
	// GlibcTunables is $GLIBC_TUNABLES: serve and bench set glibc's malloc
	// there for Pebble's memtables (huge pages, a fixed mmap threshold).
	GlibcTunables string `json:"glibc_tunables,omitempty"`
}

func thisMachine() Machine {
	return Machine{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version(),
		LoadBefore: loadAverage(), GlibcTunables: os.Getenv("GLIBC_TUNABLES")}
}

// loadAverage is the 1-minute load average, or "" if unknown.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// Report holds every figure of one Run and the ratios computed from them.
type Report struct {
	Options Options `json:"options"`
	Machine Machine `json:"machine"`

	// OrgOpens commands appended OrgOpenEvents events (the org, its
	// officers and their roles); IngestCommands and LatencyCommands (all
	// receive_dues) one event each. StreamEvents is what the stream holds
	// afterwards: their sum.
	OrgOpens        int `json:"org_opens"`
	OrgOpenEvents   int `json:"org_open_events"`
	IngestCommands  int `json:"ingest_commands"`
	LatencyCommands int `json:"latency_commands"`
	StreamEvents    int `json:"stream_events"`
	// StreamMessages is how many messages hold them: one per group of
	// commands appended together.
	StreamMessages int `json:"stream_messages"`
	// IngestCommits is the synced Pebble commits seen during ingest (a
	// lower bound).
	IngestCommits int `json:"ingest_commits"`
	// EventBytes is the average size of the ledger's events (the JSON
	// envelope as stored), used as the raw baselines' message size.
	EventBytes int `json:"event_bytes"`
	// StoredEventBytes is what JetStream stores an event, its messages
	// being packed (docs/events.md); the raw publish's messages are not.
	StoredEventBytes int `json:"stored_event_bytes"`

	Ingest     Figure  `json:"ingest"`
	Latency    Latency `json:"latency"`
	Rebuild    Figure  `json:"rebuild"`
	RawPublish Figure  `json:"raw_jetstream_async_publish"`
	RawPebble  Figure  `json:"raw_pebble_sync_batch"`
	RawRead    Figure  `json:"raw_jetstream_ordered_read"`

	// Heap is the peak Go heap in use while ingesting and rebuilding;
	// AsOf the latency of as-of balance queries on the rebuilt store.
	Heap Heap       `json:"heap"`
	AsOf AsOfFigure `json:"as_of_balance"`
	// AsOfSettled is the same queries again once Pebble's compactions are
	// done (or after SettleWait gave up at settleLimit), and LSMAfterRebuild
	// and LSMSettled the LSM at the start of each: right after a rebuild,
	// reads share the cores with compactions and pay for every file in
	// level 0.
	AsOfSettled     AsOfFigure      `json:"as_of_balance_settled"`
	SettleWait      float64         `json:"settle_wait_seconds"`
	LSMAfterRebuild projections.LSM `json:"lsm_after_rebuild"`
	LSMSettled      projections.LSM `json:"lsm_settled"`

	Ratios  Ratios  `json:"ratios"`
	Targets Targets `json:"targets"`
}

// Heap is the peak Go heap (bytes) during a phase, in use and live; see
// heapSampler.
type Heap struct {
	IngestPeak  uint64 `json:"ingest_peak_bytes"`
	IngestLive  uint64 `json:"ingest_live_peak_bytes"`
	RebuildPeak uint64 `json:"rebuild_peak_bytes"`
	RebuildLive uint64 `json:"rebuild_live_peak_bytes"`
}

// AsOfFigure is the latency of as-of balance queries, in microseconds, on
// a store holding Events events.
type AsOfFigure struct {
	Queries int     `json:"queries"`
	Events  int     `json:"events"`
	P50     float64 `json:"p50_us"`
	P99     float64 `json:"p99_us"`
	Max     float64 `json:"max_us"`
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

func (r *Report) computeRatios() {
	r.Ratios = Ratios{
		IngestVsPublish: ratio(r.Ingest.PerSecond, r.RawPublish.PerSecond),
		IngestVsPebble:  ratio(r.Ingest.PerSecond, r.RawPebble.PerSecond),
		RebuildVsRead:   ratio(r.Rebuild.PerSecond, r.RawRead.PerSecond),
	}
	r.Targets = Targets{
		IngestVsPublish:    TargetIngestVsPublish,
		RebuildVsRead:      TargetRebuildVsRead,
		IngestVsPublishMet: r.Ratios.IngestVsPublish >= TargetIngestVsPublish,
		RebuildVsReadMet:   r.Ratios.RebuildVsRead >= TargetRebuildVsRead,
		HeapBytes:          TargetHeapBytes,
		HeapMet:            max(r.Heap.IngestPeak, r.Heap.RebuildPeak) < TargetHeapBytes,
		AsOfP99:            micros(TargetAsOfP99),
		AsOfP99Met:         r.asOfJudged().P99 < micros(TargetAsOfP99),
	}
}

// asOfJudged is the figure the as-of bound is checked on: the queries on a
// settled store when they ran. Right after a rebuild the queries share the
// two cores with the compactions it left behind, a transient that says
// nothing of the query itself; both figures are reported.
func (r Report) asOfJudged() AsOfFigure {
	if r.AsOfSettled.Queries > 0 {
		return r.AsOfSettled
	}
	return r.AsOf
}

// WriteJSON writes the report as indented JSON.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report for people.
func (r Report) WriteTable(w io.Writer) error {
	o, m := r.Options, r.Machine
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("unionledger bench: %d commands from %d clients, %d in flight each, over %d orgs; %d cores, %s/%s, %s",
		o.Events, o.Clients, o.Window, o.Orgs, m.CPUs, m.OS, m.Arch, m.GoVersion)
	if m.LoadBefore != "" {
		p("; load average %s before, %s after", m.LoadBefore, m.LoadAfter)
	}
	if o.MemoryLimitMiB > 0 {
		p("; Go memory limit %d MiB in the ledger's phases", o.MemoryLimitMiB)
	}
	if o.GCPercent > 0 {
		p("; GC percent %d in the ledger's phases", o.GCPercent)
	}
	if m.GlibcTunables != "" {
		p("; GLIBC_TUNABLES=%s", m.GlibcTunables)
	}
	p("\n")
	p("events in stream: %d (%d from opening %d orgs + %d ingest + %d latency receive_dues) in %d messages; average event %d bytes, %d stored in JetStream (packed)\n\n",
		r.StreamEvents, r.OrgOpenEvents, r.OrgOpens, r.IngestCommands, r.LatencyCommands, r.StreamMessages, r.EventBytes, r.StoredEventBytes)

	const row = "%-44s %9s %6s %8s %10s\n"
	p(row, "figure", "events", "bytes", "seconds", "events/s")
	for _, f := range []struct {
		label string
		f     Figure
	}{
		{"ledger ingest (acknowledged = durable)", r.Ingest},
		{fmt.Sprintf("raw JetStream async publish, %d in flight", o.RawInflight), r.RawPublish},
		{fmt.Sprintf("raw Pebble synced batches of %d", o.RawBatch), r.RawPebble},
		{"ledger rebuild (node start, empty Pebble)", r.Rebuild},
		{"raw JetStream ordered read", r.RawRead},
	} {
		p(row, f.label, strconv.Itoa(f.f.Events), strconv.Itoa(f.f.Bytes),
			strconv.FormatFloat(f.f.Seconds, 'f', 2, 64), strconv.FormatFloat(f.f.PerSecond, 'f', 0, 64))
	}
	if r.IngestCommits > 0 {
		p("\ningest: %d synced Pebble commits seen, so at most %.1f events per commit\n",
			r.IngestCommits, float64(r.IngestCommands)/float64(r.IngestCommits))
	}
	l := r.Latency
	p("latency of %d sequential commands (one client): p50 %.2f ms, p99 %.2f ms, max %.2f ms, mean %.2f ms\n\n",
		l.Commands, l.P50/1000, l.P99/1000, l.Max/1000, l.Mean/1000)

	yes := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "NO"
	}
	const rrow = "%-44s %9s %8s %4s\n"
	p(rrow, "ratio", "measured", "target", "met")
	p(rrow, "ingest / raw JetStream async publish", strconv.FormatFloat(r.Ratios.IngestVsPublish, 'f', 3, 64),
		fmt.Sprintf(">= %.2f", r.Targets.IngestVsPublish), yes(r.Targets.IngestVsPublishMet))
	p(rrow, "ingest / raw Pebble synced batches", strconv.FormatFloat(r.Ratios.IngestVsPebble, 'f', 3, 64), "", "")
	p(rrow, "rebuild / raw JetStream ordered read", strconv.FormatFloat(r.Ratios.RebuildVsRead, 'f', 3, 64),
		fmt.Sprintf(">= %.2f", r.Targets.RebuildVsRead), yes(r.Targets.RebuildVsReadMet))
	p("\n")
	p(rrow, "bound", "measured", "target", "met")
	p(rrow, "heap in use at most, ingest (MiB)", strconv.FormatFloat(mib(r.Heap.IngestPeak), 'f', 1, 64),
		fmt.Sprintf("< %.0f", mib(r.Targets.HeapBytes)), yes(r.Heap.IngestPeak < r.Targets.HeapBytes))
	p(rrow, "heap in use at most, rebuild (MiB)", strconv.FormatFloat(mib(r.Heap.RebuildPeak), 'f', 1, 64),
		fmt.Sprintf("< %.0f", mib(r.Targets.HeapBytes)), yes(r.Heap.RebuildPeak < r.Targets.HeapBytes))
	p(rrow, "live heap at most, ingest / rebuild (MiB)", fmt.Sprintf("%.1f / %.1f", mib(r.Heap.IngestLive), mib(r.Heap.RebuildLive)), "", "")
	lsm := func(l projections.LSM) string {
		return fmt.Sprintf("%d / %d / %d", l.L0Files, l.L0Sublevels, l.Compacting)
	}
	bound, met := fmt.Sprintf("< %.0f", r.Targets.AsOfP99/1000), yes(r.Targets.AsOfP99Met)
	if r.AsOfSettled.Queries > 0 {
		p(rrow, "as-of p99 (ms), right after the rebuild", strconv.FormatFloat(r.AsOf.P99/1000, 'f', 3, 64), "", "")
		p(rrow, "  L0 files / sublevels / compactions", lsm(r.LSMAfterRebuild), "", "")
		p(rrow, fmt.Sprintf("as-of balance p99 (ms), settled after %.0f s", r.SettleWait), strconv.FormatFloat(r.AsOfSettled.P99/1000, 'f', 3, 64), bound, met)
		p(rrow, "  L0 files / sublevels / compactions", lsm(r.LSMSettled), "", "")
	} else {
		p(rrow, fmt.Sprintf("as-of balance p99 (ms), %d queries", r.AsOf.Queries), strconv.FormatFloat(r.AsOf.P99/1000, 'f', 3, 64), bound, met)
		p(rrow, "  L0 files / sublevels / compactions", lsm(r.LSMAfterRebuild), "", "")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
