package events

import (
	"bytes"
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

// TestJoinSegmentUsesTheLayout checks that events already laid out as a
// segment in one array are joined without a copy, and that anything short
// of that layout is copied, with the same bytes either way.
func TestJoinSegmentUsesTheLayout(t *testing.T) {
	buf := []byte("{\"a\":1}\n{\"b\":2}\n{\"c\":3}")
	laid := [][]byte{buf[0:7], buf[8:15:15], buf[16:23:23]}
	apart := [][]byte{[]byte(`{"a":1}`), []byte(`{"b":2}`), []byte(`{"c":3}`)}
	badSep := []byte("{\"a\":1}x{\"b\":2}")
	for _, tc := range []struct {
		name   string
		evs    [][]byte
		shared bool
	}{
		{"laid out", laid, true},
		{"a prefix of the layout", laid[:2], true},
		{"separate arrays", apart, false},
		{"first capped", [][]byte{buf[0:7:7], laid[1], laid[2]}, false},
		{"out of order", [][]byte{laid[0], laid[2]}, false},
		{"another separator", [][]byte{badSep[0:7], badSep[8:15]}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := JoinSegment(tc.evs)
			if want := bytes.Join(tc.evs, []byte{'\n'}); !bytes.Equal(got, want) {
				t.Fatalf("JoinSegment = %q, want %q", got, want)
			}
			if shared := &got[0] == &tc.evs[0][0]; shared != tc.shared {
				t.Fatalf("shares the events' memory: %v, want %v", shared, tc.shared)
			}
		})
	}
}

// TestAppendToSegment builds segments event by event: the same bytes as
// JoinSegment, and SplitSegment gives the events back.
func TestAppendToSegment(t *testing.T) {
	for _, evs := range [][]string{
		{`{"a":1}`},
		{`{"a":1}`, `{"b":2}`, `{"c":3}`},
	} {
		var seg []byte
		in := make([][]byte, len(evs))
		for i, e := range evs {
			in[i] = []byte(e)
			seg = AppendToSegment(seg, in[i])
		}
		if want := bytes.Join(in, []byte{'\n'}); !bytes.Equal(seg, want) {
			t.Fatalf("%q, want %q", seg, want)
		}
		out, err := SplitSegment(seg)
		if err != nil || len(out) != len(evs) {
			t.Fatalf("split: %d events, %v", len(out), err)
		}
		for i := range out {
			if string(out[i]) != evs[i] {
				t.Fatalf("event %d: %q, want %q", i, out[i], evs[i])
			}
		}
	}
}
