package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/demo"
	"github.com/unionledger/unionledger/ledger/node"
)

// TestDemoObeysTheRules loads the demo through the real append path: every
// command is accepted (the demo follows every rule: budgets, collective
// decisions, the chair's signature), every expense ends paid, and loading
// it again changes nothing.
func TestDemoObeysTheRules(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n, err := node.Start(ctx, node.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	cmds := demo.Commands(1, 8, 14) // into a second budget year
	for _, c := range cmds {
		if _, err := n.Service.Submit(ctx, c); err != nil {
			t.Fatalf("%s %s: %v", c.Type, c.ID, err)
		}
	}
	paid, decided := 0, 0
	if err := n.Store.ExpensesByStatus(demo.Org, ledger.ExpensePaid, func(e ledger.ExpenseInfo) bool {
		paid++
		if e.Decision != "" {
			decided++
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if paid != 14 || decided == 0 || decided == paid {
		t.Fatalf("%d expenses paid (%d with a collective decision), want 14, some with and some without", paid, decided)
	}
	for _, st := range []ledger.ExpenseStatus{ledger.ExpensePending, ledger.ExpenseApproved} {
		if err := n.Store.ExpensesByStatus(demo.Org, st, func(e ledger.ExpenseInfo) bool {
			t.Errorf("expense %s left %s", e.ID, st)
			return true
		}); err != nil {
			t.Fatal(err)
		}
	}
	before, err := n.Store.Head(demo.Org)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cmds {
		if res, err := n.Service.Submit(ctx, c); err != nil || !res.Duplicate {
			t.Fatalf("reloading %s: %+v %v", c.ID, res, err)
		}
	}
	if after, _ := n.Store.Head(demo.Org); after != before {
		t.Fatalf("reloading the demo moved the head from %+v to %+v", before, after)
	}
}
