package events

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/klauspost/compress/s2"
)

// A packed segment is a segment compressed, as the ledger publishes it and
// as Pebble keeps its copy:
//
//	packed = block, block, …
//	block  = length (4 bytes, big-endian) | a Snappy block of that length
//
// The segment is cut after every PackBlockEvents events; each part is
// compressed alone in Snappy's block format (not its framing format).
// Decompressing the blocks and joining them with a newline between each
// two gives the segment back. Snappy, written by S2's encoder in its
// Snappy-compatible mode, because a decoder for it exists in every
// language a consumer of the stream may be written in; blocks rather than
// one, because a reader of a copy then decompresses only the block that
// holds the event it wants. A message says it is packed with the header
// EncodingHeader: EncodingPacked (docs/events.md).
const PackBlockEvents = 32

// The message header naming the encoding of a message's data, and its one
// value. A message without the header holds its segment as it is.
const (
	EncodingHeader = "Ledger-Encoding"
	EncodingPacked = "snappy-blocks"
)

// MaxUnpacked bounds the segment a packed message may unpack to, so that a
// forged message cannot make a reader allocate without limit. The ledger's
// own messages are at most ledger.MaxGroupBytes before packing.
const MaxUnpacked = 64 << 20

// AppendPacked appends segment seg, packed, to dst and returns the result.
func AppendPacked(dst, seg []byte) []byte {
	for rest := seg; len(rest) > 0; {
		var part []byte
		part, rest = cutEvents(rest, PackBlockEvents)
		at := len(dst)
		dst = slices.Grow(dst, 4+s2.MaxEncodedLen(len(part)))
		enc := s2.EncodeSnappy(dst[at+4:cap(dst)], part)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(enc)))
		dst = dst[:at+4+len(enc)]
	}
	return dst
}

// cutEvents splits the first n events (or all there are) off seg.
func cutEvents(seg []byte, n int) (head, rest []byte) {
	at := 0
	for range n {
		i := bytes.IndexByte(seg[at:], '\n')
		if i < 0 {
			return seg, nil
		}
		at += i + 1
	}
	return seg[:at-1], seg[at:]
}

// UnpackSegment appends the segment packed holds to dst. canonical reports
// whether its blocks are cut as AppendPacked cuts them, every block but the
// last holding exactly PackBlockEvents events: only then can a copy keep
// the packed bytes as they are (its reader finds an event's block by
// arithmetic). Any error wraps ErrMalformed.
func UnpackSegment(dst, packed []byte) (seg []byte, canonical bool, err error) {
	if len(packed) == 0 {
		return nil, false, fmt.Errorf("%w: empty packed segment", ErrMalformed)
	}
	// Sized once from the blocks' headers: grown block by block, the
	// buffer's copies were most of what unpacking cost.
	total, err := UnpackedSize(packed)
	if err != nil {
		return nil, false, err
	}
	if total > MaxUnpacked {
		return nil, false, fmt.Errorf("%w: packed segment unpacks to more than %d bytes", ErrMalformed, MaxUnpacked)
	}
	dst = slices.Grow(dst, total)
	canonical = true
	short := false // a block before this one held fewer than PackBlockEvents events
	start := len(dst)
	for i := 0; len(packed) > 0; i++ {
		var (
			blk  []byte
			size int
		)
		blk, size, packed, err = nextBlock(packed, i)
		if err != nil {
			return nil, false, err
		}
		if size == 0 {
			return nil, false, fmt.Errorf("%w: packed segment: block %d is empty", ErrMalformed, i+1)
		}
		if len(dst) > start {
			dst = append(dst, '\n')
		}
		at := len(dst)
		dst = slices.Grow(dst, size)[:at+size]
		if _, err := s2.Decode(dst[at:], blk); err != nil {
			return nil, false, fmt.Errorf("%w: packed segment: block %d: %v", ErrMalformed, i+1, err)
		}
		k := bytes.Count(dst[at:], []byte{'\n'}) + 1
		if short || k > PackBlockEvents {
			canonical = false
		}
		short = k < PackBlockEvents
	}
	return dst, canonical, nil
}

// UnpackedSize is the length of the segment packed holds, read from its
// blocks' headers without decompressing them.
func UnpackedSize(packed []byte) (int, error) {
	size := 0
	for i := 0; len(packed) > 0; i++ {
		_, k, rest, err := nextBlock(packed, i)
		if err != nil {
			return 0, err
		}
		if i > 0 {
			size++
		}
		size += k
		packed = rest
	}
	return size, nil
}

// CutBlock cuts the first block off packed: its compressed bytes, and the
// blocks after it. ok is false if packed is too short to hold the block its
// length header announces.
func CutBlock(packed []byte) (blk, rest []byte, ok bool) {
	if len(packed) < 4 || len(packed)-4 < int(binary.BigEndian.Uint32(packed)) {
		return nil, nil, false
	}
	n := int(binary.BigEndian.Uint32(packed))
	return packed[4 : 4+n], packed[4+n:], true
}

// nextBlock cuts the first block (the i-th, for errors) off packed and
// reads the length it decompresses to.
func nextBlock(packed []byte, i int) (blk []byte, size int, rest []byte, err error) {
	blk, rest, ok := CutBlock(packed)
	if !ok {
		return nil, 0, nil, fmt.Errorf("%w: packed segment: block %d cut short", ErrMalformed, i+1)
	}
	if size, err = s2.DecodedLen(blk); err != nil {
		return nil, 0, nil, fmt.Errorf("%w: packed segment: block %d: %v", ErrMalformed, i+1, err)
	}
	return blk, size, rest, nil
}
