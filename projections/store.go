// Package projections is the read side: the projector that folds the event
// stream into Pebble (event copies, indexes, projection state and the
// checkpoint in one synced batch per chunk) and the queries over it.
package projections

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// Store is the Pebble database with the projections and the durable
// progress of the projector. It implements ledger.Store.
type Store struct {
	view // state queries over committed state
	db   *pebble.DB

	keyMu sync.Mutex // serialises person-key creation

	mu      sync.Mutex
	applied uint64        // last stream sequence durable in Pebble
	changed chan struct{} // closed and replaced at every commit
	staged  map[string]*staged
	// stagedApplied counts messages applied from staged changes.
	stagedApplied atomic.Uint64
	failed        error // set when the projector stops on a broken chain
	stale         int   // the older format the store was written in (Stale)
	hot           *hot
	absent        *absent
	// sizes of the last staged view's maps and list of events: the next
	// view starts at them, since growing a map of a thousand keys rehashes
	// it seven times.
	dirtyHint, readHint, eventsHint atomic.Int64
	stopFill                        context.CancelFunc
	filling                         sync.WaitGroup
}

// Options configures the store.
type Options struct {
	// FS replaces the disk, for crash tests (vfs.NewCrashableMem).
	FS vfs.FS
	// Logger receives Pebble's own messages (info as debug).
	Logger *slog.Logger

	// Sizes, for tests; zero means the defaults below.
	memTableSize, blockCacheSize int64
	bloomFirstCap                int64
}

const (
	// defaultMemTableSize is Pebble's memtable: large, so that a rebuild
	// flushes seldom.
	defaultMemTableSize = 64 << 20
	// defaultBlockCacheSize is the block cache proper.
	defaultBlockCacheSize = 128 << 20
	// memTablesReserved is how many memtables' sizes Pebble may hold
	// reserved in the block cache at once: the active one, one being
	// flushed, and one kept for reuse.
	memTablesReserved = 3
)

// pebbleLogger routes Pebble's log lines to slog.
type pebbleLogger struct{ log *slog.Logger }

func (l pebbleLogger) Infof(format string, args ...any) { l.log.Debug(fmt.Sprintf(format, args...)) }
func (l pebbleLogger) Errorf(format string, args ...any) {
	l.log.Error(fmt.Sprintf(format, args...))
}
func (l pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	l.log.Error(msg)
	panic(msg) // Pebble's contract: Fatalf does not return
}

// Open opens (or creates) the Pebble database in dir.
func Open(dir string, opts Options) (*Store, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// Projections are read by point lookups, most of keys that do not exist
	// yet (a new command id, a first receipt number): bloom filters on every
	// level keep those from reading blocks off disk, and a block cache keeps
	// the hot accounts and heads in memory (off the Go heap).
	memTable, blocks := cmp.Or(opts.memTableSize, defaultMemTableSize), cmp.Or(opts.blockCacheSize, defaultBlockCacheSize)
	// Pebble counts its memtables against the block cache (each reserves
	// its size there), so the cache is made larger by what they may
	// reserve. Sized at the block cache alone, two 64 MiB memtables left it
	// no room for a single block, and every read went to the disk.
	cache := pebble.NewCache(blocks + memTablesReserved*memTable)
	defer cache.Unref()
	po := &pebble.Options{
		Logger:       pebbleLogger{log.With("component", "pebble")},
		Cache:        cache,
		MemTableSize: uint64(memTable),
		// A second compaction when level 0 piles up (a rebuild writes
		// faster than one compaction drains it): reads, the as-of queries
		// above all, pay for every file in level 0.
		CompactionConcurrencyRange: func() (int, int) { return 1, 2 },
	}
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	if opts.FS != nil {
		po.FS = opts.FS
	}
	db, err := pebble.Open(dir, po)
	if err != nil {
		return nil, fmt.Errorf("projections: open pebble %s: %w", dir, err)
	}
	s := &Store{db: db, changed: make(chan struct{}), staged: map[string]*staged{}, hot: newHot(hotKeys), absent: newAbsent(cmp.Or(opts.bloomFirstCap, bloomFirstCap))}
	s.view = view{g: s}
	if err := dropRetired(db); err != nil {
		db.Close()
		return nil, err
	}
	if evs, copies, err := convertCopies(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("projections: converting event copies: %w", err)
	} else if evs > 0 {
		log.Info("projections: event copies converted to one a message", "events", evs, "copies", copies)
	}
	cp, err := getInt(s, key(famMeta, "checkpoint"))
	if err != nil {
		db.Close()
		return nil, err
	}
	s.applied = uint64(cp)
	f, err := getInt(s, formatKey)
	switch {
	case err != nil:
		db.Close()
		return nil, err
	case f > Format:
		db.Close()
		return nil, fmt.Errorf("projections: %s was written in format %d by a newer unionledger; this one writes format %d", dir, f, Format)
	case f == 0 && cp == 0:
		// New (or holding only secrets): it starts in this format.
		if err := db.Set(formatKey, be8(Format), pebble.Sync); err != nil {
			db.Close()
			return nil, err
		}
	case f < Format:
		s.stale = int(max(f, 1))
	}
	// The filter of absent command ids and receipts answers once it holds
	// every such key already stored; until then lookups go to Pebble.
	ctx, cancel := context.WithCancel(context.Background())
	s.stopFill = cancel
	s.filling.Go(func() {
		start := time.Now()
		n, err := s.absent.fill(ctx, db)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("projections: filling the filter of absent keys failed; lookups go to Pebble", "err", err)
		case err == nil:
			log.Info("projections: filter of absent keys filled", "keys", n, "elapsed", time.Since(start))
		}
	})
	return s, nil
}

// retired are key families earlier versions wrote and nothing reads any
// more: each repeated what the event copy holds.
var retired = [...]string{famProj + "period/posted/", famProj + "flag/dseq/"}

// dropRetired deletes the retired families from a store written by an
// earlier version, so that it holds exactly what a rebuild would.
func dropRetired(db *pebble.DB) error {
	b := db.NewBatch()
	defer b.Close()
	for _, p := range retired {
		lo, hi := []byte(p), upper([]byte(p))
		it, err := db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
		if err != nil {
			return err
		}
		found := it.First()
		if err := it.Close(); err != nil {
			return err
		}
		if found {
			if err := b.DeleteRange(lo, hi, nil); err != nil {
				return err
			}
		}
	}
	if b.Empty() {
		return nil
	}
	return b.Commit(pebble.Sync)
}

// convertCopies rewrites the event copies of a store written before they
// were kept by message (copies.go): one key an event, whose value was the
// stream seq and the event's bytes. An org's consecutive events from one
// stream message become one copy, as a rebuild would write it. Each batch
// holds whole copies, and the copies are rewritten in key order, so the
// last key of the family is old until all are done: that is how a store
// still to convert, or half converted by a crash, is told from another.
func convertCopies(db *pebble.DB) (evs, copies int, err error) {
	fam := []byte(famEvent)
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: fam, UpperBound: upper(fam)})
	if err != nil {
		return 0, 0, err
	}
	defer it.Close()
	old := func(v []byte) bool { return len(v) > 8 && v[8] == '{' }
	if !it.Last() || !old(it.Value()) {
		return 0, 0, it.Error()
	}
	b := db.NewBatch()
	defer func() { b.Close() }()
	var (
		org         string
		first, next uint64
		streamSeq   uint64
		seg, enc    []byte
		n           int
	)
	flush := func() error {
		if n == 0 {
			return nil
		}
		// The last event's key is the copy's: the others go.
		if err := b.Set(copyKey(org, next-1), encodeCopy(&enc, streamSeq, n, seg), nil); err != nil {
			return err
		}
		for seq := first; seq < next-1; seq++ {
			if err := b.Delete(copyKey(org, seq), nil); err != nil {
				return err
			}
		}
		copies++
		seg, n = seg[:0], 0
		if b.Len() < 16<<20 {
			return nil
		}
		if err := b.Commit(pebble.NoSync); err != nil {
			return err
		}
		b.Close()
		b = db.NewBatch()
		return nil
	}
	for ok := it.First(); ok; ok = it.Next() {
		k, v := it.Key(), it.Value()
		if len(k) < len(fam)+9 || !old(v) {
			if err := flush(); err != nil {
				return 0, 0, err
			}
			continue
		}
		o, seq, ss := string(k[len(fam):len(k)-9]), binary.BigEndian.Uint64(k[len(k)-8:]), binary.BigEndian.Uint64(v)
		if n > 0 && (o != org || ss != streamSeq || seq != next) {
			if err := flush(); err != nil {
				return 0, 0, err
			}
		}
		if n == 0 {
			org, first, streamSeq = o, seq, ss
		}
		seg = events.AppendToSegment(seg, v[8:])
		next = seq + 1
		n++
		evs++
	}
	if err := it.Error(); err != nil {
		return 0, 0, err
	}
	if err := flush(); err != nil {
		return 0, 0, err
	}
	return evs, copies, b.Commit(pebble.Sync)
}

// Close closes the database.
func (s *Store) Close() error {
	s.stopFill()
	s.filling.Wait()
	return s.db.Close()
}

// Get reads one key of the committed state.
func (s *Store) Get(k []byte) ([]byte, bool, error) { return get(s.db, k) }

// Applied is the last stream sequence durable in the store.
func (s *Store) Applied() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.applied
}

// setApplied publishes progress after a synced commit and wakes waiters.
func (s *Store) setApplied(seq uint64) {
	s.mu.Lock()
	s.applied = seq
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// fail records why the projector stopped; waiters get the error.
func (s *Store) fail(err error) {
	s.mu.Lock()
	s.failed = err
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// Failed returns the projector's fatal error, if any.
func (s *Store) Failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

// WaitApplied blocks until stream sequence seq is durable in Pebble.
func (s *Store) WaitApplied(ctx context.Context, seq uint64) error {
	for {
		s.mu.Lock()
		applied, failed, ch := s.applied, s.failed, s.changed
		s.mu.Unlock()
		if failed != nil {
			return ledger.Errorf(ledger.CodeInternal, "the projector stopped: %v", failed)
		}
		if applied >= seq {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func encodeHead(h ledger.Head) []byte {
	return append(append(be8(h.Seq), be8(h.StreamSeq)...), h.Hash...)
}

func decodeHead(v []byte) (ledger.Head, error) {
	if len(v) != 16+64 {
		return ledger.Head{}, errors.New("projections: corrupt head")
	}
	return ledger.Head{Seq: binary.BigEndian.Uint64(v), StreamSeq: binary.BigEndian.Uint64(v[8:]), Hash: string(v[16:])}, nil
}

// Orgs lists every org with at least one event, with its head.
func (s *Store) Orgs() (map[string]ledger.Head, error) {
	out := map[string]ledger.Head{}
	prefix := key(famMeta, "head/")
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper(prefix)})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		h, err := decodeHead(it.Value())
		if err != nil {
			return nil, err
		}
		out[string(it.Key()[len(prefix):])] = h
	}
	return out, it.Error()
}

// Event returns the stored bytes and stream sequence of one event.
func (s *Store) Event(org string, seq uint64) (events.Stored, bool, error) {
	// A reader of its own: the bytes it returns are the caller's.
	evs, err := s.eventReader(org)
	if err != nil {
		return events.Stored{}, false, err
	}
	defer evs.Close()
	return evs.event(seq)
}

// Events calls fn for the org's events with seq in [from, to] in order
// (to = 0 means to the end), stopping early if fn returns false.
func (s *Store) Events(org string, from, to uint64, fn func(seq uint64, st events.Stored) bool) error {
	if to == 0 {
		to = math.MaxUint64
	}
	return eachCopy(s.db, org, from, to, func(c *msgCopy) (bool, error) {
		return c.each(from, func(seq uint64, st events.Stored) bool {
			return seq <= to && fn(seq, st)
		})
	})
}

// cmdRecord is the value of i/cmd.
type cmdRecord struct {
	Hash  string `json:"hash"`
	First uint64 `json:"first"`
	Count int    `json:"count"`
}

// Dump writes every key and value of the rebuildable key space (everything
// but secrets) in key order; two stores with equal dumps hold identical
// projections.
func (s *Store) Dump(w interface{ Write([]byte) (int, error) }) error {
	it, err := s.db.NewIter(nil)
	if err != nil {
		return err
	}
	defer it.Close()
	var buf bytes.Buffer
	for it.First(); it.Valid(); it.Next() {
		if bytes.HasPrefix(it.Key(), []byte(famSecret)) {
			continue
		}
		buf.Reset()
		fmt.Fprintf(&buf, "%q %q\n", it.Key(), it.Value())
		if _, err := w.Write(buf.Bytes()); err != nil {
			return err
		}
	}
	return it.Error()
}

// Format is the layout of the rebuildable families (e/, i/, m/, p/) this
// version writes, kept in m/format. A store in an older one is rebuilt from
// the stream when the node starts (Stale, Wipe): projections are derived
// state, and rebuilding them is the one conversion that is tested for every
// layout. Secrets (x/), which the stream cannot give back, are kept.
//
//	1  stores written before the format was recorded
//	2  a receipt number's first use keyed in numeric order (p/rcpt/), which
//	   the receipt gap check reads; its own family (p/flag/rc/) is gone
const Format = 2

var formatKey = key(famMeta, "format")

// Stale returns the format of a store written in an older one, which must
// be wiped and rebuilt before the projector runs; 0 for a current store.
// The event copies and heads read the same in every format, so the node
// reconciles the log with them first.
func (s *Store) Stale() int { return s.stale }

// Wipe deletes all rebuildable state (events copies, indexes, projections,
// checkpoint), keeping secrets, so the projector rebuilds from the stream;
// the store is then in the current format.
func (s *Store) Wipe() error {
	s.hot.reset()
	defer s.hot.reset()
	s.absent.reset()
	b := s.db.NewBatch()
	for _, fam := range []string{famEvent, famIndex, famMeta, famProj} {
		if err := b.DeleteRange([]byte(fam), upper([]byte(fam)), nil); err != nil {
			return err
		}
	}
	if err := b.Set(formatKey, be8(Format), nil); err != nil {
		return err
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return err
	}
	s.mu.Lock()
	s.applied = 0
	s.stale = 0
	s.mu.Unlock()
	// The store holds no tracked key now: scanning for them is instant,
	// and a commit racing the wipe adds its own.
	_, err := s.absent.fill(context.Background(), s.db)
	return err
}

// Begin opens a scratch view for deciding a group of commands: a snapshot
// of committed state plus, in memory only, the events the group has decided
// so far, applied by the same projections the projector runs. over, if not
// nil, is the view of the org's previous group, appended but perhaps not yet
// applied: its changes and its events are seen before the snapshot's. The
// view writes nothing; Stage hands its changes to the projector.
func (s *Store) Begin(over ledger.Scratch) (ledger.Scratch, error) {
	var (
		overTx     *Tx
		overEvents *decided
	)
	for over != nil {
		if o, ok := over.(*scratch); ok {
			overTx, overEvents = o.tx, &o.base.own
			// The group before over is applied by now (the writer keeps
			// one group in flight), so over's own overlay is no longer
			// read; dropping it keeps the views from chaining to the first.
			overTx.over, o.base.over = nil, nil
			break
		}
		u, ok := over.(interface{ Unwrap() ledger.Scratch })
		if !ok {
			return nil, fmt.Errorf("projections: cannot build a view over a %T", over)
		}
		over = u.Unwrap()
	}
	var snap *pebble.Snapshot
	at := s.hot.snapshot(func() { snap = s.db.NewSnapshot() })
	base := &scratchBase{Snapshot: snap, over: overEvents}
	if n := s.eventsHint.Load(); n > 0 {
		base.own.envs = make([]events.Envelope, 0, n)
		base.own.payloads = make([]events.Payload, 0, n)
	}
	tx := &Tx{
		r: base, over: overTx, hot: s.hot, at: at, absent: s.absent,
		dirty: make(map[string][]byte, s.dirtyHint.Load()),
		read:  make(map[string]readVal, s.readHint.Load()),
	}
	return &scratch{view: view{g: tx}, tx: tx, base: base, store: s}, nil
}

type scratch struct {
	view
	tx    *Tx
	base  *scratchBase // tx's reader: the snapshot, and the events decided on it
	store *Store
}

// Apply folds a decided (not yet appended) event into the view, with the
// command record the projector would write for it. The view keeps the
// event too, as the projector keeps its copy in e/ before projecting it:
// a later event of the group, or of the next group, may read it (a
// reversal reads its original).
func (sc *scratch) Apply(env events.Envelope, p events.Payload) error {
	// The writer appends each command's events together and never a
	// command id twice, so a command's first event is one that does not
	// continue the previous event's command.
	envs := sc.base.own.envs
	first := len(envs) == 0 || envs[len(envs)-1].Command != env.Command
	if err := writeCommand(sc.tx, env, first); err != nil {
		return err
	}
	sc.base.own.add(env, p)
	return applyProjections(sc.tx, env, p)
}

// Stage offers the view's events, about to be appended as one message, to
// the projector, which then applies the changes computed here instead of
// decoding and projecting the events again. It must be called once, after
// the last Apply. The returned func withdraws the offer.
func (sc *scratch) Stage(msgs []ledger.Message, packed []byte) (withdraw func()) {
	st := &staged{envs: sc.base.own.envs, dirty: sc.tx.dirty, data: make([][]byte, len(msgs))}
	sc.store.dirtyHint.Store(int64(len(sc.tx.dirty)))
	sc.store.readHint.Store(int64(len(sc.tx.read)))
	sc.store.eventsHint.Store(int64(len(sc.base.own.envs)))
	for i, m := range msgs {
		st.data[i] = m.Data
	}
	// The message's copy, but for its stream position, which the
	// projector writes in: packed by the union's writer, once for the log
	// and the store, rather than by the one projector.
	st.copy = copyOf(0, len(st.data), events.JoinSegment(st.data), packed)
	return sc.store.stage(st)
}

func (sc *scratch) Close() error { return sc.base.Snapshot.Close() }

// staged is a group the local writer decided and is appending: its events
// and every change they make to projections and command records, computed
// on the state the projector will apply them to (the org's previous events
// and nothing else; no key of one org is written by another org's events).
type staged struct {
	data  [][]byte
	envs  []events.Envelope
	dirty map[string][]byte
	copy  []byte // the copy of data (copyOf), at stream seq 0
}

// stage files st under its first event's bytes.
func (s *Store) stage(st *staged) func() {
	k := string(st.data[0])
	s.mu.Lock()
	s.staged[k] = st
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		if s.staged[k] == st {
			delete(s.staged, k)
		}
		s.mu.Unlock()
	}
}

// StagedApplied is how many messages the projector applied with changes
// their writer had computed (Scratch.Stage) since the store was opened.
func (s *Store) StagedApplied() uint64 { return s.stagedApplied.Load() }

// anyStaged reports whether a group is staged and not yet taken.
func (s *Store) anyStaged() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.staged) > 0
}

// takeStaged removes and returns the group whose first event is first.
func (s *Store) takeStaged(first []byte) *staged {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.staged) == 0 {
		return nil
	}
	st, ok := s.staged[string(first)]
	if ok {
		delete(s.staged, string(first))
	}
	return st
}

var _ ledger.Store = (*Store)(nil)

// Rewind lowers the in-memory progress to seq when the stream turned out
// shorter than the checkpoint (JetStream lost its tail), so messages
// re-appended at those sequences are read again. The next commit persists it.
func (s *Store) Rewind(seq uint64) {
	s.mu.Lock()
	if seq < s.applied {
		s.applied = seq
	}
	s.mu.Unlock()
}

// Changed returns a channel closed at the next commit (or failure), for
// followers of the log.
func (s *Store) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// LSM is the state of Pebble's level 0 and compactions: what a read pays
// for after a burst of writes (a rebuild writes faster than compactions
// drain level 0), and what operators watch.
type LSM struct {
	L0Files     int64  `json:"l0_files"`
	L0Sublevels int32  `json:"l0_sublevels"` // level 0's read amplification
	Compacting  int64  `json:"compactions_in_progress"`
	DebtBytes   uint64 `json:"compaction_debt_bytes"`
}

// LSM reports the state of the store's LSM now.
func (s *Store) LSM() LSM {
	m := s.db.Metrics()
	return LSM{L0Files: m.Levels[0].TablesCount, L0Sublevels: m.Levels[0].Sublevels,
		Compacting: m.Compact.NumInProgress, DebtBytes: m.Compact.EstimatedDebt}
}
