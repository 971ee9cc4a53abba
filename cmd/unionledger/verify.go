package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	natsgo "github.com/nats-io/nats.go"

	"github.com/unionledger/unionledger/ledger/nats"
	"github.com/unionledger/unionledger/projections"
)

func runVerify(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("verify", "[--data DIR | --nats URL] [--json]", stderr)
	data := fs.String("data", "./unionledger-data", "data directory of a stopped ledger (its embedded JetStream store is read)")
	natsURL := fs.String("nats", "", "verify the stream on this NATS server instead (a running ledger's, or a cluster)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parse(fs, args, stdout); err != nil {
		return done(err)
	}
	var nc *natsgo.Conn
	var err error
	if *natsURL != "" {
		nc, err = natsgo.Connect(*natsURL, natsgo.Name("unionledger-verify"))
	} else {
		var emb *nats.Embedded
		emb, err = nats.StartEmbedded(ctx, nats.ServerConfig{StoreDir: filepath.Join(*data, "jetstream")}, nil)
		if err != nil {
			return fmt.Errorf("open %s (is a ledger running on it? use --nats): %w", *data, err)
		}
		defer emb.Shutdown()
		nc, err = emb.Connect("unionledger-verify")
	}
	if err != nil {
		return fmt.Errorf("connect to nats: %w", err)
	}
	defer nc.Close()
	log, err := nats.OpenExisting(ctx, nc)
	if err != nil {
		return err
	}
	last, err := log.LastSeq(ctx)
	if err != nil {
		return err
	}
	bar := newProgress(stderr, "verify", last)
	rep, err := projections.Verify(ctx, log, last, bar.set)
	bar.finish()
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "%d events, %d unions, stream last sequence %d\n", rep.Events, len(rep.Orgs), last)
		for org, tip := range rep.Orgs {
			fmt.Fprintf(stdout, "  %-24s seq %-8d head %s\n", org, tip.Seq, tip.Hash)
		}
	}
	if rep.FirstBad != nil {
		if !*asJSON {
			fmt.Fprintf(stdout, "BROKEN: %v\n", rep.FirstBad)
		}
		return failedError{"chain does not verify"}
	}
	if !*asJSON {
		fmt.Fprintln(stdout, "OK: every chain verifies")
	}
	return nil
}
