package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	ledgerhttp "github.com/unionledger/unionledger/ledger/http"
	"github.com/unionledger/unionledger/ledger/node"
)

func runServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "[flags]", stderr)
	data := fs.String("data", "./unionledger-data", "data directory (JetStream store and Pebble)")
	addr := fs.String("http", "127.0.0.1:8080", "HTTP listen address")
	natsURL := fs.String("nats", "", "external NATS server or cluster URL (default: embedded server)")
	natsListen := fs.String("nats-listen", "", "expose the embedded NATS server on host:port (default: in-process only)")
	syncAlways := fs.Bool("sync-always", false, "make JetStream fsync every message (slower; see docs/durability.md)")
	replicas := fs.Int("replicas", 1, "stream replicas when creating the stream on an external cluster")
	demo := fs.Bool("demo", false, "load a small demo union on first start")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	noAuth := fs.Bool("no-auth", false, "accept commands without an API token, trusting their actor (tests and local experiments only)")
	memLimit := addMemoryLimit(fs)
	if err := parse(fs, args, stdout); err != nil {
		return done(err)
	}
	restore, err := memLimit()
	if err != nil {
		return err
	}
	defer restore()
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageError{fmt.Sprintf("--log-level: %v", err)}
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	n, err := node.Start(ctx, node.Config{
		DataDir: *data, NatsURL: *natsURL, NatsListen: *natsListen,
		SyncAlways: *syncAlways, Replicas: *replicas, Logger: log,
	})
	if err != nil {
		return err
	}
	defer n.Close()
	if *demo {
		if err := loadDemo(ctx, n.Service); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		log.Info("demo union loaded", "org", demoOrg)
		if !*noAuth {
			if err := printDemoTokens(stdout, n); err != nil {
				return fmt.Errorf("demo tokens: %w", err)
			}
		}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *addr, err)
	}
	api := ledgerhttp.NewServer(n.Service, n.Store, log)
	if *noAuth {
		log.Warn("API tokens are OFF: any client can act as anyone (--no-auth)")
	} else {
		api.RequireTokens(n.Store)
	}
	srv := &http.Server{
		Handler:           api.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "http", "http://"+ln.Addr().String(), "data", *data)
	fmt.Fprintf(stdout, "unionledger listening on http://%s\n", ln.Addr())

	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("http shutdown", "err", err)
	}
	return nil
}
