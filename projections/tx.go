package projections

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"slices"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionledger/unionledger/events"
)

// Key space. Every key starts with a one-letter family; big-endian integers
// keep numeric order; 0x00 ends a variable-length part that another part
// follows, so prefixes never collide ("p1" vs "p10").
//
//	m/checkpoint                      last applied stream sequence
//	m/head/<org>                      org head: seq, stream seq, hash
//	e/<org>/<last seq>                a message's events up to last (copies.go)
//	i/id/<event id>                   org 0x00 seq
//	i/cmd/<org>/<command id>          command hash, first seq, count
//	i/agg/<org>/<aggregate>0x00<seq>  empty
//	i/act/<org>/<actor>0x00<seq>      the actor's seqs in one message from seq on
//	i/date/<org>/<date>/<seq>         empty
//	p/...                             projection state (see each projection)
//	x/...                             secrets (tokens, person keys): never rebuilt
const (
	famMeta   = "m/"
	famEvent  = "e/"
	famIndex  = "i/"
	famProj   = "p/"
	famSecret = "x/"
)

func be8(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

func key(parts ...any) []byte {
	// Sized first: growing the key part by part, with a buffer for each
	// integer, was a quarter of all allocations in a view.
	n := 0
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			n += len(p)
		case []byte:
			n += len(p)
		case uint64:
			n += 8
		case byte:
			n++
		default:
			panic("projections: bad key part")
		}
	}
	k := make([]byte, 0, n)
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			k = append(k, p...)
		case []byte:
			k = append(k, p...)
		case uint64:
			k = binary.BigEndian.AppendUint64(k, p)
		case byte:
			k = append(k, p)
		}
	}
	return k
}

// upper returns the smallest key greater than every key with prefix p.
func upper(p []byte) []byte {
	u := append([]byte(nil), p...)
	for i := len(u) - 1; i >= 0; i-- {
		if u[i] < 0xff {
			u[i]++
			return u[:i+1]
		}
	}
	return nil
}

// Tx is a set of changes over committed state with read-your-writes: a
// projector chunk (written to Pebble in one batch at commit) or a scratch
// view for deciding a group of commands (never committed). Reads see
// earlier writes of the same Tx.
type Tx struct {
	r     reader     // the committed state it builds on: the DB or a snapshot
	db    *pebble.DB // where commit writes; nil for a scratch view
	dirty map[string][]byte
	// read remembers what was read from r, absent keys included: r does not
	// change under a Tx (the projector is its only writer, a snapshot never
	// changes), and the same keys (period state, heads, balances) are read
	// for event after event.
	read map[string]readVal
	// over, for a scratch view, is the scratch view of the group decided
	// before this one and not yet applied: its changes come before r.
	over *Tx
	// blind holds writes that reads do not see, in order (a projector chunk's
	// staged changes); sink, in a write-only Tx, is where its writes go.
	blind []kv
	sink  *Tx
	// hot, if not nil, is the store's cache of committed state, read at
	// version at (the version of r) before r and updated by commit.
	hot *hot
	at  uint64
	// absent, if not nil, tells command ids and receipt numbers the store
	// certainly lacks; commit adds the ones it writes.
	absent *absent
	// memo keeps records decoded from JSON (getJSONMemo), with the bytes
	// they came from: every command of a group asks for the same org and
	// period records, and decoding them again was a tenth of deciding one.
	memo map[string]memoEntry
	// buf, if not nil, is reused by commit.
	buf *commitBuf
	// msg is the stream message the events being applied came in (the
	// projector sets it; a scratch view decides one message). runs are
	// the open runs of appendRun, by prefix.
	msg  uint64
	runs map[string]*run
	// copies are the event copies the Tx wrote where its reads see them,
	// lastCopy the last one it looked up (a command's or a message's
	// events are read one after another), copyBufs writeCopy's buffers
	// when the Tx has no commitBuf.
	copies   []copyRef
	lastCopy *orgCopy
	copyBufs copyBufs
	// copied is the stream message whose copy the Tx wrote last.
	copied uint64
}

// run is a value appendRun extends: its key and what it holds so far.
type run struct {
	msg uint64
	k   string
	v   []byte
}

type memoEntry struct {
	raw []byte
	v   any
}

type readVal struct {
	v  []byte
	ok bool
}

// newTx starts a projector chunk over the store's newest state.
func newTx(s *Store) *Tx { return newTxWith(s, map[string][]byte{}, map[string]readVal{}) }

// newTxWith is newTx on maps the caller supplies, empty.
func newTxWith(s *Store, dirty map[string][]byte, read map[string]readVal) *Tx {
	return &Tx{r: s.db, db: s.db, dirty: dirty, read: read, hot: s.hot, at: latest, absent: s.absent}
}

// Get reads a key as of the Tx so far.
func (t *Tx) Get(k []byte) ([]byte, bool, error) {
	if v, ok := t.dirty[string(k)]; ok {
		return v, v != nil, nil
	}
	if rv, ok := t.read[string(k)]; ok {
		return rv.v, rv.ok, nil
	}
	if t.over != nil {
		if v, ok := t.over.dirty[string(k)]; ok {
			return v, v != nil, nil
		}
	}
	if t.absent != nil && t.absent.surely(k) {
		// Not remembered in read: asking the filter again is as cheap, and
		// these keys (new command ids, new receipt numbers) are read once.
		// The answer cannot change: the filter only loses certainty about
		// keys commits add, which a snapshot taken before them lacks too.
		return nil, false, nil
	}
	if t.hot != nil {
		if v, ok, hit := t.hot.get(k, t.at); hit {
			t.read[string(k)] = readVal{v, ok}
			return v, ok, nil
		}
	}
	v, ok, err := get(t.r, k)
	if err == nil {
		t.read[string(k)] = readVal{v, ok}
		if t.hot != nil {
			t.hot.want(k)
		}
	}
	return v, ok, err
}

// Set writes a key in the Tx.
func (t *Tx) Set(k, v []byte) error {
	if v == nil {
		v = []byte{} // nil marks a deletion in dirty
	}
	if t.sink != nil {
		t.sink.blind = append(t.sink.blind, kv{string(k), v})
		return nil
	}
	t.dirty[string(k)] = v
	return nil
}

// setString is Set for a key already held as a string, which it keeps.
func (t *Tx) setString(k string, v []byte) {
	if v == nil {
		v = []byte{}
	}
	if t.sink != nil {
		t.sink.blind = append(t.sink.blind, kv{k, v})
		return
	}
	t.dirty[k] = v
}

// Delete removes a key in the Tx.
func (t *Tx) Delete(k []byte) error {
	if t.sink != nil {
		t.sink.blind = append(t.sink.blind, kv{string(k), nil})
		return nil
	}
	t.dirty[string(k)] = nil
	return nil
}

// appendRun appends entry to the run of prefix for the current message:
// the value at prefix + first, where first is the seq of the run's first
// entry. A key per message rather than per event, for series read by a seek
// and then a search within the value (running balances). Whole messages
// reach the store, live and in a rebuild alike, so the runs are the same.
func (t *Tx) appendRun(prefix []byte, first uint64, entry []byte) {
	r := t.runs[string(prefix)]
	if r == nil || r.msg != t.msg {
		if t.runs == nil {
			t.runs = map[string]*run{}
		}
		k := make([]byte, 0, len(prefix)+8)
		k = binary.BigEndian.AppendUint64(append(k, prefix...), first)
		if r == nil {
			r = &run{}
			t.runs[string(prefix)] = r
		}
		*r = run{msg: t.msg, k: string(k), v: make([]byte, 0, 4*len(entry))}
	}
	r.v = append(r.v, entry...)
	if t.sink == nil {
		t.setString(r.k, r.v)
	} // else flushRuns writes each run once, whole
}

// flushRuns writes a write-only Tx's runs to its sink.
func (t *Tx) flushRuns() {
	for _, r := range t.runs {
		t.sink.blind = append(t.sink.blind, kv{r.k, r.v})
	}
	clear(t.runs)
}

// kv is one write; a nil v deletes.
type kv struct {
	k string
	v []byte
}

// writeOnly returns a Tx whose writes join t's blind writes: they reach
// the batch at commit, after (and so over) t's other writes, and t's reads
// do not see them.
func (t *Tx) writeOnly() *Tx { return &Tx{sink: t} }

// setBlind adds a write that t's reads do not see (see writeOnly).
func (t *Tx) setBlind(k string, v []byte) { t.blind = append(t.blind, kv{k, v}) }

// commit writes every change into the batch, once per key and in key
// order, and commits it. In key order, because Pebble's memtable inserts a
// sorted run of keys far faster than the same keys in random order.
func (t *Tx) commit(opts *pebble.WriteOptions) error {
	buf := t.buf
	if buf == nil {
		buf = &commitBuf{}
	}
	all := slices.Grow(buf.all[:0], len(t.dirty)+len(t.blind))
	size := 0
	for k, v := range t.dirty {
		all = append(all, kv{k, v})
		size += len(k) + len(v) + 16
	}
	for _, w := range t.blind {
		size += len(w.k) + len(w.v) + 16
	}
	all = append(all, t.blind...) // after: a blind write wins over a dirty one
	// By key, and by position among writes of one key.
	idx := slices.Grow(buf.idx[:0], len(all))[:len(all)]
	for i, w := range all {
		idx[i] = keyPos{w.k, int32(i)}
	}
	tmp := slices.Grow(buf.tmp[:0], len(all))[:len(all)]
	sortWrites(idx, tmp)
	if t.absent != nil {
		for _, w := range all {
			if w.v != nil && tracked(w.k) {
				t.absent.addString(w.k)
			}
		}
	}
	var mine []int
	if t.hot != nil {
		mine = t.hot.begin(all)
	}
	err := t.write(buf, all, idx, size, opts)
	if t.hot != nil {
		t.hot.end(all, mine, err == nil)
	}
	clear(all) // the next commit's garbage, not this one's
	clear(t.blind)
	clear(idx)
	clear(tmp)
	buf.all, buf.idx, buf.tmp, buf.blind = all[:0], idx[:0], tmp[:0], t.blind[:0]
	buf.dirtyHint, buf.readHint = len(t.dirty), len(t.read)
	buf.dirtyMax, buf.readMax = max(buf.dirtyMax, buf.dirtyHint), max(buf.readMax, buf.readHint)
	t.blind = nil
	return err
}

// commitBuf is what a commit needs besides the changes, kept between the
// commits of one goroutine (the projector's, or one of its workers'): the
// chunk's batch alone was megabytes of new memory a commit.
type commitBuf struct {
	all, blind []kv
	idx, tmp   []keyPos
	batch      *pebble.Batch
	// dirtyHint and readHint are the last commit's map sizes.
	dirtyHint, readHint int
	// dirty and read are the maps of the last Tx on these buffers, which
	// the next one clears and reuses: new maps of a chunk's size each
	// time were megabytes of fresh memory a chunk. dirtyMax and readMax
	// are the most they have held.
	dirty             map[string][]byte
	read              map[string]readVal
	dirtyMax, readMax int
	copyBufs          copyBufs
}

// reuseMap returns *m cleared for the next Tx on a commitBuf, unless it is
// nil or grew to more than four times what the last Tx needed (hint):
// clearing costs what a map has room for, and one large chunk would slow
// every small one after it. A new map then starts at hint, and replaces
// *m; *most is the most the kept map has held.
func reuseMap[V any](m *map[string]V, most *int, hint int) map[string]V {
	if *m != nil && 4*hint >= *most {
		clear(*m)
		return *m
	}
	*m, *most = make(map[string]V, hint), hint
	return *m
}

// keyPos is a write's key and its position in the commit's writes.
type keyPos struct {
	k string
	i int32
}

// maxKeptBatch bounds the batch a commitBuf keeps for the next commit.
const maxKeptBatch = 16 << 20

// write commits the writes all, in the order idx, once per key.
func (t *Tx) write(buf *commitBuf, all []kv, idx []keyPos, size int, opts *pebble.WriteOptions) error {
	b := buf.batch
	if b == nil {
		b = t.db.NewBatch(pebble.WithInitialSizeBytes(size), pebble.WithMaxRetainedSizeBytes(maxKeptBatch))
	}
	buf.batch = nil
	for n, kp := range idx {
		w := all[kp.i]
		if n+1 < len(idx) && idx[n+1].k == w.k {
			continue // the later write of a key wins
		}
		var err error
		if w.v == nil {
			err = b.Delete([]byte(w.k), nil)
		} else {
			err = b.Set([]byte(w.k), w.v, nil)
		}
		if err != nil {
			b.Close()
			return err
		}
	}
	if err := b.Commit(opts); err != nil {
		b.Close()
		return err
	}
	if buf != t.buf {
		return b.Close() // a Tx without buffers of its own: nothing to keep
	}
	b.Reset()
	buf.batch = b
	return nil
}

// getJSONMemo reads a JSON record like getJSON, decoding it once per Tx
// for as long as its bytes stay the same. T must be a plain value (no maps
// or slices the caller could change under the memo).
func getJSONMemo[T any](g getter, k []byte, v *T) (bool, error) {
	b, ok, err := g.Get(k)
	if err != nil || !ok {
		return ok, err
	}
	t, _ := g.(*Tx)
	if t != nil {
		if e, hit := t.memo[string(k)]; hit && bytes.Equal(e.raw, b) {
			*v = e.v.(T)
			return true, nil
		}
	}
	if err := decodeRecord(k, b, v); err != nil {
		return false, err
	}
	if t != nil {
		if t.memo == nil {
			t.memo = map[string]memoEntry{}
		}
		t.memo[string(k)] = memoEntry{raw: bytes.Clone(b), v: *v}
	}
	return true, nil
}

type reader interface {
	Get(key []byte) ([]byte, io.Closer, error)
}

func get(r reader, k []byte) ([]byte, bool, error) {
	v, closer, err := r.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	out := append([]byte(nil), v...)
	return out, true, closer.Close()
}

// getter reads one key: the Store (committed state), a Tx, or a scratch view.
type getter interface {
	Get([]byte) ([]byte, bool, error)
	// Event returns an org's event from its copy in e/.
	Event(org string, seq uint64) (events.Stored, bool, error)
}

func getInt(t getter, k []byte) (int64, error) {
	v, ok, err := t.Get(k)
	if err != nil || !ok {
		return 0, err
	}
	if len(v) != 8 {
		return 0, errors.New("projections: corrupt integer value")
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

func intVal(v int64) []byte { return be8(uint64(v)) }
