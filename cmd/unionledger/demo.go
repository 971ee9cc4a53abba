package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/demo"
	"github.com/unionledger/unionledger/ledger/node"
)

const demoOrg = demo.Org

// demoSeed is the seed `serve --demo` loads; `unionledger demo` defaults to
// it too, so both build the same union.
const demoSeed = 1

// loadDemo submits the small demo union (demo.Small: 60 members, 2025);
// already-loaded commands are recognised by their ids, so restarting with
// --demo changes nothing.
func loadDemo(ctx context.Context, svc *ledger.Service) error {
	return demo.New(demoSeed, demo.Small).Load(ctx, svc.Submit, 32, nil)
}

var demoSizes = map[string]demo.Profile{"small": demo.Small, "medium": demo.Medium, "full": demo.Full}

// runDemo loads the demo union into a running ledger over HTTP, or into a
// data directory with a node started in-process.
func runDemo(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("demo", "[flags]", stderr)
	seed := fs.Uint64("seed", demoSeed, "seed of the generated union: the same seed always gives the same commands")
	size := fs.String("size", "full", "small (60 members, 2025), medium (150 members, 2024–2025) or full (800 members, 2024–2026)")
	server := fs.String("server", "http://127.0.0.1:8080", "URL of a running ledger to load into; it must run with --no-auth, since the demo acts as every officer and member")
	data := fs.String("data", "", "load into this data directory instead, starting a node in-process (no server may be using it)")
	workers := fs.Int("workers", 32, "commands submitted in parallel (independent ones only)")
	if err := parse(fs, args, stdout); err != nil {
		return done(err)
	}
	p, ok := demoSizes[*size]
	if !ok {
		return usageError{fmt.Sprintf("--size %q: want small, medium or full", *size)}
	}
	if *workers < 1 {
		return usageError{"--workers must be at least 1"}
	}
	if fs.NArg() > 0 {
		return usageError{"demo takes no arguments"}
	}
	d := demo.New(*seed, p)
	submit, where := httpSubmitter(newClient(*server)), *server
	if *data != "" {
		n, err := node.Start(ctx, node.Config{DataDir: *data})
		if err != nil {
			return err
		}
		defer n.Close()
		submit, where = n.Service.Submit, *data
	}
	total := d.Commands()
	bar := newProgress(stderr, "demo", uint64(total))
	start := time.Now()
	err := d.Load(ctx, submit, *workers, func(n int) { bar.set(uint64(n)) })
	bar.finish()
	var ae *apiError
	if errors.As(err, &ae) && ae.Code == "unauthenticated" {
		return failedError{err.Error() + "\n(the demo acts as every officer and member: load it into a ledger started with `serve --no-auth`, or into a stopped ledger's data directory with --data)"}
	}
	if err != nil {
		return failedError{err.Error()}
	}
	fmt.Fprintf(stdout, "demo union %s (seed %d, %s: %d members, %d–%d) loaded into %s: %d commands in %v\n",
		demo.Org, *seed, *size, p.Members, p.From, p.From+p.Years-1, where, total, time.Since(start).Round(time.Millisecond))
	return nil
}

// httpSubmitter posts commands to a running ledger's API.
func httpSubmitter(c *client) demo.Submitter {
	return func(ctx context.Context, cmd ledger.Command) (ledger.Result, error) {
		body, err := json.Marshal(cmd)
		if err != nil {
			return ledger.Result{}, err
		}
		var res ledger.Result
		_, err = c.do(ctx, "POST", "/api/v1/commands", body, &res)
		return res, err
	}
}

// printDemoTokens issues API tokens for the demo's treasurer and chair, so
// the tour can post commands; each start issues new ones.
func printDemoTokens(w io.Writer, n *node.Node) error {
	fmt.Fprintln(w, "demo API tokens (for this demo only):")
	for _, p := range []struct{ person, role string }{{demo.Treasurer, "treasurer 会计"}, {demo.Chair, "chair 工会主席"}, {demo.Review, "funds review 经审会"}} {
		tok, err := n.Store.CreateToken(demoOrg, p.person)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %-12s %-16s export UNIONLEDGER_TOKEN=%s\n", p.person, p.role, tok)
	}
	return nil
}
