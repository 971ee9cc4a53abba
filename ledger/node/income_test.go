package node_test

import (
	"context"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/projections"
)

// TestMoneyIn drives every money-in command through the real append path
// (embedded JetStream, Pebble, projector) and checks the balances of every
// account they touch, the allocation periods (a shortfall is recorded, not
// refused), and that each refusal leaves the stream exactly as it was.
func TestMoneyIn(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	setup(t, n, "h1")
	const tr = ledgertest.Treasurer
	cmd := func(id, typ, actor, date string, data map[string]any) ledger.Command {
		return ledgertest.Cmd(id, typ, "h1", actor, date, data)
	}
	rcpt := func(book, num string) map[string]string { return map[string]string{"book": book, "number": num} }

	for _, c := range []ledger.Command{
		cmd("split", "set_allocation_split", ledgertest.Chair, "2025-01-02", map[string]any{"retained_bp": 6000, "reference": "省总工会 2023-12"}),
		cmd("d1", "receive_dues", tr, "2025-01-05", map[string]any{"member": "m1", "period": "2025-01", "wage": "6789.00", "receipt": rcpt("D", "1")}),
		cmd("d2", "receive_dues", tr, "2025-01-05", map[string]any{"member": "m2", "period": "2025-01", "wage": "5105.00", "basis": "basic_salary", "amount": "25.50", "via": "cash", "receipt": rcpt("D", "2")}),
		cmd("a1", "receive_allocation", tr, "2025-01-25", map[string]any{"period": "2025-01", "wage_bill": "3000000.00", "amount": "60000.00", "remitted": "24000.00", "receipt": rcpt("A", "1")}),
		cmd("a2", "receive_allocation", tr, "2025-02-25", map[string]any{"period": "2025-02", "wage_bill": "3000000.00", "amount": "50000.00", "receipt": rcpt("A", "2")}),
		cmd("s1", "receive_subsidy", tr, "2025-02-10", map[string]any{"account": "40302", "amount": "8000.00", "payer": "市总工会", "memo": "职工书屋", "receipt": rcpt("S", "1")}),
		cmd("s2", "receive_subsidy", tr, "2025-02-11", map[string]any{"account": "40304", "amount": "500.00", "payer": "市总工会", "via": "cash", "receipt": rcpt("S", "2")}),
		cmd("i1", "receive_income", tr, "2025-02-12", map[string]any{"account": "404", "amount": "300.00", "payer": "区人社局", "receipt": rcpt("I", "1")}),
		cmd("i2", "receive_income", tr, "2025-02-12", map[string]any{"account": "405", "amount": "1000.00", "payer": "医院行政", "receipt": rcpt("I", "2")}),
		cmd("i3", "receive_income", tr, "2025-02-12", map[string]any{"account": "406", "amount": "200.00", "payer": "职工书屋", "receipt": rcpt("I", "3")}),
		cmd("i4", "receive_income", tr, "2025-02-12", map[string]any{"account": "407", "amount": "12.34", "payer": "开户银行", "receipt": rcpt("I", "4")}),
		cmd("i5", "receive_income", tr, "2025-02-12", map[string]any{"account": "408", "amount": "5.00", "payer": "x", "via": "cash", "receipt": rcpt("I", "5")}),
		cmd("r1", "remit_allocation", tr, "2025-03-01", map[string]any{"period": "2025-01", "amount": "24000.00", "to": "市总工会", "reference": "TX-1"}),
		cmd("r2", "remit_allocation", tr, "2025-03-01", map[string]any{"period": "2025-02", "amount": "6000.00", "to": "市总工会"}),
	} {
		submit(t, n, c)
	}

	// Fen, debit-positive: income and liabilities are negative.
	want := map[string]events.Fen{
		events.AcctCash:         2550 + 50000 + 500,
		events.AcctBank:         3390 + 6000000 + 5000000 + 800000 + 30000 + 100000 + 20000 + 1234 - 2400000 - 600000,
		events.AcctPayableUpper: -(2400000 + 2000000 - 2400000 - 600000),
		events.AcctDues:         -(3390 + 2550),
		events.AcctAllocation:   -(3600000 + 3000000),
		"40302":                 -800000,
		"40304":                 -50000,
		"404":                   -30000,
		"405":                   -100000,
		"406":                   -20000,
		"407":                   -1234,
		"408":                   -500,
	}
	checkBalances := func(when string) {
		t.Helper()
		for acct, w := range want {
			got, err := n.Store.Balance("h1", acct)
			if err != nil {
				t.Fatal(err)
			}
			if got != w {
				t.Errorf("%s: balance of %s = %d fen, want %d", when, acct, got, w)
			}
		}
	}
	checkBalances("after the money-in commands")

	periods, err := n.Store.AllocationPeriods("h1")
	if err != nil {
		t.Fatal(err)
	}
	wantPeriods := []projections.AllocationPeriod{
		{Period: "2025-01", WageBill: 300000000, Due: 6000000, Received: 6000000, Retained: 3600000, RemittedOwed: 2400000, RemittedPaid: 2400000, Receipts: 1},
		{Period: "2025-02", WageBill: 300000000, Due: 6000000, Received: 5000000, Retained: 3000000, RemittedOwed: 2000000, RemittedPaid: 600000, Shortfall: 1000000, Receipts: 1},
	}
	if len(periods) != len(wantPeriods) {
		t.Fatalf("allocation periods = %+v", periods)
	}
	for i := range periods {
		if periods[i] != wantPeriods[i] {
			t.Errorf("allocation period %d = %+v, want %+v", i, periods[i], wantPeriods[i])
		}
	}

	if p, ok, err := n.Store.AllocationPeriodOf("h1", "2025-02"); err != nil || !ok || p != wantPeriods[1] {
		t.Errorf("AllocationPeriodOf 2025-02 = %+v, %v, %v", p, ok, err)
	}
	if _, ok, err := n.Store.AllocationPeriodOf("h1", "2025-03"); err != nil || ok {
		t.Errorf("AllocationPeriodOf 2025-03: found %v, %v", ok, err)
	}

	refused := []struct {
		name string
		cmd  ledger.Command
		code ledger.Code
	}{
		{"dues receipt reused by a subsidy", cmd("x1", "receive_subsidy", tr, "2025-03-02", map[string]any{"account": "40301", "amount": "1.00", "payer": "x", "receipt": rcpt("D", "1")}), ledger.CodeDuplicateRecpt},
		{"subsidy receipt reused by income", cmd("x2", "receive_income", tr, "2025-03-02", map[string]any{"account": "408", "amount": "1.00", "payer": "x", "receipt": rcpt("S", "1")}), ledger.CodeDuplicateRecpt},
		{"income receipt reused by an allocation", cmd("x3", "receive_allocation", tr, "2025-03-02", map[string]any{"period": "2025-03", "wage_bill": "100", "amount": "2", "receipt": rcpt("I", "5")}), ledger.CodeDuplicateRecpt},
		{"remit more than owed", cmd("x4", "remit_allocation", tr, "2025-03-02", map[string]any{"amount": "14000.01", "to": "市总工会"}), ledger.CodeStateConflict},
		{"subsidy on an income account", cmd("x5", "receive_subsidy", tr, "2025-03-02", map[string]any{"account": "408", "amount": "1.00", "payer": "x", "receipt": rcpt("S", "9")}), ledger.CodeUnknownAccount},
		{"income on a subsidy account", cmd("x6", "receive_income", tr, "2025-03-02", map[string]any{"account": "40301", "amount": "1.00", "payer": "x", "receipt": rcpt("I", "9")}), ledger.CodeUnknownAccount},
		{"income on the parent 403", cmd("x7", "receive_income", tr, "2025-03-02", map[string]any{"account": "403", "amount": "1.00", "payer": "x", "receipt": rcpt("I", "9")}), ledger.CodeUnknownAccount},
		{"remitted share against the policy", cmd("x8", "receive_allocation", tr, "2025-03-25", map[string]any{"period": "2025-03", "wage_bill": "100000", "amount": "2000", "remitted": "1000", "receipt": rcpt("A", "3")}), ledger.CodeInvalid},
		{"allocation above 2%", cmd("x9", "receive_allocation", tr, "2025-03-25", map[string]any{"period": "2025-03", "wage_bill": "100000", "amount": "2000.01", "receipt": rcpt("A", "3")}), ledger.CodeInvalid},
		{"dues disagree with the wage", cmd("x10", "receive_dues", tr, "2025-03-05", map[string]any{"member": "m1", "period": "2025-03", "wage": "6789.00", "amount": "33.94", "receipt": rcpt("D", "3")}), ledger.CodeInvalid},
		{"split set by the treasurer", cmd("x11", "set_allocation_split", tr, "2025-03-05", map[string]any{"retained_bp": 10000}), ledger.CodeWrongRole},
	}
	ctx := context.Background()
	for _, r := range refused {
		before, err := n.Log.LastSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.Service.Submit(ctx, r.cmd); ledger.ErrorCode(err) != r.code {
			t.Errorf("%s: got %v, want %s", r.name, err, r.code)
		}
		after, err := n.Log.LastSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if after != before {
			t.Errorf("%s: refused command moved the stream from %d to %d", r.name, before, after)
		}
	}
	checkBalances("after the refusals")

	// The policy governs what follows it: at 100% retained nothing more is owed.
	submit(t, n, cmd("split2", "set_allocation_split", ledgertest.Admin, "2025-03-20", map[string]any{"retained_bp": 10000}))
	submit(t, n, cmd("a3", "receive_allocation", tr, "2025-03-25", map[string]any{"period": "2025-03", "wage_bill": "100000", "amount": "2000", "receipt": rcpt("A", "3")}))
	if got, err := n.Store.Balance("h1", events.AcctPayableUpper); err != nil || got != want[events.AcctPayableUpper] {
		t.Fatalf("201 after a 100%% retained allocation = %d (%v), want %d", got, err, want[events.AcctPayableUpper])
	}
	if got, err := n.Store.Balance("h1", events.AcctAllocation); err != nil || got != want[events.AcctAllocation]-200000 {
		t.Fatalf("402 after a 100%% retained allocation = %d (%v)", got, err)
	}
}
