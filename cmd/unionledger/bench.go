package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/unionledger/unionledger/ledger/bench"
)

func runBench(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	d := bench.DefaultOptions()
	fs := newFlags("bench", "[--events N] [--clients C] [--window W] [--orgs K] [--latency M] [--queries Q] [--dir DIR] [--json]", stderr)
	events := fs.Int("events", d.Events, "ingest commands (receive_dues, one event each)")
	clients := fs.Int("clients", d.Clients, "concurrent clients submitting the ingest commands")
	window := fs.Int("window", d.Window, "commands each client keeps in flight (1: one at a time)")
	orgs := fs.Int("orgs", d.Orgs, "unions the ingest commands are spread over")
	latency := fs.Int("latency", d.Latency, "sequential commands for the latency figure")
	queries := fs.Int("queries", d.Queries, "as-of balance queries timed on the rebuilt store")
	dir := fs.String("dir", "", "empty directory for the data, kept afterwards (default: a temporary directory, removed)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	memMiB := fs.Int("memory-limit", defaultMemoryLimitMiB, "soft Go memory limit in MiB while the ledger runs, as serve sets it (0: none); the raw baselines run without one")
	gcPercent := addGCPercent(fs)
	if err := parse(fs, args, stdout); err != nil {
		return done(err)
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("bench: unexpected argument %q", fs.Arg(0))}
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"events", *events}, {"clients", *clients}, {"window", *window}, {"orgs", *orgs}, {"latency", *latency}, {"queries", *queries}} {
		if f.v < 1 {
			return usageError{fmt.Sprintf("--%s must be at least 1", f.name)}
		}
	}
	if *memMiB < 0 {
		return usageError{"--memory-limit must be 0 (none) or more"}
	}
	if *gcPercent < 0 {
		return usageError{"--gc-percent must be 0 (the runtime's) or more"}
	}
	opts := bench.Options{Events: *events, Clients: *clients, Window: *window, Orgs: *orgs, Latency: *latency, Queries: *queries,
		MemoryLimitMiB: *memMiB, GCPercent: *gcPercent}

	data := *dir
	if data == "" {
		tmp, err := os.MkdirTemp("", "unionledger-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		data = tmp
	} else if ents, err := os.ReadDir(data); err == nil && len(ents) > 0 {
		return usageError{fmt.Sprintf("--dir %s is not empty", data)}
	}
	rep, err := bench.Run(ctx, data, opts, stderr)
	if err != nil {
		return err
	}
	if *asJSON {
		return rep.WriteJSON(stdout)
	}
	return rep.WriteTable(stdout)
}
