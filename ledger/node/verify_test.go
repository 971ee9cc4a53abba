package node_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"

	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/nats"
	"github.com/unionledger/unionledger/ledger/node"
	"github.com/unionledger/unionledger/projections"
)

// TestVerifyFindsTampering forges events straight into JetStream, as
// someone with access to the NATS server could, and checks that verify
// names the first bad stream position and the projector refuses to build
// on it.
func TestVerifyFindsTampering(t *testing.T) {
	tests := []struct {
		name   string
		forge  func(t *testing.T, n *node.Node, last uint64) []byte
		reason string
		// halts: the projector stops on it. A byte-identical copy of an
		// applied event is skipped instead: that is how republished events
		// are absorbed, and it changes no balance.
		halts bool
	}{
		{"replayed old event", func(t *testing.T, n *node.Node, last uint64) []byte {
			return eventData(t, n, last-2)
		}, "expected seq", false},
		{"altered amount at the next seq", func(t *testing.T, n *node.Node, last uint64) []byte {
			forged := bytes.Replace(eventData(t, n, last-2), []byte(fmt.Sprintf(`"seq":%d`, last-2)), []byte(fmt.Sprintf(`"seq":%d`, last+1)), 1)
			return bytes.Replace(forged, []byte(`"amount_fen":1000`), []byte(`"amount_fen":1`), 1)
		}, "prev", true},
		{"unknown event type", func(t *testing.T, n *node.Node, last uint64) []byte {
			return bytes.Replace(eventData(t, n, last-2), []byte(`"type":"dues_received"`), []byte(`"type":"cash_taken"`), 1)
		}, "unknown event type", true},
		{"not an event", func(t *testing.T, n *node.Node, last uint64) []byte { return []byte("hello") }, "malformed", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := startNode(t, t.TempDir())
			defer n.Close()
			setup(t, n, "h1")
			var res ledger.Result
			for i := range 3 {
				res = submit(t, n, ledgertest.Dues("h1", fmt.Sprintf("d%d", i), "2025-01-05", "m1", "10.00", "B", fmt.Sprint(i)))
			}
			last := res.Events[0].Seq // the third dues event; the first is last-2
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			tip, err := n.Log.LastSeq(ctx)
			if err != nil {
				t.Fatal(err)
			}
			clean, err := projections.Verify(ctx, n.Log, tip, nil)
			if err != nil || clean.FirstBad != nil || clean.Events != last || clean.Orgs["h1"].Seq != last {
				t.Fatalf("clean log: %+v %v", clean, err)
			}

			forged := tt.forge(t, n, last)
			ack, err := n.Log.JetStream().PublishMsg(ctx, &natsgo.Msg{Subject: nats.Subject("h1", "dues_received"), Data: forged})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := projections.Verify(ctx, n.Log, ack.Sequence, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.FirstBad == nil || rep.FirstBad.StreamSeq != ack.Sequence {
				t.Fatalf("verify did not name stream seq %d: %+v", ack.Sequence, rep.FirstBad)
			}
			if !bytes.Contains([]byte(rep.FirstBad.Reason), []byte(tt.reason)) {
				t.Fatalf("reason %q does not mention %q", rep.FirstBad.Reason, tt.reason)
			}
			if !tt.halts {
				if err := n.Store.WaitApplied(ctx, ack.Sequence); err != nil {
					t.Fatal(err)
				}
				if h, _ := n.Store.Head("h1"); h.Seq != last || n.Store.Failed() != nil {
					t.Fatalf("identical copy changed the projection: head %d, failed %v", h.Seq, n.Store.Failed())
				}
				// Appends go on after it (the org's expected stream sequence
				// follows the copy).
				res := submit(t, n, ledgertest.Dues("h1", "after", "2025-01-06", "m1", "10.00", "B", "after"))
				if res.Events[0].Seq != last+1 {
					t.Fatalf("next event got seq %d", res.Events[0].Seq)
				}
				return
			}
			// The projector stops on the forged event and says so; nothing
			// after it is applied.
			werr := n.Store.WaitApplied(ctx, ack.Sequence)
			var ce *projections.ChainError
			if werr == nil || n.Store.Failed() == nil || !errors.As(n.Store.Failed(), &ce) || ce.StreamSeq != ack.Sequence {
				t.Fatalf("projector accepted the forged event: wait=%v failed=%v", werr, n.Store.Failed())
			}
			if h, _ := n.Store.Head("h1"); h.Seq != last {
				t.Fatalf("head moved to %d", h.Seq)
			}
		})
	}
}

func eventData(t *testing.T, n *node.Node, seq uint64) []byte {
	t.Helper()
	st, ok, err := n.Store.Event("h1", seq)
	if err != nil || !ok {
		t.Fatalf("event %d: %v", seq, err)
	}
	return st.Data
}
