package projections_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/projections"
)

// TestStagedMessagesApplyLikeTheLongWay applies a chunk in which a message
// the writer staged is followed by messages it did not stage (as when
// another process appends to the same union), and checks the store ends up
// byte for byte like one that projected every event itself. The staged
// changes go straight into the batch, so the projector must commit them
// before it projects the next event of the union the long way.
func TestStagedMessagesApplyLikeTheLongWay(t *testing.T) {
	var (
		prev = events.ZeroHash
		seq  uint64
		msgs [][]ledger.Message // the stream's messages, in order
	)
	seal := func(p events.Payload) ledger.Message {
		t.Helper()
		seq++
		env, data, err := events.Seal(events.Draft{Date: "2025-03-05", Payload: p}, events.Meta{
			ID: fmt.Sprintf("e%d", seq), Org: "h1", Seq: seq, Recorded: time.Unix(0, 0),
			Actor: "p-t", Command: fmt.Sprintf("c%d", seq), CommandHash: events.HashOf([]byte{byte(seq)}), Prev: prev,
		})
		if err != nil {
			t.Fatal(err)
		}
		prev = env.Hash
		return ledger.Message{Env: env, Data: data}
	}
	dues := func(n int) events.Payload {
		return events.DuesReceived{Member: "m1", Period: "2025-03", Amount: events.Fen(1000 * n),
			Receipt: events.Receipt{Book: "B", Number: fmt.Sprint(n)}, Via: events.ViaBank}
	}
	msgs = append(msgs, []ledger.Message{seal(events.OrgOpened{Name: "x", Chart: "2010"})})
	msgs = append(msgs, []ledger.Message{seal(dues(1)), seal(dues(2))}) // staged
	msgs = append(msgs, []ledger.Message{seal(dues(3))})                // not staged
	msgs = append(msgs, []ledger.Message{seal(dues(4)), seal(dues(5))}) // staged
	msgs = append(msgs, []ledger.Message{seal(dues(6))})                // not staged
	chunk := func(from, to int) []events.Stored {
		var out []events.Stored
		for i := from; i < to; i++ {
			for _, m := range msgs[i] {
				out = append(out, events.Stored{StreamSeq: uint64(i + 1), Data: m.Data})
			}
		}
		return out
	}
	stage := func(s *projections.Store, m []ledger.Message) ledger.Scratch {
		t.Helper()
		sc, err := s.Begin(nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range m {
			p, err := events.DecodePayload(x.Env)
			if err != nil {
				t.Fatal(err)
			}
			if err := sc.Apply(x.Env, p); err != nil {
				t.Fatal(err)
			}
		}
		data := make([][]byte, len(m))
		for i, x := range m {
			data[i] = x.Data
		}
		sc.Stage(m, events.AppendPacked(nil, events.JoinSegment(data)))
		return sc
	}
	open := func() (*projections.Store, *projections.Projector) {
		s, err := projections.Open(t.TempDir(), projections.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, projections.NewProjector(s, nil)
	}
	apply := func(p *projections.Projector, c []events.Stored) {
		t.Helper()
		if err := p.Apply(c); err != nil {
			t.Fatal(err)
		}
	}

	staged, sp := open()
	apply(sp, chunk(0, 1))
	// Messages 3 and 5 are another writer's: each is staged by nobody and
	// follows a staged message in the same chunk.
	sc := stage(staged, msgs[1])
	apply(sp, chunk(1, 3)) // staged 2, then 3 the long way: commits 2 first
	sc.Close()
	sc = stage(staged, msgs[3])
	defer sc.Close()
	apply(sp, chunk(3, 5))
	if got := staged.StagedApplied(); got != 2 {
		t.Fatalf("%d messages applied from staged changes, want 2", got)
	}

	plain, pp := open()
	apply(pp, chunk(0, 1))
	apply(pp, chunk(1, 3))
	apply(pp, chunk(3, 5))
	if plain.StagedApplied() != 0 {
		t.Fatal("nothing was staged in the plain store")
	}
	var a, b bytes.Buffer
	if err := staged.Dump(&a); err != nil {
		t.Fatal(err)
	}
	if err := plain.Dump(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatalf("staged and plain stores differ:\nstaged:\n%s\nplain:\n%s", a.String(), b.String())
	}
	bal, err := staged.BalanceAsOf("h1", "102", projections.AsOf{})
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := staged.Head("h1"); h.Seq != seq || bal == 0 {
		t.Fatalf("head %+v, balance of 102 %d", h, bal)
	}
}
