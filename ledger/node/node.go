// Package node assembles a running ledger: NATS (embedded or external),
// the JetStream log, the Pebble store, the projector and the append
// service, with start-up reconciliation between the log and the store.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	natsgo "github.com/nats-io/nats.go"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/nats"
	"github.com/unionledger/unionledger/projections"
)

// Config configures a node.
type Config struct {
	// DataDir holds jetstream/ (embedded server) and pebble/.
	DataDir string
	// NatsURL points at an external NATS server or cluster; empty runs the
	// embedded server.
	NatsURL string
	// NatsListen exposes the embedded server on host:port; empty = none.
	NatsListen string
	// SyncAlways makes the embedded JetStream fsync every message.
	SyncAlways bool
	// Replicas of the stream when it is created (external clusters: 3).
	Replicas int
	// PebbleFS replaces the disk under Pebble (crash tests).
	PebbleFS vfs.FS
	Logger   *slog.Logger
	// Now and NewID replace the wall clock and UUIDv7 event ids, so that a
	// test can build the same log twice (golden files); nil = the defaults.
	Now   func() time.Time
	NewID func() string
	// MaxGroupBytes bounds one append's message (0: ledger.MaxGroupBytes);
	// either is lowered to fit the NATS server's max_payload.
	MaxGroupBytes int
}

// groupBytes is the largest append: the configured bound, below what the
// server accepts in one message with room for the headers.
func groupBytes(configured int, maxPayload int64) int {
	if configured <= 0 {
		configured = ledger.MaxGroupBytes
	}
	if maxPayload > 0 && int64(configured) > maxPayload-headerRoom {
		return int(max(maxPayload-headerRoom, 1))
	}
	return configured
}

// headerRoom is what an append's headers may take of the server's limit.
const headerRoom = 4 << 10

// Node is a running ledger.
type Node struct {
	Service *ledger.Service
	Store   *projections.Store
	Log     *nats.Log

	log       *slog.Logger
	emb       *nats.Embedded
	nc        *natsgo.Conn
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// Start opens everything, reconciles the log and the store, starts the
// projector and waits until the store has caught up with the log, so the
// first command decides on complete state.
func Start(ctx context.Context, cfg Config) (_ *Node, err error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := &Node{log: log}
	defer func() {
		if err != nil {
			n.Close()
		}
	}()
	if cfg.NatsURL == "" {
		dir := filepath.Join(cfg.DataDir, "jetstream")
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("node: %w", err)
		}
		n.emb, err = nats.StartEmbedded(ctx, nats.ServerConfig{StoreDir: dir, SyncAlways: cfg.SyncAlways, Listen: cfg.NatsListen}, nil)
		if err != nil {
			return nil, err
		}
		n.nc, err = n.emb.Connect("unionledger")
	} else {
		n.nc, err = natsgo.Connect(cfg.NatsURL, natsgo.Name("unionledger"), natsgo.MaxReconnects(-1))
	}
	if err != nil {
		return nil, fmt.Errorf("node: connect to nats: %w", err)
	}
	if n.Log, err = nats.Open(ctx, n.nc, cfg.Replicas); err != nil {
		return nil, err
	}
	if n.Store, err = projections.Open(filepath.Join(cfg.DataDir, "pebble"), projections.Options{FS: cfg.PebbleFS, Logger: log}); err != nil {
		return nil, err
	}
	if err := n.reconcile(ctx); err != nil {
		return nil, err
	}
	if f := n.Store.Stale(); f != 0 {
		// After the reconciliation: a stream that lost its tail got it back
		// from the copies about to be wiped.
		log.Warn("projections are in an older format: rebuilding them from the stream", "format", f, "current", projections.Format)
		if err := n.Store.Wipe(); err != nil {
			return nil, fmt.Errorf("node: wiping projections of format %d: %w", f, err)
		}
	}
	pctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		n.runProjector(pctx)
	}()
	last, err := n.Log.LastSeq(ctx)
	if err != nil {
		return nil, err
	}
	if err := n.Store.WaitApplied(ctx, last); err != nil {
		return nil, fmt.Errorf("node: catching up with the log: %w", err)
	}
	n.Service = ledger.NewService(n.Log, n.Store, ledger.Config{Logger: log, Keys: n.Store, Now: cfg.Now, NewID: cfg.NewID,
		MaxGroupBytes: groupBytes(cfg.MaxGroupBytes, n.nc.MaxPayload())})
	log.Info("ledger ready", "stream_last_seq", last, "applied", n.Store.Applied())
	return n, nil
}

// runProjector keeps the projector running; a broken chain stops it for
// good (the store reports it), anything else is retried.
func (n *Node) runProjector(ctx context.Context) {
	p := projections.NewProjector(n.Store, n.log)
	for {
		err := p.Run(ctx, n.Log)
		if ctx.Err() != nil {
			return
		}
		var ce *projections.ChainError
		if errors.As(err, &ce) {
			return
		}
		n.log.Warn("projector restarting", "err", err)
		select {
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
			return
		}
	}
}

// reconcile makes the log hold every event the store holds. JetStream
// fsyncs in the background, so after a power loss it may have lost a tail
// that Pebble (which commits with fsync before a command is acknowledged)
// still has: those events are republished with their original ids and bytes.
// Events the log has beyond the store are simply projected afterwards.
func (n *Node) reconcile(ctx context.Context) error {
	last, err := n.Log.LastSeq(ctx)
	if err != nil {
		return err
	}
	if applied := n.Store.Applied(); applied > last {
		n.log.Warn("log is shorter than the store: JetStream lost its tail", "stream_last_seq", last, "store_checkpoint", applied)
		n.Store.Rewind(last)
	}
	heads, err := n.Store.Orgs()
	if err != nil {
		return err
	}
	for org, head := range heads {
		if err := n.reconcileOrg(ctx, org, head); err != nil {
			return err
		}
	}
	return nil
}

// reconcileOrg republishes the org's applied events the log no longer has.
// It walks back from the head to the newest event still in the log with
// identical bytes (one lookup when nothing was lost) and republishes the
// ones after it, in order, with their original ids and bytes. JetStream
// loses a tail, never a middle, so the walk stops at the first survivor;
// verify checks the whole chain.
func (n *Node) reconcileOrg(ctx context.Context, org string, head ledger.Head) error {
	kept := head.Seq
	for ; kept > 0; kept-- {
		st, ok, err := n.Store.Event(org, kept)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("node: org %s seq %d missing from the store", org, kept)
		}
		raw, ok, err := n.Log.Get(ctx, st.StreamSeq)
		if err != nil {
			return err
		}
		if ok && events.SegmentHolds(raw.Data, st.Data) {
			break
		}
	}
	if kept == head.Seq {
		return nil
	}
	var expect uint64
	if raw, ok, err := n.Log.LastOfOrg(ctx, org); err != nil {
		return err
	} else if ok {
		expect = raw.StreamSeq
	}
	// Events stored under one stream sequence were one message: republish
	// them as one, so its id (the first event's) and atomicity are kept.
	var (
		rerr  error
		group []ledger.Message
		at    uint64
		sent  int
	)
	flush := func() bool {
		if len(group) > 0 {
			expect, rerr = n.Log.Append(ctx, org, expect, group, nil)
			group = group[:0]
			sent++
		}
		return rerr == nil
	}
	err := n.Store.Events(org, kept+1, head.Seq, func(seq uint64, st events.Stored) bool {
		env, derr := events.Decode(st.Data)
		if derr != nil {
			rerr = derr
			return false
		}
		if st.StreamSeq != at && !flush() {
			return false
		}
		at = st.StreamSeq
		group = append(group, ledger.Message{Env: env, Data: st.Data})
		return true
	})
	if err == nil && rerr == nil {
		flush()
	}
	n.log.Warn("republished events the log lost", "org", org, "from", kept+1, "to", head.Seq, "messages", sent)
	if err != nil {
		return err
	}
	if rerr != nil {
		return fmt.Errorf("node: republish %s: %w", org, rerr)
	}
	return nil
}

// NATS returns the node's client connection.
func (n *Node) NATS() *natsgo.Conn { return n.nc }

// Close stops the node in order: no new commands, projector, store, NATS.
// Calling it again does nothing.
func (n *Node) Close() {
	n.closeOnce.Do(n.close)
}

func (n *Node) close() {
	if n.Service != nil {
		n.Service.Close()
	}
	if n.cancel != nil {
		n.cancel()
	}
	n.wg.Wait()
	if n.Store != nil {
		if err := n.Store.Close(); err != nil {
			n.log.Warn("closing store", "err", err)
		}
	}
	if n.nc != nil {
		n.nc.Close()
	}
	if n.emb != nil {
		n.emb.Shutdown()
	}
}
