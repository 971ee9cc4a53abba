// Package nats adapts the ledger to NATS JetStream: it runs the embedded
// server, declares the immutable LEDGER stream, appends events with per-org
// optimistic concurrency and atomic batches, and reads the stream back in
// order for the projector.
package nats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"
)

// ServerConfig configures the embedded NATS server.
type ServerConfig struct {
	// StoreDir holds JetStream's file store.
	StoreDir string
	// SyncAlways makes JetStream fsync every message before acknowledging
	// it. Off by default: durability comes from the Pebble group commit (see
	// docs/durability.md).
	SyncAlways bool
	// Listen is a host:port for a TCP client listener; empty means none, and
	// clients connect in-process only.
	Listen string
}

// Embedded is a running in-process NATS server with JetStream enabled.
type Embedded struct {
	srv *server.Server
}

// StartEmbedded starts a NATS server with JetStream inside this process and
// waits until it accepts connections.
func StartEmbedded(ctx context.Context, cfg ServerConfig, log *slog.Logger) (*Embedded, error) {
	if cfg.StoreDir == "" {
		return nil, errors.New("nats: embedded server needs a store directory")
	}
	opts := &server.Options{
		ServerName: "unionledger",
		JetStream:  true,
		StoreDir:   cfg.StoreDir,
		SyncAlways: cfg.SyncAlways,
		NoSigs:     true,
		NoLog:      true,
		MaxPayload: 8 << 20,
	}
	if cfg.Listen == "" {
		opts.DontListen = true
	} else {
		host, port, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("nats: listen address %q: %w", cfg.Listen, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, fmt.Errorf("nats: listen port %q: %w", port, err)
		}
		opts.Host, opts.Port = host, p
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("nats: new server: %w", err)
	}
	if log != nil {
		srv.SetLoggerV2(slogAdapter{log.With("component", "nats-server")}, false, false, false)
		opts.NoLog = false
	}
	go srv.Start()
	deadline := 30 * time.Second
	if d, ok := ctx.Deadline(); ok {
		deadline = time.Until(d)
	}
	if !srv.ReadyForConnections(deadline) {
		srv.Shutdown()
		return nil, errors.New("nats: embedded server did not become ready")
	}
	return &Embedded{srv: srv}, nil
}

// Connect opens an in-process client connection (no TCP).
func (e *Embedded) Connect(name string) (*natsgo.Conn, error) {
	return natsgo.Connect("", natsgo.InProcessServer(e.srv), natsgo.Name(name), natsgo.MaxReconnects(-1))
}

// ClientURL is the TCP URL when a listener was configured.
func (e *Embedded) ClientURL() string { return e.srv.ClientURL() }

// Shutdown stops the server and waits for it to finish.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}

// slogAdapter routes the server's own log lines to slog.
type slogAdapter struct{ log *slog.Logger }

func (a slogAdapter) Noticef(format string, v ...any) { a.log.Info(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Warnf(format string, v ...any)   { a.log.Warn(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Fatalf(format string, v ...any)  { a.log.Error(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Errorf(format string, v ...any)  { a.log.Error(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Debugf(format string, v ...any)  { a.log.Debug(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Tracef(format string, v ...any)  {}
