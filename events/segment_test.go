package events

import (
	"errors"
	"testing"
)

func TestSegmentRoundTrip(t *testing.T) {
	for _, evs := range [][]string{
		{`{"a":1}`},
		{`{"a":1}`, `{"b":"x\ny"}`, `{"c":3}`},
	} {
		in := make([][]byte, len(evs))
		for i, e := range evs {
			in[i] = []byte(e)
		}
		seg := JoinSegment(in)
		if len(evs) == 1 && string(seg) != evs[0] {
			t.Fatalf("a one-event segment must be the event's bytes, got %q", seg)
		}
		out, err := SplitSegment(seg)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(evs) {
			t.Fatalf("split %q into %d events, want %d", seg, len(out), len(evs))
		}
		for i := range out {
			if string(out[i]) != evs[i] {
				t.Fatalf("event %d: %q, want %q", i, out[i], evs[i])
			}
		}
	}
}

func TestSplitSegmentRefusesEmptyEvents(t *testing.T) {
	for _, seg := range []string{"", "\n", "{}\n", "\n{}", "{}\n\n{}"} {
		if _, err := SplitSegment([]byte(seg)); !errors.Is(err, ErrMalformed) {
			t.Errorf("SplitSegment(%q) = %v, want ErrMalformed", seg, err)
		}
	}
}

func TestSegmentHolds(t *testing.T) {
	seg := JoinSegment([][]byte{[]byte(`{"a":1}`), []byte(`{"b":2}`)})
	for _, tc := range []struct {
		seg, ev string
		want    bool
	}{
		{string(seg), `{"a":1}`, true},
		{string(seg), `{"b":2}`, true},
		{string(seg), `{"a":1}` + "\n" + `{"b":2}`, false},
		{string(seg), `{"a":`, false},
		{`{"a":1}`, `{"a":1}`, true},
		{"\n", ``, false},
	} {
		if got := SegmentHolds([]byte(tc.seg), []byte(tc.ev)); got != tc.want {
			t.Errorf("SegmentHolds(%q, %q) = %v, want %v", tc.seg, tc.ev, got, tc.want)
		}
	}
}
