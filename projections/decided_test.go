package projections

import (
	"fmt"
	"testing"
	"time"

	"github.com/unionledger/unionledger/events"
)

// TestViewsFindEventsOfOneGroupInFlight checks that a view finds the events
// decided in it and in the view it overlays (neither durable, so neither in
// e/), and that building it cuts the overlaid view's own reach to the view
// before: like their changes, views keep the events of one group in flight.
func TestViewsFindEventsOfOneGroupInFlight(t *testing.T) {
	s := openStore(t)
	var (
		seq  uint64
		prev = events.ZeroHash
	)
	apply := func(v *scratch, p events.Payload) {
		t.Helper()
		seq++
		env, _, err := events.Seal(events.Draft{Date: "2025-03-05", Payload: p}, events.Meta{
			ID: fmt.Sprintf("e%d", seq), Org: "h1", Seq: seq, Recorded: time.Unix(0, 0),
			Actor: "p-t", Command: fmt.Sprintf("c%d", seq), Prev: prev,
		})
		if err != nil {
			t.Fatal(err)
		}
		prev = env.Hash
		if err := v.Apply(env, p); err != nil {
			t.Fatal(err)
		}
	}
	dues := func(n int) events.Payload {
		return events.DuesReceived{Member: "m1", Period: "2025-03", Amount: events.Fen(1000 * n),
			Receipt: events.Receipt{Book: "B", Number: fmt.Sprint(n)}, Via: events.ViaBank}
	}
	var views []*scratch
	for i := range 3 {
		var over *scratch
		if i > 0 {
			over = views[i-1]
		}
		v := beginOver(t, s, over)
		if i == 0 {
			apply(v, events.OrgOpened{Name: "x", Chart: "2010"})
		}
		apply(v, dues(i+1)) // seqs 2, 3, 4
		views = append(views, v)
	}
	for _, c := range []struct {
		seq  uint64
		want bool
	}{{2, false}, {3, true}, {4, true}, {5, false}} {
		pe, ok, err := views[2].PostedEvent("h1", c.seq)
		if err != nil || ok != c.want {
			t.Fatalf("the third view finds event %d: %v %v, want %v", c.seq, ok, err, c.want)
		}
		if ok && (pe.Type != "dues_received" || pe.Date != "2025-03-05" || len(pe.Postings) != 2) {
			t.Fatalf("event %d: %+v", c.seq, pe)
		}
	}
	if views[1].base.over != nil || views[2].base.over != &views[1].base.own {
		t.Fatalf("views chain: second over %p, third over %p (second's own %p)", views[1].base.over, views[2].base.over, &views[1].base.own)
	}
}
