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

// JoinSegment builds a segment from event encodings.
func JoinSegment(evs [][]byte) []byte {
	if len(evs) == 1 {
		return evs[0]
	}
	return bytes.Join(evs, []byte{'\n'})
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
