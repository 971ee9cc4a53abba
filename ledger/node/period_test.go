package node_test

import (
	"context"
	"math"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/projections"
)

// TestClosedPeriodsAndReversal goes through the real append path: closing
// January, a posting dated in it refused with nothing appended, then a
// reversal (红字冲销) of an expense payment in the open month that restores
// the balances now, while balances as of dates before the reversal still
// show the original payment.
func TestClosedPeriodsAndReversal(t *testing.T) {
	ctx := context.Background()
	n := startNode(t, t.TempDir())
	defer n.Close()
	const org = "h1"
	setup(t, n, org)
	dues := submit(t, n, ledgertest.Dues(org, "d1", "2025-01-10", "m1", "1000.00", "B1", "1"))
	pay := ledgertest.Pay(org, "e1", "2025-01-20", "50102", "300.00", "体育用品店", "篮球")
	var paid ledger.Result
	for _, c := range pay {
		paid = submit(t, n, c)
	}
	if len(paid.Events) == 0 {
		t.Fatal("the payment appended nothing")
	}
	original := paid.Events[len(paid.Events)-1]
	if original.Type != "expense_paid" {
		t.Fatalf("last event of the payment is %s", original.Type)
	}
	submit(t, n, ledgertest.Cmd("cm1", "close_month", org, ledgertest.Treasurer, "2025-02-01", map[string]string{"month": "2025-01"}))

	// A posting dated in January is refused and appends nothing.
	before, err := n.Log.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = n.Service.Submit(ctx, ledgertest.Dues(org, "d2", "2025-01-31", "m2", "10.00", "B1", "2"))
	if ledger.ErrorCode(err) != ledger.CodePeriodClosed {
		t.Fatalf("dues into closed January: want period_closed, got %v", err)
	}
	if after, err := n.Log.LastSeq(ctx); err != nil || after != before {
		t.Fatalf("stream last sequence %d → %d (%v): a refused command wrote something", before, after, err)
	}

	// The payment is reversed in February, the open month.
	rev := submit(t, n, ledgertest.Cmd("rev1", "reverse_event", org, ledgertest.Treasurer, "2025-02-10", map[string]any{
		"seq": original.Seq, "reason": "paid twice; the shop refunded it",
	}))
	if len(rev.Events) != 1 || rev.Events[0].Type != "reversal_posted" {
		t.Fatalf("reversal result %+v", rev)
	}
	st, ok, err := n.Store.Event(org, rev.Events[0].Seq)
	if err != nil || !ok {
		t.Fatalf("reversal event: %v %v", ok, err)
	}
	env, err := events.Decode(st.Data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := events.DecodePayload(env)
	if err != nil {
		t.Fatal(err)
	}
	r := p.(events.ReversalPosted)
	wantLines := []events.Posting{{Account: "50102", Amount: -30000}, {Account: events.AcctBank, Amount: 30000}}
	if r.OriginalSeq != original.Seq || r.OriginalHash != original.Hash || r.OriginalType != "expense_paid" ||
		r.OriginalAggregate != "expense:e1" || len(r.Lines) != 2 || r.Lines[0] != wantLines[0] || r.Lines[1] != wantLines[1] {
		t.Fatalf("reversal payload %+v", r)
	}
	if by, ok, err := n.Store.ReversedBy(org, original.Seq); err != nil || !ok || by != rev.Events[0].Seq {
		t.Fatalf("ReversedBy = %d %v %v, want %d", by, ok, err, rev.Events[0].Seq)
	}

	balances := []struct {
		at        projections.AsOf
		bank, exp events.Fen
		what      string
	}{
		{projections.AsOf{}, 100000, 0, "now: the payment is undone"},
		{projections.AsOf{Date: "2025-01-31"}, 70000, 30000, "January, closed: still shows the payment"},
		{projections.AsOf{Date: "2025-02-09"}, 70000, 30000, "the day before the reversal"},
		{projections.AsOf{Date: "2025-02-10"}, 100000, 0, "the day of the reversal"},
		{projections.AsOf{Seq: original.Seq}, 70000, 30000, "right after the payment"},
		{projections.AsOf{Seq: math.MaxUint64}, 100000, 0, "as of a sequence past the head: now"},
	}
	for _, b := range balances {
		bank, err := n.Store.BalanceAsOf(org, events.AcctBank, b.at)
		if err != nil {
			t.Fatal(err)
		}
		exp, err := n.Store.BalanceAsOf(org, "50102", b.at)
		if err != nil {
			t.Fatal(err)
		}
		if bank != b.bank || exp != b.exp {
			t.Errorf("%s: bank %s, 50102 %s; want %s, %s", b.what, bank.Yuan(), exp.Yuan(), b.bank.Yuan(), b.exp.Yuan())
		}
	}

	// A second reversal of the same payment is refused, and so is a
	// reversal dated in the closed month.
	for _, c := range []struct {
		cmd  ledger.Command
		code ledger.Code
	}{
		{ledgertest.Cmd("rev2", "reverse_event", org, ledgertest.Treasurer, "2025-02-11", map[string]any{"seq": original.Seq, "reason": "again"}), ledger.CodeAlreadyDecided},
		{ledgertest.Cmd("rev3", "reverse_event", org, ledgertest.Treasurer, "2025-01-31", map[string]any{"seq": dues.Events[0].Seq, "reason": "into January"}), ledger.CodePeriodClosed},
	} {
		before, _ := n.Log.LastSeq(ctx)
		if _, err := n.Service.Submit(ctx, c.cmd); ledger.ErrorCode(err) != c.code {
			t.Fatalf("%s: want %s, got %v", c.cmd.ID, c.code, err)
		}
		if after, _ := n.Log.LastSeq(ctx); after != before {
			t.Fatalf("%s: stream moved from %d to %d", c.cmd.ID, before, after)
		}
	}
}
