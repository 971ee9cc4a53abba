package main

import (
	"flag"
	"os"
	"runtime/debug"
)

// defaultMemoryLimitMiB is the Go runtime's soft memory limit for a serving
// or benchmarking process. The projections live in Pebble (whose cache and
// memtables are allocated outside the Go heap), so the live Go heap stays
// near 100 MiB however long the history (docs/performance.md); without a
// limit the runtime would let garbage grow to twice the live heap before
// collecting. With it, the collector runs earlier instead.
const defaultMemoryLimitMiB = 160

// addMemoryLimit registers --memory-limit; the returned function applies it
// and returns a function that restores the previous limit, or a usage error
// for a negative limit. GOMEMLIMIT, when set, wins over the default (not
// over an explicit flag).
func addMemoryLimit(fs *flag.FlagSet) func() (restore func(), err error) {
	mib := fs.Int("memory-limit", defaultMemoryLimitMiB, "soft limit of the Go runtime's memory in MiB (0: none; default unless $GOMEMLIMIT is set)")
	return func() (func(), error) {
		if *mib < 0 {
			return nil, usageError{"--memory-limit must be 0 (none) or more"}
		}
		explicit := false
		fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "memory-limit" })
		if (!explicit && os.Getenv("GOMEMLIMIT") != "") || *mib == 0 {
			return func() {}, nil
		}
		prev := debug.SetMemoryLimit(int64(*mib) << 20)
		return func() { debug.SetMemoryLimit(prev) }, nil
	}
}
