package projections

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime"
	"slices"
	"sync"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// Projection folds events into its own part of the p/ key space.
type Projection interface {
	Apply(tx *Tx, env events.Envelope, p events.Payload) error
}

// Source delivers the stream in order, in chunks.
type Source interface {
	Read(ctx context.Context, from uint64, max int, fn func([]events.Stored) error) error
}

// ChainError says the stream does not continue an org's hash chain: a gap,
// a fork, a bad hash. The projector stops rather than build on it.
type ChainError struct {
	StreamSeq uint64
	Org       string
	Seq       uint64
	Reason    string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("chain broken at stream sequence %d (org %s, seq %d): %s", e.StreamSeq, e.Org, e.Seq, e.Reason)
}

// all lists the projections, in the order they apply. Fixed at build time.
var all = []Projection{orgs{}, receipts{}, balances{}, people{}, income{}, expenses{}, budgets{}, periods{}, audits{}, disclosures{}, welfare{}, relief{}, trails{}, flags{}}

// applyProjections runs every projection on one event.
func applyProjections(tx *Tx, env events.Envelope, payload events.Payload) error {
	for _, pr := range all {
		if err := pr.Apply(tx, env, payload); err != nil {
			return fmt.Errorf("projections: apply %s seq %d: %w", env.Org, env.Seq, err)
		}
	}
	return nil
}

// Projector applies the stream to the store: for each chunk, one Pebble
// batch with the event copies, indexes, every projection's changes and the
// checkpoint, committed with Sync. Events are applied exactly once: an event
// whose org sequence is already applied is checked for identity and skipped,
// so redelivery and republishing are harmless.
type Projector struct {
	store *Store
	log   *slog.Logger
	// ChunkMax bounds events per commit.
	ChunkMax int
	// Workers project the unions of a chunk in parallel when none of its
	// messages was staged (a rebuild, another process's appends). Twice
	// as many as cores by default: a chunk's unions seldom cost the same,
	// and with more workers than cores a core whose worker finishes early
	// takes up another's instead of idling until the slowest is done.
	Workers int
	// lastCmd is, per org, the command of the last event applied: what
	// tells a command's first event (writeCommand). Cleared when a chunk
	// fails, since its events are then read again.
	lastCmd map[string]string
	// bufs are the commit buffers: [0] the chunk's, then one per worker,
	// and a second such set for the chunk projected while the commit of
	// the one before runs (see pending).
	bufs []*commitBuf
	// pipeline lets a chunk projected in parallel be committed in the
	// background while the next one is read and projected (Run sets it):
	// the commit was 40% of a rebuild, with a core idle for much of it.
	// pending is that commit; at most one runs at a time.
	pipeline bool
	pending  *pendingCommit
	// failed, while Run runs, ends its read: a commit in the background
	// failed, and no later chunk may be waiting to report it.
	failed func()
	// hold, set by tests, keeps each background commit from starting
	// until the next chunk is projected (or Run ends): the case the
	// layering of Txs is for, which timing alone may not produce.
	hold chan struct{}
	// chunks counts parallel chunks, to alternate the sets of buffers.
	chunks int
	// byOrg holds a parallel chunk's events by union, kept for the next
	// chunk: grown anew each chunk, they were a tenth of a rebuild's
	// allocations.
	byOrg map[string][]chunkItem
	// workerOf keeps each union on one worker from chunk to chunk, so a
	// worker's Tx can read its unions' changes still being committed in
	// the worker's Tx of the chunk before (Tx.over).
	workerOf map[string]int
}

// pendingCommit is a parallel chunk being committed in the background.
type pendingCommit struct {
	done chan struct{}
	err  error
	last uint64
	// txs are the workers' Txs, by worker; heads the chunk's unions'.
	txs   []*Tx
	heads map[string]ledger.Head
	held  bool // waiting for Projector.hold
}

// release lets a held commit start.
func (p *Projector) release() {
	if pc := p.pending; pc != nil && pc.held {
		pc.held = false
		p.hold <- struct{}{}
	}
}

// wait waits for the pending commit, if any, and returns its error.
func (p *Projector) wait() error {
	pc := p.pending
	if pc == nil {
		return nil
	}
	p.release()
	<-pc.done
	p.pending = nil
	if pc.err != nil {
		clear(p.lastCmd) // its chunk is read again
	}
	return pc.err
}

// applied is the last stream sequence applied or being committed.
func (p *Projector) applied() uint64 {
	if p.pending != nil {
		return p.pending.last
	}
	return p.store.Applied()
}

// newTx starts a chunk's Tx (i 0) or a worker's (i > 0) on the commit
// buffers of the last one.
func (p *Projector) newTx(i int) *Tx {
	for len(p.bufs) <= i {
		p.bufs = append(p.bufs, &commitBuf{})
	}
	b := p.bufs[i]
	// The last Tx on these buffers is committed and read by nothing now
	// (see commitBuf): its maps are reused (reuseMap). New ones start at
	// the last chunk's sizes: growing them from empty was 6% of a
	// rebuild's CPU.
	tx := newTxWith(p.store, reuseMap(&b.dirty, &b.dirtyMax, b.dirtyHint), reuseMap(&b.read, &b.readMax, b.readHint))
	tx.buf = b
	tx.blind = b.blind
	return tx
}

// NewProjector builds the projector with the standard projections.
func NewProjector(s *Store, log *slog.Logger) *Projector {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Projector{store: s, log: log, ChunkMax: 4096, Workers: 2 * runtime.GOMAXPROCS(0), lastCmd: map[string]string{}, workerOf: map[string]int{}}
}

// Run consumes from the checkpoint until ctx ends or the chain breaks.
// A chunk's commit may still run while the next chunk is read; a failed
// one ends the read, and Run returns only when no commit runs.
func (p *Projector) Run(ctx context.Context, src Source) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p.pipeline = true
	p.failed = cancel
	defer func() { p.pipeline, p.failed = false, nil }()
	from := p.store.Applied() + 1
	err := src.Read(ctx, from, p.ChunkMax, func(chunk []events.Stored) error {
		return p.Apply(chunk)
	})
	if werr := p.wait(); werr != nil {
		err = werr // what ended the read, or an error of its own
	}
	var ce *ChainError
	if errors.As(err, &ce) {
		p.log.Error("projector stopped", "err", err)
		p.store.fail(err)
	}
	return err
}

// Apply projects one chunk of consecutive stream messages and commits it.
// The chunk holds whole messages (the events of one message share its stream
// sequence), as Source.Read delivers them: the checkpoint is a message.
func (p *Projector) Apply(chunk []events.Stored) (err error) {
	if len(chunk) == 0 {
		return nil
	}
	defer func() {
		if err != nil {
			clear(p.lastCmd)
		}
	}()
	if p.Workers > 1 && !p.store.anyStaged() {
		// Nothing in the chunk can be staged: staging comes before the
		// append, and the append before the message reaches us.
		return p.applyParallel(chunk)
	}
	if err := p.wait(); err != nil {
		return err
	}
	tx := p.newTx(0)
	heads := map[string]ledger.Head{}
	// blind: staged changes went to the batch only, where Tx.Get does not
	// see them; an event projected the long way after them needs them
	// committed first.
	blind := false
	for i := 0; i < len(chunk); i++ {
		raw := chunk[i]
		if raw.StreamSeq <= p.store.Applied() {
			continue // delivered again after a restart of the consumer
		}
		if i == 0 || chunk[i-1].StreamSeq != raw.StreamSeq {
			n, err := p.applyStaged(tx, heads, chunk[i:])
			if err != nil {
				return err
			}
			if n > 0 {
				blind = true
				i += n - 1
				continue
			}
			if blind {
				// Not synced: the chunk's final commit syncs the WAL, and
				// nothing is acknowledged before it.
				if err := p.commit(tx, heads, chunk[i-1].StreamSeq, pebble.NoSync); err != nil {
					return err
				}
				tx, heads, blind = p.newTx(0), map[string]ledger.Head{}, false
			}
		}
		if err := p.applyOne(tx, heads, chunk[i:]); err != nil {
			return err
		}
	}
	last := chunk[len(chunk)-1].StreamSeq
	if last <= p.store.Applied() {
		return nil
	}
	if err := p.commit(tx, heads, last, pebble.Sync); err != nil {
		return err
	}
	p.store.setApplied(last)
	return nil
}

// applyParallel projects a chunk with the unions shared among workers. A
// union's events stay in order in one worker, and no key of one union is
// written by another's events, so the workers' changes are disjoint. An
// error stops the chunk before anything is written; the earliest one in the
// stream is returned, as the sequential path would.
//
// With p.pipeline, the chunk's commit is left running when it returns; the
// next chunk's workers read what it writes from its Txs, and wait for it
// before committing their own.
func (p *Projector) applyParallel(chunk []events.Stored) error {
	applied := p.applied()
	kept := 0
	for org, items := range p.byOrg {
		clear(items) // nothing reads the last chunk's events now
		p.byOrg[org] = items[:0]
		kept += cap(items)
	}
	if p.byOrg == nil || kept > 2*p.ChunkMax {
		// Many unions, each with its own slice, would keep far more than
		// a chunk: start afresh.
		p.byOrg = map[string][]chunkItem{}
	}
	byOrg := p.byOrg
	var (
		orgs   []string
		decErr error // an undecodable event: the workers stop short of it
		decAt  uint64
	)
	for _, raw := range chunk {
		if raw.StreamSeq <= applied {
			continue
		}
		env, err := events.Decode(raw.Data)
		if err != nil {
			decErr, decAt = &ChainError{StreamSeq: raw.StreamSeq, Reason: err.Error()}, raw.StreamSeq
			break
		}
		items := byOrg[env.Org]
		if len(items) == 0 {
			orgs = append(orgs, env.Org)
		}
		byOrg[env.Org] = append(items, chunkItem{env, raw})
	}
	last := chunk[len(chunk)-1].StreamSeq
	if decErr == nil && (len(orgs) == 0 || last <= applied) {
		return nil
	}
	type worker struct {
		orgs    []string
		tx      *Tx
		heads   map[string]ledger.Head
		lastCmd map[string]string
		err     error
		errAt   uint64
	}
	if p.pending != nil && len(p.pending.txs) != p.Workers {
		// Workers changed: unions move, so the chunk before must be in
		// the store rather than in the Txs of their old workers.
		if err := p.wait(); err != nil {
			return err
		}
	}
	// Every worker, busy in this chunk or not: worker i's Tx is what the
	// next chunk's worker i reads through.
	set := p.chunks % 2 * (p.Workers + 1)
	p.chunks++
	ws := make([]*worker, p.Workers)
	for i := range ws {
		ws[i] = &worker{
			tx:      p.newTx(set + i + 1),
			heads:   map[string]ledger.Head{},
			lastCmd: map[string]string{},
		}
		if p.pending != nil {
			ws[i].tx.over = p.pending.txs[i]
		}
	}
	for _, org := range orgs {
		i, ok := p.workerOf[org]
		if !ok || i >= len(ws) {
			i = len(p.workerOf) % len(ws)
			p.workerOf[org] = i
		}
		w := ws[i]
		w.orgs = append(w.orgs, org)
		if c, ok := p.lastCmd[org]; ok {
			w.lastCmd[org] = c
		}
		if p.pending != nil {
			if h, ok := p.pending.heads[org]; ok {
				w.heads[org] = h // not committed yet: the store has an older one
			}
		}
	}
	var wg sync.WaitGroup
	for _, w := range ws {
		if len(w.orgs) == 0 {
			continue
		}
		wg.Go(func() {
			var (
				items []chunkItem
				k     int
			)
			// One for the worker: the events from items[k] to the end of
			// its message.
			rest := func(dst []byte) ([]byte, int, []byte) {
				return appendRest(dst, items[k:], func(it *chunkItem) *events.Stored { return &it.raw })
			}
			for _, org := range w.orgs {
				items = byOrg[org]
				for k = range items {
					it := items[k]
					if err := p.applyEnv(w.tx, w.heads, w.lastCmd, it.env, it.raw, rest); err != nil {
						w.err, w.errAt = err, it.raw.StreamSeq
						return
					}
				}
			}
		})
	}
	wg.Wait()
	// The chunk before comes first, its error too.
	if err := p.wait(); err != nil {
		return err
	}
	err, errAt := decErr, decAt
	for _, w := range ws {
		if w.err != nil && (err == nil || w.errAt <= errAt) {
			err, errAt = w.err, w.errAt
		}
	}
	if err != nil {
		return err
	}
	pc := &pendingCommit{done: make(chan struct{}), last: last, txs: make([]*Tx, len(ws)), heads: map[string]ledger.Head{}}
	for i, w := range ws {
		// Before the commit starts: from here on the next chunk's workers
		// read these Txs, and nothing may change them.
		for org, h := range w.heads {
			w.tx.dirty[string(key(famMeta, "head/", org))] = encodeHead(h)
			pc.heads[org] = h
		}
		maps.Copy(p.lastCmd, w.lastCmd)
		w.tx.over = nil // committed by now; and a chain of Txs would never be freed
		pc.txs[i] = w.tx
	}
	checkpoint := p.newTx(set)
	if !p.pipeline {
		return p.commitParallel(pc, checkpoint)
	}
	p.pending = pc
	pc.held = p.hold != nil
	held := pc.held
	go func() {
		if held {
			<-p.hold
		}
		pc.err = p.commitParallel(pc, checkpoint)
		if pc.err != nil && p.failed != nil {
			p.failed()
		}
		close(pc.done)
	}()
	return nil
}

// chunkItem is an event of a parallel chunk, decoded.
type chunkItem struct {
	env events.Envelope
	raw events.Stored
}

// commitParallel commits a parallel chunk: each worker's unions' changes
// with their heads, at once, since Pebble applies concurrent batches to its
// memtable in parallel. The heads make each union's part exactly-once by
// itself (an event a head already covers is checked and skipped when read
// again), so the checkpoint can follow in a batch of its own, whose sync
// covers all.
func (p *Projector) commitParallel(pc *pendingCommit, checkpoint *Tx) error {
	errs := make([]error, len(pc.txs))
	var wg sync.WaitGroup
	for i, tx := range pc.txs {
		if len(tx.dirty) == 0 {
			continue
		}
		wg.Go(func() { errs[i] = tx.commit(pebble.NoSync) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("projections: commit: %w", err)
	}
	if err := p.commit(checkpoint, nil, pc.last, pebble.Sync); err != nil {
		return err
	}
	p.store.setApplied(pc.last)
	return nil
}

// commit writes the org heads and the checkpoint into tx and commits it.
func (p *Projector) commit(tx *Tx, heads map[string]ledger.Head, last uint64, opts *pebble.WriteOptions) error {
	for org, h := range heads {
		if err := tx.Set(key(famMeta, "head/", org), encodeHead(h)); err != nil {
			return err
		}
	}
	if err := tx.Set(key(famMeta, "checkpoint"), be8(last)); err != nil {
		return err
	}
	if err := tx.commit(opts); err != nil {
		return fmt.Errorf("projections: commit: %w", err)
	}
	return nil
}

// applyStaged applies the message that starts msgs with the changes the
// local writer computed for it (Scratch.Stage), if it staged exactly these
// events and they continue the org's chain; it returns how many events it
// applied, 0 to let the caller project them one by one.
func (p *Projector) applyStaged(tx *Tx, heads map[string]ledger.Head, msgs []events.Stored) (int, error) {
	st := p.store.takeStaged(msgs[0].Data)
	if st == nil || len(msgs) < len(st.data) {
		return 0, nil
	}
	for i, d := range st.data {
		if msgs[i].StreamSeq != msgs[0].StreamSeq || !bytes.Equal(msgs[i].Data, d) {
			return 0, nil
		}
	}
	if len(msgs) > len(st.data) && msgs[len(st.data)].StreamSeq == msgs[0].StreamSeq {
		return 0, nil // the message holds more than was staged
	}
	org := st.envs[0].Org
	h, err := p.head(heads, org)
	if err != nil {
		return 0, err
	}
	if link(h.Seq, h.Hash, st.envs[0]) != "" {
		return 0, nil
	}
	// Straight into the batch: nothing in this chunk reads them before
	// the commit (Apply commits first if an event needs to).
	w := tx.writeOnly()
	tx.blind = slices.Grow(tx.blind, len(st.dirty)+4*len(st.envs)+1)
	for k, v := range st.dirty {
		tx.setBlind(k, v)
	}
	for _, env := range st.envs {
		if err := p.writeEvent(w, env); err != nil {
			return 0, err
		}
	}
	binary.BigEndian.PutUint64(st.copy, msgs[0].StreamSeq) // taken: no one else has it
	w.putCopy(org, st.envs[0].Seq, uint64(len(st.envs)), st.copy)
	w.flushRuns()
	last := st.envs[len(st.envs)-1]
	p.lastCmd[org] = last.Command
	heads[org] = ledger.Head{Seq: last.Seq, StreamSeq: msgs[0].StreamSeq, Hash: last.Hash}
	p.store.stagedApplied.Add(1)
	return len(st.data), nil
}

func (p *Projector) head(heads map[string]ledger.Head, org string) (ledger.Head, error) {
	if h, ok := heads[org]; ok {
		return h, nil
	}
	h, err := p.store.Head(org)
	if err != nil {
		return h, err
	}
	if h.Hash == "" {
		h.Hash = events.ZeroHash
	}
	heads[org] = h
	return h, nil
}

// applyOne applies msgs[0], whose message's other events follow it.
func (p *Projector) applyOne(tx *Tx, heads map[string]ledger.Head, msgs []events.Stored) error {
	raw := msgs[0]
	env, err := events.Decode(raw.Data)
	if err != nil {
		return &ChainError{StreamSeq: raw.StreamSeq, Reason: err.Error()}
	}
	return p.applyEnv(tx, heads, p.lastCmd, env, raw, func(dst []byte) ([]byte, int, []byte) { return appendRest(dst, msgs, storedOf) })
}

// applyEnv applies one decoded event the long way. lastCmd is the
// projector's, or a worker's copy for its unions. rest gives the events of
// the message from this one on: the first new event of a message writes
// their copy.
func (p *Projector) applyEnv(tx *Tx, heads map[string]ledger.Head, lastCmd map[string]string, env events.Envelope, raw events.Stored, rest msgRest) error {
	bad := func(format string, args ...any) error {
		return &ChainError{StreamSeq: raw.StreamSeq, Org: env.Org, Seq: env.Seq, Reason: fmt.Sprintf(format, args...)}
	}
	h, err := p.head(heads, env.Org)
	if err != nil {
		return err
	}
	tx.msg = raw.StreamSeq
	if env.Seq <= h.Seq {
		return p.reapply(tx, heads, h, env, raw, rest, bad)
	}
	if why := link(h.Seq, h.Hash, env); why != "" {
		return bad("%s", why)
	}
	payload, err := events.DecodePayload(env)
	if err != nil {
		return bad("%v", err)
	}
	if tx.copied != raw.StreamSeq {
		// Before the event is projected: a later event of the message
		// may read it (a reversal reads its original).
		tx.writeCopy(env.Org, env.Seq, raw.StreamSeq, rest)
		tx.copied = raw.StreamSeq
	}
	if err := p.writeEvent(tx, env); err != nil {
		return err
	}
	first, err := firstOfCommand(tx, lastCmd, env)
	if err != nil {
		return err
	}
	if err := writeCommand(tx, env, first); err != nil {
		return err
	}
	lastCmd[env.Org] = env.Command
	if err := applyProjections(tx, env, payload); err != nil {
		return err
	}
	heads[env.Org] = ledger.Head{Seq: env.Seq, StreamSeq: raw.StreamSeq, Hash: env.Hash}
	return nil
}

// reapply handles an event already applied: the same event delivered again
// or republished after JetStream lost its tail. It must be byte-identical to
// the copy in Pebble. A message republished whole, with the events of one
// copy, is that copy's new stream position.
func (p *Projector) reapply(tx *Tx, heads map[string]ledger.Head, h ledger.Head, env events.Envelope, raw events.Stored, rest msgRest, bad func(string, ...any) error) error {
	c, ok, err := tx.copyAt(env.Org, env.Seq)
	if err != nil {
		return err
	}
	if !ok {
		return bad("fork: a different event with this org sequence is already in the ledger")
	}
	if st, err := c.event(env.Seq); err != nil {
		return err
	} else if !bytes.Equal(st.Data, raw.Data) {
		return bad("fork: a different event with this org sequence is already in the ledger")
	}
	// The org's last message in the stream is now this copy: the head must
	// carry its stream sequence, or every append would expect a stale one.
	// Unconditionally: the stream is read in order, and after JetStream lost
	// its tail and its index (Rewind) the copy sits below the old position.
	h.StreamSeq = raw.StreamSeq
	heads[env.Org] = h
	if c.streamSeq == raw.StreamSeq || c.first != env.Seq {
		return nil
	}
	_, n, _ := rest(nil)
	if uint64(n) != c.count {
		return nil // another grouping: the events stay where they were
	}
	// Only the copy moves: the indexes do not hold stream positions.
	tx.putCopy(env.Org, c.first, c.count, withStreamSeq(c.stored, raw.StreamSeq))
	return nil
}

// writeEvent stores the event's indexes (the copy is its message's, in
// writeCopy). Three of its keys share one string: built one by one they
// were ten allocations an event with the copy. The actor index is a run per
// message (appendRun): a message's events are mostly one person's, the
// treasurer's receipts.
func (p *Projector) writeEvent(tx *Tx, env events.Envelope) error {
	n := len(famIndex) + len("id/") + len(env.ID) +
		len(famIndex) + len("agg/") + len(env.Org) + 1 + len(env.Aggregate) + 1 + 8 +
		len(famIndex) + len("date/") + len(env.Org) + 1 + len(env.Date) + 1 + 8
	b := make([]byte, 0, n)
	var ends [3]int
	b = append(append(append(b, famIndex...), "id/"...), env.ID...)
	ends[0] = len(b)
	b = append(append(append(append(append(append(b, famIndex...), "agg/"...), env.Org...), '/'), env.Aggregate...), 0)
	b = binary.BigEndian.AppendUint64(b, env.Seq)
	ends[1] = len(b)
	b = append(append(append(append(append(append(b, famIndex...), "date/"...), env.Org...), '/'), env.Date...), '/')
	b = binary.BigEndian.AppendUint64(b, env.Seq)
	ends[2] = len(b)
	keys := string(b)

	v := make([]byte, 0, len(env.Org)+1+8)
	v = append(append(v, env.Org...), 0)
	v = binary.BigEndian.AppendUint64(v, env.Seq)
	vals := [3][]byte{v, v[:0:0], v[:0:0]}
	start := 0
	for i, end := range ends {
		tx.setString(keys[start:end], vals[i])
		start = end
	}
	var buf [128]byte
	act := append(append(append(append(append(buf[:0], famIndex...), "act/"...), env.Org...), '/'), env.Actor...)
	var e [8]byte
	binary.BigEndian.PutUint64(e[:], env.Seq)
	tx.appendRun(append(act, 0), env.Seq, e[:])
	return nil
}

// writeCommand indexes the command that produced the event, so a retry of
// the command gets the original result however late it comes.
// first says env is the first event of its command (the org's event before
// it belongs to another command): its record is then written without
// reading the old one, which almost never exists and is the dearest kind of
// lookup. A command id used again later (the ledger never appends one, as
// it answers a retry instead) so points to its latest use, on every path.
func writeCommand(tx *Tx, env events.Envelope, first bool) error {
	k := key(famIndex, "cmd/", env.Org, "/", env.Command)
	if first {
		return tx.Set(k, encodeCmdRecord(cmdRecord{Hash: env.CommandHash, First: env.Seq, Count: 1}))
	}
	v, ok, err := tx.Get(k)
	if err != nil {
		return err
	}
	rec := cmdRecord{Hash: env.CommandHash, First: env.Seq, Count: 1}
	if ok {
		if rec, err = decodeCmdRecord(v); err != nil {
			return err
		}
		if rec.Hash != env.CommandHash || rec.First+uint64(rec.Count) != env.Seq {
			return nil // not a continuation after all: keep the record
		}
		rec.Count++
	}
	return tx.Set(k, encodeCmdRecord(rec))
}

// firstOfCommand reports whether env is the first event of its command in
// its org's chain.
func firstOfCommand(tx *Tx, lastCmd map[string]string, env events.Envelope) (bool, error) {
	if env.Seq == 1 {
		return true, nil
	}
	c, ok := lastCmd[env.Org]
	if !ok {
		st, ok, err := tx.Event(env.Org, env.Seq-1)
		if err != nil {
			return false, err
		}
		if !ok {
			return false, fmt.Errorf("projections: %s seq %d is missing from the store", env.Org, env.Seq-1)
		}
		prev, err := events.Decode(st.Data)
		if err != nil {
			return false, err
		}
		c = prev.Command
	}
	return c != env.Command, nil
}
