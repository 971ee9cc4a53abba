package ledger

import (
	"bytes"
	"testing"
	"time"

	"github.com/unionledger/unionledger/events"
)

// TestSealedGroupIsItsSegment checks that the events a writer seals for a
// group, over several commands, lie in one buffer as the group's segment,
// so the message is published without joining them again, and that each
// event's data is exactly its sealed bytes.
func TestSealedGroupIsItsSegment(t *testing.T) {
	w := &writer{svc: NewService(nil, nil, Config{}), org: "o1"}
	dues := func(n string) []events.Draft {
		return []events.Draft{{Date: "2025-03-04", Payload: events.DuesReceived{Member: "m1", Period: "2025-03", Amount: 100,
			Receipt: events.Receipt{Book: "B1", Number: n}, Via: events.ViaCash}}}
	}
	seg := make([]byte, 0, 4096)
	var msgs []Message
	prev, seq := events.ZeroHash, uint64(0)
	for i, n := range []string{"1", "2", "3"} {
		r := &request{cmd: Command{ID: "c" + n, Actor: "p-t"}, hash: "h"}
		out, _, err := w.seal(&seg, append(dues(n), dues(n+"0")...), r, seq, prev, time.Unix(1700000000, int64(i)))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out {
			again, err := events.Decode(m.Data)
			if err != nil || again.Hash != m.Env.Hash {
				t.Fatalf("event %d: data does not decode to its envelope (%v)", m.Env.Seq, err)
			}
		}
		msgs = append(msgs, out...)
		seq, prev = out[len(out)-1].Env.Seq, out[len(out)-1].Env.Hash
	}
	data := make([][]byte, len(msgs))
	for i, m := range msgs {
		data[i] = m.Data
	}
	got := events.JoinSegment(data)
	if !bytes.Equal(got, seg) || &got[0] != &seg[0] {
		t.Fatalf("the segment was copied or differs: %d bytes, the writer's buffer %d", len(got), len(seg))
	}
	if !bytes.Equal(got, bytes.Join(data, []byte{'\n'})) {
		t.Fatal("the segment is not the events joined by newlines")
	}
}
