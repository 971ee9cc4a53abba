package node_test

import (
	"context"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/node"
	"github.com/unionledger/unionledger/projections"
)

// budgetRefused submits c, wants it refused with code, and checks that the
// refusal wrote nothing: the stream's last sequence is unchanged.
func budgetRefused(t *testing.T, n *node.Node, c ledger.Command, code ledger.Code) {
	t.Helper()
	ctx := context.Background()
	before, err := n.Log.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Service.Submit(ctx, c); ledger.ErrorCode(err) != code {
		t.Fatalf("%s %s: got %v, want %s", c.Type, c.ID, err, code)
	}
	if after, err := n.Log.LastSeq(ctx); err != nil || after != before {
		t.Fatalf("%s %s was refused but the stream moved from %d to %d (%v)", c.Type, c.ID, before, after, err)
	}
}

// budgetSpend submits every command of ledgertest.Pay in union b1, in order. It
// returns false when one is refused with over_budget, after checking that
// the refusal wrote nothing; any other refusal fails the test.
func budgetSpend(t *testing.T, n *node.Node, id, date, account, amount string) bool {
	t.Helper()
	ctx := context.Background()
	for _, c := range ledgertest.Pay("b1", id, date, account, amount, "供应商", "活动") {
		before, err := n.Log.LastSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.Service.Submit(ctx, c); err != nil {
			if ledger.ErrorCode(err) != ledger.CodeOverBudget {
				t.Fatalf("%s %s: %v", c.Type, c.ID, err)
			}
			if after, err := n.Log.LastSeq(ctx); err != nil || after != before {
				t.Fatalf("%s %s was refused but the stream moved from %d to %d (%v)", c.Type, c.ID, before, after, err)
			}
			return false
		}
	}
	return true
}

func budgetEventTypes(r ledger.Result) []string {
	var out []string
	for _, e := range r.Events {
		out = append(out, e.Type)
	}
	return out
}

// TestBudgetChainEndToEnd drives a 2027 budget through its whole chain on
// the real append path (embedded NATS, Pebble), then spends against it:
// within the line, refused beyond it with nothing written, and again
// within it once an approved adjustment raised the line.
func TestBudgetChainEndToEnd(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	setup(t, n, "b1")
	submit(t, n, ledgertest.Dues("b1", "fund", "2025-01-02", "m1", "100000.00", "F", "1"))

	if budgetSpend(t, n, "E0", "2027-02-01", "50102", "1.00") {
		t.Fatal("spending in 2027 without a budget was accepted")
	}

	c := func(id, typ, actor, date string, data map[string]any) ledger.Command {
		return ledgertest.Cmd(id, typ, "b1", actor, date, data)
	}
	lines := []ledgertest.Line{{Account: "501", Amount: "1000.00"}, {Account: "50201", Amount: "500.00"}}
	doc := ledgertest.ApprovalDoc("2027")
	approve := c("approve", "approve_budget", ledgertest.Admin, "2026-12-20", map[string]any{"year": "2027", "document": doc})
	funds := c("funds", "review_budget", ledgertest.Review, "2026-12-10", map[string]any{
		"year": "2027", "stage": "funds_review", "outcome": "pass", "opinion": "收支平衡，同意"})
	committee := c("committee", "review_budget", ledgertest.Committee, "2026-12-05", map[string]any{
		"year": "2027", "stage": "committee", "outcome": "pass"})

	budgetRefused(t, n, approve, ledger.CodeUnknownRef) // nothing drafted yet
	steps := []struct {
		cmd  ledger.Command
		code ledger.Code
		typ  string
	}{
		{c("draft1", "draft_budget", ledgertest.Treasurer, "2026-12-01", map[string]any{"year": "2027", "lines": lines[:1]}), "", "budget_drafted"},
		{funds, ledger.CodeStateConflict, ""},   // the committee reviews first
		{approve, ledger.CodeStateConflict, ""}, // and both before the approval
		{c("committee0", "review_budget", ledgertest.Chair, "2026-12-02", map[string]any{
			"year": "2027", "stage": "committee", "outcome": "return", "opinion": "缺维权支出"}), "", "budget_reviewed"},
		{committee, ledger.CodeStateConflict, ""}, // returned: redraft first
		{c("draft2", "draft_budget", ledgertest.Treasurer, "2026-12-03", map[string]any{"year": "2027", "lines": lines}), "", "budget_drafted"},
		{committee, "", "budget_reviewed"},
		{funds, "", "budget_reviewed"},
		{approve, "", "budget_approved"},
		{c("draft3", "draft_budget", ledgertest.Treasurer, "2027-01-05", map[string]any{"year": "2027", "lines": lines}), ledger.CodeAlreadyDecided, ""},
	}
	for _, s := range steps {
		if s.code != "" {
			budgetRefused(t, n, s.cmd, s.code)
			continue
		}
		if got := budgetEventTypes(submit(t, n, s.cmd)); len(got) != 1 || got[0] != s.typ {
			t.Fatalf("%s: events %v, want [%s]", s.cmd.ID, got, s.typ)
		}
	}

	if !budgetSpend(t, n, "E1", "2027-02-01", "50101", "600.00") || !budgetSpend(t, n, "E2", "2027-03-01", "50102", "400.00") {
		t.Fatal("spending within the line was refused")
	}
	if budgetSpend(t, n, "E3", "2027-03-02", "50104", "0.01") {
		t.Fatal("spending one fen beyond line 501 was accepted")
	}
	if budgetSpend(t, n, "E4", "2027-03-02", "50301", "1.00") {
		t.Fatal("spending on an account no line covers was accepted")
	}

	for _, cmd := range ledgertest.Adjust("b1", "A1", "2027", "2027-07-01", "2027-06-15", ledgertest.Line{Account: "501", Amount: "1500.00"}) {
		submit(t, n, cmd)
	}
	if budgetSpend(t, n, "E5", "2027-06-30", "50104", "0.01") {
		t.Fatal("the raise was used before its date")
	}
	if !budgetSpend(t, n, "E6", "2027-07-01", "50104", "500.00") {
		t.Fatal("spending within the raised line was refused")
	}

	rep, err := n.Store.BudgetVsActual("b1", "2027")
	if err != nil {
		t.Fatal(err)
	}
	want := []projections.BudgetLineReport{
		{Approved: 100000, Adjusted: 150000, Spent: 150000, Remaining: 0},
		{Approved: 50000, Adjusted: 50000, Spent: 0, Remaining: 50000},
	}
	if rep.Status != ledger.BudgetStatusApproved || rep.FundsReviewOpinion != "收支平衡，同意" ||
		rep.Approval == nil || rep.Approval.SHA256 != doc["sha256"] || len(rep.Adjustments) != 1 || len(rep.Lines) != len(want) {
		t.Fatalf("report %+v", rep)
	}
	for i, w := range want {
		got := rep.Lines[i]
		w.Account = got.Account
		if got != w || got.Account.Code != []string{"501", "50201"}[i] {
			t.Errorf("line %d: %+v, want %+v", i, got, w)
		}
	}
	if _, err := n.Store.BudgetVsActual("b1", "2028"); ledger.ErrorCode(err) != ledger.CodeNotFound {
		t.Errorf("report of a year without budget: %v", err)
	}
	if bal, _ := n.Store.Balance("b1", events.AcctBank); bal != 10000000-150000 {
		t.Errorf("bank %d", bal)
	}
}
