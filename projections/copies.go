package projections

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/cockroachdb/pebble/v2"
	"github.com/klauspost/compress/s2"

	"github.com/unionledger/unionledger/events"
)

// Event copies. Pebble keeps a copy of every event, since JetStream syncs
// in the background and may lose a tail that was acknowledged (see
// docs/durability.md). The copy is kept by stream message, not by event:
//
//	e/<org>/<first seq> → stream seq (8 bytes) | form (1) | count (uvarint) | body
//
// holds the events first … first+count-1, which came in the message at
// stream seq. The body is their segment (events.JoinSegment), compressed
// with S2 (form copyS2) unless that does not make it smaller (copyPlain).
// One key and about 200 bytes a dues event, against one key and 540 bytes
// when each event had its own uncompressed copy: the copies were more than
// half of what the store wrote, and of what its compactions rewrote.
// A copy is found by a seek to the last key at or before the event's seq.
const (
	copyPlain byte = 0
	copyS2    byte = 1
)

// msgCopy is one stored copy, its body uncompressed.
type msgCopy struct {
	first, count uint64
	streamSeq    uint64
	seg          []byte // the events' segment
	stored       []byte // the stored value, as decodeCopy was given it
}

// errCorruptCopy reports a copy that cannot be read.
var errCorruptCopy = errors.New("projections: corrupt event copy")

// copyKey is the key of the copy whose first event is org's seq first.
func copyKey(org string, first uint64) []byte { return key(famEvent, org, "/", first) }

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
	head := 8 + 1 + binary.MaxVarintLen64
	if need := head + s2.MaxEncodedLen(len(seg)); cap(*scratch) < need {
		*scratch = make([]byte, need)
	}
	v := (*scratch)[:cap(*scratch)]
	binary.BigEndian.PutUint64(v, streamSeq)
	v[8] = copyS2
	n := 9 + binary.PutUvarint(v[9:], uint64(count))
	if enc := s2.Encode(v[n:], seg); len(enc) < len(seg) {
		return slices.Clone(v[:n+len(enc)])
	}
	v[8] = copyPlain
	return append(slices.Clone(v[:n:n]), seg...)
}

// withStreamSeq returns a copy's stored value moved to another message.
func withStreamSeq(stored []byte, streamSeq uint64) []byte {
	v := slices.Clone(stored)
	binary.BigEndian.PutUint64(v, streamSeq)
	return v
}

// decodeCopy reads the stored value v of the copy keyed by first. Its
// events are in memory of their own; stored is v itself.
func decodeCopy(first uint64, v []byte) (msgCopy, error) {
	if len(v) < 10 {
		return msgCopy{}, errCorruptCopy
	}
	count, n := binary.Uvarint(v[9:])
	if n <= 0 || count == 0 {
		return msgCopy{}, errCorruptCopy
	}
	c := msgCopy{first: first, count: count, streamSeq: binary.BigEndian.Uint64(v), stored: v}
	body := v[9+n:]
	switch v[8] {
	case copyPlain:
		c.seg = slices.Clone(body)
	case copyS2:
		seg, err := s2.Decode(nil, body)
		if err != nil {
			return msgCopy{}, fmt.Errorf("%w: %v", errCorruptCopy, err)
		}
		c.seg = seg
	default:
		return msgCopy{}, fmt.Errorf("%w: form %d", errCorruptCopy, v[8])
	}
	if got := uint64(bytes.Count(c.seg, []byte{'\n'})) + 1; got != count {
		return msgCopy{}, fmt.Errorf("%w: %d events, header says %d", errCorruptCopy, got, count)
	}
	return c, nil
}

// holds reports whether the copy holds seq.
func (c *msgCopy) holds(seq uint64) bool { return c.first <= seq && seq-c.first < c.count }

// event returns the bytes of the copy's event seq, which it must hold.
// They share the copy's memory.
func (c *msgCopy) event(seq uint64) events.Stored {
	seg := c.seg
	for range seq - c.first {
		seg = seg[bytes.IndexByte(seg, '\n')+1:]
	}
	if i := bytes.IndexByte(seg, '\n'); i >= 0 {
		seg = seg[:i]
	}
	return events.Stored{StreamSeq: c.streamSeq, Data: seg[:len(seg):len(seg)]}
}

// each calls fn for the copy's events from seq from on, in order, until fn
// returns false; it reports whether fn always returned true.
func (c *msgCopy) each(from uint64, fn func(seq uint64, st events.Stored) bool) bool {
	seg, seq := c.seg, c.first
	for len(seg) > 0 {
		ev := seg
		if i := bytes.IndexByte(seg, '\n'); i >= 0 {
			ev, seg = seg[:i], seg[i+1:]
		} else {
			seg = nil
		}
		if seq >= from && !fn(seq, events.Stored{StreamSeq: c.streamSeq, Data: ev[:len(ev):len(ev)]}) {
			return false
		}
		seq++
	}
	return true
}

// copyReader is what a copy is looked up in: the DB or a snapshot.
type copyReader interface {
	NewIter(*pebble.IterOptions) (*pebble.Iterator, error)
}

// copyIn finds the copy holding org's event seq in r.
func copyIn(r copyReader, org string, seq uint64) (msgCopy, bool, error) {
	prefix := key(famEvent, org, "/")
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: key(prefix, seq+1)})
	if err != nil {
		return msgCopy{}, false, err
	}
	defer it.Close()
	if !it.Last() {
		return msgCopy{}, false, it.Error()
	}
	// Cloned: the value is the iterator's, and a copy moved to another
	// message is made from it (withStreamSeq).
	c, err := decodeCopy(binary.BigEndian.Uint64(it.Key()[len(prefix):]), slices.Clone(it.Value()))
	if err != nil {
		return msgCopy{}, false, fmt.Errorf("%w (%s/%d)", err, org, seq)
	}
	return c, c.holds(seq), nil
}

// eachCopy calls fn for org's copies holding any of the seqs from … to
// (math.MaxUint64: to the end), in order, until fn returns false.
func eachCopy(r copyReader, org string, from, to uint64, fn func(c *msgCopy) bool) error {
	prefix := key(famEvent, org, "/")
	hi := upper(prefix)
	if to < math.MaxUint64 {
		hi = key(prefix, to+1)
	}
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: hi})
	if err != nil {
		return err
	}
	defer it.Close()
	// The copy holding from starts at or before it.
	ok := it.SeekLT(key(prefix, from+1))
	if !ok {
		ok = it.First()
	}
	for ; ok; ok = it.Next() {
		c, err := decodeCopy(binary.BigEndian.Uint64(it.Key()[len(prefix):]), it.Value())
		if err != nil {
			return fmt.Errorf("%w (%s, copy at %d)", err, org, binary.BigEndian.Uint64(it.Key()[len(prefix):]))
		}
		if c.first+c.count <= from {
			continue
		}
		if !fn(&c) {
			return nil
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
// first on: rest appends their segment to a buffer and counts them.
func (t *Tx) writeCopy(org string, first, streamSeq uint64, rest msgRest) {
	bufs := &t.copyBufs
	if t.buf != nil {
		bufs = &t.buf.copyBufs // kept from chunk to chunk
	}
	seg, n := rest(bufs.seg[:0])
	bufs.seg = seg
	t.putCopy(org, first, uint64(n), encodeCopy(&bufs.enc, streamSeq, n, seg))
}

// copyBufs are the buffers writeCopy reuses: a message's events joined,
// and compressed.
type copyBufs struct{ seg, enc []byte }

// putCopy writes a copy's stored value v.
func (t *Tx) putCopy(org string, first, count uint64, v []byte) {
	t.setString(string(copyKey(org, first)), v)
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
				c, err := decodeCopy(r.first, r.v)
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
	c, ok, err := copyIn(r, org, seq)
	if err != nil || !ok {
		return nil, false, err
	}
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
	return c.event(seq), true, nil
}

// msgRest appends to dst the segment of a message's events from the one
// being applied to the message's end, and returns it with their number.
type msgRest func(dst []byte) ([]byte, int)

// appendRest is msgRest over events in stream order: msgs[0] holds the
// event being applied, and the message's other events follow it; raw
// gives an element's event.
func appendRest[E any](dst []byte, msgs []E, raw func(*E) *events.Stored) ([]byte, int) {
	n := 0
	for i := range msgs {
		m := raw(&msgs[i])
		if m.StreamSeq != raw(&msgs[0]).StreamSeq {
			break
		}
		if n > 0 {
			dst = append(dst, '\n')
		}
		dst = append(dst, m.Data...)
		n++
	}
	return dst, n
}

func storedOf(s *events.Stored) *events.Stored { return s }
