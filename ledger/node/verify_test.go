package node_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"

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
		forge  func(t *testing.T, n *node.Node) []byte
		reason string
		// halts: the projector stops on it. A byte-identical copy of an
		// applied event is skipped instead: that is how republished events
		// are absorbed, and it changes no balance.
		halts bool
	}{
		{"replayed old event", func(t *testing.T, n *node.Node) []byte {
			return eventData(t, n, 5)
		}, "expected seq", false},
		{"altered amount at the next seq", func(t *testing.T, n *node.Node) []byte {
			forged := bytes.Replace(eventData(t, n, 5), []byte(`"seq":5`), []byte(`"seq":8`), 1)
			return bytes.Replace(forged, []byte(`"amount_fen":1000`), []byte(`"amount_fen":1`), 1)
		}, "prev", true},
		{"unknown event type", func(t *testing.T, n *node.Node) []byte {
			return bytes.Replace(eventData(t, n, 5), []byte(`"type":"dues_received"`), []byte(`"type":"cash_taken"`), 1)
		}, "unknown event type", true},
		{"not an event", func(t *testing.T, n *node.Node) []byte { return []byte("hello") }, "malformed", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := startNode(t, t.TempDir())
			defer n.Close()
			submit(t, n, cmd("c1", "open_org", "h1", "2025-01-01", map[string]any{"name": "u", "chart": "2010",
				"officers": []map[string]string{{"person": "p-treasurer", "role": "treasurer"}}}))
			for i := range 3 {
				submit(t, n, cmd(fmt.Sprintf("d%d", i), "receive_dues", "h1", "2025-01-05", map[string]any{
					"member": "m1", "period": "2025-01", "amount": "10.00",
					"receipt": map[string]string{"book": "B", "number": fmt.Sprint(i)}}))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			clean, err := projections.Verify(ctx, n.Log, 7, nil)
			if err != nil || clean.FirstBad != nil || clean.Events != 7 || clean.Orgs["h1"].Seq != 7 {
				t.Fatalf("clean log: %+v %v", clean, err)
			}

			forged := tt.forge(t, n)
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
				if h, _ := n.Store.Head("h1"); h.Seq != 7 || n.Store.Failed() != nil {
					t.Fatalf("identical copy changed the projection: head %d, failed %v", h.Seq, n.Store.Failed())
				}
				// Appends go on after it (the org's expected stream sequence
				// follows the copy).
				res := submit(t, n, cmd("after", "receive_dues", "h1", "2025-01-06", map[string]any{
					"member": "m1", "period": "2025-01", "amount": "10.00",
					"receipt": map[string]string{"book": "B", "number": "after"}}))
				if res.Events[0].Seq != 8 {
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
			if h, _ := n.Store.Head("h1"); h.Seq != 7 {
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
