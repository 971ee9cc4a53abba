package node_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
)

// TestEnqueueManyInFlight keeps hundreds of commands of two unions in
// flight from one goroutine: each is answered through its own Pending,
// a union's commands are decided in the order they were queued (so of two
// uses of one receipt the first wins), a retry queued behind its original
// gets the original's events, and refusals append nothing.
func TestEnqueueManyInFlight(t *testing.T) {
	ctx := context.Background()
	n := startNode(t, t.TempDir())
	defer n.Close()
	for _, org := range []string{"h1", "h2"} {
		setup(t, n, org)
	}
	before, err := n.Log.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}

	type sent struct {
		org  string
		want ledger.Code // "" for accepted
		dup  int         // ≥ 0: a retry of sent[dup]
		p    ledger.Pending
	}
	var all []sent
	queue := func(c ledger.Command, want ledger.Code, dup int) {
		t.Helper()
		p, err := n.Service.Enqueue(ctx, c)
		if err != nil {
			t.Fatalf("enqueue %s: %v", c.ID, err)
		}
		all = append(all, sent{org: c.Org, want: want, dup: dup, p: p})
	}
	const each = 300
	for i := range each {
		for _, org := range []string{"h1", "h2"} {
			queue(ledgertest.Dues(org, fmt.Sprintf("d%d", i), "2025-03-05", fmt.Sprintf("m%d", i), "12.00", "B1", fmt.Sprint(i)), "", -1)
		}
		switch i {
		case 100: // receipt 50 of h1 again, under a new command id
			queue(ledgertest.Dues("h1", "again", "2025-03-05", "m1", "12.00", "B1", "50"), ledger.CodeDuplicateRecpt, -1)
		case 200: // command d150 of h2 retried: the same command
			queue(ledgertest.Dues("h2", "d150", "2025-03-05", "m150", "12.00", "B1", "150"), "", 2*150+1+1)
		case 250: // command id d10 of h1 reused for another command
			queue(ledgertest.Dues("h1", "d10", "2025-03-05", "m1", "99.00", "B1", "9999"), ledger.CodeCommandIDReused, -1)
		}
	}
	if _, err := n.Service.Enqueue(ctx, ledger.Command{Type: "receive_dues", Org: "h1"}); ledger.ErrorCode(err) != ledger.CodeInvalid {
		t.Fatalf("a command without an id: got %v, want %s from Enqueue itself", err, ledger.CodeInvalid)
	}

	last := map[string]uint64{}
	accepted := 0
	for i, s := range all {
		res, err := s.p.Wait(ctx)
		select {
		case <-s.p.Done():
		default:
			t.Fatalf("command %d: Wait returned but Done is not closed", i)
		}
		if res2, err2 := s.p.Wait(ctx); ledger.ErrorCode(err2) != ledger.ErrorCode(err) || len(res2.Events) != len(res.Events) {
			t.Fatalf("command %d: a second Wait gave %+v, %v; the first %+v, %v", i, res2, err2, res, err)
		}
		if s.want != "" {
			if ledger.ErrorCode(err) != s.want {
				t.Fatalf("command %d: got %+v, %v; want %s", i, res, err, s.want)
			}
			continue
		}
		if err != nil {
			t.Fatalf("command %d: %v", i, err)
		}
		if s.dup >= 0 {
			orig, _ := all[s.dup].p.Wait(ctx)
			if !res.Duplicate || res.Events[0] != orig.Events[0] {
				t.Fatalf("retry %d: %+v, original %+v", i, res, orig)
			}
			continue
		}
		if len(res.Events) != 1 || res.Duplicate {
			t.Fatalf("command %d: %+v", i, res)
		}
		if seq := res.Events[0].Seq; seq <= last[s.org] {
			t.Fatalf("command %d of %s: seq %d after %d; a union's commands must be decided in queue order", i, s.org, seq, last[s.org])
		}
		last[s.org] = res.Events[0].Seq
		accepted++
	}
	if accepted != 2*each {
		t.Fatalf("%d accepted, want %d", accepted, 2*each)
	}
	after, err := n.Log.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Store.Applied(); got != after {
		t.Fatalf("store applied %d, stream last %d", got, after)
	}
	// Every accepted command is one event in one of the messages appended
	// since; the refusals and the retry appended nothing.
	evs := 0
	for _, org := range []string{"h1", "h2"} {
		h0 := uint64(0)
		for _, s := range all {
			if s.org == org && s.want == "" && s.dup < 0 {
				res, _ := s.p.Wait(ctx)
				if h0 == 0 {
					h0 = res.Events[0].Seq
				}
			}
		}
		h, err := n.Store.Head(org)
		if err != nil {
			t.Fatal(err)
		}
		evs += int(h.Seq - h0 + 1)
	}
	if evs != 2*each {
		t.Fatalf("the unions' heads moved by %d events, want %d", evs, 2*each)
	}
	if after <= before {
		t.Fatalf("stream last sequence %d, was %d", after, before)
	}
}
