package main

import (
	"flag"
	"os"
	"runtime/debug"
)

// defaultMemoryLimitMiB is the Go runtime's soft memory limit for a serving
// or benchmarking process. The projections live in Pebble (whose cache and
// memtables are allocated outside the Go heap), so the live Go heap does not
// grow with the history; what it holds under load is mostly JetStream's
// cache of the last 10 s of the stream, which grows with the ingest rate
// (about 90 MB at 40,000 events/s). Without a limit the runtime would let
// garbage grow to three times the live heap before collecting; with it the
// collector runs earlier instead. 176 MiB keeps the heap in use under the
// 200 MB bound at 2 million events with a margin (165.4 MiB measured), and
// leaves the collector room above that cache: at 160 MiB, with 144 MiB
// live, it ran all the time (docs/performance.md).
const defaultMemoryLimitMiB = 176

// defaultGCPercent is the collector's target for the same processes: the
// heap may grow to three times the live heap (about 55 MiB while ingesting)
// before a collection, instead of twice, and the memory limit still caps
// it. Ingest spends about 10% less CPU per event than at the runtime's 100
// (docs/performance.md).
const defaultGCPercent = 200

// addMemoryLimit registers --memory-limit; the returned function applies it
// and returns a function that restores the previous limit, or a usage error
// for a negative limit. GOMEMLIMIT, when set, wins over the default (not
// over an explicit flag).
// It registers --gc-percent too, applied alike: GOGC, when set, wins over
// the default.
func addMemoryLimit(fs *flag.FlagSet) func() (restore func(), err error) {
	mib := fs.Int("memory-limit", defaultMemoryLimitMiB, "soft limit of the Go runtime's memory in MiB (0: none; default unless $GOMEMLIMIT is set)")
	gc := addGCPercent(fs)
	return func() (func(), error) {
		if *mib < 0 {
			return nil, usageError{"--memory-limit must be 0 (none) or more"}
		}
		if *gc < 0 {
			return nil, usageError{"--gc-percent must be 0 (the runtime's) or more"}
		}
		restoreGC := func() {}
		if *gc > 0 && (explicit(fs, "gc-percent") || os.Getenv("GOGC") == "") {
			prev := debug.SetGCPercent(*gc)
			restoreGC = func() { debug.SetGCPercent(prev) }
		}
		if (!explicit(fs, "memory-limit") && os.Getenv("GOMEMLIMIT") != "") || *mib == 0 {
			return restoreGC, nil
		}
		prev := debug.SetMemoryLimit(int64(*mib) << 20)
		return func() { debug.SetMemoryLimit(prev); restoreGC() }, nil
	}
}

// addGCPercent registers --gc-percent.
func addGCPercent(fs *flag.FlagSet) *int {
	return fs.Int("gc-percent", defaultGCPercent, "the Go collector's target percentage (0: the runtime's; default unless $GOGC is set)")
}

// explicit reports whether the flag name was given on the command line.
func explicit(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
