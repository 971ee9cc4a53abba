// Package bench measures raw baselines: what JetStream and Pebble do on
// their own, with no ledger logic on top. The ledger's benchmark reports its
// figures as ratios against these, so a regression in the ledger shows up
// apart from the speed of the machine and disk it runs on.
package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/unionledger/unionledger/ledger/nats"
)

// Result is one measured figure.
type Result struct {
	Name    string // e.g. "raw JetStream async publish"
	Events  int
	Bytes   int // payload size per event
	Elapsed time.Duration
}

// PerSecond is the event rate; zero when nothing was timed, so a failed or
// empty run never reports an infinite rate.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Events) / r.Elapsed.Seconds()
}

const (
	rawStream  = "RAW"
	rawSubject = "raw.events"
	// maxPoolBytes caps the payload pool so large payloads don't cost
	// gigabytes; payloads repeat only after the pool is used up.
	maxPoolBytes = 8 << 20
	// maxPoolSlots keeps repeats far apart (well beyond any compression
	// block) without generating n distinct payloads up front.
	maxPoolSlots = 4096
)

// RawJetStreamAsyncPublish starts its own embedded server with JetStream
// file storage under dir, creates a stream "RAW" on subject "raw.>" (file
// storage, defaults otherwise), and times n async publishes of size-byte
// payloads with at most inflight pending acks
// (jetstream.WithPublishAsyncMaxPending), each with a Nats-Msg-Id, until all
// acks arrive. This is the ceiling for the ledger's append path.
func RawJetStreamAsyncPublish(ctx context.Context, dir string, n, size, inflight int) (Result, error) {
	res := Result{Name: "raw JetStream async publish", Bytes: size}
	if err := checkArgs(n, size); err != nil {
		return res, fmt.Errorf("raw JetStream async publish: %w", err)
	}
	if inflight < 1 {
		return res, fmt.Errorf("raw JetStream async publish: inflight %d < 1", inflight)
	}
	env, err := startJetStream(ctx, dir, inflight)
	if err != nil {
		return res, fmt.Errorf("raw JetStream async publish: %w", err)
	}
	defer env.close()

	pool := newPayloads(n, size, 1)
	start := time.Now()
	if err := env.publishAll(ctx, n, pool); err != nil {
		return res, fmt.Errorf("raw JetStream async publish: %w", err)
	}
	res.Elapsed = time.Since(start)

	if err := env.expectStored(ctx, n); err != nil {
		return res, fmt.Errorf("raw JetStream async publish: %w", err)
	}
	res.Events = n
	return res, nil
}

// RawJetStreamOrderedRead publishes n messages (untimed, async) to a fresh
// stream in its own embedded server under dir, then times reading all n back
// with an ordered consumer (js.OrderedConsumer + Messages()) from the start.
// The timing includes creating the consumer, as a projector starting up
// would. It fails unless every stream sequence 1..n arrives exactly once.
func RawJetStreamOrderedRead(ctx context.Context, dir string, n, size int) (Result, error) {
	res := Result{Name: "raw JetStream ordered read", Bytes: size}
	if err := checkArgs(n, size); err != nil {
		return res, fmt.Errorf("raw JetStream ordered read: %w", err)
	}
	const fillInflight = 4096
	env, err := startJetStream(ctx, dir, fillInflight)
	if err != nil {
		return res, fmt.Errorf("raw JetStream ordered read: %w", err)
	}
	defer env.close()

	if err := env.publishAll(ctx, n, newPayloads(n, size, 2)); err != nil {
		return res, fmt.Errorf("raw JetStream ordered read: fill: %w", err)
	}
	if err := env.expectStored(ctx, n); err != nil {
		return res, fmt.Errorf("raw JetStream ordered read: fill: %w", err)
	}

	seen := make([]bool, n)
	start := time.Now()
	cons, err := env.js.OrderedConsumer(ctx, rawStream, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return res, fmt.Errorf("raw JetStream ordered read: ordered consumer: %w", err)
	}
	it, err := cons.Messages()
	if err != nil {
		return res, fmt.Errorf("raw JetStream ordered read: messages: %w", err)
	}
	defer it.Stop()
	for got := 0; got < n; got++ {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("raw JetStream ordered read: after %d of %d: %w", got, n, err)
		}
		msg, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return res, fmt.Errorf("raw JetStream ordered read: next after %d of %d: %w", got, n, err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return res, fmt.Errorf("raw JetStream ordered read: metadata after %d of %d: %w", got, n, err)
		}
		seq := meta.Sequence.Stream
		if seq < 1 || seq > uint64(n) {
			return res, fmt.Errorf("raw JetStream ordered read: stream sequence %d outside 1..%d", seq, n)
		}
		if seen[seq-1] {
			return res, fmt.Errorf("raw JetStream ordered read: stream sequence %d delivered twice", seq)
		}
		seen[seq-1] = true
		if len(msg.Data()) != size {
			return res, fmt.Errorf("raw JetStream ordered read: sequence %d has %d bytes, want %d", seq, len(msg.Data()), size)
		}
	}
	res.Elapsed = time.Since(start)
	// n distinct in-range sequences were received, so each arrived exactly once.
	res.Events = n
	return res, nil
}

// RawPebbleSyncBatch opens a fresh Pebble DB in dir and times writing n keys
// (8-byte big-endian counters under a short prefix) with size-byte values,
// committed in batches of batch keys, each batch committed with pebble.Sync.
// This is the ceiling for the ledger's durable group commit.
func RawPebbleSyncBatch(ctx context.Context, dir string, n, size, batch int) (Result, error) {
	res := Result{Name: "raw Pebble sync batch " + strconv.Itoa(batch), Bytes: size}
	if err := checkArgs(n, size); err != nil {
		return res, fmt.Errorf("raw Pebble sync batch: %w", err)
	}
	if batch < 1 {
		return res, fmt.Errorf("raw Pebble sync batch: batch %d < 1", batch)
	}
	db, err := pebble.Open(dir, &pebble.Options{ErrorIfExists: true, Logger: quietLogger{}})
	if err != nil {
		return res, fmt.Errorf("raw Pebble sync batch: open %s: %w", dir, err)
	}
	closed := false
	defer func() {
		if !closed {
			_ = db.Close()
		}
	}()

	pool := newPayloads(n, size, 3)
	var key [len(pebblePrefix) + 8]byte
	copy(key[:], pebblePrefix)
	start := time.Now()
	for i := 0; i < n; {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("raw Pebble sync batch: after %d of %d keys: %w", i, n, err)
		}
		b := db.NewBatch()
		end := min(i+batch, n)
		for ; i < end; i++ {
			binary.BigEndian.PutUint64(key[len(pebblePrefix):], uint64(i))
			if err := b.Set(key[:], pool.at(i), nil); err != nil {
				_ = b.Close()
				return res, fmt.Errorf("raw Pebble sync batch: set key %d: %w", i, err)
			}
		}
		if err := b.Commit(pebble.Sync); err != nil {
			_ = b.Close()
			return res, fmt.Errorf("raw Pebble sync batch: commit ending at key %d: %w", i, err)
		}
		if err := b.Close(); err != nil {
			return res, fmt.Errorf("raw Pebble sync batch: close batch ending at key %d: %w", i, err)
		}
	}
	res.Elapsed = time.Since(start)

	if err := countPebbleKeys(ctx, db, n); err != nil {
		return res, fmt.Errorf("raw Pebble sync batch: %w", err)
	}
	closed = true
	if err := db.Close(); err != nil {
		return res, fmt.Errorf("raw Pebble sync batch: close: %w", err)
	}
	res.Events = n
	return res, nil
}

const pebblePrefix = "raw/"

// quietLogger drops Pebble's informational lines ("Found 0 WALs") so
// benchmark output stays readable, but keeps errors and fatal errors.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any) {}
func (quietLogger) Errorf(format string, args ...any) {
	pebble.DefaultLogger.Errorf(format, args...)
}
func (quietLogger) Fatalf(format string, args ...any) {
	pebble.DefaultLogger.Fatalf(format, args...)
}

// countPebbleKeys checks, untimed, that exactly n keys landed under the prefix.
func countPebbleKeys(ctx context.Context, db *pebble.DB, n int) error {
	upper := []byte(pebblePrefix)
	upper[len(upper)-1]++
	iter, err := db.NewIterWithContext(ctx, &pebble.IterOptions{
		LowerBound: []byte(pebblePrefix),
		UpperBound: upper,
	})
	if err != nil {
		return fmt.Errorf("verify: new iterator: %w", err)
	}
	count := 0
	for ok := iter.First(); ok; ok = iter.Next() {
		if count%4096 == 0 {
			if err := ctx.Err(); err != nil {
				_ = iter.Close()
				return fmt.Errorf("verify: after %d keys: %w", count, err)
			}
		}
		count++
	}
	if err := iter.Close(); err != nil {
		return fmt.Errorf("verify: iterate: %w", err)
	}
	if count != n {
		return fmt.Errorf("verify: found %d keys, want %d", count, n)
	}
	return nil
}

func checkArgs(n, size int) error {
	if n < 1 {
		return fmt.Errorf("n %d < 1", n)
	}
	if size < 1 {
		return fmt.Errorf("size %d < 1", size)
	}
	return nil
}

// payloads hands out deterministic pseudo-random payloads from a pool filled
// before timing starts, so neither generation nor compression skews a figure.
// Slices are never written after the pool is filled, so the JetStream client
// may keep them for retries.
type payloads struct {
	buf   []byte
	size  int
	slots int
}

func newPayloads(n, size int, seed uint64) payloads {
	slots := max(1, min(n, maxPoolSlots, maxPoolBytes/size))
	buf := make([]byte, slots*size)
	// splitmix64: fast, deterministic, and incompressible enough.
	x := seed
	for i := 0; i < len(buf); i += 8 {
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], z)
		copy(buf[i:], w[:])
	}
	return payloads{buf: buf, size: size, slots: slots}
}

func (p payloads) at(i int) []byte {
	off := (i % p.slots) * p.size
	return p.buf[off : off+p.size : off+p.size]
}

// jsEnv is one embedded server with a fresh RAW stream and a client on it.
type jsEnv struct {
	srv    *nats.Embedded
	nc     *natsgo.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
	acked  atomic.Int64
	failed atomic.Int64
	// firstErr holds the first async publish error, for the report.
	firstErr atomic.Pointer[error]
}

func startJetStream(ctx context.Context, dir string, inflight int) (_ *jsEnv, err error) {
	srv, err := nats.StartEmbedded(ctx, nats.ServerConfig{StoreDir: dir}, nil)
	if err != nil {
		return nil, fmt.Errorf("start embedded server: %w", err)
	}
	env := &jsEnv{srv: srv}
	defer func() {
		if err != nil {
			env.close()
		}
	}()
	env.nc, err = srv.Connect("bench-raw")
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	env.js, err = jetstream.New(env.nc,
		jetstream.WithPublishAsyncMaxPending(inflight),
		jetstream.WithPublishAsyncAckHandler(func(_ jetstream.JetStream, _ *natsgo.Msg, ack *jetstream.PubAck) {
			if ack.Duplicate {
				env.fail(errors.New("publish acknowledged as duplicate"))
				return
			}
			env.acked.Add(1)
		}),
		jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, _ *natsgo.Msg, err error) {
			env.fail(err)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	env.stream, err = env.js.CreateStream(ctx, jetstream.StreamConfig{
		Name:     rawStream,
		Subjects: []string{"raw.>"},
		Storage:  jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("create stream %s: %w", rawStream, err)
	}
	info, err := env.stream.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("stream %s info: %w", rawStream, err)
	}
	if info.State.Msgs != 0 {
		return nil, fmt.Errorf("stream %s in %s is not fresh: holds %d messages", rawStream, dir, info.State.Msgs)
	}
	return env, nil
}

func (e *jsEnv) fail(err error) {
	e.failed.Add(1)
	e.firstErr.CompareAndSwap(nil, &err)
}

// publishAll async-publishes n payloads, each with a unique Nats-Msg-Id, and
// waits until every ack has arrived and none failed.
func (e *jsEnv) publishAll(ctx context.Context, n int, pool payloads) error {
	for i := 0; i < n; i++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("publish %d of %d: %w", i, n, err)
		}
		if _, err := e.js.PublishAsync(rawSubject, pool.at(i), jetstream.WithMsgID(strconv.Itoa(i))); err != nil {
			// The default stall wait is short; a full window just means
			// the server is behind, so retry until ctx says stop.
			if errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
				i--
				continue
			}
			return fmt.Errorf("publish %d of %d: %w", i, n, err)
		}
	}
	select {
	case <-e.js.PublishAsyncComplete():
	case <-ctx.Done():
		return fmt.Errorf("waiting for acks (%d of %d): %w", e.acked.Load(), n, ctx.Err())
	}
	if f := e.failed.Load(); f > 0 {
		return fmt.Errorf("%d of %d publishes failed, first: %w", f, n, *e.firstErr.Load())
	}
	if a := e.acked.Load(); a != int64(n) {
		return fmt.Errorf("%d acks for %d publishes", a, n)
	}
	return nil
}

// expectStored checks, untimed, that the stream holds exactly n messages.
func (e *jsEnv) expectStored(ctx context.Context, n int) error {
	info, err := e.stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("stream %s info: %w", rawStream, err)
	}
	if info.State.Msgs != uint64(n) {
		return fmt.Errorf("stream %s holds %d messages, want %d", rawStream, info.State.Msgs, n)
	}
	return nil
}

func (e *jsEnv) close() {
	if e.nc != nil {
		e.nc.Close()
	}
	e.srv.Shutdown()
}
