package events

import (
	"bytes"
	"fmt"
)

// A segment is the data of one stream message: one or more consecutive
// events of one org, each in its canonical encoding, separated by a single
// newline (0x0A). The canonical encoding is compact JSON, in which a newline
// can only appear escaped, so the separator is unambiguous. A segment of one
// event is exactly that event's bytes. The ledger appends each group of
// commands as one segment: one message is atomic and costs one publish,
// where JetStream's atomic batches cost milliseconds each (docs/architecture.md).

// JoinSegment builds a segment from event encodings. When they already lie
// one after another in one array, a newline between each two, as the
// ledger's writer seals them (the first with the capacity to reach the
// last), it returns that span rather than a copy: the result then shares
// their memory.
func JoinSegment(evs [][]byte) []byte {
	if len(evs) == 1 {
		return evs[0]
	}
	if seg, ok := laidOut(evs); ok {
		return seg
	}
	return bytes.Join(evs, []byte{'\n'})
}

// laidOut returns the segment evs already form in memory.
func laidOut(evs [][]byte) ([]byte, bool) {
	if len(evs) == 0 || len(evs[0]) == 0 {
		return nil, false
	}
	n := len(evs) - 1
	for _, e := range evs {
		n += len(e)
	}
	if cap(evs[0]) < n {
		return nil, false
	}
	seg := evs[0][:n]
	at := len(evs[0])
	for _, e := range evs[1:] {
		if len(e) == 0 || seg[at] != '\n' || &seg[at+1] != &e[0] {
			return nil, false
		}
		at += 1 + len(e)
	}
	return seg, true
}

// AppendToSegment appends one event's encoding to segment, which may be
// empty, and returns the longer segment.
func AppendToSegment(segment, event []byte) []byte {
	if len(segment) > 0 {
		segment = append(segment, '\n')
	}
	return append(segment, event...)
}

// SplitSegment returns the event encodings of a segment, in order. The
// slices share data's memory.
func SplitSegment(data []byte) ([][]byte, error) {
	out := bytes.Split(data, []byte{'\n'})
	for i, part := range out {
		if len(part) == 0 {
			return nil, fmt.Errorf("%w: empty event in a segment (event %d of %d)", ErrMalformed, i+1, len(out))
		}
	}
	return out, nil
}

// SegmentHolds reports whether a segment holds an event's exact bytes.
func SegmentHolds(segment, event []byte) bool {
	evs, err := SplitSegment(segment)
	if err != nil {
		return false
	}
	for _, e := range evs {
		if bytes.Equal(e, event) {
			return true
		}
	}
	return false
}
