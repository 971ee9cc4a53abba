package projections

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/cockroachdb/pebble/v2"
	"github.com/klauspost/compress/s2"

	"github.com/unionledger/unionledger/events"
)

// Event copies. Pebble keeps a copy of every event, since JetStream syncs
// in the background and may lose a tail that was acknowledged (see
// docs/durability.md). The copy is kept by stream message, not by event:
//
//	e/<org>/<last seq> → stream seq (8 bytes) | form (1) | count (uvarint) | body
//
// holds the events last-count+1 … last, which came in the message at
// stream seq. In form copyBlocks the body is their segment packed
// (events.AppendPacked: blocks of copyBlockEvents events, each compressed
// alone and preceded by its compressed length), which is also how the
// ledger publishes it, so a copy is the message's data as it came; in form
// copyPlain, used when packing does not make it smaller, the segment as it
// is. Copies written before messages were packed have S2 blocks, which the
// same decoder reads. One key and about 220 bytes a dues event, against one key and 540
// bytes when each event had its own uncompressed copy: the copies were more
// than half of what the store wrote, and of what its compactions rewrote.
// A copy is found by a seek to the first key at or after the event's seq
// (keyed by its last event, so that the seek goes forward: Pebble copies
// the value out at every backward step, and a copy is tens of kilobytes);
// reading one event decompresses only its block.
const (
	copyPlain byte = 0
	// Forms 1 (one S2 block a message) and 2 (blocks, keyed by the first
	// event) were never released; a store holding them is refused as
	// corrupt rather than misread.
	copyBlocks byte = 3
)

// copyBlockEvents is the events in a block: reading one event of a copy
// costs a block, and smaller blocks compress less (per dues event 205
// bytes in one block a message, 212 in blocks of 64, 220 of 32, 230 of 16,
// measured with S2's own encoding).
const copyBlockEvents = events.PackBlockEvents

// msgCopy is one stored copy. Its blocks are decompressed as they are
// read, the last one kept.
type msgCopy struct {
	first, count uint64
	streamSeq    uint64
	form         byte
	body         []byte // after the header
	stored       []byte // the stored value, as decodeCopy was given it
	blk          int    // which block blkData is; -1: none yet
	blkData      []byte
	// scratch, if not nil, is where blocks are decompressed, again and
	// again: the events then hold only until the next block is read.
	scratch *[]byte
}

// errCorruptCopy reports a copy that cannot be read.
var errCorruptCopy = errors.New("projections: corrupt event copy")

// copyKey is the key of the copy whose last event is org's seq last.
func copyKey(org string, last uint64) []byte { return key(famEvent, org, "/", last) }

// encodeCopy returns the stored value of a copy of count events whose
// segment is seg, from the message at streamSeq, in a buffer of its own
// size. scratch, if not nil, is where it compresses first, kept for the
// next call: sized for the worst case, a buffer a copy was most of what
// the copies allocated.
func encodeCopy(scratch *[]byte, streamSeq uint64, count int, seg []byte) []byte {
	var own []byte
	if scratch == nil {
		scratch = &own
	}
	*scratch = events.AppendPacked((*scratch)[:0], seg)
	return copyOf(streamSeq, count, seg, *scratch)
}

// copyOf is the stored value of a copy of count events whose segment is
// seg and packed is seg packed: packed if that is smaller.
func copyOf(streamSeq uint64, count int, seg, packed []byte) []byte {
	if len(packed) < len(seg) {
		return copyValue(streamSeq, count, copyBlocks, packed)
	}
	return copyValue(streamSeq, count, copyPlain, seg)
}

// copyValue lays out a copy's stored value, in memory of its own size.
func copyValue(streamSeq uint64, count int, form byte, body []byte) []byte {
	v := make([]byte, 0, 8+1+binary.MaxVarintLen64+len(body))
	v = binary.BigEndian.AppendUint64(v, streamSeq)
	v = append(v, form)
	v = binary.AppendUvarint(v, uint64(count))
	return append(v, body...)
}

// withStreamSeq returns a copy's stored value moved to another message.
func withStreamSeq(stored []byte, streamSeq uint64) []byte {
	v := slices.Clone(stored)
	binary.BigEndian.PutUint64(v, streamSeq)
	return v
}

// decodeCopy reads the header of the stored value v of the copy keyed by
// last. The copy reads its blocks from v as they are asked for; the
// events it returns are in memory of their own (see scratch).
func decodeCopy(last uint64, v []byte) (msgCopy, error) {
	if len(v) < 10 {
		return msgCopy{}, errCorruptCopy
	}
	count, n := binary.Uvarint(v[9:])
	if n <= 0 || count == 0 || count > last {
		return msgCopy{}, errCorruptCopy
	}
	first := last - count + 1
	if v[8] != copyPlain && v[8] != copyBlocks {
		return msgCopy{}, fmt.Errorf("%w: form %d", errCorruptCopy, v[8])
	}
	return msgCopy{first: first, count: count, streamSeq: binary.BigEndian.Uint64(v), form: v[8], body: v[9+n:], stored: v, blk: -1}, nil
}

// holds reports whether the copy holds seq.
func (c *msgCopy) holds(seq uint64) bool { return c.first <= seq && seq-c.first < c.count }

// blocks is how many blocks the copy has.
func (c *msgCopy) blocks() int {
	if c.form == copyPlain {
		return 1
	}
	return int((c.count + copyBlockEvents - 1) / copyBlockEvents)
}

// block returns block b's events, a newline between each two, checked to
// be as many as the header says.
func (c *msgCopy) block(b int) ([]byte, error) {
	if b == c.blk {
		return c.blkData, nil
	}
	var data, dst []byte
	if c.scratch != nil {
		dst = (*c.scratch)[:cap(*c.scratch)]
	}
	want := c.count
	if c.form == copyPlain {
		data = append(dst[:0], c.body...)
	} else {
		var blk []byte
		rest := c.body
		for i := 0; i <= b; i++ {
			var ok bool
			if blk, rest, ok = events.CutBlock(rest); !ok {
				return nil, fmt.Errorf("%w: block %d cut short", errCorruptCopy, i)
			}
		}
		if b == c.blocks()-1 && len(rest) != 0 {
			return nil, fmt.Errorf("%w: bytes after the last block", errCorruptCopy)
		}
		var err error
		if data, err = s2.Decode(dst, blk); err != nil {
			return nil, fmt.Errorf("%w: block %d: %v", errCorruptCopy, b, err)
		}
		want = min(copyBlockEvents, c.count-uint64(b)*copyBlockEvents)
	}
	if got := uint64(bytes.Count(data, []byte{'\n'})) + 1; got != want {
		return nil, fmt.Errorf("%w: %d events in block %d, header says %d", errCorruptCopy, got, b, want)
	}
	if c.scratch != nil {
		*c.scratch = data
	}
	c.blk, c.blkData = b, data
	return data, nil
}

// event returns the bytes of the copy's event seq, which it must hold.
func (c *msgCopy) event(seq uint64) (events.Stored, error) {
	k := seq - c.first
	b := 0
	if c.form != copyPlain {
		b, k = int(k/copyBlockEvents), k%copyBlockEvents
	}
	data, err := c.block(b)
	if err != nil {
		return events.Stored{}, err
	}
	for range k {
		data = data[bytes.IndexByte(data, '\n')+1:]
	}
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		data = data[:i]
	}
	return events.Stored{StreamSeq: c.streamSeq, Data: data[:len(data):len(data)]}, nil
}

// each calls fn for the copy's events from seq from on, in order, until fn
// returns false; it reports whether fn always returned true.
func (c *msgCopy) each(from uint64, fn func(seq uint64, st events.Stored) bool) (bool, error) {
	seq, b := c.first, 0
	if from > c.first && c.form != copyPlain {
		b = int((from - c.first) / copyBlockEvents)
		seq += uint64(b) * copyBlockEvents
	}
	for ; b < c.blocks(); b++ {
		data, err := c.block(b)
		if err != nil {
			return false, err
		}
		for len(data) > 0 {
			ev := data
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				ev, data = data[:i], data[i+1:]
			} else {
				data = nil
			}
			if seq >= from && !fn(seq, events.Stored{StreamSeq: c.streamSeq, Data: ev[:len(ev):len(ev)]}) {
				return false, nil
			}
			seq++
		}
	}
	return true, nil
}

// copyReader is what a copy is looked up in: the DB or a snapshot.
type copyReader interface {
	NewIter(*pebble.IterOptions) (*pebble.Iterator, error)
}

// decodeAt decodes the copy the iterator over prefix is at; it is the
// iterator's until the iterator moves.
func decodeAt(it *pebble.Iterator, prefix []byte) (msgCopy, error) {
	last := binary.BigEndian.Uint64(it.Key()[len(prefix):])
	c, err := decodeCopy(last, it.Value())
	if err != nil {
		return msgCopy{}, fmt.Errorf("%w (%s, copy ending at %d)", err, prefix[len(famEvent):len(prefix)-1], last)
	}
	return c, nil
}

// eachCopy calls fn for org's copies holding any of the seqs from … to
// (math.MaxUint64: to the end), in order, until fn returns false or an
// error. A copy is valid only while fn runs.
func eachCopy(r copyReader, org string, from, to uint64, fn func(c *msgCopy) (bool, error)) error {
	prefix := key(famEvent, org, "/")
	// The copy holding from ends at or after it.
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: key(prefix, from), UpperBound: upper(prefix)})
	if err != nil {
		return err
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		c, err := decodeAt(it, prefix)
		if err != nil {
			return err
		}
		if c.first > to {
			return nil
		}
		if more, err := fn(&c); err != nil || !more {
			return err
		}
	}
	return it.Error()
}

// copyRef is a copy a Tx wrote, for its own reads.
type copyRef struct {
	org   string
	first uint64
	count uint64
	v     []byte
}

// writeCopy stores the copy of the events of a message from org's seq
// first on: rest appends their segment to a buffer and counts them, or
// gives the message's data as it came packed, which is kept as it is.
func (t *Tx) writeCopy(org string, first, streamSeq uint64, rest msgRest) {
	bufs := &t.copyBufs
	if t.buf != nil {
		bufs = &t.buf.copyBufs // kept from chunk to chunk
	}
	seg, n, packed := rest(bufs.seg[:0])
	if packed != nil {
		t.putCopy(org, first, uint64(n), copyValue(streamSeq, n, copyBlocks, packed))
		return
	}
	bufs.seg = seg
	t.putCopy(org, first, uint64(n), encodeCopy(&bufs.enc, streamSeq, n, seg))
}

// copyBufs are the buffers writeCopy reuses: a message's events joined,
// and compressed.
type copyBufs struct{ seg, enc []byte }

// putCopy writes a copy's stored value v.
func (t *Tx) putCopy(org string, first, count uint64, v []byte) {
	t.setString(string(copyKey(org, first+count-1)), v)
	t.lastCopy = nil
	if t.sink == nil {
		t.copies = append(t.copies, copyRef{org: org, first: first, count: count, v: v})
	}
}

// copyAt finds the copy holding org's event seq as t sees it: the copies
// t wrote, then those of the Tx it overlays, then its reader.
func (t *Tx) copyAt(org string, seq uint64) (*msgCopy, bool, error) {
	if c := t.lastCopy; c != nil && c.org == org && c.holds(seq) {
		return &c.msgCopy, true, nil
	}
	for _, tx := range [2]*Tx{t, t.over} {
		if tx == nil {
			continue
		}
		for i := len(tx.copies) - 1; i >= 0; i-- {
			r := tx.copies[i]
			if r.org == org && r.first <= seq && seq-r.first < r.count {
				c, err := decodeCopy(r.first+r.count-1, r.v)
				if err != nil {
					return nil, false, err
				}
				t.lastCopy = &orgCopy{org: org, msgCopy: c}
				return &t.lastCopy.msgCopy, true, nil
			}
		}
	}
	r, ok := t.r.(copyReader)
	if !ok {
		return nil, false, fmt.Errorf("projections: no event copies in a %T", t.r)
	}
	evs, err := newEventReader(r, org)
	if err != nil {
		return nil, false, err
	}
	defer evs.Close()
	in, found, err := evs.copyAt(seq)
	if err != nil || !found {
		return nil, false, err
	}
	// Kept, out of the iterator's memory: a copy moved to another message
	// is made from it (withStreamSeq), and the next event is likely in it.
	c := *in
	c.stored = slices.Clone(in.stored)
	c.body = c.stored[len(c.stored)-len(in.body):]
	c.blk, c.blkData, c.scratch = -1, nil, nil
	t.lastCopy = &orgCopy{org: org, msgCopy: c}
	return &t.lastCopy.msgCopy, true, nil
}

// orgCopy is a decoded copy with its org, the last one a Tx looked up.
type orgCopy struct {
	org string
	msgCopy
}

// Event returns org's event seq as t sees it.
func (t *Tx) Event(org string, seq uint64) (events.Stored, bool, error) {
	c, ok, err := t.copyAt(org, seq)
	if err != nil || !ok {
		return events.Stored{}, false, err
	}
	st, err := c.event(seq)
	return st, err == nil, err
}

// msgRest appends to dst the segment of a message's events from the one
// being applied to the message's end, and returns it with their number;
// or, when the one being applied is the message's first and the message
// came packed (events.Stored.Packed), returns dst as it was, their number
// and the packed data.
type msgRest func(dst []byte) (seg []byte, n int, packed []byte)

// appendRest is msgRest over events in stream order: msgs[0] holds the
// event being applied, and the message's other events follow it; raw
// gives an element's event.
func appendRest[E any](dst []byte, msgs []E, raw func(*E) *events.Stored) ([]byte, int, []byte) {
	packed := raw(&msgs[0]).Packed
	n := 0
	for i := range msgs {
		m := raw(&msgs[i])
		if m.StreamSeq != raw(&msgs[0]).StreamSeq {
			break
		}
		if packed == nil {
			dst = events.AppendToSegment(dst, m.Data)
		}
		n++
	}
	return dst, n, packed
}

func storedOf(s *events.Stored) *events.Stored { return s }

// eventReader reads an org's events one after another through one
// iterator over its copies, for the queries that read many (trails,
// reports, audits): a seek each, and a block's decompression, into one
// buffer, only when the event is not in the block read last. Store.Event
// makes and drops an iterator for every event, and a buffer. The reader
// sees the store as it was when it was made.
type eventReader struct {
	it     *pebble.Iterator
	prefix []byte
	c      msgCopy
	ok     bool   // c is the copy the iterator is at
	buf    []byte // where blocks are decompressed
}

// eventReader returns a reader of org's events; Close releases it.
func (s *Store) eventReader(org string) (*eventReader, error) { return newEventReader(s.db, org) }

// newEventReader returns a reader of org's events in r.
func newEventReader(r copyReader, org string) (*eventReader, error) {
	prefix := key(famEvent, org, "/")
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper(prefix)})
	if err != nil {
		return nil, err
	}
	return &eventReader{it: it, prefix: prefix}, nil
}

// copyAt returns the copy holding seq, the iterator's until the reader
// seeks again.
func (r *eventReader) copyAt(seq uint64) (*msgCopy, bool, error) {
	if r.ok && r.c.holds(seq) {
		return &r.c, true, nil
	}
	r.ok = false
	if !r.it.SeekGE(key(r.prefix, seq)) {
		return nil, false, r.it.Error()
	}
	c, err := decodeAt(r.it, r.prefix)
	if err != nil {
		return nil, false, err
	}
	c.scratch = &r.buf
	r.c, r.ok = c, true
	return &r.c, c.holds(seq), nil
}

// event returns the org's event seq. Its bytes hold until the next call:
// the reader decompresses every block into the same buffer.
func (r *eventReader) event(seq uint64) (events.Stored, bool, error) {
	c, ok, err := r.copyAt(seq)
	if err != nil || !ok {
		return events.Stored{}, false, err
	}
	st, err := c.event(seq)
	return st, err == nil, err
}

// Close releases the reader's iterator.
func (r *eventReader) Close() error { return r.it.Close() }
