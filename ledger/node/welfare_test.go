package node_test

import (
	"reflect"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/node"
	"github.com/unionledger/unionledger/projections"
)

// approvePending submits the chair's signed approval of a pending expense,
// signed over the expense as the ledger holds it.
func approvePending(t *testing.T, n *node.Node, org, id, date string) {
	t.Helper()
	c, ok, err := ledgertest.ApprovePending(n.Store, org, id, date)
	if err != nil || !ok {
		t.Fatalf("pending expense %s: %v %v", id, ok, err)
	}
	submit(t, n, c)
}

// festivalLine is the member's yearly festival total from the read side.
func festivalLine(t *testing.T, n *node.Node, member string) (projections.WelfareLine, projections.WelfareStatement) {
	t.Helper()
	s, err := n.Store.WelfareReceived("h1", member, "2025")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range s.Lines {
		if l.Occasion == events.OccasionFestival && l.Festival == "" {
			return l, s
		}
	}
	t.Fatalf("no festival line for %s: %+v", member, s)
	return projections.WelfareLine{}, s
}

// TestWelfareEndToEnd plans festival rounds under Anhui's policy through
// the real append path, pays one through the expense lifecycle (the chair's
// signature, the budget, no overdraft), cancels another, and checks that
// every refusal leaves the log where it was, that the read side reports
// each member against the cap in force, and that a rebuild from the log
// gives the same projection bytes.
func TestWelfareEndToEnd(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	closed := false
	defer func() {
		if !closed {
			n.Close()
		}
	}()
	setup(t, n, "h1")
	for _, c := range ledgertest.Members("h1", "m1", "m2") {
		submit(t, n, c)
	}
	submit(t, n, ledgertest.Dues("h1", "d1", "2025-01-05", "m1", "2500.00", "B1", "1"))

	// No policy yet: the round is refused.
	r1 := ledgertest.Round("h1", "R1", "2025-01-20", events.OccasionFestival, "spring_festival", "1000.00", events.FormGoods, "m1", "m2")
	refuse(t, n, r1, ledger.CodeStateConflict)
	submit(t, n, ledgertest.AnhuiPolicy("h1", "2025"))

	res := submit(t, n, r1)
	if len(res.Events) != 2 || res.Events[0].Type != "welfare_round_planned" || res.Events[1].Type != "expense_requested" {
		t.Fatalf("plan: %+v", res)
	}
	// The round cannot be paid before the chair signs.
	pay := ledgertest.Cmd("R1:pay", "pay_expense", "h1", ledgertest.Treasurer, "2025-01-22", map[string]string{"expense": "R1"})
	refuse(t, n, pay, ledger.CodeNotApproved)
	approvePending(t, n, "h1", "R1", "2025-01-21")
	submit(t, n, pay)
	if bal, err := n.Store.Balance("h1", events.AcctBank); err != nil || bal != 50000 {
		t.Fatalf("bank after paying R1: %d %v", bal, err)
	}
	if r, ok, err := n.Store.WelfareRound("h1", "R1"); err != nil || !ok || r.Status != ledger.WelfarePaid || r.Total != 200000 {
		t.Fatalf("round R1: %+v %v %v", r, ok, err)
	}

	// Refusals leave the log where it was.
	refuse(t, n, ledgertest.Round("h1", "R2", "2025-09-15", events.OccasionFestival, "mid_autumn", "1000.01", events.FormGoods, "m1"), ledger.CodeOverCap)
	refuse(t, n, ledgertest.Round("h1", "R2", "2025-09-15", events.OccasionFestival, "mid_autumn", "100.00", events.FormCash, "m1"), ledger.CodeProhibited)
	refuse(t, n, ledgertest.Round("h1", "R2", "2025-12-25", events.OccasionFestival, "christmas", "100.00", events.FormGoods, "m1"), ledger.CodeNotFestival)
	refuse(t, n, ledgertest.Round("h1", "R2", "2026-01-01", events.OccasionFestival, "new_year", "100.00", events.FormGoods, "m1"), ledger.CodeStateConflict)
	refuse(t, n, ledgertest.Round("h1", "R2", "2025-09-15", events.OccasionFestival, "mid_autumn", "100.00", events.FormGoods, "m9"), ledger.CodeUnknownPerson)

	// Exactly at the cap, then cancelled: the amount is released.
	submit(t, n, ledgertest.Round("h1", "R2", "2025-09-15", events.OccasionFestival, "mid_autumn", "1000.00", events.FormGoods, "m1"))
	if l, _ := festivalLine(t, n, "m1"); l.Granted != 200000 || l.Remaining != 0 {
		t.Fatalf("m1 at the cap: %+v", l)
	}
	res = submit(t, n, ledgertest.Cmd("R2:cancel", "cancel_welfare_round", "h1", ledgertest.Treasurer, "2025-09-01", map[string]string{"round": "R2", "reason": "改发实物"}))
	if len(res.Events) != 2 || res.Events[0].Type != "welfare_round_cancelled" || res.Events[1].Type != "expense_cancelled" {
		t.Fatalf("cancel: %+v", res)
	}
	l, s := festivalLine(t, n, "m1")
	if l.Granted != 100000 || !l.Capped || l.Cap != 200000 || l.Remaining != 100000 || s.Province != "安徽" {
		t.Fatalf("m1 after cancelling R2: %+v", s)
	}
	wantRounds := []projections.WelfareRoundRef{
		{Round: "R1", Occasion: "festival", Festival: "spring_festival", Standard: 100000, Date: "2025-01-20", Status: ledger.WelfarePaid},
		{Round: "R2", Occasion: "festival", Festival: "mid_autumn", Standard: 100000, Date: "2025-09-15", Status: ledger.WelfareCancelled},
	}
	if !reflect.DeepEqual(s.Rounds, wantRounds) {
		t.Fatalf("m1's rounds: %+v", s.Rounds)
	}
	var birthday *projections.WelfareLine
	for i := range s.Lines {
		if s.Lines[i].Occasion == events.OccasionBirthday {
			birthday = &s.Lines[i]
		}
	}
	if birthday == nil || birthday.Granted != 0 || birthday.Cap != 30000 || birthday.Remaining != 30000 {
		t.Fatalf("m1's birthday line: %+v", birthday)
	}

	// The round's money goes through the expense rules: 600 to pay, 500 in
	// the bank, so the payment is refused and nothing is written.
	submit(t, n, ledgertest.Round("h1", "R3", "2025-06-01", events.OccasionBirthday, "", "300.00", events.FormGoods, "m1", "m2"))
	approvePending(t, n, "h1", "R3", "2025-06-01")
	refuse(t, n, ledgertest.Cmd("R3:pay", "pay_expense", "h1", ledgertest.Treasurer, "2025-06-02", map[string]string{"expense": "R3"}), ledger.CodeOverdraft)

	before := dump(t, n)
	n.Close()
	closed = true
	sameDump(t, "welfare projection rebuilt from the log", before, rebuiltDump(t, dir))
}
